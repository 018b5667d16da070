import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Pool as HttpPool } from 'undici';
import type { Pool } from '../src/db/pool';
import { retryDelayAfter } from '../src/retry-schedule';
import type { SecretBox } from '../src/secrets/secret-box';
import { createBenchSite } from './fixtures';
import { WAITING_FAN_OUT } from './options';
import { percentiles, type Percentiles } from './percentiles';
import { publishAtRate, type PublishRun } from './publisher';
import { arrivalKey, failingEndpointsUrl, type BenchReceiver } from './receiver';
import { accountWaitingDeliveries, type WaitingAccounting } from './waiting-accounting';
import { describeAttempts, type WaitingPlan } from './waiting-plan';
import { startWaitingSampler, type WaitingSample } from './waiting-sampler';

/** Everything the waiting part needs from the run. */
export interface WaitingContext {
  api: HttpPool;
  publisherToken: string;
  receiver: BenchReceiver;
  pool: Pool;
  /** The services' keyring, to store the endpoints' secrets as the API does. */
  secretBox: SecretBox;
  pids: Record<string, number>;
  settleMs: number;
  log(message: string): void;
}

/** Memory when the number of waiting deliveries first reached `milestone`. */
export interface MemoryMilestone {
  milestone: number;
  /** The first sample at or above the milestone, or null when the peak stayed below it. */
  sample: WaitingSample | null;
}

/** Figures of the waiting part. */
export interface WaitingResult {
  /** Failed attempts, final attempt and expected timing, from the targeted deliveries. */
  plan: WaitingPlan;
  targetDeliveries: number;
  fanOut: number;
  offeredEventsPerSecond: number;
  publishSeconds: number;
  published: number;
  accepted: number;
  notAccepted: number;
  skipped: number;
  /** Accepted events per second, from the first send to the last 202 (client clock). */
  acceptedEventsPerSecond: number | null;
  /** Delivery rows per second, from the first row's created_at to the last (PostgreSQL clock). */
  createdDeliveriesPerSecond: number | null;
  /** First attempts per second, from the first one's start to the last one's (worker clock). */
  firstAttemptsPerSecond: number | null;
  /** Maximum number of deliveries waiting at once, from the sampled delivery rows. */
  peakWaiting: number;
  /** First and last sample that counted `peakWaiting`, in seconds since publishing started. */
  peakWaitingAtSeconds: number | null;
  peakWaitingUntilSeconds: number | null;
  /** Maximum number of final-attempt due times within any 60-second window. */
  maxDueWithinMinute: number;
  /** Arrival of the final attempt at the receiver minus its due time, in ms. */
  lagMs: Percentiles;
  /**
   * Lag of the final attempts that fell due after the last earlier attempt had arrived: timers
   * firing with no other attempts to compete with.
   */
  quietLagMs: Percentiles;
  /** Deliveries whose due time came from the receiver because next_attempt_at was not read. */
  dueTimesFromReceiver: number;
  /** Whether every delivery's final attempt arrived before the wait gave up. */
  completed: boolean;
  /** From the first publish to the last sample, in seconds. */
  seconds: number;
  memoryMilestones: MemoryMilestone[];
  samples: WaitingSample[];
  accounting: WaitingAccounting;
}

const SAMPLE_INTERVAL_MS = 2_000;
const MINUTE_MS = 60_000;

/**
 * Puts `plan.deliveries` deliveries to sleep in their retry schedule at once: events published at
 * a fixed rate to a site whose endpoints fail attempts 1 to F, then waits for every final attempt
 * F + 1. Samples memory and waiting counts throughout, and measures how late the final attempt
 * fired.
 */
