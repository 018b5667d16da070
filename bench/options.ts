/** Settings of one benchmark run, chosen by `--quick` or left at the full-run values. */
export interface BenchOptions {
  quick: boolean;
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
}

const FULL: Omit<BenchOptions, 'quick'> = {
  rawSeconds: 10,
  rawConcurrency: 32,
  stepSeconds: 15,
  rampFanOut1: [5, 10, 20, 30, 40, 60, 80, 120, 160, 240],
  rampFanOut10: [1, 2, 3, 4, 6, 8, 12, 16, 24],
  drainGraceMs: 3_000,
  maxDrainMs: 60_000,
  historySample: 10,
};

// Quick mode only proves that every part runs end to end; its figures are not meant to be judged.
const QUICK: Omit<BenchOptions, 'quick'> = {
  rawSeconds: 2,
  rawConcurrency: 16,
  stepSeconds: 3,
  rampFanOut1: [5, 10],
  rampFanOut10: [1, 2],
  drainGraceMs: 3_000,
  maxDrainMs: 20_000,
  historySample: 3,
};

/** Parses the command line; `--quick` is the only option. */
export function parseOptions(argv: string[]): BenchOptions {
  const unknown = argv.filter((arg) => arg !== '--quick');
  if (unknown.length > 0) {
    throw new Error(`unknown argument ${unknown.join(' ')}; the only option is --quick`);
  }
  const quick = argv.includes('--quick');
  return { quick, ...(quick ? QUICK : FULL) };
}
