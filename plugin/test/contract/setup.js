// jsdom replaces node's globals with a browser's; the API, the batch writer and the PostgreSQL
// client running in-process here need the node ones back (encoders, and timers with unref()).
const util = require('node:util');
const timers = require('node:timers');
Object.assign(globalThis, {
  TextEncoder: util.TextEncoder,
  TextDecoder: util.TextDecoder,
  setImmediate: timers.setImmediate,
  clearImmediate: timers.clearImmediate,
  setTimeout: timers.setTimeout,
  clearTimeout: timers.clearTimeout,
  setInterval: timers.setInterval,
  clearInterval: timers.clearInterval,
});
