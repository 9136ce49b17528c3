// container_info from the engine: a full pass (every container, stopped ones too) on a schedule,
// and a single-container refresh whenever an event says one changed.
import type { ContainerInfoRow } from '@dockpulse/common';
import { forEachLimited } from '../concurrency';
import { isNotFound } from '../docker/client';
import { mapInspect, removedInfo } from '../docker/inspect';
import type { JobContext } from './context';

export interface StatusPassResult {
  containers: number;
  removed: number;
  errors: number;
}

export class StatusJob {
  /** Last row written per container that is not removed; the pass compares against it. */
  private readonly known = new Map<string, ContainerInfoRow>();
  /** Per-container chain, so refreshes of one container are written in the order asked. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: JobContext,
    private readonly concurrency: number,
  ) {}

  /** Loads the containers the database thinks exist, so ones removed while we were down get marked. */
  async seed(): Promise<void> {
    const result = await this.ctx.pool.query<ContainerInfoRow>(
      `SELECT host_id, container_id, name, image, image_id, command, created_at, started_at, finished_at, state,
              status, health, restart_count, exit_code, oom_killed, labels, compose_project, compose_service,
              cpu_limit_cores, mem_limit_bytes, last_seen, removed_at
         FROM container_info WHERE host_id = $1 AND state <> 'removed'`,
      [this.ctx.hostId],
    );
    for (const row of result.rows) this.known.set(row.container_id, row);
  }

  knownRow(containerId: string): ContainerInfoRow | undefined {
    return this.known.get(containerId);
  }

  async run(): Promise<StatusPassResult> {
    const { engine, metrics } = this.ctx;
    const list = await engine.listContainers(true);
    const now = new Date();
    const present = new Set<string>();
    let errors = 0;
    await forEachLimited(list, this.concurrency, async (summary) => {
      if (typeof summary.Id !== 'string') {
        errors += 1;
        metrics.error('status', new Error('container list entry without Id'), { names: summary.Names }, 'malformed container list entry skipped');
        return;
      }
      present.add(summary.Id);
      if (!(await this.refresh(summary.Id, summary.Status ?? null, now))) errors += 1;
    });
    let removed = 0;
    for (const [id, last] of this.known) {
      if (present.has(id)) continue;
      this.write(removedInfo(last, now));
      this.known.delete(id);
      removed += 1;
    }
    metrics.seenContainers(present.size);
    return { containers: present.size, removed, errors };
  }

  /** Inspects one container and writes its row; a container that is gone is marked removed. */
  refresh(containerId: string, statusText: string | null = null, now = new Date()): Promise<boolean> {
    const previous = this.chains.get(containerId) ?? Promise.resolve();
    let ok = true;
    const next = previous.then(async () => {
      try {
        const inspect = await this.ctx.engine.inspect(containerId);
        this.write(mapInspect(inspect, { hostId: this.ctx.hostId, now, statusText }));
      } catch (error) {
        if (isNotFound(error)) {
          const last = this.known.get(containerId);
          if (last) {
            this.write(removedInfo(last, now));
            this.known.delete(containerId);
          }
          return;
        }
        ok = false;
        this.ctx.metrics.error('status', error, { containerId }, 'inspecting a container failed; its row keeps its last state');
      }
    });
    const tail = next.finally(() => {
      if (this.chains.get(containerId) === tail) this.chains.delete(containerId);
    });
    this.chains.set(containerId, tail);
    return tail.then(() => ok);
  }

  private write(row: ContainerInfoRow): void {
    this.ctx.sink.write('container_info', row);
    if (row.state !== 'removed') this.known.set(row.container_id, row);
  }
}
