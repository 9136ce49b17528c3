// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// The generated setup stubs canvas getContext() with undefined; @grafana/ui's Combobox measures
// option text on a canvas, so give it a context whose measureText answers something plausible.
HTMLCanvasElement.prototype.getContext = () => ({
  measureText: (text) => ({ width: String(text).length * 7 }),
  font: '',
});

// jsdom has no IntersectionObserver; @grafana/ui's scroll indicators (in Combobox menus) observe
// their edges with one. Nothing scrolls in jsdom, so an observer that never fires is faithful enough.
class NoIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver || NoIntersectionObserver;

// jsdom lays nothing out, so every box measures 0x0 and the virtualised Combobox menu renders no
// options. Give elements a plausible size (as Grafana's own Combobox tests do).
Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
  configurable: true,
  value: () => ({ width: 120, height: 120, top: 0, left: 0, bottom: 0, right: 0, x: 0, y: 0, toJSON() {} }),
});
// @tanstack/virtual-core (3.19) measures its scroll element with clientWidth/clientHeight.
Object.defineProperty(Element.prototype, 'clientHeight', { configurable: true, get: () => 120 });
Object.defineProperty(Element.prototype, 'clientWidth', { configurable: true, get: () => 120 });

// findBy*/waitFor give up after 1 s by default; on a busy 2-core CI machine the first render of a
// page with @grafana/ui can take longer than that (seen: over 5 s at load 9-12). A bound for what
// never appears, not a speed check: a present element is found as soon as it renders.
require('@testing-library/react').configure({ asyncUtilTimeout: 30000 });
