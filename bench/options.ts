/** Parts of the benchmark, in the order they are listed and reported. */
export const BENCH_PARTS = ['raw', 'fanout1', 'fanout10', 'waiting', 'schedule'] as const;

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
  /** Deliveries that the waiting part puts to sleep in their retry schedule, a multiple of 10. */
  waitingDeliveries: number;
  /**
   * Events per second that the waiting part publishes, each making 10 deliveries. It stays below
   * the sustained maximum, so that retries fall due at the rate deliveries were created and the
   * lag measures the wake-up of sleeping workflows, not a backlog of first attempts.
   */
  waitingEventsPerSecond: number;
  /** Runs of the time-skipped schedule test, one after the other. */
  scheduleRuns: number;
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
  waitingDeliveries: 10_000,
  waitingEventsPerSecond: 5,
  scheduleRuns: 2,
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
  waitingDeliveries: 200,
  waitingEventsPerSecond: 4,
  scheduleRuns: 2,
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
  return {
    quick,
    parts,
    ...sizes,
    waitingDeliveries: waitingDeliveries ?? sizes.waitingDeliveries,
  };
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
