import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Accounting } from './accounting';
import type { HistoryCost } from './history';
import type { Percentiles } from './percentiles';
import type { RawCeilingResult } from './raw-ceiling';
import type { StepResult } from './step';

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
  wallSeconds: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  rawCeiling: RawCeilingResult;
  fanOuts: FanOutResult[];
  history: HistoryCost | null;
  accounting: Accounting;
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
  lines.push('');
  const raw = report.rawCeiling;
  lines.push(
    `Raw ceiling: ${round(raw.requestsPerSecond, 0)} signed POSTs/s (${raw.requests} in ${round(raw.seconds)} s, ${raw.concurrency} in flight, ${raw.failures} failed)`,
  );

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

  if (report.history) {
    lines.push('');
    const { deliveryWorkflows: delivery, dispatchWorkflows: dispatch } = report.history;
    lines.push(
      `History events: delivery workflow p50 ${round(delivery.p50, 0)} (max ${round(delivery.max, 0)}, n=${delivery.count}); dispatch workflow p50 ${round(dispatch.p50, 0)} (max ${round(dispatch.max, 0)}, n=${dispatch.count})`,
    );
  }

  const accounting = report.accounting;
  lines.push('');
  lines.push(
    `Accounting: ${accounting.acceptedEvents} accepted events, ${accounting.expectedDeliveries} expected deliveries; receiver missing ${accounting.receiverMissing}, duplicated ${accounting.receiverDuplicated}, unexpected ${accounting.receiverUnexpected}; rows missing ${accounting.rowsMissing}, duplicated ${accounting.rowsDuplicated}, not succeeded ${accounting.rowsNotSucceeded}`,
  );
  lines.push(
    accounting.valid ? 'VALID' : 'VOID: the counts above show lost, duplicated or undelivered work',
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
