import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  isWorkerPolling,
  MAX_POLL_AGE_MS,
  type PollingCheck,
} from '../../deploy/worker-healthcheck';
import { workflowBundle } from '../helpers/temporal';

// The worker container's health check against the shared Temporal dev server, with a real worker
// polling from this process, which runs on this host.

let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: temporalAddress() });
});

afterAll(async () => {
  await connection?.close();
});

function temporalAddress(): string {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set; run the tests through jest');
  return address;
}

function checkOf(taskQueue: string, overrides: Partial<PollingCheck> = {}): PollingCheck {
  return { connection, namespace: 'default', taskQueue, hostname: os.hostname(), ...overrides };
}

/** Calls `check` every 200 ms, and returns true once it does, or false after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

test('task queue without a worker is unhealthy', async () => {
  const taskQueue = `healthcheck-${randomUUID()}`;

  expect(await isWorkerPolling(checkOf(taskQueue))).toBe(false);
});

test('polling worker on this host is healthy', async () => {
  const taskQueue = `healthcheck-${randomUUID()}`;
  const workerConnection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
  });

  try {
    await worker.runUntil(async () => {
      expect(await eventually(() => isWorkerPolling(checkOf(taskQueue)), 10_000)).toBe(true);

      // Another container's host name, and a last poll older than the limit, both count as down.
      const otherHost = checkOf(taskQueue, { hostname: 'another-container' });
      const later = checkOf(taskQueue, { now: new Date(Date.now() + MAX_POLL_AGE_MS + 60_000) });
      expect(await isWorkerPolling(otherHost)).toBe(false);
      expect(await isWorkerPolling(later)).toBe(false);
    });
  } finally {
    await workerConnection.close();
  }
});
