// The plain flavour stores container_stats rows in container_samples under an integer per
// container (sql/0009_stats_integer_keys.postgres.sql). This turns a batch's rows into samples:
// the keys of containers seen before come from memory, the others from one call of
// dockpulse_container_keys(), which creates the missing ones. That call runs on its own, before the
// batch's transaction, so a key in memory is always committed: a batch that rolls back leaves its
// new keys behind, unused, which costs nothing.
import type { ClientBase } from 'pg';
import type { Row } from './statements';

const KEYS_SQL = 'SELECT host_id, container_id, ckey FROM dockpulse_container_keys($1::text[], $2::text[])';

/** More than a dense host's containers for years of churn; past it, memory starts again. */
export const MAX_CACHED_KEYS = 100_000;

const keyOf = (hostId: unknown, containerId: unknown) => `${String(hostId)}\u0000${String(containerId)}`;

export class ContainerKeys {
  private readonly keys = new Map<string, number>();

  constructor(private readonly maxCached = MAX_CACHED_KEYS) {}

  get cached(): number {
    return this.keys.size;
  }

  /** container_samples rows of container_stats `rows`, in the same order. */
  async samplesOf(client: ClientBase, rows: readonly Row[]): Promise<Row[]> {
    await this.fetchMissing(client, rows);
    const samples = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Row;
      const { host_id: hostId, container_id: containerId, ...figures } = row;
      const ckey = this.keys.get(keyOf(hostId, containerId));
      if (ckey === undefined) throw new Error(`no container key for ${String(hostId)}/${String(containerId)}`);
      figures.ckey = ckey;
      samples[i] = figures;
    }
    return samples;
  }

  private async fetchMissing(client: ClientBase, rows: readonly Row[]): Promise<void> {
    let missing = this.missingOf(rows);
    if (missing.size === 0) return;
    if (this.keys.size + missing.size > this.maxCached) {
      this.keys.clear();
      missing = this.missingOf(rows);
    }
    const hosts: string[] = [];
    const containers: string[] = [];
    for (const [hostId, containerId] of missing.values()) {
      hosts.push(hostId);
      containers.push(containerId);
    }
    const result = await client.query<{ host_id: string; container_id: string; ckey: number }>(KEYS_SQL, [hosts, containers]);
    for (const r of result.rows) this.keys.set(keyOf(r.host_id, r.container_id), r.ckey);
  }

  private missingOf(rows: readonly Row[]): Map<string, [string, string]> {
    const missing = new Map<string, [string, string]>();
    for (const row of rows) {
      const key = keyOf(row.host_id, row.container_id);
      if (!this.keys.has(key) && !missing.has(key)) missing.set(key, [String(row.host_id), String(row.container_id)]);
    }
    return missing;
  }
}
