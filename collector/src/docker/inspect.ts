// Engine container inspect -> container_info row.
import { ENGINE_CONTAINER_STATES, type ContainerInfoRow, type ContainerState } from '@dockpulse/common';
import { EngineDataError, engineTime, isNum, type EngineInspect } from './engine-types';

/** The states an engine reports, in Docker's words (common/src/contract/lists.ts). */
const STATES: ReadonlySet<string> = new Set(ENGINE_CONTAINER_STATES);

/**
 * Podman's own state words, which its Docker-compatible inspect lets through at times (seen:
 * "stopped" while a container is being removed), as Docker's: a stopped or stopping container has
 * no (or a dying) process, a configured or initialized one has not run yet.
 */
const STATE_ALIASES: Readonly<Record<string, ContainerState>> = {
  stopped: 'exited',
  stopping: 'exited',
  configured: 'created',
  initialized: 'created',
};

export function cpuLimitCores(hostConfig: EngineInspect['HostConfig']): number | null {
  const nano = hostConfig?.NanoCpus;
  if (isNum(nano) && nano > 0) return nano / 1e9;
  const quota = hostConfig?.CpuQuota;
  if (isNum(quota) && quota > 0) {
    // The engine's default period is 100 ms when only a quota is set.
    const period = isNum(hostConfig?.CpuPeriod) && (hostConfig?.CpuPeriod ?? 0) > 0 ? (hostConfig?.CpuPeriod as number) : 100_000;
    return quota / period;
  }
  return null;
}

export interface InspectContext {
  hostId: string;
  now: Date;
  /** The list endpoint's human status ("Up 5 minutes (healthy)"); inspect has none. */
  statusText?: string | null;
}

export function mapInspect(inspect: EngineInspect, ctx: InspectContext): ContainerInfoRow {
  const id = inspect.Id;
  if (typeof id !== 'string' || id.length === 0) {
    throw new EngineDataError(`container inspect answer without an Id (name ${JSON.stringify(inspect.Name)})`);
  }
  const reported = inspect.State?.Status ?? '';
  const rawState = STATE_ALIASES[reported] ?? reported;
  if (!STATES.has(rawState)) {
    throw new EngineDataError(`container ${id} has an unknown state ${JSON.stringify(rawState)}`);
  }
  const state = rawState as ContainerState;
  const labels = inspect.Config?.Labels ?? {};
  const command = [inspect.Path, ...(inspect.Args ?? [])].filter((p): p is string => typeof p === 'string' && p !== '');
  const memory = inspect.HostConfig?.Memory;
  const exitCode = inspect.State?.ExitCode;
  return {
    host_id: ctx.hostId,
    container_id: id,
    name: (inspect.Name ?? id.slice(0, 12)).replace(/^\//, ''),
    image: inspect.Config?.Image ?? null,
    image_id: inspect.Image ?? null,
    command: command.length ? command.join(' ') : null,
    created_at: engineTime(inspect.Created),
    started_at: engineTime(inspect.State?.StartedAt),
    finished_at: engineTime(inspect.State?.FinishedAt),
    state,
    status: ctx.statusText ?? null,
    health: inspect.State?.Health?.Status ?? null,
    restart_count: isNum(inspect.RestartCount) ? inspect.RestartCount : 0,
    // A running container has no exit code yet; the one from its previous run would mislead.
    exit_code: state === 'running' || state === 'created' || !isNum(exitCode) ? null : exitCode,
    oom_killed: inspect.State?.OOMKilled === true,
    labels,
    compose_project: labels['com.docker.compose.project'] ?? null,
    compose_service: labels['com.docker.compose.service'] ?? null,
    cpu_limit_cores: cpuLimitCores(inspect.HostConfig),
    mem_limit_bytes: isNum(memory) && memory > 0 ? memory : null,
    last_seen: ctx.now,
    removed_at: null,
  };
}

/** The row that says a container is gone: the last known row, marked removed. */
export function removedInfo(last: ContainerInfoRow, now: Date): ContainerInfoRow {
  return { ...last, state: 'removed', status: null, last_seen: now, removed_at: now };
}
