import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import { createTemporalClient } from '../../src/temporal/connection';
import { createDeliveryWorker } from '../../src/worker-setup';
import type { TestDatabase } from './database';
import { testSecretBox } from './secret-keys';
import { testDependencies, workflowBundle } from './temporal';

/** The API and a worker on the shared Temporal dev server, for end-to-end tests. */
export interface ApiStack {
  apiUrl: string;
  client: Client;
  publisherToken: string;
  stop(): Promise<void>;
}

/**
 * Starts a worker on `taskQueue` and the API on a free loopback port, both on `db`. They share one
 * native connection, as with `API_WORKER`, so delivery workflows start eagerly.
 */
export async function startApiStack(db: TestDatabase, taskQueue: string): Promise<ApiStack> {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set; run the tests through jest');

  const nativeConnection = await NativeConnection.connect({ address });
  const worker: Worker = await createDeliveryWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    dependencies: testDependencies(db.pool),
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();

  const client = createTemporalClient(nativeConnection, 'default');
  const publisherToken = 'test-publisher-token-0123456789';
  const app = createApp({
    pool: db.pool,
    temporal: client,
    logger: testDependencies(db.pool).logger,
    secretBox: testSecretBox(),
    taskQueue,
    namespace: 'default',
    temporalUiUrl: 'http://127.0.0.1:8233',
    publisherToken,
    urlPolicy: { allowHttp: true, addressFilter: new AddressFilter(LOOPBACK_RANGES) },
    tagDeliveries: true,
    eagerWorkflowStart: true,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });

  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    client,
    publisherToken,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      worker.shutdown();
      await running;
      await nativeConnection.close();
    },
  };
}

/** Sends a JSON request and returns the status and the body, parsed when it is JSON. */
export async function callApi(
  apiUrl: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: any; contentType: string | null; headers: Headers }> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return {
    status: response.status,
    body: text && isJson ? JSON.parse(text) : text || null,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
  };
}
