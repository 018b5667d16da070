import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Accounting } from './accounting';
import type { HistoryCost } from './history';
import type { BenchPart } from './options';
import type { Percentiles } from './percentiles';
import type { RawCeilingResult } from './raw-ceiling';
import type { ScheduleResult } from './schedule';
import type { WorkflowFloorResult } from './workflow-floor';
import type { StepResult } from './step';
import type { WaitingAccounting } from './waiting-accounting';
import type { WaitingResult } from './waiting';
import { describeAttempts } from './waiting-plan';
import type { WaitingSample } from './waiting-sampler';

/** Results of one fan-out: its ramp, its sustained maximum and the latency runs below it. */
export interface FanOutResult {
  fanOut: number;
  ramp: StepResult[];
  /** Highest offered rate (events/s) whose step was sustained; null when none was. */
  sustainedEventsPerSecond: number | null;
  sustainedDeliveriesPerSecond: number | null;
  /** Sustained deliveries/s divided by the raw ceiling's requests/s. */
  ratioToRawCeiling: number | null;
  latency: { fractionOfMax: number; step: StepResult }[];
}

/** Everything written to bench-results/<timestamp>.json. */
export interface BenchReport {
  startedAt: string;
  quick: boolean;
  /** Parts measured in this run; a part left out by `--only` has a null or empty result. */
  parts: BenchPart[];
  wallSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  rawCeiling: RawCeilingResult | null;
  floor: WorkflowFloorResult | null;
  fanOuts: FanOutResult[];
  history: HistoryCost | null;
  /** Accounting of the ramp and latency runs; null when neither fan-out part ran. */
  accounting: Accounting | null;
  waiting: WaitingResult | null;
  schedule: ScheduleResult | null;
  /** Voided accountings and failed parts, each of which makes the exit status 1. */
  faults: string[];
  notes: string[];
}

const ROOT = path.resolve(__dirname, '..');

/** Writes the report as JSON and returns the file's path. */
export function writeReport(report: BenchReport): string {
  const folder = path.join(ROOT, 'bench-results');
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  const withoutPublications = JSON.stringify(
    report,
    (key, value) => (key === 'publications' ? undefined : value),
    2,
  );
  writeFileSync(file, `${withoutPublications}\n`);
  return file;
}

const round = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

function latencyCells(latency: Percentiles): string {
  return `${round(latency.p50, 0)} / ${round(latency.p95, 0)} / ${round(latency.p99, 0)}`;
}

function cpuCells(step: StepResult): string {
  return Object.entries(step.cpuSecondsPerThousandDeliveries)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
    .join(', ');
}

