import { RETRY_SCHEDULE_MS } from '../../src/retry-schedule';

/** One attempt that the delivery workflow will make if the earlier ones fail. */
export interface PlannedAttempt {
  attemptNumber: number;
  at: Date;
  /** Wait between the end of the previous attempt and this one. */
  delayMs: number;
}

/**
 * Plans the attempts after `attemptCount` failed ones: the next one at `nextAttemptAt`, as the
 * API reports it, and each later one a `RETRY_SCHEDULE_MS` delay after the one before.
 * NOTE: the workflow counts each delay from the end of the failed attempt, so an attempt that
 * takes up to its 10 s time limit moves the later ones back by that much.
 */
export function planRemainingAttempts(
  attemptCount: number,
  nextAttemptAt: Date,
  maxAttempts: number,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
): PlannedAttempt[] {
  const plan: PlannedAttempt[] = [];
  let at = nextAttemptAt;
  for (let attemptNumber = attemptCount + 1; attemptNumber <= maxAttempts; attemptNumber += 1) {
    // Attempt n follows the (n - 1)th failure, whose delay is schedule[n - 2].
    const delayMs = schedule[attemptNumber - 2];
    if (delayMs === undefined) break;
    if (attemptNumber > attemptCount + 1) at = new Date(at.getTime() + delayMs);
    plan.push({ attemptNumber, at, delayMs });
  }
  return plan;
}
