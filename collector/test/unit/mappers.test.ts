import { mapInspect, removedInfo, cpuLimitCores } from '@dockpulse/collector/docker/inspect';
import { LineBuffer, mapEvent, nanosToDate, parseEventLine } from '@dockpulse/collector/docker/events';
import { mapImage, splitRepoTag, TagTracker } from '@dockpulse/collector/docker/images';
import { mapHost } from '@dockpulse/collector/docker/host';
import { EngineDataError, type EngineImageSummary, type EngineInspect } from '@dockpulse/collector/docker/engine-types';
import { fixture, fixtureText } from '../fixtures';

const now = new Date('2026-11-29T12:00:00Z');
const info = (name: string) => mapInspect(fixture<EngineInspect>(`v1-inspect-${name}.json`), { hostId: 'h', now });

describe('container inspect -> container_info (recorded, cgroup v1)', () => {
  it('a container that ran `exit 3` is exited with exit code 3, not OOM-killed', () => {
    const row = info('exit');
    expect([row.state, row.exit_code, row.oom_killed, row.name]).toEqual(['exited', 3, false, 'fx-exit']);
    expect(row.finished_at).toBeInstanceOf(Date);
    expect(row.command).toBe("sh -c exit 3");
  });

  it('the container killed for its 8m memory limit is OOM-killed with exit 137 and the limit recorded', () => {
    const row = info('oom');
    expect([row.state, row.exit_code, row.oom_killed, row.mem_limit_bytes]).toEqual(['exited', 137, true, 8 * 1024 * 1024]);
  });

  it('a failing healthcheck shows as unhealthy; compose labels become project and service', () => {
    const row = info('health');
    expect([row.state, row.health, row.exit_code]).toEqual(['running', 'unhealthy', null]);
    expect([row.compose_project, row.compose_service]).toEqual(['shop', 'web']);
    expect(row.labels['dockpulse.test']).toBe('collector');
  });

  it('limits: --cpus 0.5 is 0.5 cores from NanoCpus, --memory 64m is bytes; none means null', () => {
    const burner = info('burner');
    expect([burner.cpu_limit_cores, burner.mem_limit_bytes]).toEqual([0.5, 64 * 1024 * 1024]);
    const nonet = info('nonet');
    expect([nonet.cpu_limit_cores, nonet.mem_limit_bytes, nonet.health]).toEqual([null, null, null]);
    expect(cpuLimitCores({ CpuQuota: 150_000, CpuPeriod: 100_000 })).toBe(1.5);
    expect(cpuLimitCores({ CpuQuota: 50_000 })).toBe(0.5);
  });

  it('an answer without Id or with an unknown state is refused with context', () => {
    expect(() => mapInspect({ Name: '/x' }, { hostId: 'h', now })).toThrow(EngineDataError);
    expect(() => mapInspect({ Id: 'abc', State: { Status: 'zombie' } }, { hostId: 'h', now })).toThrow(/abc.*zombie/);
  });

  it('removedInfo keeps the last row and marks it removed', () => {
    const r = removedInfo(info('exit'), now);
    expect([r.state, r.removed_at, r.exit_code]).toEqual(['removed', now, 3]);
  });
});

