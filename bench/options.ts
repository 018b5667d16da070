import { chooseFailedAttempts, MAX_FAILED_ATTEMPTS, maxWaitingDeliveries } from './waiting-plan';

/** Parts of the benchmark, in the order they are listed and reported. */
export const BENCH_PARTS = ['raw', 'floor', 'fanout1', 'fanout10', 'waiting', 'schedule'] as const;

/** One part of the benchmark, as named by `--only`. */
export type BenchPart = (typeof BENCH_PARTS)[number];

/** Settings of one benchmark run, chosen by `--quick` or left at the full-run values. */
export interface BenchOptions {
  quick: boolean;
  /** Parts to measure: all of them unless `--only` names some. */
  parts: BenchPart[];
  /** Length of the raw-ceiling measurement, in seconds. */
  rawSeconds: number;
  /** Requests in flight at once during the raw-ceiling measurement. */
  rawConcurrency: number;
  /** Length of each publishing step of the ramp and of each latency run, in seconds. */
  stepSeconds: number;
  /** Publish rates (events/s) tried in order at fan-out 1 until one is not sustained. */
  rampFanOut1: number[];
  /** Publish rates (events/s) tried in order at fan-out 10 until one is not sustained. */
  rampFanOut10: number[];
  /**
   * A step is sustained only if its last delivery arrives within this many milliseconds after
   * its last publish, which bounds the backlog left at the end of the step.
   */
  drainGraceMs: number;
  /** Maximum wait for a step's deliveries after its last publish before the ramp gives up. */
  maxDrainMs: number;
  /** Delivery workflows whose history is fetched to count events. */
  historySample: number;
  /**
   * Deliveries that the waiting part puts to sleep in their retry schedule at once, a multiple of
   * 10. It sets how many attempts fail on purpose: the fewest, up to 3, whose retry delays add up
   * to at least the time it takes to publish them (see bench/waiting-plan.ts).
   */
  waitingDeliveries: number;
  /**
   * Events per second that the waiting part publishes, each making 10 deliveries. Each attempt
   * number then falls due as a wave at the same rate, and waves overlap, so two waves must stay
   * below the sustained maximum. Then the lag measures the wake-up of sleeping workflows, not a
   * backlog of attempts.
   */
  waitingEventsPerSecond: number;
  /** Runs of the time-skipped schedule test, one after the other. */
  scheduleRuns: number;
  /** Workflows of the floor part, and how many of them run at once. */
  floorWorkflows: number;
  floorInFlight: number;
}

/** Endpoints per event in the waiting part, so it takes one event per 10 deliveries. */
export const WAITING_FAN_OUT = 10;

type Sizes = Omit<BenchOptions, 'quick' | 'parts'>;

const FULL: Sizes = {
  rawSeconds: 10,
  rawConcurrency: 32,
  stepSeconds: 15,
  // Steps of about 10 to 25 %, so that the sustained maximum is known to within one step.
  rampFanOut1: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 140, 160, 200, 240, 300, 360],
  rampFanOut10: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 24, 30, 36],
  drainGraceMs: 3_000,
  maxDrainMs: 60_000,
  historySample: 10,
  // 30 deliveries/s, so 60 attempts/s fall due where two waves of attempts overlap. 10,000
  // deliveries then fail two attempts each and take about 12 minutes.
  // NOTE: 50,000 fail three attempts and take about an hour, but attempts 1 to 3 then overlap at
  // 90/s for about 22 minutes, which may exceed what the stack sustains and delay those attempts.
  waitingDeliveries: 10_000,
  waitingEventsPerSecond: 3,
  scheduleRuns: 2,
  floorWorkflows: 2_000,
  floorInFlight: 50,
};

// Quick mode only proves that every part runs end to end; its figures are not meant to be judged.
// The waiting part still sleeps through the real 60 s first retry delay, so it takes over a minute.
const QUICK: Sizes = {
  rawSeconds: 2,
  rawConcurrency: 16,
  stepSeconds: 3,
  rampFanOut1: [5, 10],
  rampFanOut10: [1, 2],
  drainGraceMs: 3_000,
  maxDrainMs: 20_000,
  historySample: 3,
  // 200 deliveries in 5 s fail only attempt 1, so the last one falls due about 65 s after
  // publishing starts.
  waitingDeliveries: 200,
  waitingEventsPerSecond: 4,
  scheduleRuns: 2,
  floorWorkflows: 100,
  floorInFlight: 20,
};

/** An invalid command line; its message names the argument and lists the valid ones. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE =
  'valid arguments: --quick, --only=<parts> (comma-separated, from ' +
  `${BENCH_PARTS.join(', ')}), --waiting=<deliveries> (a multiple of ${WAITING_FAN_OUT})`;

/** Parses the command line: `--quick`, `--only=<parts>` and `--waiting=<deliveries>`. */
export function parseOptions(argv: string[]): BenchOptions {
  let quick = false;
  let parts: BenchPart[] = [...BENCH_PARTS];
  let waitingDeliveries: number | null = null;

  for (const arg of argv) {
    if (arg === '--quick') {
      quick = true;
    } else if (arg.startsWith('--only=')) {
      parts = parseParts(arg.slice('--only='.length));
    } else if (arg.startsWith('--waiting=')) {
      waitingDeliveries = parseWaitingDeliveries(arg.slice('--waiting='.length));
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}; ${USAGE}`);
    }
  }

  const sizes = quick ? QUICK : FULL;
  if (waitingDeliveries !== null) checkWaitingFits(waitingDeliveries, sizes);
  return {
    quick,
    parts,
    ...sizes,
    waitingDeliveries: waitingDeliveries ?? sizes.waitingDeliveries,
  };
}

/** Rejects a --waiting count too large to wait at once at the mode's publish rate. */
function checkWaitingFits(deliveries: number, sizes: Sizes): void {
  const deliveriesPerSecond = sizes.waitingEventsPerSecond * WAITING_FAN_OUT;
  if (chooseFailedAttempts(deliveries, deliveriesPerSecond) !== null) return;
  throw new UsageError(
    `invalid --waiting value ${deliveries}: at ${deliveriesPerSecond} deliveries/s at most ${maxWaitingDeliveries(deliveriesPerSecond)} deliveries wait at once within ${MAX_FAILED_ATTEMPTS} failed attempts each; ${USAGE}`,
  );
}

function parseParts(list: string): BenchPart[] {
  const names = list.split(',').map((name) => name.trim());
  const invalid = names.filter((name) => !(BENCH_PARTS as readonly string[]).includes(name));
  if (invalid.length > 0) {
    throw new UsageError(
      `invalid --only value ${JSON.stringify(list)}: unknown part ${invalid.map((name) => JSON.stringify(name)).join(', ')}; ${USAGE}`,
    );
  }
  // Keep the usual order whatever order the list gives, so reports of runs compare line by line.
  return BENCH_PARTS.filter((part) => names.includes(part));
}

function parseWaitingDeliveries(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count <= 0 || count % WAITING_FAN_OUT !== 0) {
    throw new UsageError(
      `invalid --waiting value ${JSON.stringify(text)}: expected a positive whole multiple of ${WAITING_FAN_OUT}, because each event makes ${WAITING_FAN_OUT} deliveries; ${USAGE}`,
    );
  }
  return count;
}
