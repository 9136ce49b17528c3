import type { ImageItem, ImageVersionItem } from '@dockpulse/common';
import type { Queryable } from '../db/read-pool';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

const IMAGE_SELECT = `SELECT i.*, (SELECT count(*)::int FROM container_info c WHERE c.host_id = i.host_id AND c.image_id = i.image_id AND c.state <> 'removed') AS containers
  FROM docker_images i`;

function toImage(r: Record<string, unknown>): ImageItem {
  return {
    hostId: r.host_id as string,
    imageId: r.image_id as string,
    repoTags: r.repo_tags as string[],
    repoDigests: r.repo_digests as string[],
    sizeBytes: r.size_bytes as number | null,
    createdAt: iso(r.created_at as Date | null),
    labels: r.labels as Record<string, string>,
    firstSeen: (r.first_seen as Date).toISOString(),
    lastSeen: (r.last_seen as Date).toISOString(),
    removedAt: iso(r.removed_at as Date | null),
    containers: r.containers as number,
  };
}

function toVersion(r: Record<string, unknown>): ImageVersionItem {
  return {
    time: (r.time as Date).toISOString(),
    hostId: r.host_id as string,
    repository: r.repository as string,
    tag: r.tag as string,
    imageId: r.image_id as string,
    digest: r.digest as string | null,
    previousImageId: r.previous_image_id as string | null,
  };
}

export class ImageStore {
  constructor(private readonly pool: Queryable) {}

  async list(filter: { host?: string; repository?: string; includeRemoved: boolean }, limit: number, offset: number): Promise<{ items: ImageItem[]; total: number }> {
    const params: unknown[] = [filter.host ?? null, filter.repository ?? null, filter.includeRemoved, limit, offset];
    const { rows } = await this.pool.query(
      `WITH f AS (
         SELECT * FROM docker_images
          WHERE ($1::text IS NULL OR host_id = $1)
            AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM unnest(repo_tags) t WHERE split_part(t, ':', 1) = $2 OR t = $2))
            AND ($3 OR removed_at IS NULL))
       SELECT (SELECT count(*)::int FROM f) AS total, page.*
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (
           SELECT f.*, (SELECT count(*)::int FROM container_info c WHERE c.host_id = f.host_id AND c.image_id = f.image_id AND c.state <> 'removed') AS containers
             FROM f ORDER BY f.last_seen DESC, f.host_id, f.image_id LIMIT $4 OFFSET $5) page ON true`,
      params,
    );
    return { total: (rows[0]?.total as number | undefined) ?? 0, items: rows.filter((r) => r.image_id !== null).map(toImage) };
  }

  /** By full id ("sha256:..."), by hex prefix with or without "sha256:", on every host. */
  async find(ref: string): Promise<ImageItem[]> {
    const hex = ref.replace(/^sha256:/, '');
    const { rows } = await this.pool.query(
      `${IMAGE_SELECT} WHERE i.image_id = $1 OR i.image_id LIKE 'sha256:' || $2 || '%' ORDER BY i.host_id, i.image_id LIMIT 50`,
      [ref, hex],
    );
    return rows.map(toImage);
  }

  async versionsOfImage(imageIds: string[]): Promise<ImageVersionItem[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM image_versions WHERE image_id = ANY ($1) OR previous_image_id = ANY ($1)
        ORDER BY time DESC, host_id, repository, tag LIMIT 1000`,
      [imageIds],
    );
    return rows.map(toVersion);
  }

  async versions(filter: { repository?: string; tag?: string; host?: string; fromMs?: number; toMs?: number }, limit: number): Promise<ImageVersionItem[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM image_versions
        WHERE ($1::text IS NULL OR repository = $1) AND ($2::text IS NULL OR tag = $2) AND ($3::text IS NULL OR host_id = $3)
          AND ($4::float8 IS NULL OR time >= to_timestamp($4::float8 / 1000))
          AND ($5::float8 IS NULL OR time < to_timestamp($5::float8 / 1000))
        ORDER BY time DESC, host_id, repository, tag LIMIT $6`,
      [filter.repository ?? null, filter.tag ?? null, filter.host ?? null, filter.fromMs ?? null, filter.toMs ?? null, limit],
    );
    return rows.map(toVersion);
  }
}
