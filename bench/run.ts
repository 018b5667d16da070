/**
 * `npm run bench`: measures webhook delivery on a stack of its own (see docs/benchmarks.md).
 * Exits 1 when an accounting voids the run or a part fails.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool as HttpPool } from 'undici';
import { createPool, type Pool } from '../src/db/pool';
import { connectClient } from '../src/temporal/connection';
import { accountDeliveries, type SitePublications } from './accounting';
import { createBenchSite, type BenchSite } from './fixtures';
import { measureHistoryCost } from './history';
import {
  parseOptions,
  UsageError,
  WAITING_FAN_OUT,
  type BenchOptions,
  type BenchPart,
} from './options';
import { measureRawCeiling } from './raw-ceiling';
import { startBenchStack, type BenchStack } from './stack';
import { startBenchReceiver, type BenchReceiver } from './receiver';
import { formatReport, writeReport, type BenchReport, type FanOutResult } from './report';
import { measureScheduleTest } from './schedule';
import { runStep, type StepContext } from './step';
import { measureWaitingDeliveries } from './waiting';
import { measureWorkflowFloor } from './workflow-floor';
import { describeWaitingOverlaps, planWaiting } from './waiting-plan';

const LATENCY_FRACTIONS = [0.5, 0.8];
// The worker writes each row after its request, so the accounting waits up to this for the last ones.
const ACCOUNTING_SETTLE_MS = 30_000;

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function runFanOut(
  context: StepContext,
  site: BenchSite,
  rates: number[],
  options: BenchOptions,
  rawRequestsPerSecond: number | null,
  notes: string[],
): Promise<FanOutResult> {
  const fanOut = site.endpointIds.length;
  const ramp = [];
  for (const rate of rates) {
    log(`fan-out ${fanOut}: ${rate} events/s for ${options.stepSeconds} s`);
    const step = await runStep(context, site, rate, options.stepSeconds);
    ramp.push(step);
    log(`  ${step.sustained ? 'sustained' : `not sustained: ${step.shortfalls.join('; ')}`}`);
    if (!step.sustained) break;
  }

  const top = ramp.filter((step) => step.sustained).at(-1);
  const result: FanOutResult = {
    fanOut,
    ramp,
    sustainedEventsPerSecond: top?.offeredEventsPerSecond ?? null,
    sustainedDeliveriesPerSecond: top?.completedDeliveriesPerSecond ?? null,
    ratioToRawCeiling:
      top?.completedDeliveriesPerSecond && rawRequestsPerSecond
        ? top.completedDeliveriesPerSecond / rawRequestsPerSecond
        : null,
    latency: [],
  };
  if (ramp.at(-1)?.sustained) {
    notes.push(`fan-out ${fanOut}: every ramp step was sustained, so the maximum is a lower bound`);
  }
  if (!top) {
    notes.push(`fan-out ${fanOut}: no step was sustained, so latency was not measured`);
    return result;
  }
  if (ramp.at(-1)!.arrived < ramp.at(-1)!.expectedDeliveries) {
    // Deliveries still queued from the failed step would slow the latency runs down.
    notes.push(`fan-out ${fanOut}: backlog left after the ramp, so latency was not measured`);
    return result;
  }

  for (const fractionOfMax of LATENCY_FRACTIONS) {
    const rate = top.offeredEventsPerSecond * fractionOfMax;
    log(
      `fan-out ${fanOut}: latency at ${Number(rate.toFixed(2))} events/s for ${options.stepSeconds} s`,
    );
    result.latency.push({
      fractionOfMax,
      step: await runStep(context, site, rate, options.stepSeconds),
    });
  }
  return result;
}

/** The options, the stack under test and where the figures go, shared by the parts. */
interface StackRun {
  options: BenchOptions;
  stack: BenchStack;
  receiver: BenchReceiver;
  pool: Pool;
  report: BenchReport;
}

/** Measures the raw ceiling and the fan-out parts that `options.parts` names, into `report`. */
async function measureDelivery(run: StackRun): Promise<void> {
  const { options, stack, receiver, pool, report } = run;
  const notes = report.notes;
  if (options.parts.includes('raw')) {
    log(`raw ceiling: ${options.rawSeconds} s with ${options.rawConcurrency} in flight`);
    report.rawCeiling = await measureRawCeiling(
      `${receiver.url}/raw`,
      options.rawConcurrency,
      options.rawSeconds,
    );
    // The raw requests are not deliveries, so drop them before the accounting counts arrivals.
    receiver.arrivals.clear();
    receiver.timeline.length = 0;
  }
  const rawRequestsPerSecond = report.rawCeiling?.requestsPerSecond ?? null;

  const fanOutParts: { part: BenchPart; fanOut: number; rates: number[] }[] = [
    { part: 'fanout1', fanOut: 1, rates: options.rampFanOut1 },
    { part: 'fanout10', fanOut: 10, rates: options.rampFanOut10 },
  ];
  const selected = fanOutParts.filter(({ part }) => options.parts.includes(part));
  if (selected.length === 0) return;

  const api = new HttpPool(stack.apiUrl, { connections: 64 });
  const context: StepContext = {
    api,
    publisherToken: stack.publisherToken,
    receiver,
    pids: stack.pids,
    drainGraceMs: options.drainGraceMs,
    maxDrainMs: options.maxDrainMs,
  };
  // Every site exists before the first step, so that no step pays for creating one.
  const sites: BenchSite[] = [];
  for (const { fanOut } of selected)
    sites.push(await createBenchSite(pool, stack.secretBox, receiver.url, fanOut));
  const publications: SitePublications[] = [];
  for (const [index, { rates }] of selected.entries()) {
    const site = sites[index]!;
    const result = await runFanOut(context, site, rates, options, rawRequestsPerSecond, notes);
    report.fanOuts.push(result);
    publications.push({
      site,
      publications: [
        ...result.ramp.flatMap((step) => step.publications),
        ...result.latency.flatMap(({ step }) => step.publications),
      ],
    });
  }
  await api.close();

  const siteOne = sites.find((site) => site.endpointIds.length === 1);
  if (siteOne) {
    const temporal = await connectClient({ address: stack.temporalAddress, namespace: 'default' });
    report.history = await measureHistoryCost(
      temporal,
      pool,
      siteOne.siteId,
      options.historySample,
    );
    await temporal.connection.close();
  } else {
    notes.push('history not measured: it is counted on the fan-out 1 site, which did not run');
  }

  log('accounting');
  report.accounting = await accountDeliveries(pool, receiver, publications, ACCOUNTING_SETTLE_MS);
}

