// jest resolver of jest.grafana13.config.js: the same-copy packages (same-copy.js) imported from
// outside this folder resolve from this folder with node's rules (package exports included);
// everything else as jest would.
const path = require('path');
const { dir, matches } = require('./same-copy');

const inside = (from) => from === dir || from.startsWith(dir + path.sep);

module.exports = (request, options) =>
  options.defaultResolver(request, matches(request) && !inside(options.basedir) ? { ...options, basedir: dir } : options);
