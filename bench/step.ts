import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Pool } from 'undici';
import type { BenchSite } from './fixtures';
import { percentiles, type Percentiles } from './percentiles';
import { cpuDelta, cpuSecondsOfTrees } from './proc-cpu';
import { publishAtRate, type Publication } from './publisher';
import { arrivalKey, type BenchReceiver } from './receiver';

/** Everything a step needs from the run. */
export interface StepContext {
  api: Pool;
  publisherToken: string;
  receiver: BenchReceiver;
  pids: Record<string, number>;
  drainGraceMs: number;
  maxDrainMs: number;
}

/** Figures of one step: publishing at a fixed rate for a fixed time to one site. */
export interface StepResult {
  fanOut: number;
  offeredEventsPerSecond: number;
  seconds: number;
  published: number;
  accepted: number;
  notAccepted: number;
  skipped: number;
  expectedDeliveries: number;
  arrived: number;
  /** Last arrival minus last send, in ms; null when not all deliveries arrived. */
  drainMs: number | null;
  /**
   * Deliveries per second arriving in the second half of the publishing window, shifted by the
   * median latency from send.
   */
  secondHalfDeliveriesPerSecond: number;
  /** Expected deliveries divided by the time from first send to last arrival. */
  completedDeliveriesPerSecond: number | null;
  sustained: boolean;
  /** Reasons the step is not sustained; empty when it is. */
  shortfalls: string[];
  /** From the 202's arrival at the client to the first delivery's arrival, in ms. */
  latencyFrom202Ms: Percentiles;
  /** From just before the POST was sent to the first delivery's arrival, in ms. */
  latencyFromSendMs: Percentiles;
  /** Deliveries that arrived before the client had read the 202. */
  arrivedBefore202: number;
  cpuSeconds: Record<string, number>;
  cpuSecondsPerThousandDeliveries: Record<string, number>;
  /** Publications of this step, kept for the final accounting; not written to the JSON. */
  publications: Publication[];
}

const POLL_MS = 100;

/** Publishes at `rate` events/s for `seconds` to `site`, then waits for and measures delivery. */
export async function runStep(
  context: StepContext,
  site: BenchSite,
  rate: number,
  seconds: number,
): Promise<StepResult> {
  const cpuBefore = cpuSecondsOfTrees(context.pids);
  const run = await publishAtRate(context.api, context.publisherToken, site.siteId, rate, seconds);
  const accepted = run.publications.filter((publication) => publication.acceptedAt !== null);
  const keys = accepted.flatMap((publication) =>
    site.endpointIds.map((endpointId) => arrivalKey(endpointId, publication.eventId)),
  );

  const drainDeadline = run.lastSendAt + context.maxDrainMs;
  let arrived = countArrived(context.receiver, keys);
  while (arrived < keys.length && performance.now() < drainDeadline) {
    await delay(POLL_MS);
    arrived = countArrived(context.receiver, keys);
  }
  const cpuSeconds = cpuDelta(cpuBefore, cpuSecondsOfTrees(context.pids));

  const firstArrivals = keys
    .map((key) => context.receiver.arrivals.get(key)?.[0])
    .filter((time): time is number => time !== undefined);
  const lastArrival = firstArrivals.length > 0 ? Math.max(...firstArrivals) : null;
  const allArrived = arrived === keys.length;
  const drainMs = allArrived && lastArrival !== null ? lastArrival - run.lastSendAt : null;

  // The window is shifted by the median latency so that it contains the deliveries of the events
  // sent in the second half. Unshifted, a low rate would lose most of them to the delay.
  const deliveryLag = percentiles(latencyFromSendOf(context.receiver, accepted, site)).p50 ?? 0;
  const middle = (run.firstSendAt + run.lastSendAt) / 2 + deliveryLag;
  const windowEnd = run.lastSendAt + deliveryLag;
  const inSecondHalf = firstArrivals.filter((time) => time >= middle && time <= windowEnd);
  const halfSeconds = (windowEnd - middle) / 1_000;
  const secondHalfDeliveriesPerSecond = halfSeconds > 0 ? inSecondHalf.length / halfSeconds : 0;
  const offeredDeliveriesPerSecond = rate * site.endpointIds.length;

  const shortfalls: string[] = [];
  const notAccepted = run.publications.length - accepted.length;
  if (notAccepted > 0) shortfalls.push(`${notAccepted} publishes not answered 202`);
  if (run.skipped > 0) shortfalls.push(`${run.skipped} publishes skipped, too many in flight`);
  if (!allArrived) shortfalls.push(`${keys.length - arrived} deliveries missing after drain`);
  if (drainMs !== null && drainMs > context.drainGraceMs) {
    shortfalls.push(`backlog took ${Math.round(drainMs)} ms to drain`);
  }
  // One event's deliveries of slack: at a few events per second the window's edges cut whole
  // events, so the count can fall short by one event's fan-out without any backlog.
  const slack = site.endpointIds.length;
  if (inSecondHalf.length + slack < 0.9 * offeredDeliveriesPerSecond * halfSeconds) {
    shortfalls.push(
      `second-half rate ${secondHalfDeliveriesPerSecond.toFixed(1)}/s below 90 % of offered`,
    );
  }

  const latencyFrom202: number[] = [];
  const latencyFromSend: number[] = [];
  let arrivedBefore202 = 0;
  for (const publication of accepted) {
    for (const endpointId of site.endpointIds) {
      const time = context.receiver.arrivals.get(arrivalKey(endpointId, publication.eventId))?.[0];
      if (time === undefined) continue;
      latencyFrom202.push(time - publication.acceptedAt!);
      latencyFromSend.push(time - publication.sentAt);
      if (time < publication.acceptedAt!) arrivedBefore202++;
    }
  }

  const perThousand: Record<string, number> = {};
  for (const [name, value] of Object.entries(cpuSeconds)) {
    perThousand[name] = arrived > 0 ? (value / arrived) * 1_000 : 0;
  }

  return {
    fanOut: site.endpointIds.length,
    offeredEventsPerSecond: rate,
    seconds,
    published: run.publications.length,
    accepted: accepted.length,
    notAccepted,
    skipped: run.skipped,
    expectedDeliveries: keys.length,
    arrived,
    drainMs,
    secondHalfDeliveriesPerSecond,
    completedDeliveriesPerSecond:
      allArrived && lastArrival !== null
        ? (keys.length / (lastArrival - run.firstSendAt)) * 1_000
        : null,
    sustained: shortfalls.length === 0,
    shortfalls,
    latencyFrom202Ms: percentiles(latencyFrom202),
    latencyFromSendMs: percentiles(latencyFromSend),
    arrivedBefore202,
    cpuSeconds,
    cpuSecondsPerThousandDeliveries: perThousand,
    publications: run.publications,
  };
}

function latencyFromSendOf(
  receiver: BenchReceiver,
  accepted: Publication[],
  site: BenchSite,
): number[] {
  const latencies: number[] = [];
  for (const publication of accepted) {
    for (const endpointId of site.endpointIds) {
      const time = receiver.arrivals.get(arrivalKey(endpointId, publication.eventId))?.[0];
      if (time !== undefined) latencies.push(time - publication.sentAt);
    }
  }
  return latencies;
}

function countArrived(receiver: BenchReceiver, keys: string[]): number {
  let count = 0;
  for (const key of keys) if (receiver.arrivals.has(key)) count++;
  return count;
}
