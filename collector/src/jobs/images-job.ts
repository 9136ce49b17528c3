// docker_images from the engine's image list; image_versions when a repo:tag moves to another image.
import type { DockerImageRow } from '@dockpulse/common';
import { mapImage, TagTracker } from '../docker/images';
import type { JobContext } from './context';

export interface ImagesPassResult {
  images: number;
  removed: number;
  versions: number;
}

export class ImagesJob {
  private readonly tags = new TagTracker();
  private readonly known = new Map<string, DockerImageRow>();

  constructor(private readonly ctx: JobContext) {}

  /** Seeds "last seen" per tag and the images thought present, so a restart reports only real changes. */
  async seed(): Promise<void> {
    const { pool, hostId } = this.ctx;
    const versions = await pool.query<{ repository: string; tag: string; image_id: string }>(
      `SELECT DISTINCT ON (repository, tag) repository, tag, image_id
         FROM image_versions WHERE host_id = $1 ORDER BY repository, tag, time DESC`,
      [hostId],
    );
    this.tags.seed(versions.rows);
    const images = await pool.query<DockerImageRow>(
      `SELECT host_id, image_id, repo_tags, repo_digests, size_bytes, created_at, labels, last_seen, removed_at
         FROM docker_images WHERE host_id = $1 AND removed_at IS NULL`,
      [hostId],
    );
    for (const row of images.rows) this.known.set(row.image_id, row);
  }

  async run(): Promise<ImagesPassResult> {
    const { engine, sink, hostId, metrics } = this.ctx;
    const now = new Date();
    const list = await engine.listImages();
    const rows: DockerImageRow[] = [];
    for (const image of list) {
      try {
        rows.push(mapImage(image, hostId, now));
      } catch (error) {
        metrics.error('images', error, { tags: image.RepoTags }, 'malformed image entry skipped');
      }
    }
    const present = new Set(rows.map((r) => r.image_id));
    for (const row of rows) {
      sink.write('docker_images', row);
      this.known.set(row.image_id, row);
    }
    let removed = 0;
    for (const [id, last] of this.known) {
      if (present.has(id)) continue;
      sink.write('docker_images', { ...last, last_seen: now, removed_at: now });
      this.known.delete(id);
      removed += 1;
    }
    const versions = this.tags.observe(rows, hostId, now);
    for (const v of versions) sink.write('image_versions', v);
    return { images: rows.length, removed, versions: versions.length };
  }
}
