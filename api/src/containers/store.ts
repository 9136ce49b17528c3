// SQL for container_info and the latest stats sample. Every value is a bind parameter.
import type { ContainerItem, ContainerState, LatestSample } from '@dockpulse/common';
import type { Queryable } from '../db/read-pool';
import { likeLiteral } from '../http/validation';

export interface ContainerFilter {
  host?: string;
  state?: ContainerState;
  name?: string;
  image?: string;
  label?: { key: string; value?: string };
  composeProject?: string;
  composeService?: string;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toContainerItem(r: Record<string, unknown>): ContainerItem {
  return {
    hostId: r.host_id as string,
    containerId: r.container_id as string,
    name: r.name as string,
    image: r.image as string | null,
    imageId: r.image_id as string | null,
    command: r.command as string | null,
    createdAt: iso(r.created_at as Date | null),
    startedAt: iso(r.started_at as Date | null),
    finishedAt: iso(r.finished_at as Date | null),
    state: r.state as ContainerState,
    status: r.status as string | null,
    health: r.health as string | null,
    restartCount: r.restart_count as number,
    exitCode: r.exit_code as number | null,
    oomKilled: r.oom_killed as boolean,
    labels: r.labels as Record<string, string>,
    composeProject: r.compose_project as string | null,
    composeService: r.compose_service as string | null,
    cpuLimitCores: r.cpu_limit_cores as number | null,
    memLimitBytes: r.mem_limit_bytes as number | null,
    firstSeen: (r.first_seen as Date).toISOString(),
    lastSeen: (r.last_seen as Date).toISOString(),
    removedAt: iso(r.removed_at as Date | null),
  };
}

function toSample(r: Record<string, unknown>): LatestSample {
  return {
    time: (r.time as Date).toISOString(),
    cpuPercent: r.cpu_percent as number | null,
    memUsedBytes: r.mem_used_bytes as number | null,
    memUsageBytes: r.mem_usage_bytes as number | null,
    memLimitBytes: r.mem_limit_bytes as number | null,
    memPercent: r.mem_percent as number | null,
    netRxBytes: r.net_rx_bytes as number | null,
    netTxBytes: r.net_tx_bytes as number | null,
    blkReadBytes: r.blk_read_bytes as number | null,
    blkWriteBytes: r.blk_write_bytes as number | null,
    pids: r.pids as number | null,
  };
}

export class ContainerStore {
  constructor(private readonly pool: Queryable) {}

  private where(filter: ContainerFilter): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown) => {
      params.push(value);
      clauses.push(clause(`$${params.length}`));
    };
    if (filter.host) add((p) => `host_id = ${p}`, filter.host);
    if (filter.state) add((p) => `state = ${p}`, filter.state);
    if (filter.name) add((p) => `name ILIKE '%' || ${p} || '%'`, likeLiteral(filter.name));
    // An image filter matches the reference as written ("nginx:1.25"), its repository ("nginx") or its id.
    if (filter.image) add((p) => `(image = ${p} OR split_part(image, ':', 1) = ${p} OR image_id = ${p})`, filter.image);
    if (filter.label) {
      if (filter.label.value === undefined) add((p) => `labels ? ${p}`, filter.label.key);
      else add((p) => `labels @> ${p}::jsonb`, JSON.stringify({ [filter.label.key]: filter.label.value }));
    }
    if (filter.composeProject) add((p) => `compose_project = ${p}`, filter.composeProject);
    if (filter.composeService) add((p) => `compose_service = ${p}`, filter.composeService);
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  async list(filter: ContainerFilter, limit: number, offset: number): Promise<{ items: ContainerItem[]; total: number }> {
    const { sql, params } = this.where(filter);
    // One statement: the count and the page see the same snapshot, so total and pages agree.
    const { rows } = await this.pool.query(
      `WITH f AS (SELECT * FROM container_info ${sql})
       SELECT (SELECT count(*)::int FROM f) AS total, page.*
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (SELECT * FROM f ORDER BY name COLLATE "C", host_id COLLATE "C", container_id COLLATE "C" LIMIT $${params.length + 1} OFFSET $${params.length + 2}) page ON true`,
      [...params, limit, offset],
    );
    const total = (rows[0]?.total as number | undefined) ?? 0;
    return { total, items: rows.filter((r) => r.container_id !== null).map(toContainerItem) };
  }

  /**
   * Containers a reference could mean: exact id, id prefix or exact name (optionally on one host).
   * At most a few rows come back, enough to tell unique from ambiguous.
   */
  async findByRef(ref: string, host?: string): Promise<{ match: 'id' | 'prefix' | 'name'; row: ContainerItem }[]> {
    const { rows } = await this.pool.query(
      `SELECT *, CASE WHEN container_id = $1 THEN 'id' WHEN name = $1 THEN 'name' ELSE 'prefix' END AS match
         FROM container_info
        WHERE (container_id = $1 OR name = $1 OR (length($1) >= 4 AND $1 ~ '^[0-9a-f]+$' AND container_id LIKE $1 || '%'))
          AND ($2::text IS NULL OR host_id = $2)
        ORDER BY host_id, container_id
        LIMIT 20`,
      [ref, host ?? null],
    );
    return rows.map((r) => ({ match: r.match as 'id' | 'prefix' | 'name', row: toContainerItem(r) }));
  }

  async latestSample(hostId: string, containerId: string): Promise<LatestSample | null> {
    const { rows } = await this.pool.query(
      // The function, not ORDER BY time DESC LIMIT 1: container_stats is a view in the plain flavour
      // (sql/0009_stats_integer_keys.postgres.sql says why).
      `SELECT * FROM dockpulse_latest_stats($1, $2)`,
      [hostId, containerId],
    );
    return rows[0] ? toSample(rows[0]) : null;
  }
}
