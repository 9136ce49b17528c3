import type { Queryable } from '../db/read-pool';

export interface LatestContainerSample {
  host_id: string;
  host_name: string;
  container_id: string;
  name: string;
  image: string | null;
  compose_project: string | null;
  compose_service: string | null;
  time: Date;
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_limit_bytes: number | null;
  mem_percent: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  blk_read_bytes: number | null;
  blk_write_bytes: number | null;
  pids: number | null;
}

/** How far back a running container's latest sample may be and still count as current. */
export const LATEST_SAMPLE_MAX_AGE_S = 600;

export class MetricsStore {
  constructor(private readonly pool: Queryable) {}

  async latestOfRunning(): Promise<LatestContainerSample[]> {
    // The time bound lets PostgreSQL look only at today's partitions, so /metrics stays cheap.
    const { rows } = await this.pool.query<LatestContainerSample>(
      `SELECT ci.host_id, coalesce(h.name, ci.host_id) AS host_name, ci.container_id, ci.name, ci.image,
              ci.compose_project, ci.compose_service, s.time, s.cpu_percent, s.mem_used_bytes, s.mem_limit_bytes,
              s.mem_percent, s.net_rx_bytes, s.net_tx_bytes, s.blk_read_bytes, s.blk_write_bytes, s.pids
         FROM container_info ci
         LEFT JOIN hosts h ON h.host_id = ci.host_id
         -- One index probe per container in both flavours (sql/0009's dockpulse_latest_stats).
         CROSS JOIN LATERAL dockpulse_latest_stats(ci.host_id, ci.container_id, now() - make_interval(secs => $1)) s
        WHERE ci.state = 'running'
        ORDER BY ci.host_id, ci.name, ci.container_id`,
      [LATEST_SAMPLE_MAX_AGE_S],
    );
    return rows;
  }
}
