/** Runs fn over items with at most `limit` calls in flight; never rejects (fn handles its errors). */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Wraps a job so that a run due while the previous one is still going is skipped (and reported),
 * never stacked.
 */
export function nonOverlapping(run: () => Promise<unknown>, onSkip: () => void): () => Promise<void> {
  let running = false;
  return async () => {
    if (running) {
      onSkip();
      return;
    }
    running = true;
    try {
      await run();
    } finally {
      running = false;
    }
  };
}
