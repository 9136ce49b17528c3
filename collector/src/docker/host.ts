// Engine /info -> hosts row.
import type { HostRow } from '@dockpulse/common';
import { isNum, type EngineInfo } from './engine-types';

export function mapHost(info: EngineInfo, hostId: string, apiVersion: string | null, now: Date): HostRow {
  const cgroup = Number(info.CgroupVersion);
  return {
    host_id: hostId,
    name: info.Name ?? hostId,
    engine_version: info.ServerVersion ?? null,
    api_version: apiVersion,
    os: info.OperatingSystem ?? null,
    kernel: info.KernelVersion ?? null,
    cpus: isNum(info.NCPU) ? info.NCPU : null,
    mem_total_bytes: isNum(info.MemTotal) ? info.MemTotal : null,
    // Engines before 20.10 do not report it; they only ran on cgroup v1.
    cgroup_version: cgroup === 1 || cgroup === 2 ? cgroup : info.CgroupVersion === undefined ? 1 : null,
    last_seen: now,
  };
}
