import type { Queryable } from '../db/read-pool';

export interface HostView {
  hostId: string;
  name: string;
  engineVersion: string | null;
  apiVersion: string | null;
  os: string | null;
  kernel: string | null;
  cpus: number | null;
  memTotalBytes: number | null;
  cgroupVersion: number | null;
  firstSeen: string;
  lastSeen: string;
  collector: { version: string; lastBeat: string; containersSeen: number; bufferedRows: number; spooledRows: number; lastError: string | null } | null;
  containersRunning: number;
}

export class HostStore {
  constructor(private readonly pool: Queryable) {}

  async list(): Promise<HostView[]> {
    const { rows } = await this.pool.query(
      `SELECT h.*, cs.version AS c_version, cs.last_beat, cs.containers_seen, cs.buffered_rows, cs.spooled_rows, cs.last_error,
              (SELECT count(*)::int FROM container_info ci WHERE ci.host_id = h.host_id AND ci.state = 'running') AS running
         FROM hosts h LEFT JOIN collector_status cs ON cs.host_id = h.host_id
        ORDER BY h.name, h.host_id`,
    );
    return rows.map((r) => ({
      hostId: r.host_id,
      name: r.name,
      engineVersion: r.engine_version,
      apiVersion: r.api_version,
      os: r.os,
      kernel: r.kernel,
      cpus: r.cpus,
      memTotalBytes: r.mem_total_bytes,
      cgroupVersion: r.cgroup_version,
      firstSeen: (r.first_seen as Date).toISOString(),
      lastSeen: (r.last_seen as Date).toISOString(),
      collector: r.c_version
        ? {
            version: r.c_version,
            lastBeat: (r.last_beat as Date).toISOString(),
            containersSeen: r.containers_seen,
            bufferedRows: r.buffered_rows,
            spooledRows: r.spooled_rows,
            lastError: r.last_error,
          }
        : null,
      containersRunning: r.running,
    }));
  }
}
