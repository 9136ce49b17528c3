import React, { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { getDataSourceSrv } from '@grafana/runtime';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { DATASOURCE_TYPE, DATASOURCE_UID } from '../constants';
import type { DockpulseApi } from '../datasource/api';
import type { DataSource } from '../datasource/datasource';

/** The parts of the API client the pages use; tests provide a fake. */
export type PagesApi = Pick<DockpulseApi, 'hosts' | 'containers' | 'stats' | 'images' | 'versionsOfImage' | 'logs'>;

const ApiContext = createContext<PagesApi | null>(null);

export const ApiProvider = ApiContext.Provider;

export function useApi(): PagesApi {
  const api = useContext(ApiContext);
  if (!api) {
    throw new Error('useApi() outside <ApiProvider>');
  }
  return api;
}

/** The API client of the preferred Dockpulse datasource, or why there is none. */
async function findApi(preferredUid: string): Promise<{ api?: PagesApi; error?: string }> {
  const srv = getDataSourceSrv();
  const list = srv.getList({ type: DATASOURCE_TYPE });
  const chosen = list.find((d) => d.uid === preferredUid) ?? list[0];
  if (!chosen) {
    return {
      error:
        'No Dockpulse datasource is configured. Add one (Connections > Data sources > Dockpulse) with the API URL.',
    };
  }
  try {
    return { api: ((await srv.get(chosen.uid)) as unknown as DataSource).api };
  } catch (e) {
    return { error: `Could not load the Dockpulse datasource: ${(e as Error).message}` };
  }
}

/**
 * The pages reach the API the same way panels do: through a Dockpulse datasource instance and its
 * data-proxy route, so the token stays on the server. The one the app's settings name
 * (jsonData.datasourceUid, provisioned as dockpulse-api) wins, else the first Dockpulse datasource.
 */
export function DatasourceApiProvider({
  children,
  preferredUid = DATASOURCE_UID,
}: {
  children: ReactNode;
  preferredUid?: string;
}) {
  const [state, setState] = useState<{ api?: PagesApi; error?: string }>({});
  useEffect(() => {
    findApi(preferredUid).then(setState);
  }, [preferredUid]);
  if (state.error) {
    return (
      <Alert severity="warning" title="Dockpulse datasource missing">
        {state.error}
      </Alert>
    );
  }
  if (!state.api) {
    return <LoadingPlaceholder text="Loading datasource..." />;
  }
  return <ApiProvider value={state.api}>{children}</ApiProvider>;
}