export async function measureWaitingDeliveries(
  context: WaitingContext,
  plan: WaitingPlan,
): Promise<WaitingResult> {
  const { receiver, pool } = context;
  const { deliveries, publishSeconds, failedAttempts, finalAttempt } = plan;
  const site = await createBenchSite(
    pool,
    context.secretBox,
    failingEndpointsUrl(receiver.url, failedAttempts),
    WAITING_FAN_OUT,
  );
  const events = deliveries / WAITING_FAN_OUT;
  const rate = events / publishSeconds;

  const sampler = startWaitingSampler(
    pool,
    site.siteId,
    context.pids,
    SAMPLE_INTERVAL_MS,
    failedAttempts,
  );
  const began = performance.now();
  context.log(
    `waiting: ${events} events at ${rate.toFixed(1)} events/s, fan-out ${WAITING_FAN_OUT}; ${describeAttempts(failedAttempts)}`,
  );
  context.log(
    `waiting: all ${deliveries} deliveries should wait at once from ${plan.allWaitingFromSeconds.toFixed(0)} s to ${plan.allWaitingUntilSeconds.toFixed(0)} s; the last final attempt falls due at about ${(plan.allWaitingUntilSeconds + publishSeconds).toFixed(0)} s`,
  );
  const run = await publishAtRate(
    context.api,
    context.publisherToken,
    site.siteId,
    rate,
    publishSeconds,
  );
  const acceptedEventIds = run.publications
    .filter((publication) => publication.acceptedAt !== null)
    .map((publication) => publication.eventId);
  const keys = acceptedEventIds.flatMap((eventId) =>
    site.endpointIds.map((endpointId) => arrivalKey(endpointId, eventId)),
  );

  context.log(
    `waiting: ${keys.length} deliveries accepted; waiting for their attempt ${finalAttempt}`,
  );
  const completed = await waitForFinalAttempts(receiver, keys, plan);
  await sampler.stop();
  const seconds = (performance.now() - began) / 1_000;

  context.log('waiting: accounting');
  const accounting = await accountWaitingDeliveries(
    pool,
    receiver,
    site,
    acceptedEventIds,
    failedAttempts,
    context.settleMs,
  );
  const rates = await readCreationRates(pool, site.siteId);
  const { lags, dueTimes, fromReceiver } = lagsOfFinalAttempts(
    receiver,
    keys,
    sampler.dueTimes,
    failedAttempts,
  );
  const peak = sampler.samples.reduce<WaitingSample | null>(
    (best, sample) => (best === null || sample.waiting > best.waiting ? sample : best),
    null,
  );
  const lastAtPeak = [...sampler.samples]
    .reverse()
    .find((sample) => sample.waiting === peak?.waiting);

  return {
    plan,
    targetDeliveries: deliveries,
    fanOut: WAITING_FAN_OUT,
    offeredEventsPerSecond: rate,
    publishSeconds,
    published: run.publications.length,
    accepted: acceptedEventIds.length,
    notAccepted: run.publications.length - acceptedEventIds.length,
    skipped: run.skipped,
    acceptedEventsPerSecond: acceptedRate(run),
    ...rates,
    peakWaiting: peak?.waiting ?? 0,
    peakWaitingAtSeconds: peak?.atSeconds ?? null,
    peakWaitingUntilSeconds: lastAtPeak?.atSeconds ?? null,
    maxDueWithinMinute: maxWithinWindow(dueTimes, MINUTE_MS),
    lagMs: percentiles(lags),
    quietLagMs: percentiles(quietLags(receiver, keys, lags, dueTimes, failedAttempts)),
    dueTimesFromReceiver: fromReceiver,
    completed,
    seconds,
    memoryMilestones: milestonesUpTo(deliveries).map((milestone) => ({
      milestone,
      sample: sampler.samples.find((sample) => sample.waiting >= milestone) ?? null,
    })),
    samples: sampler.samples,
    accounting,
  };
}

/**
 * Waits until every key has a request for the final attempt. Returns false if requests stop
 * first.
 */
async function waitForFinalAttempts(
  receiver: BenchReceiver,
  keys: string[],
  plan: WaitingPlan,
): Promise<boolean> {
  // Between two waves of attempts nothing may arrive for up to the longest retry delay of the
  // plan, so the wait gives up only after a silence a minute longer than that.
  const delaysMs = Array.from({ length: plan.failedAttempts }, (_, index) =>
    retryDelayAfter(index + 1)!,
  );
  const stallMs = Math.max(...delaysMs) + 60_000;
  let requests = -1;
  let lastRequestSeenAt = performance.now();
  for (;;) {
    const missing = keys.filter((key) => !attemptOf(receiver, key, plan.finalAttempt)).length;
    if (missing === 0) return true;
    const total = countRequests(receiver);
    if (total !== requests) {
      requests = total;
      lastRequestSeenAt = performance.now();
    } else if (performance.now() - lastRequestSeenAt > stallMs) {
      return false;
    }
    await delay(500);
  }
}

function attemptOf(receiver: BenchReceiver, key: string, attemptNumber: number) {
  return receiver.failingArrivals
    .get(key)
    ?.find((arrival) => arrival.attemptNumber === attemptNumber);
}

