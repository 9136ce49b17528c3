import pluginJson from './plugin.json';

export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** The nested datasource's plugin id; the app's pages talk to the API through an instance of it. */
export const DATASOURCE_TYPE = 'dockpulse-containers-datasource';
/** The uid the provisioned datasource and the bundled dashboards use; preferred when several exist. */
export const DATASOURCE_UID = 'dockpulse-api';
/** Dashboard the containers overview links each row to. */
export const CONTAINER_DASHBOARD_URL = '/d/dockpulse-container/dockpulse-container-detail';

export enum ROUTES {
  Containers = 'containers',
  Images = 'images',
  Logs = 'logs',
}
