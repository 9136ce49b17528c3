import { z } from 'zod';

/** A setting that failed validation; the message names every variable that was wrong. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables with a zod object whose keys are the variable names.
 * Empty strings count as unset, so `FOO=` in a compose file falls back to the default.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    input[key] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const got = input[name];
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
      }),
    );
  }
  return result.data;
}

/** Whole number within [min, max], given as a decimal string. */
export const intSetting = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^-?\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(String(fallback));

const durationUnitsMs: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses "500ms", "5s", "7d", "3y" into milliseconds; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (durationUnitsMs[match[2] as string] as number);
}

/** A duration setting such as "7d"; the parsed value is in milliseconds. */
export const durationSetting = (fallback: string, minMs = 0) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration such as 500ms, 5s, 10m, 1h, 7d, 3y' });
        return z.NEVER;
      }
      if (ms < minMs) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be at least ${minMs} ms` });
        return z.NEVER;
      }
      return ms;
    });

export const boolSetting = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const storageSetting = z
  .enum(['auto', 'timescaledb', 'postgres'], { message: 'must be auto, timescaledb or postgres' })
  .default('auto');
export type StorageRequest = z.infer<typeof storageSetting>;
export type StorageFlavour = Exclude<StorageRequest, 'auto'>;

export const databaseUrlSetting = z
  .string({ required_error: 'is required (postgres://user:password@host:5432/db, or without the password and PGPASSWORD set)' })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL');

/** DATABASE_WAIT_TIMEOUT: how long a starting process waits for its database before it fails. */
export const databaseWaitSetting = durationSetting('2m');

export const logLevelSetting = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'must be one of fatal, error, warn, info, debug, trace, silent',
  })
  .default('info');
