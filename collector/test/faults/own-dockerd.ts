// A Docker engine of the test's own, so "restart dockerd" never touches the shared one at
// /var/run/docker.sock that other tests and helpers use. Everything it has lives under one
// directory: data root, exec root (its own managed containerd), pid file and API socket. No bridge
// and no iptables rules, and it runs in a network namespace of its own (`unshare --net`): a dockerd
// started with --bridge=none deletes the host's docker0 at start (moby's removeDefaultBridgeInterface),
// which broke every container start on the shared engine until docker0 was made again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OwnDockerd {
  readonly socketPath: string;
  readonly docker: Docker;
  private child: ChildProcess | undefined;
  private readonly logPath: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.socketPath = path.join(dir, 'docker.sock');
    this.logPath = path.join(dir, 'dockerd.log');
    this.docker = new Docker({ socketPath: this.socketPath });
  }

  get hostUrl(): string {
    return `unix://${this.socketPath}`;
  }

  /** Starts dockerd and waits until it answers /info. */
  async start(): Promise<void> {
    const out = openSync(this.logPath, 'a');
    try {
      // unshare execs dockerd in place, so the child's pid is dockerd's own (for SIGTERM).
      this.child = spawn('unshare', ['--net', '--', 'dockerd',
        '--data-root', path.join(this.dir, 'data'),
        '--exec-root', path.join(this.dir, 'exec'),
        '--pidfile', path.join(this.dir, 'docker.pid'),
        '-H', this.hostUrl,
        '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
        // Containers that ignore SIGTERM cost 2 s of a restart, not the default 15.
        '--shutdown-timeout=2',
      ], { stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const child = this.child;
    for (let i = 0; i < 120; i++) {
      if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}; see ${this.logPath}`);
      if (await this.docker.ping().then(() => true, () => false)) return;
      await sleep(250);
    }
    throw new Error(`dockerd did not answer within 30 s; see ${this.logPath}`);
  }

  /** SIGTERM, as an orderly engine restart does; waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }

  /** The shared engine's test image, copied in (this engine cannot pull either). */
  async loadImageFrom(image: string, sharedSocket = '/var/run/docker.sock'): Promise<void> {
    // The shared engine may be in the middle of a restart by another test: wait for it.
    for (let i = 0; ; i++) {
      const ok = await run('docker', ['-H', `unix://${sharedSocket}`, 'image', 'inspect', image]).then(() => true, () => false);
      if (ok) break;
      if (i >= 90) throw new Error(`${image} not found on the shared engine at ${sharedSocket}; run scripts/build-test-image.sh`);
      await sleep(1_000);
    }
    await run('bash', ['-o', 'pipefail', '-c', `docker -H unix://${sharedSocket} save "$1" | docker -H "$2" load`, 'load', image, this.hostUrl]);
  }

  /** Removes every container of this engine (they are all the test's). */
  async removeAllContainers(): Promise<void> {
    const list = await this.docker.listContainers({ all: true }).catch(() => []);
    await Promise.all(list.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }

  /** `docker logs --timestamps` of one container, split per stream (the CLI writes stdout and stderr apart). */
  async logs(name: string): Promise<{ stdout: string; stderr: string }> {
    return run('docker', ['-H', this.hostUrl, 'logs', '--timestamps', name], { maxBuffer: 256 * 1024 * 1024 });
  }
}
