// The images job against a fake engine and a fake database seed: removed images are marked,
// and a restart with the same tags reports no new versions.
import pino from 'pino';
import type { Pool } from 'pg';
import type { RowSink, TableName, TableRows } from '@dockpulse/common';
import type { Engine } from '@dockpulse/collector/docker/client';
import type { EngineImageSummary } from '@dockpulse/collector/docker/engine-types';
import { ImagesJob } from '@dockpulse/collector/jobs/images-job';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { fixture } from '../fixtures';

class MemorySink implements RowSink {
  rows: { table: TableName; row: Record<string, unknown> }[] = [];
  write<T extends TableName>(table: T, row: TableRows[T]): void {
    this.rows.push({ table, row: row as unknown as Record<string, unknown> });
  }
}

const recorded = fixture<EngineImageSummary[]>('v1-images-list.json');
const testbox = recorded[0] as EngineImageSummary;

function job(list: EngineImageSummary[], seed: { versions: unknown[]; images: unknown[] }) {
  const no = () => Promise.reject(new Error('not used'));
  const engine: Engine = { info: no, apiVersion: no, listContainers: no, inspect: no, stats: no, events: no, logs: no, listImages: async () => list };
  const pool = {
    query: async (sql: string) => ({ rows: /image_versions/.test(sql) ? seed.versions : seed.images }),
  } as unknown as Pool;
  const sink = new MemorySink();
  const logger = pino({ level: 'silent' });
  const metrics = new CollectorMetrics(logger);
  return { images: new ImagesJob({ engine, sink, pool, hostId: 'h', metrics, logger }), sink, metrics };
}

describe('images job', () => {
  it('an image the database has but the engine no longer lists is written with removed_at', async () => {
    const gone = { host_id: 'h', image_id: 'sha256:gone', repo_tags: ['old:1'], repo_digests: [], size_bytes: 1, created_at: null, labels: {}, last_seen: new Date(0), removed_at: null };
    const t = job([testbox], { versions: [], images: [gone] });
    await t.images.seed();
    const result = await t.images.run();
    expect(result).toMatchObject({ images: 1, removed: 1 });
    const removed = t.sink.rows.find((r) => r.table === 'docker_images' && r.row.image_id === 'sha256:gone');
    expect(removed?.row.removed_at).toBeInstanceOf(Date);
    // a second pass does not mark it again
    expect((await t.images.run()).removed).toBe(0);
  });

  it('tags already recorded for the same image give no version rows after a restart; a malformed entry is counted', async () => {
    const versions = (testbox.RepoTags ?? []).map((rt) => {
      const i = rt.lastIndexOf(':');
      return { repository: rt.slice(0, i), tag: rt.slice(i + 1), image_id: testbox.Id };
    });
    const t = job([testbox, { RepoTags: ['broken:1'] }], { versions, images: [] });
    await t.images.seed();
    const result = await t.images.run();
    expect(result.versions).toBe(0);
    expect(t.sink.rows.filter((r) => r.table === 'image_versions')).toEqual([]);
    expect(t.metrics.errorsTotal).toBe(1);
  });
});