function countRequests(receiver: BenchReceiver): number {
  let total = 0;
  for (const arrivals of receiver.failingArrivals.values()) total += arrivals.length;
  return total;
}

/**
 * Returns the final attempt's lateness for each key. The due time is `deliveries.next_attempt_at`,
 * which the worker sets to the end of the last failed attempt, F, plus the retry delay after it.
 * When the sampler missed it, the receiver's response to attempt F plus that delay is used
 * instead, and counted.
 */
function lagsOfFinalAttempts(
  receiver: BenchReceiver,
  keys: string[],
  recordedDueTimes: Map<string, number>,
  failedAttempts: number,
): { lags: number[]; dueTimes: number[]; fromReceiver: number } {
  const lastDelayMs = retryDelayAfter(failedAttempts)!;
  const lags: number[] = [];
  const dueTimes: number[] = [];
  let fromReceiver = 0;
  for (const key of keys) {
    const final = attemptOf(receiver, key, failedAttempts + 1);
    if (!final) continue;
    let due = recordedDueTimes.get(key);
    if (due === undefined) {
      const lastFailed = attemptOf(receiver, key, failedAttempts);
      if (!lastFailed?.respondedAt) continue;
      due = lastFailed.respondedAt + lastDelayMs;
      fromReceiver++;
    }
    lags.push(final.arrivedAt - due);
    dueTimes.push(due);
  }
  return { lags, dueTimes, fromReceiver };
}

/** Returns the lags whose due time came after every request for attempts 1 to F had arrived. */
function quietLags(
  receiver: BenchReceiver,
  keys: string[],
  lags: number[],
  dueTimes: number[],
  failedAttempts: number,
): number[] {
  let lastEarlierArrival = -Infinity;
  for (const key of keys) {
    for (let attempt = 1; attempt <= failedAttempts; attempt++) {
      const arrival = attemptOf(receiver, key, attempt);
      if (arrival) lastEarlierArrival = Math.max(lastEarlierArrival, arrival.arrivedAt);
    }
  }
  return lags.filter((_, index) => dueTimes[index]! > lastEarlierArrival);
}

/** Returns the maximum number of values within any window of `windowMs`. */
function maxWithinWindow(values: number[], windowMs: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** Returns 1-2-5 steps from a tenth of the order of magnitude of `total` up to `total`. */
export function milestonesUpTo(total: number): number[] {
  let scale = 10 ** Math.max(0, Math.floor(Math.log10(total)) - 1);
  const milestones: number[] = [];
  for (;;) {
    for (const step of [1, 2, 5]) {
      const milestone = step * scale;
      if (milestone >= total) return [...milestones, total];
      milestones.push(milestone);
    }
    scale *= 10;
  }
}

function acceptedRate(run: PublishRun): number | null {
  const acceptedTimes = run.publications
    .map((publication) => publication.acceptedAt)
    .filter((time): time is number => time !== null);
  if (acceptedTimes.length === 0) return null;
  const seconds = (Math.max(...acceptedTimes) - run.firstSendAt) / 1_000;
  return seconds > 0 ? acceptedTimes.length / seconds : null;
}

async function readCreationRates(
  pool: Pool,
  siteId: string,
): Promise<Pick<WaitingResult, 'createdDeliveriesPerSecond' | 'firstAttemptsPerSecond'>> {
  const { rows } = await pool.query<{
    deliveries: number;
    created_seconds: number | null;
    first_attempts: number;
    first_attempt_seconds: number | null;
  }>(
    `SELECT count(*)::int AS deliveries,
            extract(epoch FROM max(d.created_at) - min(d.created_at))::float8 AS created_seconds,
            count(a.started_at)::int AS first_attempts,
            extract(epoch FROM max(a.started_at) - min(a.started_at))::float8
              AS first_attempt_seconds
     FROM deliveries d
     LEFT JOIN delivery_attempts a ON a.delivery_id = d.id AND a.attempt_number = 1
     WHERE d.site_id = $1 AND d.redelivery_of IS NULL`,
    [siteId],
  );
  const row = rows[0]!;
  const perSecond = (count: number, seconds: number | null) =>
    seconds !== null && seconds > 0 ? count / seconds : null;
  return {
    createdDeliveriesPerSecond: perSecond(row.deliveries, row.created_seconds),
    firstAttemptsPerSecond: perSecond(row.first_attempts, row.first_attempt_seconds),
  };
}
