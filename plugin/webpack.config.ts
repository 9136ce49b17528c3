// The project's webpack config: Grafana's generated one (.config/, not edited) plus what a nested
// datasource needs. The generated config copies only the app's logos; the datasource's plugin.json
// names its own img/logo.svg relative to dist/datasource/, so that folder is copied too.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [
      ...(base.plugins ?? []),
      new CopyWebpackPlugin({ patterns: [{ from: 'datasource/img', to: 'datasource/img' }] }),
    ],
  };
};

export default config;
