// Command-line flags of the benches: `--name value` or `--name=value`.
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1] as string;
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

/** A comma-separated list of positive numbers: `--containers 50,200`. */
export function sizesFlag(name: string, fallback: string): number[] {
  return flag(name, fallback)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
}