/** Measures the waiting part into `report`. */
async function measureWaiting(run: StackRun): Promise<void> {
  const { options, stack, receiver, pool, report } = run;
  const plan = planWaiting(
    options.waitingDeliveries,
    options.waitingEventsPerSecond * WAITING_FAN_OUT,
  );
  // The fan-out 10 ramp, when it ran before, measured how many deliveries/s this stack sustains.
  const ramp = report.fanOuts.find((result) => result.fanOut === WAITING_FAN_OUT);
  const notes = describeWaitingOverlaps(plan, ramp?.sustainedDeliveriesPerSecond ?? null);
  for (const note of notes) {
    log(note);
    report.notes.push(note);
  }
  const api = new HttpPool(stack.apiUrl, { connections: 64 });
  try {
    report.waiting = await measureWaitingDeliveries(
      {
        api,
        publisherToken: stack.publisherToken,
        receiver,
        pool,
        secretBox: stack.secretBox,
        pids: stack.pids,
        settleMs: ACCOUNTING_SETTLE_MS,
        log,
      },
      plan,
    );
  } finally {
    await api.close();
  }
}

/** Starts the stack and measures every selected part that needs it. */
async function measureOnStack(options: BenchOptions, report: BenchReport): Promise<void> {
  const receiver = await startBenchReceiver();
  let stack: BenchStack | undefined;
  let pool: Pool | undefined;

  const interrupt = () => {
    log('interrupted; stopping the stack');
    void Promise.resolve(stack?.stop()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    stack = await startBenchStack();
    pool = createPool(stack.databaseUrl, { max: 4 });
    const run: StackRun = { options, stack, receiver, pool, report };
    await measureDelivery(run);
    if (options.parts.includes('floor')) {
      log(
        `workflow floor: ${options.floorWorkflows} workflows, ${options.floorInFlight} in flight`,
      );
      report.floor = await measureWorkflowFloor(
        stack.temporalAddress,
        stack.pids.temporal,
        options.floorWorkflows,
        options.floorInFlight,
      );
    }
    if (options.parts.includes('waiting')) {
      await measureWaiting(run);
    }
    if (!stack.pids.temporal) report.notes.push('Temporal server CPU and memory not measured');
    if (!stack.pids.postgres) report.notes.push('PostgreSQL CPU and memory not measured');
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await pool?.end();
    await stack?.stop();
    await receiver.close();
  }
}

/** Lists what makes the exit status 1: voided accountings and failed parts. */
function faultsOf(report: BenchReport): string[] {
  const faults: string[] = [];
  if (report.accounting && !report.accounting.valid) faults.push('ramp accounting VOID');
  if (report.waiting && !report.waiting.accounting.valid) faults.push('waiting accounting VOID');
  if (report.waiting && report.waiting.accepted === 0) {
    faults.push('waiting part failed: no event was accepted');
  }
  if (report.schedule?.failed) faults.push(`schedule part failed: ${report.schedule.failure}`);
  return faults;
}

const STACK_PARTS: BenchPart[] = ['raw', 'floor', 'fanout1', 'fanout10', 'waiting'];

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const began = performance.now();
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    quick: options.quick,
    parts: options.parts,
    wallSeconds: 0,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    rawCeiling: null,
    floor: null,
    fanOuts: [],
    history: null,
    accounting: null,
    waiting: null,
    schedule: null,
    faults: [],
    notes: [],
  };

  // The schedule test runs before the stack starts, so that it does not share the CPUs with it.
  if (options.parts.includes('schedule')) {
    log(`schedule: ${options.scheduleRuns} runs of the time-skipped retry schedule test`);
    report.schedule = await measureScheduleTest(options.scheduleRuns);
  }
  if (options.parts.some((part) => STACK_PARTS.includes(part))) {
    await measureOnStack(options, report);
  }

  report.faults = faultsOf(report);
  report.wallSeconds = (performance.now() - began) / 1_000;
  const file = writeReport(report);
  process.stdout.write(`${formatReport(report)}\nresults: ${file}\n`);
  return report.faults.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      log(error.message);
      // 2 is the usual exit status for an invalid command line.
      process.exit(2);
    }
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
