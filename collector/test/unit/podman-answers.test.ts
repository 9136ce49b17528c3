// Podman's Docker-compatible API (podman 4.3.1, `podman system service`), replayed from recorded
// answers (test/fixtures/README.md, "Podman"): what the collector's mappers make of them, quirk by
// quirk. Quirks the collector does not handle yet are skipped tests that say what is missing.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_FILTER_ACTIONS, mapEvent, parseEventLine } from '@dockpulse/collector/docker/events';
import type { EngineContainerSummary, EngineImageSummary, EngineInfo, EngineInspect, EngineStats } from '@dockpulse/collector/docker/engine-types';
import { mapHost } from '@dockpulse/collector/docker/host';
import { mapImage } from '@dockpulse/collector/docker/images';
import { mapInspect } from '@dockpulse/collector/docker/inspect';
import { mapStats, roundCpuPercent, systemCpuBaseOf } from '@dockpulse/collector/docker/stats';
import { FIXTURES_DIR, fixture } from '../fixtures';

const BURNER = '0179cc41c5fe2fba8a86a9b8c2179f9f93ff84aca91712ffc3b1c322c46a35cb';
const events = (file: string) =>
  readFileSync(path.join(FIXTURES_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseEventLine(l));

describe('Podman 4.3.1 answers', () => {
  it("system_cpu_usage is the host cgroup's busy time, not /proc/stat's total: Podman's answers go by elapsed time", () => {
    expect(systemCpuBaseOf(fixture<EngineInfo>('podman-info.json'))).toBe('elapsed');
    expect(systemCpuBaseOf(fixture<EngineInfo>('v1-info.json'))).toBe('engine');
    // The engine's own formula on these answers: 2,923,935,274 ns of "system" time in 1,480 ms on
    // 2 CPUs is the busy share of a loaded host; on an idle one the same burner would read ~2x.
    const first = mapStats(fixture<EngineStats>('podman-stats-oneshot-burner.json'), { hostId: 'h', containerId: BURNER, systemCpu: 'engine' });
    const next = mapStats(fixture<EngineStats>('podman-stats-oneshot-burner-next.json'), {
      hostId: 'h',
      containerId: BURNER,
      systemCpu: 'engine',
      previous: first.sample,
    });
    expect(next.row.cpu_percent).toBeCloseTo(roundCpuPercent(62.746429865), 9);
  });

  it('one-shot stats carry a zeroed precpu_stats (containers/podman#24730): CPU % comes from the previous sample, never from the zeros', () => {
    const systemCpu = systemCpuBaseOf(fixture<EngineInfo>('podman-info.json'));
    const first = mapStats(fixture<EngineStats>('podman-stats-oneshot-burner.json'), { hostId: 'h', containerId: BURNER, systemCpu });
    // zeros taken for a previous sample would give the whole lifetime's CPU as this interval's
    expect(first.row.cpu_percent).toBeNull();
    const next = mapStats(fixture<EngineStats>('podman-stats-oneshot-burner-next.json'), {
      hostId: 'h',
      containerId: BURNER,
      systemCpu,
      previous: first.sample,
    });
    // 917,332,498 ns of CPU over the 1,480 ms between the two reads on 2 CPUs
    expect(next.row.cpu_percent).toBeCloseTo(roundCpuPercent(61.981925541), 9);
    expect(next.row).toMatchObject({
      // no memory_stats.stats at all: used = usage
      mem_used_bytes: 253952,
      mem_usage_bytes: 253952,
      mem_limit_bytes: 67108864,
      // one "network" entry instead of per-interface ones: still summed
      net_rx_bytes: 796,
      net_tx_bytes: 2542,
      net_tx_delta: 70,
      blk_read_bytes: 0,
      pids: 1,
    });
  });

  it('/containers/json has no Health (containers/podman#27786): health comes from the inspect, which has it', () => {
    const list = fixture<EngineContainerSummary[]>('podman-containers-list.json');
    expect(list.every((c) => !('Health' in c))).toBe(true);
    const row = mapInspect(fixture<EngineInspect>('podman-inspect-health.json'), { hostId: 'h', now: new Date(), statusText: list[1]?.Status });
    expect(row).toMatchObject({ name: 'dp-pm-health', state: 'running', health: 'unhealthy' });
  });

  it('inspect, /info and /images/json map as from Docker', () => {
    expect(mapInspect(fixture<EngineInspect>('podman-inspect-burner.json'), { hostId: 'h', now: new Date() })).toMatchObject({
      container_id: BURNER,
      name: 'dp-pm-burner',
      state: 'running',
      mem_limit_bytes: 67108864,
      labels: { 'dockpulse.test': 'podman' },
    });
    expect(mapHost(fixture<EngineInfo>('podman-info.json'), 'h', '1.41', new Date())).toMatchObject({
      engine_version: '4.3.1',
      cgroup_version: 1,
      cpus: 2,
    });
    const [image] = fixture<EngineImageSummary[]>('podman-images-list.json');
    expect(mapImage(image as EngineImageSummary, 'h', new Date())).toMatchObject({
      image_id: 'sha256:a954e338d556b8ac1c7f3a44355e7aa2d335e0324bd2f69e3db42034722ea7a2',
      repo_tags: ['localhost/dockpulse/testbox:latest'],
    });
  });

  it('the unfiltered event stream has create, start, die and destroy (Podman\'s "remove"), with timeNano and the exit code exact', () => {
    const rows = events('podman-events.ndjson')
      .map((e) => mapEvent(e, 'h'))
      .filter((r) => r !== null);
    expect(rows.map((r) => [r?.action, r?.exit_code])).toEqual([['create', null], ['start', null], ['die', 3], ['destroy', null]]);
    expect(rows[0]?.time_nano).toBe('1796118045786425657');
  });

  it('an events filter on "die" drops Podman\'s die events (containers/podman#16857: it filters on its own word, "died")', () => {
    // recorded with filters {"type":["container"],"event":["create","start","die","destroy"]}, same container run
    expect(events('podman-events-filtered.ndjson').map((e) => e.action)).toEqual(['create', 'start']);
  });

  it('the collector\'s events filter asks for Podman\'s words too, so its die and remove events arrive', () => {
    expect(EVENT_FILTER_ACTIONS).toEqual(expect.arrayContaining(['die', 'died', 'destroy', 'remove']));
  });

  it('Podman\'s own state words in an inspect (stopped while being removed) are Docker\'s states, not errors', () => {
    const burner = fixture<EngineInspect>('podman-inspect-burner.json');
    const at = (status: string) => mapInspect({ ...burner, State: { ...burner.State, Status: status } }, { hostId: 'h', now: new Date() }).state;
    expect(['stopped', 'stopping', 'configured', 'initialized', 'running'].map(at)).toEqual(['exited', 'exited', 'created', 'created', 'running']);
    expect(() => at('bogus')).toThrow(/unknown state "bogus"/);
  });
});
