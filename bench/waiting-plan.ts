import { retryDelayAfter } from '../src/retry-schedule';

/**
 * Maximum failed attempts per delivery in the waiting part. With 3, the final attempt falls due
 * 36 minutes after the first one, and a fourth failure would add a 2-hour sleep.
 */
export const MAX_FAILED_ATTEMPTS = 3;

/**
 * Timing of the waiting part, in seconds from the first publish. Every delivery fails attempts 1
 * to `failedAttempts` and succeeds on the final attempt, `failedAttempts + 1`. Deliveries are
 * created at a fixed rate, so each attempt number arrives as a wave as long as the publishing.
 * The times assume that every attempt runs when it falls due. A backlog shifts waves later.
 */
export interface WaitingPlan {
  deliveries: number;
  deliveriesPerSecond: number;
  /** Length of the publishing, and so of each attempt wave. */
  publishSeconds: number;
  failedAttempts: number;
  finalAttempt: number;
  /** Start of each attempt wave, indexed by attempt number minus 1. */
  waveStartSeconds: number[];
  /**
   * Start and end of the window in which every delivery waits: from the last attempt 1 until the
   * first final attempt falls due. The window is empty when both are equal.
   */
  allWaitingFromSeconds: number;
  allWaitingUntilSeconds: number;
  /** Earlier attempt numbers whose wave still runs when the final attempts start falling due. */
  finalOverlapsAttempts: number[];
  /** Seconds during which the final wave overlaps an earlier wave. */
  finalOverlapSeconds: number;
  /** Attempts per second due where the most waves overlap. */
  peakAttemptsPerSecond: number;
}

/** Returns the sum of the retry delays after failed attempts 1 to `failedAttempts`, in seconds. */
function sleepSecondsBefore(failedAttempts: number): number {
  let sleepMs = 0;
  for (let attempt = 1; attempt <= failedAttempts; attempt++) sleepMs += retryDelayAfter(attempt)!;
  return sleepMs / 1_000;
}

/**
 * Returns the smallest number of failed attempts, up to `MAX_FAILED_ATTEMPTS`, for which all
 * `deliveries` wait at once: created at `deliveriesPerSecond`, the last one must be created
 * before the first one's final attempt falls due. Returns null when no such number exists.
 */
export function chooseFailedAttempts(
  deliveries: number,
  deliveriesPerSecond: number,
): number | null {
  for (let failed = 1; failed <= MAX_FAILED_ATTEMPTS; failed++) {
    if (deliveriesPerSecond * sleepSecondsBefore(failed) >= deliveries) return failed;
  }
  return null;
}

/** Returns the maximum number of deliveries created at `deliveriesPerSecond` that all wait at once. */
export function maxWaitingDeliveries(deliveriesPerSecond: number): number {
  return Math.floor(deliveriesPerSecond * sleepSecondsBefore(MAX_FAILED_ATTEMPTS));
}

/**
 * Plans the waiting part for `deliveries` created at `deliveriesPerSecond`. Throws when they
 * cannot all wait at once, which `maxWaitingDeliveries` lets a caller rule out beforehand.
 */
export function planWaiting(deliveries: number, deliveriesPerSecond: number): WaitingPlan {
  const failedAttempts = chooseFailedAttempts(deliveries, deliveriesPerSecond);
  if (failedAttempts === null) {
    throw new RangeError(
      `invalid waiting plan: ${deliveries} deliveries created at ${deliveriesPerSecond}/s cannot all wait at once within ${MAX_FAILED_ATTEMPTS} failed attempts each, so use at most ${maxWaitingDeliveries(deliveriesPerSecond)} or a higher rate`,
    );
  }
  const publishSeconds = deliveries / deliveriesPerSecond;
  const waveStartSeconds = Array.from({ length: failedAttempts + 1 }, (_, index) =>
    sleepSecondsBefore(index),
  );
  const finalStart = waveStartSeconds[failedAttempts]!;
  const earlierStarts = waveStartSeconds.slice(0, failedAttempts);
  const finalOverlapsAttempts = earlierStarts
    .map((start, index) => ({ start, attempt: index + 1 }))
    .filter(({ start }) => start + publishSeconds > finalStart)
    .map(({ attempt }) => attempt);
  // Waves start in attempt order, so the latest earlier wave is the one that ends last.
  const finalOverlapSeconds = Math.max(0, earlierStarts.at(-1)! + publishSeconds - finalStart);

  return {
    deliveries,
    deliveriesPerSecond,
    publishSeconds,
    failedAttempts,
    finalAttempt: failedAttempts + 1,
    waveStartSeconds,
    allWaitingFromSeconds: publishSeconds,
    allWaitingUntilSeconds: finalStart,
    finalOverlapsAttempts,
    finalOverlapSeconds,
    peakAttemptsPerSecond:
      maxOverlappingWaves(waveStartSeconds, publishSeconds) * deliveriesPerSecond,
  };
}

/** Returns the maximum number of waves of length `seconds` running at the same time. */
function maxOverlappingWaves(startSeconds: number[], seconds: number): number {
  // The count only rises at the start of a wave, so the maximum is found at one of the starts.
  let max = 0;
  for (const time of startSeconds) {
    const running = startSeconds.filter((start) => start <= time && time < start + seconds);
    max = Math.max(max, running.length);
  }
  return max;
}

/** Returns "attempt 1 fails, attempt 2 succeeds" and the like for `failedAttempts`. */
export function describeAttempts(failedAttempts: number): string {
  const failed = failedAttempts === 1 ? 'attempt 1 fails' : `attempts 1 to ${failedAttempts} fail`;
  return `${failed}, attempt ${failedAttempts + 1} succeeds`;
}

/**
 * Returns notes on where the plan may make the stack queue attempts: the final wave overlapping
 * earlier ones, and overlapping waves above `sustainedDeliveriesPerSecond` (the fan-out 10 ramp's
 * sustained maximum of the same run, or null when it did not run).
 */
export function describeWaitingOverlaps(
  plan: WaitingPlan,
  sustainedDeliveriesPerSecond: number | null,
): string[] {
  const notes: string[] = [];
  if (plan.finalOverlapsAttempts.length > 0) {
    const overlapped = plan.finalOverlapsAttempts.map((attempt) => `attempt ${attempt}`);
    notes.push(
      `waiting: the final attempts (attempt ${plan.finalAttempt}) start falling due while the wave of ${overlapped.join(' and ')} still runs, for about ${plan.finalOverlapSeconds.toFixed(0)} s, so their lag there includes any queue of those attempts`,
    );
  }
  if (
    sustainedDeliveriesPerSecond !== null &&
    plan.peakAttemptsPerSecond > sustainedDeliveriesPerSecond
  ) {
    notes.push(
      `waiting: up to ${plan.peakAttemptsPerSecond.toFixed(0)} attempts/s fall due where attempt waves overlap, above the ${sustainedDeliveriesPerSecond.toFixed(1)} deliveries/s sustained at fan-out 10 in this run, so attempts may queue`,
    );
  }
  return notes;
}
