// A Node process of a test's own (the built collector, or a TypeScript child through tsx), with
// what it prints kept: stdout and stderr apart and interleaved, and how it ended.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface NodeChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr in the order they arrived. */
  output(): string;
  /** The signal that ended it, or else its exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/** `node <args>` from the repository root, with `env` added to this process's environment. */
export function startNodeChild(args: string[], env: NodeJS.ProcessEnv = {}): NodeChild {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let both = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
    both += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    both += c.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return { child, stdout: () => out, stderr: () => err, output: () => both, exited };
}

/** A TypeScript file run through tsx; tsconfig.tests.json maps @dockpulse/* to the sources, so it needs no build. */
export function startTsxChild(script: string, args: string[]): NodeChild {
  return startNodeChild(['--import', 'tsx', script, ...args], { TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'tsconfig.tests.json') });
}
