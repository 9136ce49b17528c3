// Bundles test/browser/harness.tsx with React and @grafana/* included (in Grafana they are
// provided by the host), for the browser test to open from a file.
import path from 'path';
import type { Configuration } from 'webpack';

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
  resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx'] },
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
