// The parts of the Docker Engine API answers (API 1.41+) the mappers read. Every field is optional:
// engines differ by version and cgroup version, and a malformed answer must not crash a cycle.

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface EngineStats {
  read?: string;
  preread?: string;
  pids_stats?: { current?: number; limit?: number };
  blkio_stats?: { io_service_bytes_recursive?: BlkioEntry[] | null };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  name?: string;
  id?: string;
}

export interface EngineInspect {
  Id?: string;
  Name?: string;
  Created?: string;
  Path?: string;
  Args?: string[];
  Image?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    OOMKilled?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string } | null;
  };
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean; Cmd?: string[] | null; Entrypoint?: string[] | null };
  HostConfig?: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; Memory?: number };
}

export interface EngineContainerSummary {
  Id?: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  State?: string;
  Status?: string;
  Labels?: Record<string, string> | null;
}

export interface EngineImageSummary {
  Id?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
  Created?: number;
  Labels?: Record<string, string> | null;
}

export interface EngineInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
  NCPU?: number;
  MemTotal?: number;
  CgroupVersion?: string;
  /** Only Podman's /info carries it (the Buildah library it builds with): how Podman is told apart. */
  BuildahVersion?: string;
}

/** A malformed engine answer: the message says which container or call and what was wrong. */
export class EngineDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineDataError';
  }
}

/**
 * The engine writes Go's zero time, '0001-01-01T00:00:00Z', for "never": a container's FinishedAt
 * before its first exit, or the `read` time of stats of a container that is not running (one in
 * its restart back-off is still listed as running).
 */
export function isEngineZeroTime(text: string | undefined | null): boolean {
  return typeof text === 'string' && text.startsWith('0001-01-01');
}

/** The engine's time, or null for its zero time ("never") and for garbage. */
export function engineTime(text: string | undefined | null): Date | null {
  if (!text || isEngineZeroTime(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
