import { DataSourcePlugin } from '@grafana/data';
import { DataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import type { DockpulseOptions, DockpulseQuery, DockpulseSecureOptions } from './types';

export const plugin = new DataSourcePlugin<DataSource, DockpulseQuery, DockpulseOptions, DockpulseSecureOptions>(
  DataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
