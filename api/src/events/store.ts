import type { EventAction, EventItem } from '@dockpulse/common';
import type { Queryable } from '../db/read-pool';

export class EventStore {
  constructor(private readonly pool: Queryable) {}

  async query(q: { containers?: string[]; host?: string; fromMs: number; toMs: number; actions?: EventAction[]; limit: number }): Promise<EventItem[]> {
    const { rows } = await this.pool.query(
      `SELECT e.*, e.time_nano::text AS time_nano_text, coalesce(e.container_name, ci.name) AS name
         FROM container_events e LEFT JOIN container_info ci USING (host_id, container_id)
        WHERE e.time >= to_timestamp($3::float8 / 1000) AND e.time < to_timestamp($4::float8 / 1000)
          AND ($1::text[] IS NULL OR e.container_id = ANY ($1) OR e.container_name = ANY ($1) OR ci.name = ANY ($1))
          AND ($2::text IS NULL OR e.host_id = $2)
          AND ($5::text[] IS NULL OR e.action = ANY ($5))
        ORDER BY e.time DESC, e.time_nano DESC, e.host_id, e.container_id
        LIMIT $6`,
      [q.containers ?? null, q.host ?? null, q.fromMs, q.toMs, q.actions ?? null, q.limit],
    );
    return rows.map((r) => ({
      time: (r.time as Date).toISOString(),
      timeNano: r.time_nano_text,
      hostId: r.host_id,
      containerId: r.container_id,
      containerName: r.name,
      image: r.image,
      // The collector records only EVENT_ACTIONS (collector/src/docker/events.ts).
      action: r.action as EventAction,
      exitCode: r.exit_code,
      attributes: r.attributes,
    }));
  }
}