/** Formats the report as plain-text tables for stdout. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(
    `Postion Webhooks delivery benchmark${report.quick ? ' (--quick: figures not meant to be judged)' : ''}`,
  );
  lines.push(
    `${report.startedAt}, ${report.machine.cpus} CPUs (${report.machine.cpuModel}), ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${round(report.wallSeconds, 0)} s wall`,
  );
  lines.push(`parts: ${report.parts.join(', ')}`);
  const raw = report.rawCeiling;
  if (raw) {
    lines.push('');
    lines.push(
      `Raw ceiling: ${round(raw.requestsPerSecond, 0)} signed POSTs/s (${raw.requests} in ${round(raw.seconds)} s, ${raw.concurrency} in flight, ${raw.failures} failed)`,
    );
  }

  for (const fanOut of report.fanOuts) {
    lines.push('');
    lines.push(`Fan-out ${fanOut.fanOut}: ramp (${fanOut.ramp[0]?.seconds ?? 0} s per step)`);
    lines.push(
      '  events/s  deliveries/s offered  2nd-half/s  completed/s  drain ms  latency from 202 p50/p95/p99 ms  sustained',
    );
    for (const step of fanOut.ramp) {
      lines.push(
        [
          `  ${String(step.offeredEventsPerSecond).padStart(8)}`,
          String(step.offeredEventsPerSecond * step.fanOut).padStart(20),
          round(step.secondHalfDeliveriesPerSecond).padStart(11),
          round(step.completedDeliveriesPerSecond).padStart(12),
          round(step.drainMs, 0).padStart(9),
          latencyCells(step.latencyFrom202Ms).padStart(32),
          `  ${step.sustained ? 'yes' : `no: ${step.shortfalls.join('; ')}`}`,
        ].join(''),
      );
    }
    lines.push(
      `  sustained maximum: ${round(fanOut.sustainedEventsPerSecond)} events/s = ${round(fanOut.sustainedDeliveriesPerSecond)} deliveries/s, ${round(fanOut.ratioToRawCeiling === null ? null : fanOut.ratioToRawCeiling * 100, 2)} % of the raw ceiling`,
    );
    const top = fanOut.ramp.filter((step) => step.sustained).at(-1);
    if (top) lines.push(`  CPU s per 1,000 deliveries at that step: ${cpuCells(top)}`);
    for (const { fractionOfMax, step } of fanOut.latency) {
      lines.push(
        `  latency at ${fractionOfMax * 100} % (${round(step.offeredEventsPerSecond, 2)} events/s): from 202 p50/p95/p99 ${latencyCells(step.latencyFrom202Ms)} ms, from send ${latencyCells(step.latencyFromSendMs)} ms, ${step.arrivedBefore202} arrived before the 202, ${step.sustained ? 'sustained' : `not sustained: ${step.shortfalls.join('; ')}`}`,
      );
    }
  }

  if (report.floor) lines.push('', formatFloor(report.floor));

  if (report.history) {
    lines.push('');
    const { deliveryWorkflows: delivery, dispatchWorkflows: dispatch } = report.history;
    lines.push(
      `History events: delivery workflow p50 ${round(delivery.p50, 0)} (max ${round(delivery.max, 0)}, n=${delivery.count}); dispatch workflow p50 ${round(dispatch.p50, 0)} (max ${round(dispatch.max, 0)}, n=${dispatch.count})`,
    );
  }

  const accounting = report.accounting;
  if (accounting) {
    lines.push('');
    lines.push(
      `Accounting: ${accounting.acceptedEvents} accepted events, ${accounting.expectedDeliveries} expected deliveries; receiver missing ${accounting.receiverMissing}, duplicated ${accounting.receiverDuplicated}, unexpected ${accounting.receiverUnexpected}; rows missing ${accounting.rowsMissing}, duplicated ${accounting.rowsDuplicated}, not succeeded ${accounting.rowsNotSucceeded}`,
    );
    lines.push(
      accounting.valid
        ? 'VALID'
        : 'VOID: the counts above show lost, duplicated or undelivered work',
    );
  }

  if (report.waiting) lines.push('', ...formatWaiting(report.waiting));
  if (report.schedule) lines.push('', ...formatSchedule(report.schedule));

  lines.push('');
  lines.push(
    report.faults.length === 0
      ? 'Result: VALID'
      : `Result: exit status 1: ${report.faults.join('; ')}`,
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

// Trees shown in the memory table, in this order, when the stack measured them.
const MEMORY_COLUMNS = ['worker', 'temporal', 'api', 'postgres'];

function formatWaiting(waiting: WaitingResult): string[] {
  const { plan } = waiting;
  const lines: string[] = [];
  lines.push(
    `Waiting deliveries: ${waiting.targetDeliveries} targeted, ${waiting.published} events at ${round(waiting.offeredEventsPerSecond)} events/s over ${round(waiting.publishSeconds, 0)} s, fan-out ${waiting.fanOut}; F = ${plan.failedAttempts}: ${describeAttempts(plan.failedAttempts)}`,
  );
  lines.push(
    `  plan (s after publishing starts): all ${plan.deliveries} wait at once from ${round(plan.allWaitingFromSeconds, 0)} to ${round(plan.allWaitingUntilSeconds, 0)} s; attempt ${plan.finalAttempt} falls due from ${round(plan.allWaitingUntilSeconds, 0)} to ${round(plan.allWaitingUntilSeconds + plan.publishSeconds, 0)} s; up to ${round(plan.peakAttemptsPerSecond, 0)} attempts/s where waves overlap`,
  );
  lines.push(
    `  publishing: ${waiting.accepted} accepted (${round(waiting.acceptedEventsPerSecond)} events/s), ${waiting.notAccepted} not accepted, ${waiting.skipped} skipped`,
  );
  lines.push(
    `  creation: delivery rows at ${round(waiting.createdDeliveriesPerSecond)}/s, first attempts at ${round(waiting.firstAttemptsPerSecond)}/s`,
  );
  lines.push(
    `  peak: ${waiting.peakWaiting} waiting at once, first sampled at ${round(waiting.peakWaitingAtSeconds, 0)} s and last at ${round(waiting.peakWaitingUntilSeconds, 0)} s after publishing starts`,
  );

  const columns = MEMORY_COLUMNS.filter((name) => name in (waiting.samples[0]?.rssMiB ?? {}));
  lines.push('  memory (RSS MiB of each process tree):');
  lines.push(
    `    ${'sample'.padEnd(10)}${'at s'.padStart(7)}${'waiting'.padStart(9)}${'created'.padStart(9)}${'succeeded'.padStart(11)}${columns.map((name) => name.padStart(10)).join('')}`,
  );
  const row = (label: string, sample: WaitingSample | null | undefined) => {
    if (!sample) return `    ${label.padEnd(10)}  not reached`;
    return `    ${label.padEnd(10)}${round(sample.atSeconds, 0).padStart(7)}${String(sample.waiting).padStart(9)}${String(sample.created).padStart(9)}${String(sample.succeeded).padStart(11)}${columns.map((name) => round(sample.rssMiB[name], 0).padStart(10)).join('')}`;
  };
  lines.push(row('start', waiting.samples[0]));
  for (const { milestone, sample } of waiting.memoryMilestones) {
    lines.push(row(`>= ${milestone}`, sample));
  }
  lines.push(
    row(
      'peak',
      waiting.samples.find((sample) => sample.atSeconds === waiting.peakWaitingAtSeconds),
    ),
  );
  lines.push(row('end', waiting.samples.at(-1)));

  const lag = waiting.lagMs;
  lines.push(
    `  final attempt ${plan.finalAttempt} after its due time: p50 / p95 / p99 / max ${round(lag.p50, 0)} / ${round(lag.p95, 0)} / ${round(lag.p99, 0)} / ${round(lag.max, 0)} ms (n=${lag.count}; at most ${waiting.maxDueWithinMinute} due within one minute; ${waiting.dueTimesFromReceiver} due times from the receiver)`,
  );
  const quiet = waiting.quietLagMs;
  lines.push(
    `  of those, due after every earlier attempt had arrived: p50 / p95 / p99 / max ${round(quiet.p50, 0)} / ${round(quiet.p95, 0)} / ${round(quiet.p99, 0)} / ${round(quiet.max, 0)} ms (n=${quiet.count})`,
  );
  if (!waiting.completed) {
    lines.push(
      `  gave up waiting: requests stopped arriving before every attempt ${plan.finalAttempt} had arrived`,
    );
  }
  lines.push(...formatWaitingAccounting(waiting.accounting));
  return lines;
}

function formatWaitingAccounting(accounting: WaitingAccounting): string[] {
  const failed = accounting.failedAttempts;
  const failedRange = failed === 1 ? 'attempt 1' : `attempts 1 to ${failed}`;
  return [
    `  Accounting: ${accounting.acceptedEvents} accepted events, ${accounting.expectedDeliveries} expected deliveries; receiver missing ${accounting.receiverMissing}, duplicated ${accounting.receiverDuplicated}, unexpected ${accounting.receiverUnexpected}; rows missing ${accounting.rowsMissing}, duplicated ${accounting.rowsDuplicated}, not succeeded ${accounting.rowsNotSucceeded}, without exactly ${failedRange} (failed) and ${failed + 1} (succeeded) ${accounting.rowsWrongAttempts}`,
    accounting.valid
      ? '  VALID'
      : '  VOID: the counts above show lost, duplicated or unfinished deliveries',
  ];
}

function formatFloor(floor: WorkflowFloorResult): string {
  return `Workflow floor: ${floor.workflows} one-local-activity workflows, ${floor.inFlight} in flight, ${floor.eagerStarts} started eagerly: ${round(floor.workflowsPerSecond)} workflows/s; CPU s per 1,000: temporal ${round(floor.temporalCpuSecondsPer1000, 2)}, benchmark process ${round(floor.clientCpuSecondsPer1000, 2)}`;
}

function formatSchedule(schedule: ScheduleResult): string[] {
  const lines = [`Time-skipped schedule: ${schedule.command}`];
  schedule.runs.forEach((run, index) => {
    const tests = run.tests.map((test) => `${round(test.seconds, 2)} s "${test.name}"`).join(', ');
    lines.push(
      `  run ${index + 1}: command ${round(run.wallSeconds, 1)} s wall, test file ${round(run.fileSeconds, 1)} s in jest, ${tests || 'no test ran'}`,
    );
  });
  if (schedule.failed) {
    lines.push(`  FAILED: ${schedule.failure}`);
    lines.push('  output tail:');
    for (const line of (schedule.outputTail ?? '').split('\n')) lines.push(`    ${line}`);
  }
  return lines;
}
