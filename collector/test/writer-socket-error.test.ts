// A connection that dies under a batch being stored (the server stopped mid-COPY: EPIPE on the
// socket) fails that attempt only: the batch is retried on a new connection and the process goes on.
// Before, the pool's error listener was off while the client was checked out, and the socket's
// error ended the collector (seen in the fault schedule's PostgreSQL outage).
import type { PoolClient } from 'pg';
import { createPool } from '@dockpulse/common';
import { writerFixture } from './support/writer-db';
import { statsRow, tempSpoolDir } from './support/writer-rows';

const fx = writerFixture();

it('a socket error while a batch is stored fails that attempt, which is retried; the rows are stored once', async () => {
  const pool = createPool({ connectionString: fx.url });
  try {
    const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
    let broken = 0;
    (pool as unknown as { connect: () => Promise<PoolClient> }).connect = async () => {
      const client = await connect();
      if (broken === 0) {
        broken++;
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const result = query(...args);
          // The statement is under way: its socket dies the way a stopped server's does.
          setImmediate(() => {
            const socket = (client as unknown as { connection: { stream: { destroy(e: Error): void } } }).connection.stream;
            socket.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }));
          });
          return result;
        };
      }
      return client;
    };
    const writer = await fx.newWriter({ pool, spoolDir: tempSpoolDir(), backoff: { baseMs: 10, capMs: 50 } });
    const base = Date.now() - 7 * 3_600_000;
    for (let i = 0; i < 50; i++) writer.write('container_stats', statsRow(i, base, 'c-socket-error'));
    await writer.flush().catch(() => writer.flush()); // the first attempt may reject with EPIPE
    await writer.flush();
    expect(broken).toBe(1);
    expect(writer.state().retries).toBeGreaterThanOrEqual(1);
    expect(await fx.count('container_stats WHERE container_id = $1', ['c-socket-error'])).toBe(50);
    await writer.close();
  } finally {
    await pool.end();
  }
});
