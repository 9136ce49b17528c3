import type { HostItem } from '@dockpulse/common';
import type { Queryable } from '../db/read-pool';

export class HostStore {
  constructor(private readonly pool: Queryable) {}

  async list(): Promise<HostItem[]> {
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
