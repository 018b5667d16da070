import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig } from './config';
import { migrate } from './db/migrate';
import { createPool, type Pool } from './db/pool';
import { startHealthServer, type HealthServer } from './health/http-server';
import { databaseCheck, Readiness, temporalCheck } from './health/readiness';
import { createLogger, type Logger } from './logger';
import { startTracing, stopTracing } from './telemetry/tracing';
import { DeliveryMetrics } from './metrics/delivery-metrics';
import { createMetricsExposition } from './metrics/exposition';
import { createMetricsRegistry } from './metrics/registry';
import { checkStoredSecretKeys } from './secrets/stored-key-check';
import { onStopSignal, WORKER_SHUTDOWN_FORCE_MS, WORKER_SHUTDOWN_GRACE_MS } from './shutdown';
import { installTemporalRuntime } from './temporal/runtime';
import { createActivityDependencies, createDeliveryWorker } from './worker-setup';

/** Runs the worker process until SIGINT or SIGTERM, then lets running tasks finish. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  // Before the worker is created, so that it gets the tracing interceptors when tracing is on.
  await startTracing(config, 'worker', logger);
  // The SDK runtime must exist before the first native connection.
  const runtime = await installTemporalRuntime(logger);
  const registry = createMetricsRegistry();

  // 1. Storage first: the activities need the schema in place.
  const pool = createPool(config.DATABASE_URL, { logger });
  await migrate(pool);

  // 2. Outbound dependencies of the activities, and a check that they can decrypt every secret.
  const metrics = new DeliveryMetrics(registry);
  const activities = createActivityDependencies(config, pool, logger, metrics);
  await checkStoredSecretKeys(pool, activities.dependencies.secretBox, logger);

  // 3. The worker itself, polling the task queue until shutdown.
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createDeliveryWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: activities.dependencies,
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
    shutdownGraceTime: WORKER_SHUTDOWN_GRACE_MS,
    shutdownForceTime: WORKER_SHUTDOWN_FORCE_MS,
  });

  // 4. Health and metrics for the supervisor and Prometheus.
  const readiness = new Readiness([databaseCheck(pool), temporalCheck(connection)], logger);
  const health = await startHealthServer({
    host: config.HOST,
    port: config.WORKER_HTTP_PORT,
    readiness,
    metrics: createMetricsExposition(registry, logger, runtime.metricsUrl),
    logger,
  });
  onStopSignal(logger, () => {
    readiness.markStopping();
    logger.info({ graceMs: WORKER_SHUTDOWN_GRACE_MS }, 'worker draining its tasks');
    worker.shutdown();
  });

  if (config.ENDPOINT_ADDRESS_ALLOWLIST.length > 0) {
    logger.warn(
      { allowedRanges: config.ENDPOINT_ADDRESS_ALLOWLIST },
      'ENDPOINT_ADDRESS_ALLOWLIST is set: endpoints may reach these non-public ranges',
    );
  }
  logger.info(
    { taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, http: health.url },
    'worker started',
  );

  await runUntilStopped(worker, logger);

  // 5. Close what the worker used, once it has drained.
  await closeAll({ connection, activities, pool, health }, logger);
  logger.info('worker stopped');
  process.exit(0);
}

/** Runs the worker; exits with code 1 if it stops on its own or misses the force limit. */
async function runUntilStopped(worker: Worker, logger: Logger): Promise<void> {
  try {
    await worker.run();
    logger.info('worker drained');
  } catch (error) {
    // Tasks still running now are lost to this process; Temporal retries them elsewhere after
    // their timeouts.
    logger.error({ err: error }, 'worker failed or did not drain in time');
    process.exit(1);
  }
}

interface Resources {
  connection: NativeConnection;
  activities: { close(): Promise<void> };
  pool: Pool;
  health: HealthServer;
}

async function closeAll(resources: Resources, logger: Logger): Promise<void> {
  await resources.connection.close();
  await resources.activities.close();
  await resources.pool.end();
  await resources.health.close();
  await stopTracing();
  logger.info('connections and health server closed');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
