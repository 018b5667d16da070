import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { storeEvent } from '../../src/db/events';
import { serializeEnvelope } from '../../src/events/envelope';
import { newId } from '../../src/ids';
import { startDelivery } from '../../src/temporal/start-workflows';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';

const TASK_QUEUE = 'rolled-back-publish-test';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  stack = await startApiStack(db, TASK_QUEUE);
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

test('republish after a rollback is delivered', async () => {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/republished`);
  const envelope = subscriberCreated(site.id, newId('evt'));

  // An API process killed before its commit leaves a running delivery workflow behind, whose
  // event and delivery rows were rolled back.
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await storeEvent(client, envelope, serializeEnvelope(envelope), Buffer.from(envelope.id));
    const [rolledBack] = await createDeliveriesForEvent(client, envelope.id);
    await startDelivery({ client: stack.client, taskQueue: TASK_QUEUE }, rolledBack!, {
      tagDeliveries: true,
      eager: false,
    });
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }

  const published = await callApi(
    stack.apiUrl,
    'POST',
    '/v1/events',
    stack.publisherToken,
    envelope,
  );
  expect(published.status).toBe(202);

  const delivered = await waitFor(async () => {
    const { rows } = await db.pool.query(
      `SELECT id, status FROM deliveries WHERE event_id = $1 AND status <> 'pending'`,
      [envelope.id],
    );
    return rows[0];
  }, 20_000);
  expect(delivered.status).toBe('succeeded');
  const requests = receiver.requests.filter((request) => request.path === '/republished');
  expect(requests).toHaveLength(1);
  expect(requests[0]!.headers['x-postion-delivery-id']).toBe(delivered.id);
});
