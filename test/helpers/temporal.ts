import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities, type ActivityDependencies } from '../../src/activities';
import { createEndpointAgent } from '../../src/delivery/http-attempt';
import { createMailer } from '../../src/mail/mailer';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import { workflowTracingModules } from '../../src/telemetry/tracing';
import { createDeliveryWorker } from '../../src/worker-setup';
import { testSecretBox } from './secret-keys';
import { saveTestServerHistories } from './secret-scan';
import { createTestLogger, currentTestName } from './test-logger';

/**
 * Starts Temporal's time-skipping test server, from the path global-setup resolved if any. Its
 * `teardown` first saves every workflow history to the run's log folder for the leak scan.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH;
  const env = path
    ? await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path } },
      })
    : await TestWorkflowEnvironment.createTimeSkipping();

  const folder = process.env.TEST_LOG_DIR;
  const stopServer = env.teardown.bind(env);
  env.teardown = async () => {
    try {
      if (folder) await saveTestServerHistories(env.client, folder, currentTestName());
    } finally {
      await stopServer();
    }
  };
  return env;
}

// Bundles by their workflow interceptor modules, which differ while tracing is on.
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles the workflows once per test file, with the tracing interceptors while tracing is on. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const workflowInterceptorModules = workflowTracingModules();
  const key = workflowInterceptorModules.join();
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules,
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

/**
 * Real activity dependencies on loopback: the test database, a real agent that may reach loopback
 * receivers and no other non-public address, an SMTP server, and the test keyring.
 */
export function testDependencies(pool: Pool, smtpUrl?: string): ActivityDependencies {
  const logger = createTestLogger();
  return {
    pool,
    dispatcher: createEndpointAgent({ addressFilter: new AddressFilter(LOOPBACK_RANGES) }),
    mailer: createMailer({ smtpUrl, from: 'webhooks@localhost', logger }),
    secretBox: testSecretBox(),
    clock: () => new Date(),
    logger,
  };
}

/** Seconds between two history event times. */
export function secondsBetween(from: unknown, to: unknown): number {
  return (toMillis(to) - toMillis(from)) / 1000;
}

function toMillis(timestamp: unknown): number {
  const { seconds, nanos } = timestamp as {
    seconds: { toNumber(): number } | number;
    nanos?: number;
  };
  const whole = typeof seconds === 'number' ? seconds : seconds.toNumber();
  return whole * 1000 + (nanos ?? 0) / 1e6;
}

/** A worker running in the background for a whole test file. */
export interface TestWorker {
  stop(): Promise<void>;
}

/**
 * Starts one worker for a whole test file. One long-lived worker is deliberate: with a worker
 * per test, the time-skipping server stopped skipping time once a worker had shut down.
 */
export async function startTestWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  dependencies: ActivityDependencies,
): Promise<TestWorker> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities(dependencies),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** A worker on the shared Temporal dev server, with a client on the same native connection. */
export interface DevServerWorker {
  client: Client;
  stop(): Promise<void>;
}

/** Starts a worker of every workflow and activity on `taskQueue` of the shared dev server. */
export async function startDevServerWorker(
  taskQueue: string,
  dependencies: ActivityDependencies,
): Promise<DevServerWorker> {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set; run the tests through jest');

  const connection = await NativeConnection.connect({ address });
  const worker = await createDeliveryWorker({
    connection,
    namespace: 'default',
    taskQueue,
    dependencies,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    client: new Client({ connection, namespace: 'default' }),
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
