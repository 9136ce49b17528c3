// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// The generated setup stubs canvas getContext() with undefined; @grafana/ui's Combobox measures
// option text on a canvas, so give it a context whose measureText answers something plausible.
HTMLCanvasElement.prototype.getContext = () => ({
  measureText: (text) => ({ width: String(text).length * 7 }),
  font: '',
});
