import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Registry } from 'prom-client';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { databaseCheck, Readiness, temporalCheck } from '../health/readiness';
import { createLogger, type Logger } from '../logger';
import { startTracing, stopTracing } from '../telemetry/tracing';
import { createApiMetrics } from '../metrics/api-metrics';
import { registerDatabaseGauges } from '../metrics/database-gauges';
import { DeliveryMetrics } from '../metrics/delivery-metrics';
import { createMetricsRegistry } from '../metrics/registry';
import { AddressFilter } from '../network/address-filter';
import { SecretBox } from '../secrets/secret-box';
import { checkStoredSecretKeys } from '../secrets/stored-key-check';
import {
  drainHttpServer,
  HTTP_DRAIN_TIMEOUT_MS,
  onStopSignal,
  WORKER_SHUTDOWN_FORCE_MS,
  WORKER_SHUTDOWN_GRACE_MS,
} from '../shutdown';
import { connectClient, createTemporalClient } from '../temporal/connection';
import { installTemporalRuntime } from '../temporal/runtime';
import { createActivityDependencies, createDeliveryWorker } from '../worker-setup';
import { createApp } from './app';

/** The API's Temporal client, and the delivery worker beside it when `API_WORKER` is on. */
interface ApiTemporal {
  client: Client;
  worker: Worker | null;
  /** Loopback URL of the SDK's worker metrics, when a worker runs here. */
  sdkMetricsUrl?: string;
  /** Lets the worker drain, then closes the connection. */
  close(): Promise<void>;
}

/**
 * Connects to Temporal. With `API_WORKER`, a delivery worker shares the client's native
 * connection, so delivery workflows can start eagerly. The server then returns the first workflow
 * task in its reply to the start, and this process runs it without a task queue round trip.
 */
async function connectTemporal(
  config: Config,
  pool: Pool,
  logger: Logger,
  registry: Registry,
): Promise<ApiTemporal> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = config;
  if (!config.API_WORKER) {
    const client = await connectClient({ address, namespace });
    return { client, worker: null, close: () => client.connection.close() };
  }

  const runtime = await installTemporalRuntime(logger);
  const connection = await NativeConnection.connect({ address });
  const metrics = new DeliveryMetrics(registry);
  const activities = createActivityDependencies(config, pool, logger, metrics);
  const worker = await createDeliveryWorker({
    connection,
    namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: activities.dependencies,
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
    shutdownGraceTime: WORKER_SHUTDOWN_GRACE_MS,
    shutdownForceTime: WORKER_SHUTDOWN_FORCE_MS,
  });
  const running = worker.run();
  // A worker that stops by itself has failed, and the API would go on without it; exit so that the
  // supervisor restarts the process whole. A worker that misses the force limit ends here too.
  running.catch((error) => {
    logger.fatal({ err: error }, 'delivery worker in the API failed or did not drain in time');
    process.exit(1);
  });
  return {
    client: createTemporalClient(connection, namespace),
    worker,
    sdkMetricsUrl: runtime.metricsUrl,
    close: async () => {
      logger.info({ graceMs: WORKER_SHUTDOWN_GRACE_MS }, 'delivery worker draining its tasks');
      worker.shutdown();
      await running;
      logger.info('delivery worker drained');
      await connection.close();
      await activities.close();
    },
  };
}

/** Resources the API closes when it stops, in this order. */
interface ApiResources {
  server: Server;
  readiness: Readiness;
  temporal: ApiTemporal;
  pool: Pool;
}

/**
 * Stops the API: `/readyz` returns 503 at once, the server accepts no new connections and lets the
 * requests in progress finish, then the delivery worker drains and the connections close.
 */
async function stopApi(resources: ApiResources, logger: Logger): Promise<void> {
  resources.readiness.markStopping();
  logger.info({ timeoutMs: HTTP_DRAIN_TIMEOUT_MS }, 'api draining requests');
  await drainHttpServer(resources.server, logger);
  logger.info('api requests drained');
  await resources.temporal.close();
  await resources.pool.end();
  await stopTracing();
  logger.info('api stopped');
  process.exit(0);
}

/** Runs the API process until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  // Before the Temporal client and the app, so that both get the tracing hooks when it is on.
  await startTracing(config, 'api', logger);
  const registry = createMetricsRegistry();

  const pool = createPool(config.DATABASE_URL, { logger });
  await migrate(pool);
  const secretBox = new SecretBox(config.SECRET_ENCRYPTION_KEYS);
  await checkStoredSecretKeys(pool, secretBox, logger);
  const temporal = await connectTemporal(config, pool, logger, registry);
  registerDatabaseGauges(registry, pool, logger);
  const readiness = new Readiness(
    [databaseCheck(pool), temporalCheck(temporal.client.connection)],
    logger,
  );

  if (!config.PUBLISHER_TOKEN)
    logger.warn('PUBLISHER_TOKEN is not set, so POST /v1/events rejects every request');
  if (config.ENDPOINT_ADDRESS_ALLOWLIST.length > 0) {
    logger.warn(
      { allowedRanges: config.ENDPOINT_ADDRESS_ALLOWLIST },
      'ENDPOINT_ADDRESS_ALLOWLIST is set: endpoints may reach these non-public ranges',
    );
  }

  const app = createApp({
    pool,
    temporal: temporal.client,
    logger,
    secretBox,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    publisherToken: config.PUBLISHER_TOKEN,
    urlPolicy: {
      allowHttp: config.ALLOW_HTTP_ENDPOINTS,
      addressFilter: new AddressFilter(config.ENDPOINT_ADDRESS_ALLOWLIST),
    },
    tagDeliveries: config.DELIVERY_SEARCH_ATTRIBUTES,
    eagerWorkflowStart: temporal.worker !== null,
    readiness,
    metrics: createApiMetrics(logger, registry, temporal.sdkMetricsUrl),
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  onStopSignal(logger, () => {
    stopApi({ server, readiness, temporal, pool }, logger).catch((error) => {
      logger.error({ err: error }, 'api did not stop cleanly');
      process.exit(1);
    });
  });
  logger.info(
    { url: `http://${config.HOST}:${config.PORT}`, worker: config.API_WORKER },
    'api listening',
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
