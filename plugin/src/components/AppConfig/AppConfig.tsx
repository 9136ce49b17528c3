import React from 'react';
import type { AppPluginMeta, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { Alert, Stack, Text, TextLink } from '@grafana/ui';
import { DATASOURCE_UID } from '../../constants';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<{}>> {}

/**
 * The app itself has no settings: the API URL and token belong to the Dockpulse datasource, so
 * panels and the app's pages share one place (and the token stays server-side in its secureJsonData).
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const meta: PluginMeta = plugin.meta;
  return (
    <Stack direction="column" gap={2}>
      <Text element="h3">Dockpulse</Text>
      <Text>
        The pages and dashboards of this app read the Dockpulse API through the Dockpulse datasource. Set the API URL
        and token there; a provisioned one has the uid <code>{DATASOURCE_UID}</code>.
      </Text>
      <TextLink href="/connections/datasources/new" inline={false}>
        Add a Dockpulse datasource
      </TextLink>
      {!meta.enabled && (
        <Alert severity="info" title="The app is disabled">
          Enable it to see its pages (Containers, Images, Logs) in the navigation.
        </Alert>
      )}
    </Stack>
  );
};

export default AppConfig;
