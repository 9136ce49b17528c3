// A small fleet: two hosts, containers in every state, a name used on both hosts, two ids that
// share a prefix, and enough look-alikes to page through.
import type { ContainerInfoRow } from '@dockpulse/common';
import { container, host, imageId } from './seed';

export const HOSTS = [host('h1', 'alpha'), host('h2', 'beta')];

export const FLEET: ContainerInfoRow[] = [
  container('h1', 'web-1', { labels: { tier: 'front', team: 'shop' }, compose_project: 'shop', compose_service: 'web' }),
  container('h1', 'web-2', { labels: { tier: 'front', team: 'shop' }, compose_project: 'shop', compose_service: 'web' }),
  container('h1', 'db', { image: 'postgres:15', image_id: imageId('postgres:15'), labels: { tier: 'back' }, compose_project: 'shop', compose_service: 'db' }),
  container('h1', 'worker', { image: 'busybox:latest', image_id: imageId('busybox:latest'), state: 'exited', exit_code: 1 }),
  container('h1', 'cron', { image: 'busybox:latest', image_id: imageId('busybox:latest'), state: 'paused' }),
  container('h1', 'twin-a', { container_id: `abcd1${'1'.repeat(59)}` }),
  container('h1', 'twin-b', { container_id: `abcd2${'2'.repeat(59)}` }),
  container('h2', 'web-1', { labels: { tier: 'front' }, compose_project: 'blog', compose_service: 'web' }),
  container('h2', 'cache', { image: 'redis:7', image_id: imageId('redis:7'), labels: { tier: 'back', 'a=b': 'c' } }),
  container('h2', 'old', { image: 'nginx:1.24', image_id: imageId('nginx:1.24'), state: 'removed', removed_at: new Date() }),
  ...Array.from({ length: 25 }, (_, i) =>
    container('h2', `batch-${String(i).padStart(2, '0')}`, { image: 'busybox:latest', image_id: imageId('busybox:latest'), state: 'exited', exit_code: i % 3 }),
  ),
];

/** The API's order: name, host, id, byte-wise. */
export const byApiOrder = (a: ContainerInfoRow, b: ContainerInfoRow): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.host_id < b.host_id ? -1 : a.host_id > b.host_id ? 1 : a.container_id < b.container_id ? -1 : 1;
