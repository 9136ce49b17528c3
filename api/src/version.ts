// The package version, read once; works from src (tests) and dist (production).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const API_VERSION: string = (
  JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
