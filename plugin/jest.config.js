// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...require('./.config/jest.config'),
  // Editor tests drive @grafana/ui's Combobox with user-event in jsdom; on a 2-core CI machine a
  // test that picks a few options takes several seconds.
  testTimeout: 30_000,
};
