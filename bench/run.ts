/**
 * `npm run bench`: measures webhook delivery on a stack of its own (see docs/benchmarks.md).
 * Exits 1 when the accounting voids the run or a part fails.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool as HttpPool } from 'undici';
import { createPool, type Pool } from '../src/db/pool';
import { connectClient } from '../src/temporal/connection';
import { accountDeliveries, type SitePublications } from './accounting';
import { createBenchSite, type BenchSite } from './fixtures';
import { measureHistoryCost } from './history';
import { parseOptions, type BenchOptions } from './options';
import { measureRawCeiling } from './raw-ceiling';
import { startBenchStack, type BenchStack } from './stack';
import { startBenchReceiver, type BenchReceiver } from './receiver';
import { formatReport, writeReport, type BenchReport, type FanOutResult } from './report';
import { runStep, type StepContext } from './step';

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
  rawRequestsPerSecond: number,
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
    ratioToRawCeiling: top?.completedDeliveriesPerSecond
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
    log(`fan-out ${fanOut}: latency at ${rate} events/s for ${options.stepSeconds} s`);
    result.latency.push({
      fractionOfMax,
      step: await runStep(context, site, rate, options.stepSeconds),
    });
  }
  return result;
}

async function measure(
  options: BenchOptions,
  stack: BenchStack,
  receiver: BenchReceiver,
  pool: Pool,
  startedAt: string,
  began: number,
): Promise<BenchReport> {
  const notes: string[] = [];
  log(`raw ceiling: ${options.rawSeconds} s with ${options.rawConcurrency} in flight`);
  const rawCeiling = await measureRawCeiling(
    `${receiver.url}/raw`,
    options.rawConcurrency,
    options.rawSeconds,
  );
  // The raw requests are not deliveries, so drop them before the accounting counts arrivals.
  receiver.arrivals.clear();
  receiver.timeline.length = 0;

  const api = new HttpPool(stack.apiUrl, { connections: 64 });
  const context: StepContext = {
    api,
    publisherToken: stack.publisherToken,
    receiver,
    pids: stack.pids,
    drainGraceMs: options.drainGraceMs,
    maxDrainMs: options.maxDrainMs,
  };
  const siteOne = await createBenchSite(pool, receiver.url, 1);
  const siteTen = await createBenchSite(pool, receiver.url, 10);
  const fanOuts = [
    await runFanOut(
      context,
      siteOne,
      options.rampFanOut1,
      options,
      rawCeiling.requestsPerSecond,
      notes,
    ),
    await runFanOut(
      context,
      siteTen,
      options.rampFanOut10,
      options,
      rawCeiling.requestsPerSecond,
      notes,
    ),
  ];
  await api.close();

  const temporal = await connectClient({ address: stack.temporalAddress, namespace: 'default' });
  const history = await measureHistoryCost(temporal, pool, siteOne.siteId, options.historySample);
  await temporal.connection.close();

  const sites: SitePublications[] = [siteOne, siteTen].map((site, index) => ({
    site,
    publications: [
      ...fanOuts[index]!.ramp.flatMap((step) => step.publications),
      ...fanOuts[index]!.latency.flatMap(({ step }) => step.publications),
    ],
  }));
  log('accounting');
  const accounting = await accountDeliveries(pool, receiver, sites, ACCOUNTING_SETTLE_MS);
  if (!stack.pids.temporal) notes.push('Temporal server CPU not measured');
  if (!stack.pids.postgres) notes.push('PostgreSQL CPU not measured');

  return {
    startedAt,
    quick: options.quick,
    wallSeconds: (performance.now() - began) / 1_000,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    rawCeiling,
    fanOuts,
    history,
    accounting,
    notes,
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const began = performance.now();
  const startedAt = new Date().toISOString();
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
    const report = await measure(options, stack, receiver, pool, startedAt, began);
    report.wallSeconds = (performance.now() - began) / 1_000;
    const file = writeReport(report);
    process.stdout.write(`${formatReport(report)}\nresults: ${file}\n`);
    return report.accounting.valid ? 0 : 1;
  } finally {
    await pool?.end();
    await stack?.stop();
    await receiver.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
