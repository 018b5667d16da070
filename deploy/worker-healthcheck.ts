/**
 * Health check of a worker container, run by the `worker` service of docker-compose.yml. It exits
 * with 0 when a worker in this container has polled the workflow task queue lately, and with 1
 * otherwise, so a container counts as healthy only while its worker takes tasks.
 */
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { loadConfig } from '../src/config';

/**
 * Maximum time since a worker's last poll that still counts as polling. The server ends an idle
 * long poll after about a minute, and the worker polls again at once.
 */
export const MAX_POLL_AGE_MS = 2 * 60_000;

/** Task queue, host and time of one check. */
export interface PollingCheck {
  connection: Connection;
  namespace: string;
  taskQueue: string;
  /** Host name in the worker's identity, which the Temporal SDK sets to `<pid>@<host name>`. */
  hostname: string;
  now?: Date;
}

/**
 * Asks Temporal whether a worker on `hostname` has polled the workflow task queue within
 * `MAX_POLL_AGE_MS`. The server lists the pollers it has seen in the last few minutes.
 */
export async function isWorkerPolling(check: PollingCheck): Promise<boolean> {
  const { pollers } = await check.connection.workflowService.describeTaskQueue({
    namespace: check.namespace,
    taskQueue: { name: check.taskQueue },
  });
  const now = (check.now ?? new Date()).getTime();
  return pollers.some((poller) => {
    const onThisHost = poller.identity?.endsWith(`@${check.hostname}`) ?? false;
    const lastPoll = optionalTsToMs(poller.lastAccessTime) ?? 0;
    return onThisHost && now - lastPoll <= MAX_POLL_AGE_MS;
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const hostname = os.hostname();
  const connection = await Connection.connect({
    address: config.TEMPORAL_ADDRESS,
    connectTimeout: '5s',
  });
  try {
    const polling = await isWorkerPolling({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      hostname,
    });
    if (!polling) {
      const queue = config.TEMPORAL_TASK_QUEUE;
      const seconds = MAX_POLL_AGE_MS / 1000;
      console.error(
        `unhealthy: no worker on ${hostname} polled task queue ${queue} in ${seconds} s`,
      );
      process.exitCode = 1;
    }
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`health check failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
