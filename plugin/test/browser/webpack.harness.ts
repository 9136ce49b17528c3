// Bundles test/browser/harness.tsx with React and @grafana/* included (in Grafana they are
// provided by the host), for the browser test to open from a file.
import path from 'path';
import type { Configuration } from 'webpack';

// Under jest.grafana13.config.js: React, @grafana/* and the rest that must be one copy resolve from
// that set's own install (compat/grafana13/same-copy.js), for the plugin's code and the root
// packages alike, as if imported there.
const compat = process.env.DOCKPULSE_GRAFANA_COMPAT;
const sameCopy: { dir: string; matches: (request: string) => boolean } | undefined = compat
  ? require(path.join(compat, 'same-copy.js'))
  : undefined;
const plugins: NonNullable<Configuration['resolve']>['plugins'] = sameCopy
  ? [
      {
        apply(resolver: any) {
          const target = resolver.ensureHook('resolve');
          resolver.getHook('resolve').tapAsync('SameCopy', (request: any, context: any, callback: any) => {
            const from: string = request.path || '';
            if (typeof request.request !== 'string' || !sameCopy.matches(request.request) || from === sameCopy.dir || from.startsWith(sameCopy.dir + path.sep)) {
              return callback();
            }
            resolver.doResolve(target, { ...request, path: sameCopy.dir }, `${request.request} from ${sameCopy.dir}`, context, callback);
          });
        },
      },
    ]
  : [];

const config: Configuration = {
  mode: 'development',
  devtool: false,
  context: __dirname,
  entry: './harness.tsx',
  output: {
    path: path.resolve(__dirname, '..', '..', 'test-results', 'browser-harness'),
    filename: 'harness.js',
    clean: true,
  },
  resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx'], plugins },
  module: {
    rules: [
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: { jsc: { target: 'es2020', parser: { syntax: 'typescript', tsx: true } } },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
  performance: { hints: false },
};

export default config;
