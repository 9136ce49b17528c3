import type { TableName, TableRows } from '@dockpulse/common';
import { LATEST_ONLY_STATS_COLUMNS, TABLE_SPECS } from '@dockpulse/collector/writer/tables';
import { testServers } from '@dockpulse/common/testing';
import { writerFixture } from './support/writer-db';
import { statsRow, tempSpoolDir } from './support/writer-rows';

// Awkward but legal values: quotes, backslashes, braces and commas (array literal syntax),
// newlines, non-ASCII, a bigint past 2^53 (as a string), the largest safe integer.
const awkward = 'a "quoted", {braced} \\ back\\slash\nnew line\ttab\rcr \\N — ünïcödé ✓';
const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000 + 123);

const samples: { [T in TableName]: TableRows[T] } = {
  hosts: {
    host_id: 'host-rt', name: awkward, engine_version: '20.10.24', api_version: '1.41', os: 'Debian GNU/Linux 12',
    kernel: null, cpus: 2, mem_total_bytes: Number.MAX_SAFE_INTEGER, cgroup_version: 1, last_seen: now,
  },
  container_info: {
    host_id: 'host-rt', container_id: 'c'.repeat(64), name: '/web-1', image: 'nginx:1.27', image_id: 'sha256:abc',
    command: 'nginx -g "daemon off;"', created_at: new Date('2024-01-02T03:04:05.678Z'), started_at: now, finished_at: null,
    state: 'running', status: 'Up 5 minutes (healthy)', health: 'healthy', restart_count: 3, exit_code: null,
    oom_killed: false, labels: { 'com.docker.compose.project': 'shop', quote: awkward, empty: '' },
    compose_project: 'shop', compose_service: 'web', cpu_limit_cores: 1.5, mem_limit_bytes: 536_870_912,
    last_seen: now, removed_at: null,
  },
  container_stats: { ...statsRow(1, now.getTime(), 'c-rt'), host_id: 'host-rt', time: now, cpu_percent: 0.125, mem_percent: 33.3333 },
  container_logs: { time: now, host_id: 'host-rt', container_id: 'c-rt', stream: 'stderr', seq: 2, message: awkward },
  container_events: {
    time: now, time_nano: '1732873512345678901', host_id: 'host-rt', container_id: 'c-rt', container_name: 'web-1',
    image: 'nginx:1.27', action: 'die', exit_code: 137, attributes: { exitCode: '137', signal: 'SIGKILL', note: awkward },
  },
  docker_images: {
    host_id: 'host-rt', image_id: 'sha256:def', repo_tags: ['nginx:1.27', 'nginx:latest', awkward, ''],
    repo_digests: [], size_bytes: 187_654_321, created_at: new Date('2024-05-06T07:08:09.000Z'),
    labels: { maintainer: 'NGINX Docker Maintainers' }, last_seen: now, removed_at: null,
  },
  image_versions: {
    time: now, host_id: 'host-rt', repository: 'nginx', tag: 'latest', image_id: 'sha256:def',
    digest: 'nginx@sha256:123', previous_image_id: null,
  },
  collector_status: {
    host_id: 'host-rt', version: '0.1.0', started_at: now, last_beat: now, last_stats_cycle_ms: 1012.5,
    stats_sampler: 'cgroup', skipped_cycles: 0, containers_seen: 12, buffered_rows: 3, spooled_rows: 0, dropped_rows: 1,
    spool_state: 'disk-full', spool_bytes: 65_536,
    dropped_log_lines: 4_000_000_000, errors_total: 2, last_error: awkward, last_error_at: now,
  },
};

