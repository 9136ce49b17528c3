// Wall time inside a synchronous method, summed per key: the spool's work where it runs
// (Spool.append, Spool.release, the writer's group commit). Such calls are far shorter than a
// scheduler slice, so their wall time is their CPU time unless the load preempts one.
export type InPlaceKey = 'append' | 'release' | 'commit' | 'sync';

export const inPlaceNs: Record<InPlaceKey, bigint> = { append: 0n, release: 0n, commit: 0n, sync: 0n };

/** Wraps `proto[method]` so each call's wall time adds to `inPlaceNs[key]`. */
export function timeCalls(proto: object, method: string, key: InPlaceKey): void {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  if (typeof original !== 'function') throw new Error(`timeCalls: no method ${method} to time`);
  target[method] = function (this: unknown, ...args: unknown[]) {
    const start = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      inPlaceNs[key] += process.hrtime.bigint() - start;
    }
  };
}
