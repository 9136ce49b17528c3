// Query-string validation. Every route declares its parameters as a zod shape; anything else,
// or anything malformed, is a 400 whose message names the parameter.
import { z } from 'zod';
import { badRequest } from './errors';

export function parseQuery<S extends z.ZodRawShape>(shape: S, query: unknown): z.infer<z.ZodObject<S>> {
  const input = (query ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(input)) {
    if (!(name in shape)) throw badRequest(name, `unknown parameter; expected one of ${Object.keys(shape).join(', ')}`);
    if (typeof value !== 'string') throw badRequest(name, 'must be given once, as a plain value');
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badRequest(String(issue?.path[0] ?? 'query'), issue?.message ?? 'invalid');
  }
  return result.data;
}

export function parsePathParam<T extends z.ZodTypeAny>(name: string, schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(name, result.error.issues[0]?.message ?? 'invalid');
  return result.data;
}

const EPOCH_MS = /^\d{1,15}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// Earliest and latest instants accepted: anything outside is a typo or an attack, not a range.
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/** Epoch milliseconds or RFC 3339; the result is epoch milliseconds. */
export const timeParam = z.string().transform((text, ctx) => {
  let ms: number;
  if (EPOCH_MS.test(text)) ms = Number(text);
  else if (RFC3339.test(text)) ms = Date.parse(text.replace(' ', 'T'));
  else {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be epoch milliseconds or an RFC 3339 time (2024-05-01T12:00:00Z)' });
    return z.NEVER;
  }
  if (!Number.isFinite(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be between 2000-01-01 and 2100-01-01' });
    return z.NEVER;
  }
  return ms;
}).describe('epoch milliseconds or RFC 3339 (2024-05-01T12:00:00Z)');

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .describe(`a whole number from ${min} to ${max}`);

export const intParam = (min: number, max: number, fallback: number) => wholeNumber(min, max).default(String(fallback));
export const optionalIntParam = (min: number, max: number) => wholeNumber(min, max).optional();

/** One of the contract's words (common/src/contract/lists.ts); the message lists them all. */
export const enumParam = <U extends string, T extends Readonly<[U, ...U[]]>>(values: T) =>
  z.enum(values, { message: `must be one of ${values.slice(0, -1).join(', ')} or ${values.at(-1)}` });

/** Container ids (full or short) and names: what Docker allows, nothing that could smuggle SQL. */
export const containerRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a container id, id prefix or name (letters, digits, "_", ".", "-")');

export const hostRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be a host id (letters, digits, "_", ".", ":", "-")');

/** A comma-separated list whose items each pass `item`; duplicates collapse. */
export function listParam<T extends z.ZodTypeAny>(item: T, maxItems: number) {
  const values = item instanceof z.ZodEnum ? `, each one of ${(item.options as string[]).join(', ')}` : '';
  return z.string().describe(`comma-separated, at most ${maxItems}${values}`).transform((text, ctx) => {
    const parts = [...new Set(text.split(',').map((p) => p.trim()).filter((p) => p.length > 0))];
    if (parts.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must list at least one value' });
      return z.NEVER;
    }
    if (parts.length > maxItems) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must list at most ${maxItems} values` });
      return z.NEVER;
    }
    const out: z.infer<T>[] = [];
    for (const part of parts) {
      const r = item.safeParse(part);
      if (!r.success) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(part.slice(0, 40))}: ${r.error.issues[0]?.message}` });
        return z.NEVER;
      }
      out.push(r.data);
    }
    return out;
  });
}

// Ten years: past every retention default, short of anything absurd.
export const MAX_RANGE_MS = 10 * 365 * 86_400_000;

/** Defaults and sanity of a from/to pair; errors name the parameter to fix. */
export function resolveRange(
  from: number | undefined,
  to: number | undefined,
  defaultRangeMs: number,
  nowMs = Date.now(),
): { fromMs: number; toMs: number } {
  const toMs = to ?? nowMs;
  const fromMs = from ?? toMs - defaultRangeMs;
  if (fromMs >= toMs) throw badRequest('from', 'must be earlier than "to"');
  if (toMs - fromMs > MAX_RANGE_MS) throw badRequest('from', 'the range from "from" to "to" must be at most 10 years');
  return { fromMs, toMs };
}

/** Escapes LIKE wildcards so user text matches literally. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const boolParam = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
