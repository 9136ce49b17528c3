// setupFiles of plugin/jest.grafana13.config.js: what the @grafana/* 13.x set needs in jsdom
// before any test module loads.

// @grafana/ui 13 loads react-dom/server.browser, whose module code expects MessageChannel; jsdom has
// none. A channel whose messages arrive on a later macrotask (a real timer, captured here, so tests
// that fake timers don't hold React's scheduler back) is what the browser gives.
if (typeof global.MessageChannel === 'undefined') {
  const later = global.setTimeout;
  class Port {
    constructor() {
      this.onmessage = null;
      this.other = null;
    }
    postMessage(data) {
      later(() => this.other && this.other.onmessage && this.other.onmessage({ data }), 0);
    }
    start() {}
    close() {
      this.other = null;
    }
    addEventListener(type, listener) {
      if (type === 'message') {
        this.onmessage = listener;
      }
    }
    removeEventListener() {}
  }
  global.MessageChannel = class MessageChannel {
    constructor() {
      this.port1 = new Port();
      this.port2 = new Port();
      this.port1.other = this.port2;
      this.port2.other = this.port1;
    }
  };
}
