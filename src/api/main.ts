import { once } from 'node:events';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool, type Pool } from '../db/pool';
import { createLogger, type Logger } from '../logger';
import { AddressFilter } from '../network/address-filter';
import { SecretBox } from '../secrets/secret-box';
import { checkStoredSecretKeys } from '../secrets/stored-key-check';
import { connectClient } from '../temporal/connection';
import { installTemporalLogger } from '../temporal/runtime-logger';
import { createActivityDependencies, createDeliveryWorker } from '../worker-setup';
import { createApp } from './app';

/** The API's Temporal client, and the delivery worker beside it when `API_WORKER` is on. */
interface ApiTemporal {
  client: Client;
  worker: Worker | null;
  close(): Promise<void>;
}

/**
 * Connects to Temporal. With `API_WORKER`, a delivery worker shares the client's native
 * connection, so delivery workflows can start eagerly. The server then returns the first workflow
 * task in its reply to the start, and this process runs it without a task queue round trip.
 */
async function connectTemporal(config: Config, pool: Pool, logger: Logger): Promise<ApiTemporal> {
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = config;
  if (!config.API_WORKER) {
    const client = await connectClient({ address, namespace });
    return { client, worker: null, close: () => client.connection.close() };
  }

  installTemporalLogger(logger);
  const connection = await NativeConnection.connect({ address });
  const activities = createActivityDependencies(config, pool, logger);
  const worker = await createDeliveryWorker({
    connection,
    namespace,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dependencies: activities.dependencies,
    maxCachedWorkflows: config.WORKFLOW_CACHE_SIZE,
  });
  const running = worker.run();
  // A worker that stops by itself has failed, and the API would go on without it; exit so that the
  // supervisor restarts the process whole.
  running.catch((error) => {
    logger.fatal({ err: error }, 'delivery worker in the API failed');
    process.exit(1);
  });
  return {
    client: new Client({ connection, namespace }),
    worker,
    close: async () => {
      worker.shutdown();
      await running;
      await connection.close();
      await activities.close();
    },
  };
}

/** Runs the API process until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);

  const pool = createPool(config.DATABASE_URL, { logger });
  await migrate(pool);
  const secretBox = new SecretBox(config.SECRET_ENCRYPTION_KEYS);
  await checkStoredSecretKeys(pool, secretBox, logger);
  const temporal = await connectTemporal(config, pool, logger);

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
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  logger.info(
    { url: `http://${config.HOST}:${config.PORT}`, worker: config.API_WORKER },
    'api listening',
  );

  let stopping = false;
  const stop = () => {
    // Ctrl-C under the dev stack delivers SIGINT from the terminal and SIGTERM from the stack.
    if (stopping) return;
    stopping = true;
    logger.info('api stopping');
    server.close(() => {
      void temporal.close().then(() => pool.end());
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
