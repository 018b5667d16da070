/**
 * Delays between delivery attempts, in order: after the first failed attempt the delivery waits
 * 1 minute, after the second 5 minutes, and so on. Each delay counts from the end of the failed
 * attempt. The workflow sleeps through these, the API reports next attempt times from them, and
 * the dashboard draws the plan from them.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  60_000, // 1 minute
  300_000, // 5 minutes
  1_800_000, // 30 minutes
  7_200_000, // 2 hours
  43_200_000, // 12 hours
]);

/** Maximum attempts of one delivery: the first one plus one per scheduled retry. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;

/**
 * Returns the wait after failed attempt `attemptNumber` (1-based), or `null` when that attempt
 * was the last one and the delivery is exhausted.
 */
export function retryDelayAfter(attemptNumber: number): number | null {
  return RETRY_SCHEDULE_MS[attemptNumber - 1] ?? null;
}
