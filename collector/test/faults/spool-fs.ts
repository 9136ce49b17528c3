// The spool's own small filesystem (a tmpfs the test mounts; it runs as root), so "the disk is
// full" is real for the collector and nobody else.
import { execFile } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class SpoolFs {
  readonly spoolDir: string;
  private readonly fillPath: string;

  constructor(readonly mountPoint: string) {
    this.spoolDir = path.join(mountPoint, 'spool');
    this.fillPath = path.join(mountPoint, 'fill');
  }

  /** Why it cannot be mounted here, or undefined. */
  static async unavailable(probeDir: string): Promise<string | undefined> {
    if (process.getuid?.() !== 0) return 'mounting a tmpfs for the spool needs root';
    mkdirSync(probeDir, { recursive: true });
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probeDir]);
      await run('umount', [probeDir]);
      return undefined;
    } catch (error) {
      return `cannot mount a tmpfs here: ${(error as Error).message}`;
    }
  }

  async mount(sizeBytes: number): Promise<void> {
    mkdirSync(this.mountPoint, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', this.mountPoint]);
    mkdirSync(this.spoolDir, { recursive: true });
  }

  /** Writes one file until the filesystem refuses (ENOSPC); returns the bytes written. */
  fill(): number {
    const fd = openSync(this.fillPath, 'w');
    const block = Buffer.alloc(64 * 1024);
    let written = 0;
    try {
      for (;;) {
        try {
          written += writeSync(fd, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
      // The last partial block: tmpfs counts pages, so fill byte-wise to the end.
      for (const size of [4096, 512, 1]) {
        try {
          for (;;) written += writeSync(fd, block.subarray(0, size));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      }
    } finally {
      closeSync(fd);
    }
    return written;
  }

  free(): void {
    rmSync(this.fillPath, { force: true });
  }

  async unmount(): Promise<void> {
    await run('umount', [this.mountPoint]).catch(() => undefined);
  }

  async freeBytes(): Promise<number> {
    const { stdout } = await run('df', ['-B1', '--output=avail', this.mountPoint]);
    return Number(stdout.trim().split('\n').pop());
  }
}
