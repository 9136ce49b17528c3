import {
  cutUtf8,
  FrameDemuxer,
  LineSplitter,
  LogSequencer,
  parseTimedLine,
  RateLimiter,
  sinceParam,
  type StreamChunk,
} from '@dockpulse/collector/docker/logs';
import { EngineDataError } from '@dockpulse/collector/docker/engine-types';
import { fixtureBytes } from '../fixtures';

function lines(chunks: StreamChunk[], max = 1000): { stream: string; message: string; time: Date }[] {
  const splitters = { stdout: new LineSplitter(max + 40), stderr: new LineSplitter(max + 40) };
  return chunks.flatMap((c) => splitters[c.stream].push(c.data).map((l) => ({ stream: c.stream, ...parseTimedLine(l, max) })));
}

function frame(type: number, payload: string | Buffer): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

describe('log stream demultiplexing', () => {
  it('splits the recorded non-TTY stream into stdout and stderr lines, in order, with timestamps', () => {
    const got = lines(new FrameDemuxer(false).push(fixtureBytes('v1-logs-multiplexed.bin')));
    expect(got.map((l) => [l.stream, l.message])).toEqual([
      ['stdout', 'out1'],
      ['stderr', 'err1'],
      ['stdout', 'out2'],
    ]);
    expect(got[0]?.time.toISOString()).toMatch(/^2026-11-29T10:28:39\.798Z$/);
  });

  it('gives the same lines when the recorded stream arrives one byte at a time (frames split across chunks)', () => {
    const bytes = fixtureBytes('v1-logs-multiplexed.bin');
    const demux = new FrameDemuxer(false);
    const chunks: StreamChunk[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(...demux.push(bytes.subarray(i, i + 1)));
    expect(lines(chunks).map((l) => l.message)).toEqual(['out1', 'err1', 'out2']);
  });

  it('a TTY container has one raw stream: stdout, and the \\r of \\r\\n is dropped', () => {
    const got = lines(new FrameDemuxer(true).push(fixtureBytes('v1-logs-tty.bin')));
    expect(got.map((l) => [l.stream, l.message])).toEqual([['stdout', 'tty1']]);
  });

  it('a line split over two frames is joined', () => {
    const demux = new FrameDemuxer(false);
    const chunks = demux.push(Buffer.concat([frame(1, '2026-01-01T00:00:00.000000001Z hel'), frame(1, 'lo\n')]));
    expect(lines(chunks).map((l) => l.message)).toEqual(['hello']);
  });

  it('a header with an unknown stream type is refused, and the demuxer recovers for the next frames', () => {
    const demux = new FrameDemuxer(false);
    expect(() => demux.push(Buffer.from([9, 0, 0, 0, 0, 0, 0, 1, 65]))).toThrow(EngineDataError);
    expect(demux.push(frame(2, 'x')).map((c) => c.stream)).toEqual(['stderr']);
  });
});

describe('long lines', () => {
  it('are truncated to the limit with a marker naming the bytes cut', () => {
    const body = 'a'.repeat(300);
    const split = new LineSplitter(100 + 40);
    const [raw] = split.push(Buffer.from(`2026-01-01T00:00:00.5Z ${body}\n`));
    const line = parseTimedLine(raw!, 100);
    expect(line.message).toBe(`${'a'.repeat(100)} …[truncated 200 bytes]`);
  });

  it('bytes beyond the splitter\'s keep limit are counted, not held in memory', () => {
    const split = new LineSplitter(64);
    expect(split.push(Buffer.from('2026-01-01T00:00:00Z ' + 'b'.repeat(5000)))).toEqual([]);
    const [raw] = split.push(Buffer.from('b'.repeat(5000) + '\n'));
    expect(raw!.bytes.length).toBe(64);
    const line = parseTimedLine(raw!, 20);
    const bodyTotal = 10_000;
    expect(line.message).toBe(`${'b'.repeat(20)} …[truncated ${bodyTotal - 20} bytes]`);
  });

  it('never cuts a UTF-8 character in half', () => {
    const cut = cutUtf8(Buffer.from('aé'), 2);
    expect(cut.toString('utf8')).toBe('a');
  });

  it('a line without a timestamp is refused', () => {
    expect(() => parseTimedLine({ bytes: Buffer.from('no time here'), droppedBytes: 0 }, 100)).toThrow(/timestamp/);
  });
});

describe('sequencing and resume', () => {
  const t = (ms: number) => ({ time: new Date(ms), timestamp: '', message: `m${ms}` });

  it('numbers lines sharing a millisecond per stream and skips what was already stored', () => {
    const fresh = new LogSequencer('h', 'c', undefined);
    const all = [1000, 1000, 1000, 2000].map((ms) => fresh.next('stdout', t(ms)));
    expect(all.map((r) => r?.seq)).toEqual([0, 1, 2, 0]);
    // stored up to the second line of ms 1000 on stdout: a restarted follower sees ms 1000 again
    const resumed = new LogSequencer('h', 'c', { timeMs: 1000, maxSeq: { stdout: 1 } });
    const again = [900, 1000, 1000, 1000, 2000].map((ms) => resumed.next('stdout', t(ms)));
    expect(again.map((r) => r && [r.time.getTime(), r.seq])).toEqual([null, null, null, [1000, 2], [2000, 0]]);
    // stderr had nothing stored at ms 1000, so its lines there are new
    expect(resumed.next('stderr', t(1000))?.seq).toBe(0);
  });

  it('position() is what a restarted follower needs', () => {
    const s = new LogSequencer('h', 'c', undefined);
    s.next('stdout', t(5));
    s.next('stderr', t(7));
    s.next('stderr', t(7));
    expect(s.position()).toEqual({ timeMs: 7, maxSeq: { stderr: 1 } });
  });

  it('since is "seconds.nanoseconds"', () => {
    expect(sinceParam(1_700_000_000_123)).toBe('1700000000.123000000');
    expect(sinceParam(5)).toBe('0.005000000');
  });
});

describe('rate cap', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const keptOf = (limiter: RateLimiter, printedAtMs: number[]) => printedAtMs.filter((t) => limiter.tryTake(t)).length;

  it("lets one second's worth through, then refills at the rate of the lines' own clock", () => {
    const limiter = new RateLimiter(10);
    expect(keptOf(limiter, Array.from({ length: 15 }, () => T0))).toBe(10);
    expect(keptOf(limiter, Array.from({ length: 15 }, () => T0 + 500))).toBe(5);
  });

  it('keeps a backlog printed at the allowed pace, however fast it arrives', () => {
    // 30 s of a container printing 20 lines/s, read in one go after the collector was away
    const limiter = new RateLimiter(200);
    const backlog = Array.from({ length: 600 }, (_, i) => T0 + i * 50);
    expect(keptOf(limiter, backlog)).toBe(600);
  });

  it('drops from a backlog what was printed faster than the cap', () => {
    const limiter = new RateLimiter(10);
    // 100 lines printed within 1 ms, then 10 lines 1 s later
    const burst = Array.from({ length: 100 }, (_, i) => T0 + i / 100);
    expect(keptOf(limiter, burst)).toBe(10);
    expect(keptOf(limiter, Array.from({ length: 10 }, () => T0 + 1001))).toBe(10);
  });

  it('counts timestamps going back (stdout and stderr interleaved) as no time passed', () => {
    const limiter = new RateLimiter(2);
    expect(keptOf(limiter, [T0 + 1000, T0 + 1000])).toBe(2);
    expect(keptOf(limiter, [T0, T0 + 500])).toBe(0);
    expect(keptOf(limiter, [T0 + 1500])).toBe(1);
  });
});
