import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/logger';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import { findFreePort } from '../../src/stack/ports';
import { callApi } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite } from '../helpers/fixtures';
import { testSecretBox } from '../helpers/secret-keys';
import { createTestLogger } from '../helpers/test-logger';

const PUBLISHER_TOKEN = 'outage-publisher-token-0123456789';

let db: TestDatabase;
let server: Server;
let apiUrl: string;
let connection: Connection;

beforeAll(async () => {
  db = await createTestDatabase();
  // A port with no listener: every workflow start fails, as when Temporal is down.
  const deadPort = await findFreePort();
  connection = Connection.lazy({ address: `127.0.0.1:${deadPort}`, connectTimeout: '1 second' });
  const app = createApp({
    pool: db.pool,
    temporal: new Client({ connection, namespace: 'default' }),
    logger: createTestLogger(),
    secretBox: testSecretBox(),
    taskQueue: 'temporal-outage-test',
    namespace: 'default',
    temporalUiUrl: 'http://127.0.0.1:8233',
    publisherToken: PUBLISHER_TOKEN,
    urlPolicy: { allowHttp: true, addressFilter: new AddressFilter(LOOPBACK_RANGES) },
    tagDeliveries: false,
    eagerWorkflowStart: false,
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await connection?.close().catch(() => undefined);
  await db?.drop();
});

function postPublished(id: string, siteId: string) {
  return {
    id,
    event: 'post.published',
    data: {
      id: 'post_1',
      title: 'Hello',
      url: 'https://example.com/hello',
      author: { id: 'usr_1', name: 'Ann' },
      site_id: siteId,
    },
  };
}

async function storedRows(eventId: string) {
  const events = await db.pool.query('SELECT 1 FROM events WHERE id = $1', [eventId]);
  const deliveries = await db.pool.query('SELECT 1 FROM deliveries WHERE event_id = $1', [eventId]);
  return { events: events.rowCount, deliveries: deliveries.rowCount };
}

test('event with an endpoint to deliver to is rejected and not stored', async () => {
  const site = await createSite(db.pool);
  await createEndpoint(db.pool, site.id, 'http://127.0.0.1:9/hook', {
    eventTypes: ['post.published'],
  });
  const event = postPublished('evt_outage_1', site.id);

  const response = await callApi(apiUrl, 'POST', '/v1/events', PUBLISHER_TOKEN, event);

  expect(response.status).toBe(503);
  expect(response.body.detail).toContain('same id');
  expect(await storedRows(event.id)).toEqual({ events: 0, deliveries: 0 });
});

test('event with no endpoint to deliver to is stored without a workflow', async () => {
  const site = await createSite(db.pool);
  const event = postPublished('evt_outage_2', site.id);

  const response = await callApi(apiUrl, 'POST', '/v1/events', PUBLISHER_TOKEN, event);

  expect(response.status).toBe(202);
  expect(await storedRows(event.id)).toEqual({ events: 1, deliveries: 0 });
});

test('endpoint is not created without verification', async () => {
  const site = await createSite(db.pool);

  const response = await callApi(apiUrl, 'POST', '/v1/webhooks', site.apiKey, {
    url: 'http://127.0.0.1:9/hook',
    events: ['post.published'],
  });

  expect(response.status).toBe(503);
  const { rowCount } = await db.pool.query('SELECT 1 FROM endpoints WHERE site_id = $1', [site.id]);
  expect(rowCount).toBe(0);
});
