// Stores one batch: every table of it in one transaction. Row-level refusals are bisected down to
// the rows that cause them, so one bad row costs a few extra statements, never the batch.
import type { Pool, PoolClient } from 'pg';
import { isConnectionError, type Logger, type StorageFlavour, type TableName } from '@dockpulse/common';
import { ContainerKeys } from './container-keys';
import { copyRows } from './copy';
import { buildInsert, dedupeByKey, type Row } from './statements';
import { CONTAINER_SAMPLES_SPEC, TABLE_NAMES, latestSpec, storedSpec } from './tables';

export interface Entry {
  table: TableName;
  row: Row;
}

export interface StoreResult {
  storedRows: number;
  droppedRows: number;
}

const MISSING_PARTITION = /no partition of relation/i;
const UNIQUE_VIOLATION = '23505';

/**
 * Refusals caused by the values of particular rows: data exceptions (22: out of range, bad
 * encoding, NUL in text), integrity violations (23: CHECK, NOT NULL) and program limits (54: an
 * index key too large). Anything else (no table, no permission, a timeout) is the server's state,
 * not the rows', so the batch waits and is retried rather than dropped.
 */
export function isRowError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code) && !isConnectionError(error);
}

export function isMissingPartition(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  return e?.code === '23514' && MISSING_PARTITION.test(e.message ?? '');
}

function dayOf(value: unknown): string | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : undefined;
}

/** Sorted YYYY-MM-DD days as [first, last] runs of consecutive days. */
export function dayRuns(days: Iterable<string>): [string, string][] {
  const sorted = [...new Set(days)].sort();
  const runs: [string, string][] = [];
  for (const day of sorted) {
    const last = runs.at(-1);
    if (last && Date.parse(`${day}T00:00:00Z`) - Date.parse(`${last[1]}T00:00:00Z`) === 86_400_000) last[1] = day;
    else runs.push([day, day]);
  }
  return runs;
}

export class BatchStore {
  /** The plain flavour's integer keys of containers (sql/0009), kept across batches. */
  private readonly containerKeys = new ContainerKeys();

  constructor(
    private readonly pool: Pool,
    private readonly flavour: StorageFlavour,
    private readonly logger?: Logger,
  ) {}

  /**
   * Stores `entries`, dropping (and logging) only rows the database refuses. Entries put in
   * `dropped` are skipped, so a batch retried after a lost connection does not count them twice.
   * Throws on anything that is not about particular rows; the caller keeps the batch and retries.
   */
  async store(entries: readonly Entry[], dropped: Set<Entry>): Promise<StoreResult> {
    const live = dropped.size ? entries.filter((e) => !dropped.has(e)) : entries;
    if (live.length === 0) return { storedRows: 0, droppedRows: 0 };
    let partitionsEnsured = false;
    for (;;) {
      try {
        await this.insert(live);
        return { storedRows: live.length, droppedRows: 0 };
      } catch (error) {
        if (!isRowError(error)) throw error;
        if (this.flavour === 'postgres' && isMissingPartition(error) && !partitionsEnsured) {
          partitionsEnsured = true;
          if (await this.ensurePartitions(live)) continue;
        }
        if (live.length === 1) {
          const entry = live[0] as Entry;
          dropped.add(entry);
          const e = error as { code?: string; message?: string; detail?: string };
          this.logger?.error(
            { table: entry.table, row: entry.row, code: e.code, error: e.message, detail: e.detail },
            'row refused by the database: dropped',
          );
          return { storedRows: 0, droppedRows: 1 };
        }
        const middle = Math.ceil(live.length / 2);
        const first = await this.store(live.slice(0, middle), dropped);
        const second = await this.store(live.slice(middle), dropped);
        return {
          storedRows: first.storedRows + second.storedRows,
          droppedRows: first.droppedRows + second.droppedRows,
        };
      }
    }
  }

