import { once } from 'node:events';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';

/** Runs the API process until SIGINT or SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);

  const pool = createPool(config.DATABASE_URL, { logger });
  await migrate(pool);
  const temporal = await connectClient({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
  });

  if (!config.PUBLISHER_TOKEN)
    logger.warn('PUBLISHER_TOKEN is not set, so POST /v1/events rejects every request');
  if (config.ALLOW_LOOPBACK_ENDPOINTS) {
    logger.warn(
      'ALLOW_LOOPBACK_ENDPOINTS is on: endpoints may point at this machine; use it for local development only',
    );
  }

  const app = createApp({
    pool,
    temporal,
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    publisherToken: config.PUBLISHER_TOKEN,
    urlPolicy: {
      allowHttp: config.ALLOW_HTTP_ENDPOINTS,
      allowLoopback: config.ALLOW_LOOPBACK_ENDPOINTS,
    },
    tagDeliveries: config.DELIVERY_SEARCH_ATTRIBUTES,
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api listening');

  let stopping = false;
  const stop = () => {
    // Ctrl-C under the dev stack delivers SIGINT from the terminal and SIGTERM from the stack.
    if (stopping) return;
    stopping = true;
    logger.info('api stopping');
    server.close(() => {
      void temporal.connection.close().then(() => pool.end());
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
