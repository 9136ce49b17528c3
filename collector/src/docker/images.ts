// Engine image list -> docker_images rows, and tag moves -> image_versions rows.
import type { DockerImageRow, ImageVersionRow } from '@dockpulse/common';
import { EngineDataError, isNum, type EngineImageSummary } from './engine-types';

export function mapImage(image: EngineImageSummary, hostId: string, now: Date): DockerImageRow {
  if (typeof image.Id !== 'string' || image.Id === '') {
    throw new EngineDataError(`image list entry without an Id (tags ${JSON.stringify(image.RepoTags)})`);
  }
  return {
    host_id: hostId,
    image_id: image.Id,
    // Untagged images are listed with the placeholder "<none>:<none>".
    repo_tags: (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    repo_digests: (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
    size_bytes: isNum(image.Size) ? image.Size : null,
    created_at: isNum(image.Created) && image.Created > 0 ? new Date(image.Created * 1000) : null,
    labels: image.Labels ?? {},
    last_seen: now,
    removed_at: null,
  };
}

/** "registry:5000/team/app:1.2" -> ["registry:5000/team/app", "1.2"]: the tag follows the last colon after the last slash. */
export function splitRepoTag(repoTag: string): { repository: string; tag: string } {
  const slash = repoTag.lastIndexOf('/');
  const colon = repoTag.lastIndexOf(':');
  if (colon > slash) return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
  return { repository: repoTag, tag: 'latest' };
}

const key = (repository: string, tag: string) => `${repository}:${tag}`;

/**
 * Remembers which image every repo:tag points at and reports a version row when that changes
 * (or when a tag is first seen). Seeded from image_versions so a restart reports nothing new.
 */
export class TagTracker {
  private readonly current = new Map<string, string>();

  seed(rows: { repository: string; tag: string; image_id: string }[]): void {
    for (const r of rows) this.current.set(key(r.repository, r.tag), r.image_id);
  }

  observe(images: DockerImageRow[], hostId: string, now: Date): ImageVersionRow[] {
    const out: ImageVersionRow[] = [];
    for (const image of images) {
      for (const repoTag of image.repo_tags) {
        const { repository, tag } = splitRepoTag(repoTag);
        const previous = this.current.get(key(repository, tag));
        if (previous === image.image_id) continue;
        const digest = image.repo_digests.find((d) => d.startsWith(`${repository}@`))?.split('@')[1] ?? null;
        out.push({ time: now, host_id: hostId, repository, tag, image_id: image.image_id, digest, previous_image_id: previous ?? null });
        this.current.set(key(repository, tag), image.image_id);
      }
    }
    return out;
  }
}
