import pluginJson from './plugin.json';

export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** The nested datasource's plugin id; the app's pages talk to the API through an instance of it. */
export const DATASOURCE_TYPE = 'dockpulse-containers-datasource';
/** The uid the provisioned datasource and the bundled dashboards use; preferred when several exist. */
export const DATASOURCE_UID = 'dockpulse-api';
/** Dashboard the containers overview and the datasource's containers table link each row to. */
export const CONTAINER_DASHBOARD_URL = '/d/dockpulse-container/dockpulse-container-detail';

/**
 * The container detail dashboard for one container. A name is unique only on its host, so the link
 * sets both variables. The values go in as given: the page encodes them, the datasource's table link
 * passes Grafana's link variables (frames.ts), which Grafana encodes when it fills them in.
 */
export function containerDashboardLink(host: string, container: string): string {
  return `${CONTAINER_DASHBOARD_URL}?var-host=${host}&var-container=${container}`;
}

export enum ROUTES {
  Containers = 'containers',
  Images = 'images',
  Logs = 'logs',
}
