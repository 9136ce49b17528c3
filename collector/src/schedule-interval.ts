// The slot length of a cron schedule: the shortest gap between its next runs.
import cron from 'node-cron';

/** Milliseconds between the closest two of a schedule's next runs; undefined if it has fewer than two. */
export function scheduleIntervalMs(expression: string, runs = 4): number | undefined {
  const task = cron.createTask(expression, () => undefined);
  try {
    const next = task.getNextRuns(runs).map((d) => d.getTime());
    let shortest: number | undefined;
    for (let i = 1; i < next.length; i++) {
      const gap = (next[i] as number) - (next[i - 1] as number);
      if (shortest === undefined || gap < shortest) shortest = gap;
    }
    return shortest;
  } finally {
    void task.destroy();
  }
}
