// The collector's version, for the heartbeat row: the package version, read once.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const COLLECTOR_VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