describe('events -> container_events (recorded)', () => {
  const lines = fixtureText('v1-events.ndjson').trim().split('\n');

  it('timeNano stays exact: the stored text equals the digits in the raw line, past 2^53', () => {
    for (const line of lines) {
      const parsed = parseEventLine(line);
      expect(parsed.timeNano).toBe(/"timeNano":(\d+)/.exec(line)?.[1]);
      expect(BigInt(parsed.timeNano) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    }
  });

  it('an exact value with odd low digits survives', () => {
    const line = '{"Type":"container","Action":"start","Actor":{"ID":"c","Attributes":{"name":"n"}},"time":1700000000,"timeNano":1700000000123456789}';
    const row = mapEvent(parseEventLine(line), 'h');
    expect(row?.time_nano).toBe('1700000000123456789');
    expect(row?.time.toISOString()).toBe('2023-11-14T22:13:20.123Z');
    // what a plain JSON number would have stored instead
    expect(String(BigInt((JSON.parse(line) as { timeNano: number }).timeNano))).not.toBe('1700000000123456789');
  });

  it('records lifecycle actions with exit codes, health detail and OOM; skips exec_*', () => {
    const rows = lines.map((l) => mapEvent(parseEventLine(l), 'h')).filter((r) => r !== null);
    const actions = new Set<string>(rows.map((r) => r.action));
    for (const a of ['create', 'start', 'die', 'kill', 'oom', 'restart', 'stop', 'pause', 'unpause', 'destroy', 'health_status']) {
      expect(actions.has(a)).toBe(true);
    }
    expect([...actions].some((a) => a.startsWith('exec'))).toBe(false);
    const exitDie = rows.find((r) => r.action === 'die' && r.container_name === 'fx-exit');
    expect(exitDie?.exit_code).toBe(3);
    const health = rows.find((r) => r.action === 'health_status');
    expect(health?.attributes.health_status).toBe('unhealthy');
    expect(rows.every((r) => r.time.getTime() === nanosToDate(r.time_nano).getTime())).toBe(true);
  });

  it('a line that is not JSON or has no time is refused with the line in the message', () => {
    expect(() => parseEventLine('{"Action":')).toThrow(/not JSON/);
    expect(() => parseEventLine('{"Action":"start"}')).toThrow(/timeNano/);
  });

  it('LineBuffer joins a line split across chunks, also inside a UTF-8 character', () => {
    const b = new LineBuffer();
    const text = Buffer.from('{"a":"é"}\n{"b":1}\n');
    const cut = text.indexOf(0xa9); // second byte of é
    expect(b.push(text.subarray(0, cut))).toEqual([]);
    expect(b.push(text.subarray(cut))).toEqual(['{"a":"é"}', '{"b":1}']);
  });
});

describe('images', () => {
  const list = fixture<EngineImageSummary[]>('v1-images-list.json');

  it('maps the recorded image list', () => {
    const row = mapImage(list[0] as EngineImageSummary, 'h', now);
    expect(row.repo_tags).toContain('dockpulse/testbox:latest');
    expect(row.size_bytes).toBe((list[0] as EngineImageSummary).Size);
    expect(row.created_at?.getTime()).toBe(((list[0] as EngineImageSummary).Created as number) * 1000);
  });

  it('splits repo:tag at the last colon after the last slash (registry ports)', () => {
    expect(splitRepoTag('registry:5000/team/app:1.2')).toEqual({ repository: 'registry:5000/team/app', tag: '1.2' });
    expect(splitRepoTag('registry:5000/team/app')).toEqual({ repository: 'registry:5000/team/app', tag: 'latest' });
  });

  it('a tag seen first, then unchanged, then moved: one row each for first sight and the move', () => {
    const t = new TagTracker();
    const a = mapImage({ Id: 'sha256:a', RepoTags: ['app:1'], RepoDigests: ['app@sha256:da'] }, 'h', now);
    const b = mapImage({ Id: 'sha256:b', RepoTags: ['app:1'] }, 'h', now);
    expect(t.observe([a], 'h', now)).toEqual([
      { time: now, host_id: 'h', repository: 'app', tag: '1', image_id: 'sha256:a', digest: 'sha256:da', previous_image_id: null },
    ]);
    expect(t.observe([a], 'h', now)).toEqual([]);
    const moved = t.observe([b], 'h', now);
    expect(moved.map((v) => [v.image_id, v.previous_image_id])).toEqual([['sha256:b', 'sha256:a']]);
  });

  it('seeded from the database, a restart reports nothing for unchanged tags', () => {
    const t = new TagTracker();
    t.seed([{ repository: 'app', tag: '1', image_id: 'sha256:a' }]);
    expect(t.observe([mapImage({ Id: 'sha256:a', RepoTags: ['app:1', '<none>:<none>'] }, 'h', now)], 'h', now)).toEqual([]);
  });
});

describe('hosts', () => {
  it('maps the recorded /info', () => {
    const i = fixture('v1-info.json') as { ID: string; NCPU: number; MemTotal: number };
    const row = mapHost(i, i.ID, '1.41', now);
    expect([row.cgroup_version, row.cpus, row.mem_total_bytes, row.api_version]).toEqual([1, i.NCPU, i.MemTotal, '1.41']);
  });
});
