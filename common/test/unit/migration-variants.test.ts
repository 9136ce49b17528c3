// Which file of a migration version the runner applies: the flavour's, and of a TimescaleDB
// file's variants the one for the installed extension version. Pure: files in a temp directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_SQL_DIR, loadMigrations, MigrationError, timescaledbMinor } from '@dockpulse/common';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dp-sql-variants-'));
  const files: Record<string, string> = {
    '0001_core.sql': 'SELECT 1;',
    '0002_series.postgres.sql': 'SELECT 2;',
    '0002_series.timescaledb.sql': "SELECT 'compression';",
    '0002_series.timescaledb-2.18.sql': "SELECT 'columnstore';",
    '0003_more.sql': 'SELECT 3;',
  };
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const picked = (flavour: 'postgres' | 'timescaledb', version?: string) => loadMigrations(dir, flavour, version).map((f) => f.file);

describe('migration variants', () => {
  it.each([
    ['2.17.2', '0002_series.timescaledb.sql'],
    ['2.18.0', '0002_series.timescaledb-2.18.sql'],
    ['2.28.3', '0002_series.timescaledb-2.18.sql'],
    ['2.29.2', '0002_series.timescaledb-2.18.sql'],
    ['3.0.0-dev', '0002_series.timescaledb-2.18.sql'],
  ])('TimescaleDB %s applies %s', (version, file) => {
    expect(picked('timescaledb', version)).toEqual(['0001_core.sql', file, '0003_more.sql']);
  });

  it('takes the variant without a required version when the version is not known, and never a TimescaleDB file for plain PostgreSQL', () => {
    expect(picked('timescaledb')).toEqual(['0001_core.sql', '0002_series.timescaledb.sql', '0003_more.sql']);
    expect(picked('postgres')).toEqual(['0001_core.sql', '0002_series.postgres.sql', '0003_more.sql']);
  });

  it("accepts the checksum of every variant of a version (a database keeps the variant it was migrated with)", () => {
    const [, v2] = loadMigrations(dir, 'timescaledb', '2.28.3');
    const old = loadMigrations(dir, 'timescaledb', '2.17.0')[1];
    expect(v2?.acceptedChecksums).toHaveLength(2);
    expect(v2?.acceptedChecksums).toContain(old?.checksum);
    expect(v2?.acceptedChecksums).toContain(v2?.checksum);
    expect(loadMigrations(dir, 'postgres')[1]?.acceptedChecksums).toEqual([loadMigrations(dir, 'postgres')[1]?.checksum]);
  });

  it('refuses two files for one version and required version, and says which version a server lacks', () => {
    writeFileSync(path.join(dir, '0003_more.timescaledb-2.20.sql'), 'SELECT 4;');
    writeFileSync(path.join(dir, '0004_new.timescaledb-2.20.sql'), 'SELECT 5;');
    expect(() => picked('timescaledb', '2.19.1')).toThrow(/no migration 4 for TimescaleDB 2\.19\.1: 0004_new\.timescaledb-2\.20\.sql needs TimescaleDB 2\.20/);
    writeFileSync(path.join(dir, '0001_core.timescaledb.sql'), 'SELECT 6;');
    expect(() => picked('timescaledb', '2.28.3')).toThrow(MigrationError);
    expect(() => picked('timescaledb', '2.28.3')).toThrow(/two migrations with version 1 for timescaledb/);
  });

  it('reads extension versions, and names one it cannot read', () => {
    expect(timescaledbMinor('2.28.3')).toEqual([2, 28]);
    expect(timescaledbMinor('2.18.0-dev')).toEqual([2, 18]);
    expect(() => timescaledbMinor('latest')).toThrow(/cannot read the TimescaleDB version "latest"/);
  });

  it("the project's own 0002 has the compression variant and the columnstore one from 2.18", () => {
    expect(loadMigrations(DEFAULT_SQL_DIR, 'timescaledb', '2.17.2')[1]?.file).toBe('0002_timeseries.timescaledb.sql');
    expect(loadMigrations(DEFAULT_SQL_DIR, 'timescaledb', '2.28.3')[1]?.file).toBe('0002_timeseries.timescaledb-2.18.sql');
  });
});