  /**
   * Append-only tables go by COPY; a batch holding a row that is already stored (only a replay
   * does that) fails with unique_violation and goes again as INSERT ... ON CONFLICT DO NOTHING.
   */
  private async insert(entries: readonly Entry[]): Promise<void> {
    try {
      await this.insertWith(entries, true);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await this.insertWith(entries, false);
    }
  }

  private async insertWith(entries: readonly Entry[], useCopy: boolean): Promise<void> {
    const byTable = new Map<TableName, Row[]>();
    for (const { table, row } of entries) {
      const rows = byTable.get(table);
      if (rows) rows.push(row);
      else byTable.set(table, [row]);
    }
    const client = await this.pool.connect();
    let broken: unknown;
    // The pool listens for errors of idle clients only: a socket error while this one is checked
    // out (EPIPE from a COPY to a server that just stopped) would be an unhandled 'error' event
    // and end the process. The statement in progress fails with it as well; the batch is retried.
    const onSocketError = (error: Error) => {
      broken = error;
    };
    client.on('error', onSocketError);
    try {
      // A fixed table order, so two collectors' transactions take row locks in the same order.
      const steps: ((c: PoolClient) => Promise<unknown>)[] = [];
      for (const table of TABLE_NAMES) {
        const tableRows = byTable.get(table);
        if (!tableRows) continue;
        const spec = storedSpec(table, this.flavour);
        let rows = dedupeByKey(spec, tableRows);
        // Before the transaction: the keys are committed even if the batch is not (container-keys.ts).
        if (spec === CONTAINER_SAMPLES_SPEC) rows = await this.containerKeys.samplesOf(client, rows);
        if (useCopy && spec.mode === 'append') {
          steps.push((c) => copyRows(c, spec, rows));
        } else {
          const statement = buildInsert(spec, rows);
          steps.push((c) => c.query(statement as never));
        }
        const latest = latestSpec(table);
        if (latest) {
          // The newest rows whole, in the same transaction as the history: a replay after a lost
          // COMMIT stores both, and an older replayed row leaves the newer one (newerOnly).
          const statement = buildInsert(latest, dedupeByKey(latest, tableRows));
          steps.push((c) => c.query(statement as never));
        }
      }
      if (steps.length === 1) {
        // A single statement is atomic by itself: no BEGIN/COMMIT round trips.
        await (steps[0] as (c: PoolClient) => Promise<unknown>)(client);
        return;
      }
      await client.query('BEGIN');
      try {
        for (const step of steps) await step(client);
        await client.query('COMMIT');
      } catch (error) {
        await rollback(client);
        throw error;
      }
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      throw error;
    } finally {
      client.removeListener('error', onSocketError);
      // A client whose connection failed is destroyed instead of going back to the pool.
      client.release(broken instanceof Error ? broken : broken ? true : undefined);
    }
  }

  /** Creates the daily partitions of the batch's days; false when that itself failed. */
  private async ensurePartitions(entries: readonly Entry[]): Promise<boolean> {
    const daysByTable = new Map<TableName, Set<string>>();
    for (const { table, row } of entries) {
      const column = storedSpec(table, this.flavour).partitionColumn;
      if (!column) continue;
      const day = dayOf(row[column]);
      if (!day) continue;
      let days = daysByTable.get(table);
      if (!days) daysByTable.set(table, (days = new Set()));
      days.add(day);
    }
    try {
      for (const [table, days] of daysByTable) {
        const relation = storedSpec(table, this.flavour).relation;
        for (const [fromDay, toDay] of dayRuns(days)) {
          await this.pool.query('SELECT dockpulse_ensure_partitions($1::regclass, $2::date, $3::date)', [relation, fromDay, toDay]);
          this.logger?.info({ table: relation, fromDay, toDay }, 'created missing daily partitions');
        }
      }
      return true;
    } catch (error) {
      if (isConnectionError(error)) throw error;
      this.logger?.warn({ error: (error as Error).message }, 'could not create missing partitions');
      return false;
    }
  }
}

async function rollback(client: PoolClient): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
}