for (const server of testServers()) describe(`BatchWriter tables (${server.flavour})`, () => {
  const fx = writerFixture(server);

  /**
   * What reads back from `table` for a written row: container_stats's history keeps the latest-only
   * columns NULL (they are whole in container_stats_latest, checked with it).
   */
  function storedForm<T extends TableName>(table: T, row: TableRows[T]): TableRows[T] {
    if (table !== 'container_stats') return row;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, LATEST_ONLY_STATS_COLUMNS.has(k) ? null : v])) as TableRows[T];
  }

  async function expectStored(hostId: string, written: { [T in TableName]: TableRows[T] }): Promise<void> {
    for (const table of Object.keys(written) as TableName[]) {
      const columns = TABLE_SPECS[table].columns.map((c) => `"${c.name}"`).join(', ');
      const stored = await fx.pool.query(`SELECT ${columns} FROM ${table} WHERE host_id = $1`, [hostId]);
      expect({ table, rows: stored.rows }).toEqual({ table, rows: [storedForm(table, written[table])] });
    }
    const columns = TABLE_SPECS.container_stats.columns.map((c) => `"${c.name}"`).join(', ');
    const latest = await fx.pool.query(`SELECT ${columns} FROM container_stats_latest WHERE host_id = $1`, [hostId]);
    expect({ table: 'container_stats_latest', rows: latest.rows }).toEqual({ table: 'container_stats_latest', rows: [written.container_stats] });
  }

  it('round-trips a row of every table: values read back equal values written', async () => {
    const writer = await fx.newWriter({ batchSize: 1000 });
    for (const table of Object.keys(samples) as TableName[]) writer.write(table, samples[table] as never);
    await writer.flush();
    await expectStored('host-rt', samples);
  });

  it('round-trips a row of every table through the spool on disk (written by one writer, replayed by the next)', async () => {
    const spoolDir = tempSpoolDir();
    const first = await fx.newWriter({ spoolDir, flavour: undefined, spoolSyncDelayMs: 10 });
    for (const table of Object.keys(samples) as TableName[]) {
      first.write(table, { ...samples[table], host_id: 'host-rt-spool' } as never);
    }
    await first.close(); // not attached: everything stays in the spool
    expect(first.state().spooledRows).toBe(Object.keys(samples).length);
    const second = await fx.newWriter({ spoolDir });
    await second.flush();
    const spooled = Object.fromEntries(Object.entries(samples).map(([t, row]) => [t, { ...row, host_id: 'host-rt-spool' }]));
    await expectStored('host-rt-spool', spooled as typeof samples);
  });

  it('keeps the last of several upserts of one key in a batch, and first_seen from the first row', async () => {
    const writer = await fx.newWriter({ batchSize: 1000 });
    const first = new Date('2024-06-01T00:00:00.000Z');
    const base = { ...samples.container_info, host_id: 'host-up', container_id: 'c-up' };
    writer.write('container_info', { ...base, state: 'created', last_seen: first });
    await writer.flush();
    writer.write('container_info', { ...base, state: 'running', last_seen: new Date('2024-06-01T00:01:00.000Z') });
    writer.write('container_info', { ...base, state: 'exited', exit_code: 1, last_seen: new Date('2024-06-01T00:02:00.000Z') });
    writer.write('hosts', { ...samples.hosts, host_id: 'host-up', cpus: 4 });
    writer.write('hosts', { ...samples.hosts, host_id: 'host-up', cpus: 8 });
    await writer.flush();
    const info = await fx.pool.query("SELECT state, exit_code, first_seen, last_seen FROM container_info WHERE host_id = 'host-up'");
    expect(info.rows).toEqual([
      { state: 'exited', exit_code: 1, first_seen: first, last_seen: new Date('2024-06-01T00:02:00.000Z') },
    ]);
    const host = await fx.pool.query("SELECT cpus FROM hosts WHERE host_id = 'host-up'");
    expect(host.rows).toEqual([{ cpus: 8 }]);
    expect(writer.state().droppedRows).toBe(0);
  });

  it('stores an append-only row written twice (a replay) once', async () => {
    const writer = await fx.newWriter({ batchSize: 1000 });
    const row = statsRow(7, undefined, 'c-replay');
    writer.write('container_stats', row);
    writer.write('container_stats', { ...row });
    await writer.flush();
    writer.write('container_stats', { ...row });
    await writer.flush();
    expect(await fx.count("container_stats WHERE container_id = 'c-replay'")).toBe(1);
    expect(writer.state()).toMatchObject({ droppedRows: 0, flushedRows: 3 });
  });

  it("keeps each container's newest sample whole in container_stats_latest: the newest of a batch, never an older replayed one", async () => {
    const writer = await fx.newWriter({ batchSize: 1000 });
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    const at = (i: number, container: string) => ({ ...statsRow(i, t0, container), host_id: 'host-latest' });
    // Out of order within one batch: the newest (i = 3) is kept, not the last written.
    writer.write('container_stats', at(1, 'c-a'));
    writer.write('container_stats', at(3, 'c-a'));
    writer.write('container_stats', at(2, 'c-a'));
    writer.write('container_stats', at(1, 'c-b'));
    await writer.flush();
    // A later batch with an older sample (a replay) stores its history and leaves the newest alone.
    writer.write('container_stats', at(0, 'c-a'));
    writer.write('container_stats', at(2, 'c-b'));
    await writer.flush();
    const columns = TABLE_SPECS.container_stats.columns.map((c) => `"${c.name}"`).join(', ');
    const latest = await fx.pool.query(`SELECT ${columns} FROM container_stats_latest WHERE host_id = 'host-latest' ORDER BY container_id`);
    expect(latest.rows).toEqual([at(3, 'c-a'), at(2, 'c-b')]);
    const history = await fx.pool.query(
      `SELECT container_id, count(*)::int AS n, count(net_rx_bytes)::int AS counters, count(mem_percent)::int AS percents,
              count(mem_usage_bytes)::int AS usages, count(net_rx_delta)::int AS deltas
         FROM container_stats WHERE host_id = 'host-latest' GROUP BY 1 ORDER BY 1`,
    );
    expect(history.rows).toEqual([
      { container_id: 'c-a', n: 4, counters: 0, percents: 0, usages: 0, deltas: 4 },
      { container_id: 'c-b', n: 2, counters: 0, percents: 0, usages: 0, deltas: 2 },
    ]);
    // The API's latest sample is the table's row.
    const fn = await fx.pool.query("SELECT net_rx_bytes, time FROM dockpulse_latest_stats('host-latest', 'c-a')");
    expect(fn.rows).toEqual([{ net_rx_bytes: at(3, 'c-a').net_rx_bytes, time: at(3, 'c-a').time }]);
  });

  it('keeps container_stats_latest for whole rows written to container_stats by SQL (collectors from before sql/0010)', async () => {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 300_000;
    const row = (i: number) => ({ ...statsRow(i, t0, 'c-sql'), host_id: 'host-sql' });
    const columns = TABLE_SPECS.container_stats.columns.map((c) => c.name);
    const insert = `INSERT INTO container_stats (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
    const values = (r: ReturnType<typeof row>) => columns.map((c) => (r as Record<string, unknown>)[c]);
    await fx.pool.query(insert, values(row(2)));
    await fx.pool.query(insert, values(row(1)));
    const latest = await fx.pool.query(`SELECT ${columns.join(', ')} FROM container_stats_latest WHERE host_id = 'host-sql'`);
    expect(latest.rows).toEqual([row(2)]);
    const history = await fx.pool.query("SELECT count(net_rx_bytes)::int AS counters FROM container_stats WHERE host_id = 'host-sql'");
    expect(history.rows).toEqual([{ counters: 2 }]);
  });
});
