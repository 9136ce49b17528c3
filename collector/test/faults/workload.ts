// The schedule's workload: ten busybox containers on the test's own engine. Three loggers print
// numbered lines at a known rate, one container exits every 11 s and is restarted by the engine,
// six only run (stats). All restart `always`, so they come back after the engine restarts; each
// run of a container counts as a new boot in its lines, so every line it ever prints is unique.
import type Docker from 'dockerode';

export const TEST_IMAGE = 'dockpulse/testbox:latest';

/** Lines per second of each logger (usleep 50 ms between lines; a little less under load). */
export const LOGGER_LINES_PER_SEC = 20;
export const LOGGERS = 3;
export const STATS_ONLY = 6;
/** The restart loop's run time: over 10 s, so the engine's restart backoff resets every time. */
export const RESTART_LOOP_RUN_S = 11;

// A run's boot number, kept in the container's own filesystem across restarts.
const boot = 'b=$(( $(cat /tmp/boot 2>/dev/null || echo 0) + 1 )); echo $b > /tmp/boot';

export interface WorkloadContainer {
  name: string;
  id: string;
  kind: 'logger' | 'restart-loop' | 'stats';
}

function script(kind: WorkloadContainer['kind'], name: string): string {
  switch (kind) {
    case 'logger':
      return `${boot}; trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo "${name} boot $b line $i"; usleep ${Math.round(1e6 / LOGGER_LINES_PER_SEC)}; done`;
    case 'restart-loop':
      return `${boot}; echo "${name} boot $b"; trap 'exit 0' TERM; sleep ${RESTART_LOOP_RUN_S} & wait $!; exit 1`;
    case 'stats':
      // Some memory in the page cache, then idle.
      return `${boot}; trap 'exit 0' TERM; dd if=/dev/zero of=/tmp/blob bs=64k count=64 2>/dev/null; while true; do sleep 1 & wait $!; done`;
  }
}

export async function startWorkload(docker: Docker, runId: string): Promise<WorkloadContainer[]> {
  const specs: Array<{ name: string; kind: WorkloadContainer['kind'] }> = [
    ...Array.from({ length: LOGGERS }, (_, i) => ({ name: `logger-${i + 1}`, kind: 'logger' as const })),
    { name: 'restart-loop', kind: 'restart-loop' },
    ...Array.from({ length: STATS_ONLY }, (_, i) => ({ name: `stats-${i + 1}`, kind: 'stats' as const })),
  ];
  const out: WorkloadContainer[] = [];
  for (const s of specs) {
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      name: `${s.name}-${runId}`,
      Cmd: ['sh', '-c', script(s.kind, s.name)],
      Labels: { 'dockpulse.test': 'faults', 'dockpulse.test.run': runId },
      HostConfig: { RestartPolicy: { Name: 'always' } },
    });
    await container.start();
    out.push({ name: `${s.name}-${runId}`, id: container.id, kind: s.kind });
  }
  return out;
}
