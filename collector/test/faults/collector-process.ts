// The collector as a user runs it: `node` on collector/src/main.ts (through tsx, so no build is
// needed), configured by its environment only. Its pino lines go to a file per run, and the time
// it logs that its stats schedule runs is when it counts as alive.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/**
 * What collector/src/main.ts logs once its stats schedule runs: `collector collecting` (it collects
 * before its database answers), or `collector running...` from a collector that reaches its
 * database first. The latter also marks the database reached, migrated and the spool replayed.
 */
export const COLLECTING_MESSAGE = 'collector collecting';
export const RUNNING_MESSAGE = 'collector running';

export interface LogRecord {
  time: number;
  level: number;
  msg: string;
  [k: string]: unknown;
}

export class CollectorProcess {
  readonly records: LogRecord[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  /** Epoch ms from the collector's own line saying its stats schedule runs. */
  runningAtMs: number | undefined;
  /** Epoch ms from its `collector running` line: database reached, jobs resumed. */
  databaseAtMs: number | undefined;
  /** When the test sent the signal that ended it. */
  endedAtMs: number | undefined;

  /** `METRICS_PORT`: where its /metrics answers. */
  readonly metricsPort: number;

  constructor(env: Record<string, string>, private readonly logPath: string) {
    this.metricsPort = Number(env.METRICS_PORT ?? 0);
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'collector', 'src', 'main.ts')], {
      cwd: repoRoot,
      // Only what a user would set, plus tsx's path mapping of @dockpulse/* to the sources.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TSX_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.tests.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let rest = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      appendFileSync(logPath, chunk);
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) this.parse(line);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      appendFileSync(logPath, chunk);
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private parse(line: string): void {
    if (!line.startsWith('{')) return;
    try {
      const r = JSON.parse(line) as LogRecord;
      this.records.push(r);
      const running = typeof r.msg === 'string' && r.msg.startsWith(RUNNING_MESSAGE);
      if (running) this.databaseAtMs ??= r.time;
      if (running || r.msg === COLLECTING_MESSAGE) this.runningAtMs ??= r.time;
    } catch {
      // not a pino line
    }
  }

  /** Waits until it logs that it runs; fails with its last output if it exits first. */
  async waitRunning(timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.runningAtMs === undefined) {
      if (!this.alive) throw new Error(`collector exited before running (${JSON.stringify(await this.exited)}): ${this.stderr || this.lastLines()}`);
      if (Date.now() > until) throw new Error(`collector did not log "${COLLECTING_MESSAGE}" or "${RUNNING_MESSAGE}" within ${timeoutMs} ms; see ${this.logPath}: ${this.lastLines()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.runningAtMs;
  }

  lastLines(n = 5): string {
    return this.records.slice(-n).map((r) => r.msg).join(' | ');
  }

  /** One sample of its /metrics, e.g. `dockpulse_collector_spool_state{state="disk-full"}`; undefined when absent. */
  async metric(series: string): Promise<number | undefined> {
    const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  /** Sends a signal and waits for the exit. */
  async signal(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.endedAtMs = Date.now();
    this.child.kill(signal);
    return this.exited;
  }
}
