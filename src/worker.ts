import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger } from './logger';
import { checkStoredSecretKeys } from './secrets/stored-key-check';
import { installTemporalLogger } from './temporal/runtime-logger';
import { createActivityDependencies, createDeliveryWorker } from './worker-setup';

/** Runs the worker process until SIGINT or SIGTERM, then lets running tasks finish. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  installTemporalLogger(logger);

  // 1. Storage first: the activities need the schema in place.
  const pool = createPool(config.DATABASE_URL, { logger });
  await migrate(pool);

  // 2. Outbound dependencies of the activities, and a check that they can decrypt every secret.
  const activities = createActivityDependencies(config, pool, logger);
  await checkStoredSecretKeys(pool, activities.dependencies.secretBox, logger);

  // 3. The worker itself, polling the task queue until shutdown.
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createDeliveryWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: activities.dependencies,
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
  });
  if (config.ENDPOINT_ADDRESS_ALLOWLIST.length > 0) {
    logger.warn(
      { allowedRanges: config.ENDPOINT_ADDRESS_ALLOWLIST },
      'ENDPOINT_ADDRESS_ALLOWLIST is set: endpoints may reach these non-public ranges',
    );
  }
  logger.info(
    { taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS },
    'worker started',
  );

  await worker.run();

  // 4. Close what the worker used, once it has drained.
  await connection.close();
  await activities.close();
  await pool.end();
  logger.info('worker stopped');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
