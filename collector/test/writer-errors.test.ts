import { RowValidationError } from '@dockpulse/collector/writer';
import { writerFixture } from './support/writer-db';
import { memoryLogger, statsRow } from './support/writer-rows';

const fx = writerFixture();

describe('BatchWriter refusing rows', () => {
  it('refuses a row with a missing required field at write(), naming table, field and what was given', async () => {
    const writer = await fx.newWriter();
    for (let i = 0; i < 3; i++) writer.write('container_stats', statsRow(i, undefined, 'c-valid'));
    const missing = { ...statsRow(3, undefined, 'c-valid'), host_id: undefined } as never;
    const error = (() => {
      try {
        writer.write('container_stats', missing);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(RowValidationError);
    expect(error).toMatchObject({ table: 'container_stats', field: 'host_id' });
    expect((error as Error).message).toBe('container_stats.host_id: expected a string (required), got nothing (missing)');
    // the rows accepted before stay buffered and are stored
    expect(writer.state().bufferedRows).toBe(3);
    await writer.flush();
    expect(await fx.count("container_stats WHERE container_id = 'c-valid'")).toBe(3);
  });

  it.each([
    ['container_stats', 'cpu_percent', 'abc', 'container_stats.cpu_percent: expected a finite number, got string "abc"'],
    ['container_stats', 'time', new Date('nonsense'), 'container_stats.time: expected a valid Date, got Date(invalid)'],
    ['container_stats', 'mem_used_bytes', 1.5, 'container_stats.mem_used_bytes: expected a safe whole number or a decimal string, got number 1.5'],
    ['container_info', 'labels', ['a'], 'container_info.labels: expected a plain object, got array of 1'],
    ['docker_images', 'repo_tags', ['ok', 7], 'docker_images.repo_tags: expected an array of strings, got array of 2'],
    ['container_info', 'oom_killed', 'false', 'container_info.oom_killed: expected a boolean, got string "false"'],
  ])('refuses %s.%s of the wrong type (%p)', async (table, field, value, message) => {
    const writer = await fx.newWriter();
    const base: Record<string, Record<string, unknown>> = {
      container_stats: { ...statsRow(1) },
      container_info: {
        host_id: 'h', container_id: 'c', name: 'n', state: 'running', restart_count: 0, oom_killed: false,
        labels: {}, last_seen: new Date(),
      },
      docker_images: { host_id: 'h', image_id: 'i', repo_tags: [], repo_digests: [], labels: {}, last_seen: new Date() },
    };
    expect(() => writer.write(table as 'container_stats', { ...base[table], [field]: value } as never)).toThrow(message);
    expect(writer.state().bufferedRows).toBe(0);
  });

  it('refuses an unknown table by name', async () => {
    const writer = await fx.newWriter();
    expect(() => writer.write('container_stat' as never, statsRow(1) as never)).toThrow(/^container_stat: expected one of hosts, container_info/);
  });

  it('isolates rows the database refuses, logs them, counts them, and stores the rest of the batch', async () => {
    const { logger, records } = memoryLogger();
    const writer = await fx.newWriter({ batchSize: 1000, logger });
    const good = 200;
    for (let i = 0; i < good; i++) {
      writer.write('container_stats', statsRow(i, undefined, 'c-bisect'));
      if (i === 57) writer.write('container_stats', { ...statsRow(10_000, undefined, 'c-bisect'), pids: 3_000_000_000 }); // integer out of range
      if (i === 130) writer.write('container_logs', { time: new Date(), host_id: 'h', container_id: 'c-bisect', stream: 'stdin' as never, seq: 0, message: 'x' }); // CHECK
      if (i === 131) writer.write('container_logs', { time: new Date(), host_id: 'h', container_id: 'c-bisect', stream: 'stdout', seq: 0, message: 'nul\u0000byte' });
    }
    writer.write('container_logs', { time: new Date(), host_id: 'h', container_id: 'c-bisect', stream: 'stdout', seq: 1, message: 'fine' });
    await writer.flush();
    expect(await fx.count("container_stats WHERE container_id = 'c-bisect'")).toBe(good);
    expect(await fx.count("container_logs WHERE container_id = 'c-bisect'")).toBe(1);
    expect(writer.state()).toMatchObject({ droppedRows: 3, flushedRows: good + 1, bufferedRows: 0 });
    const refused = records.filter((r) => r.msg === 'row refused by the database: dropped');
    expect(refused.map((r) => r.code).sort()).toEqual(['22003', '22021', '23514']);
    expect(refused.map((r) => r.error)).toEqual(expect.arrayContaining([expect.stringMatching(/out of range for type integer/)]));
  });

  it('creates the missing daily partition of a late row (10 days old) and stores it', async () => {
    const lateMs = Date.now() - 10 * 86_400_000;
    const day = new Date(lateMs).toISOString().slice(0, 10).replace(/-/g, '');
    const before = await fx.pool.query('SELECT to_regclass($1) AS t', [`container_samples_p${day}`]);
    expect(before.rows[0].t).toBeNull();
    const writer = await fx.newWriter({ batchSize: 1000 });
    writer.write('container_stats', statsRow(0, lateMs, 'c-late'));
    writer.write('container_stats', statsRow(1, Date.now(), 'c-late'));
    writer.write('container_events', {
      time: new Date(lateMs), time_nano: String(lateMs) + '000000', host_id: 'h', container_id: 'c-late', container_name: null,
      image: null, action: 'start', exit_code: null, attributes: {},
    });
    await writer.flush();
    expect(await fx.count("container_stats WHERE container_id = 'c-late'")).toBe(2);
    expect(await fx.count("container_events WHERE container_id = 'c-late'")).toBe(1);
    const after = await fx.pool.query('SELECT to_regclass($1)::text AS s, to_regclass($2)::text AS e', [
      `container_samples_p${day}`, `container_events_p${day}`,
    ]);
    expect(after.rows[0]).toEqual({ s: `container_samples_p${day}`, e: `container_events_p${day}` });
    expect(writer.state().droppedRows).toBe(0);
  });
});
