import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { cpuDelta, cpuSecondsOfTrees } from './proc-cpu';

/** Figures of the workflow floor part. */
export interface WorkflowFloorResult {
  workflows: number;
  inFlight: number;
  workflowsPerSecond: number;
  /** Starts whose response carried the first workflow task (eager starts). */
  eagerStarts: number;
  /** Temporal server CPU seconds per 1,000 workflows, or null when its pid is unknown. */
  temporalCpuSecondsPer1000: number | null;
  /** CPU seconds per 1,000 workflows of this process, which starts and runs them. */
  clientCpuSecondsPer1000: number;
}

let sdkLoggerInstalled = false;

// The SDK logs bundling and worker states at INFO, which would bury the benchmark's own lines.
function quietSdkLogs(): void {
  if (sdkLoggerInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  sdkLoggerInstalled = true;
}

// After the last activity has run, its workflow task still has to complete on the server.
const COMPLETION_SETTLE_MS = 1_000;

/**
 * Runs `workflows` copies of the cheapest workflow a delivery could be (one no-op local activity)
 * on the stack's Temporal server, `inFlight` at a time. They start eagerly from a client that
 * shares its connection with a worker in this process, as the API starts deliveries. Their rate
 * and the server's CPU per workflow bound any design with one workflow per delivery here.
 */
export async function measureWorkflowFloor(
  temporalAddress: string,
  temporalPid: number | undefined,
  workflows: number,
  inFlight: number,
): Promise<WorkflowFloorResult> {
  const taskQueue = `floor-${randomBytes(4).toString('hex')}`;
  quietSdkLogs();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  // Each lane waits for its workflow's activity, which bounds the work in progress to `inFlight`
  // without a result() call, whose long poll would add server work a delivery does not cause.
  const waiting = new Map<string, () => void>();
  const touch = async () => {
    const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
    waiting.get(workflowId)?.();
  };
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./floor-workflow'),
    activities: { touch },
  });
  const running = worker.run();
  const client = new Client({ connection });

  try {
    const roots: Record<string, number> = { client: process.pid };
    if (temporalPid) roots.temporal = temporalPid;
    const cpuBefore = cpuSecondsOfTrees(roots);
    const began = performance.now();
    let next = 0;
    let eagerStarts = 0;
    const lane = async () => {
      while (next < workflows) {
        const workflowId = `${taskQueue}-${next++}`;
        const touched = new Promise<void>((resolve) => waiting.set(workflowId, resolve));
        const handle = await client.workflow.start('floorWorkflow', {
          taskQueue,
          workflowId,
          requestEagerStart: true,
        });
        if (handle.eagerlyStarted) eagerStarts++;
        await touched;
        waiting.delete(workflowId);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (performance.now() - began) / 1_000;
    await delay(COMPLETION_SETTLE_MS);
    const cpu = cpuDelta(cpuBefore, cpuSecondsOfTrees(roots));

    const per1000 = (cpuSeconds: number | undefined) =>
      cpuSeconds === undefined ? null : (cpuSeconds / workflows) * 1_000;
    return {
      workflows,
      inFlight,
      workflowsPerSecond: workflows / seconds,
      eagerStarts,
      temporalCpuSecondsPer1000: per1000(cpu.temporal),
      clientCpuSecondsPer1000: per1000(cpu.client) ?? 0,
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
