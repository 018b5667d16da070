import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { storeEvent } from '../../src/db/events';
import { serializeEnvelope } from '../../src/events/envelope';
import { deliverWebhook } from '../../src/workflows';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, waitFor, type ReceivedRequest, type Receiver } from '../helpers/receiver';
import {
  createTimeSkippingEnv,
  startTestWorker,
  testDependencies,
  type TestWorker,
} from '../helpers/temporal';

const TASK_QUEUE = 'delivery-attempts-test';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let receiver: Receiver;
let worker: TestWorker;

beforeAll(async () => {
  [env, db, receiver] = await Promise.all([
    createTimeSkippingEnv(),
    createTestDatabase(),
    startReceiver(),
  ]);
  worker = await startTestWorker(env, TASK_QUEUE, testDependencies(db.pool));
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([env?.teardown(), db?.drop(), receiver?.close()]);
});

/** Stores an event for a new endpoint at `path` and starts its delivery workflow. */
async function startDelivery(path: string) {
  return await startDeliveryAfter(path, async () => undefined);
}

/** Like `startDelivery`, running `prepare` between recording the delivery and its start. */
async function startDeliveryAfter(path: string, prepare: (endpointId: string) => Promise<void>) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`);
  const { eventId, body } = await storeTestEvent(db.pool, subscriberCreated(site.id));
  const [target] = await createDeliveriesForEvent(db.pool, eventId);
  await prepare(endpoint.id);
  const handle = await env.client.workflow.start(deliverWebhook, {
    taskQueue: TASK_QUEUE,
    workflowId: target!.workflowId,
    args: [{ deliveryId: target!.deliveryId, eventId, endpointId: endpoint.id }],
  });
  return { handle, endpoint, eventId, body, deliveryId: target!.deliveryId };
}

async function attemptRows(deliveryId: string) {
  const { rows } = await db.pool.query(
    `SELECT attempt_number, succeeded, status_code, error_class, error_message, duration_ms
     FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt_number`,
    [deliveryId],
  );
  return rows;
}

function requestsTo(path: string): ReceivedRequest[] {
  return receiver.requests.filter((request) => request.path === path);
}

test('endpoint hanging past 10 s fails its attempt', async () => {
  receiver.respond = (request) => ({
    status: 200,
    delayMs: requestsTo(request.path).length === 1 ? 11_000 : 0,
  });
  const { handle, deliveryId } = await startDelivery('/slow');

  const result = await handle.result();

  expect(result).toEqual({ outcome: 'succeeded', attempts: 2 });
  const [first, second] = await attemptRows(deliveryId);
  expect(first.succeeded).toBe(false);
  expect(first.error_class).toBe('timeout');
  expect(first.status_code).toBeNull();
  expect(first.duration_ms).toBeGreaterThanOrEqual(10_000);
  expect(second.succeeded).toBe(true);
});

test('redirect fails the attempt and is not followed', async () => {
  receiver.respond = (request) =>
    requestsTo('/moved').length === 1 && request.path === '/moved'
      ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } }
      : { status: 200 };
  const { handle, deliveryId } = await startDelivery('/moved');

  const result = await handle.result();

  expect(result).toEqual({ outcome: 'succeeded', attempts: 2 });
  expect(requestsTo('/elsewhere')).toHaveLength(0);
  const [first] = await attemptRows(deliveryId);
  expect(first.status_code).toBe(302);
  expect(first.error_class).toBe('redirect');
  expect(first.error_message).toContain(`${receiver.url}/elsewhere`);
});

test('requests pass both signature checks', async () => {
  receiver.respond = (request) => ({ status: requestsTo(request.path).length < 3 ? 500 : 200 });
  const { handle, endpoint, body } = await startDelivery('/signed');

  await handle.result();

  const requests = requestsTo('/signed');
  expect(requests).toHaveLength(3);
  for (const request of requests) {
    expect(request.body).toBe(body);
    const expected = createHmac('sha256', endpoint.secret).update(request.body).digest('hex');
    const given = String(request.headers['x-postion-signature']);
    expect(given).toMatch(/^[0-9a-f]{64}$/);
    expect(timingSafeEqual(Buffer.from(given), Buffer.from(expected))).toBe(true);
    const headers = request.headers as Record<string, string>;
    expect(() => new Webhook(endpoint.secret).verify(request.body, headers)).not.toThrow();
  }
});

test('database failure does not consume an attempt', async () => {
  receiver.respond = () => ({ status: 200 });
  // Recording the attempt fails after the POST, as if PostgreSQL went away mid-attempt.
  await db.pool.query(`
    CREATE FUNCTION reject_attempts() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'simulated database outage'; END $$;
    CREATE TRIGGER reject_attempts BEFORE INSERT ON delivery_attempts
      FOR EACH ROW EXECUTE FUNCTION reject_attempts();`);
  const { handle, deliveryId, eventId } = await startDelivery('/outage');

  // Each retry of the attempt POSTs again before failing to record it.
  await waitFor(async () => (requestsTo('/outage').length >= 3 ? true : undefined));
  await db.pool.query(
    'DROP TRIGGER reject_attempts ON delivery_attempts; DROP FUNCTION reject_attempts();',
  );
  const result = await handle.result();

  expect(result).toEqual({ outcome: 'succeeded', attempts: 1 });
  const requests = requestsTo('/outage');
  expect(requests.length).toBeGreaterThanOrEqual(3);
  expect(new Set(requests.map((request) => request.headers['x-postion-attempt']))).toEqual(
    new Set(['1']),
  );
  expect(new Set(requests.map((request) => request.headers['webhook-id']))).toEqual(
    new Set([eventId]),
  );
  const rows = await attemptRows(deliveryId);
  expect(rows).toHaveLength(1);
  expect(rows[0].attempt_number).toBe(1);
});

test('NUL byte in response is stored safely', async () => {
  receiver.respond = () => ({ status: 200, body: 'ok\u0000tail' });
  const { handle, deliveryId } = await startDelivery('/nul');

  const result = await handle.result();

  expect(result).toEqual({ outcome: 'succeeded', attempts: 1 });
  expect(requestsTo('/nul')).toHaveLength(1);
  const { rows } = await db.pool.query(
    'SELECT response_excerpt FROM delivery_attempts WHERE delivery_id = $1',
    [deliveryId],
  );
  expect(rows[0].response_excerpt).toBe('ok\uFFFDtail');
});

test('attempt waits for a delivery row whose transaction has not committed', async () => {
  receiver.respond = () => ({ status: 200 });
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/uncommitted`);
  const envelope = subscriberCreated(site.id);
  const client = await db.pool.connect();
  let handle;
  let deliveryId: string;
  try {
    // The API's order: event and delivery rows, then the workflow start, then the commit.
    await client.query('BEGIN');
    await storeEvent(client, envelope, serializeEnvelope(envelope), Buffer.from(envelope.id));
    const [target] = await createDeliveriesForEvent(client, envelope.id);
    deliveryId = target!.deliveryId;
    handle = await env.client.workflow.start(deliverWebhook, {
      taskQueue: TASK_QUEUE,
      workflowId: target!.workflowId,
      args: [{ deliveryId, eventId: envelope.id, endpointId: endpoint.id }],
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(requestsTo('/uncommitted')).toHaveLength(0);
    await client.query('COMMIT');
  } finally {
    client.release();
  }

  const result = await handle.result();

  expect(result).toEqual({ outcome: 'succeeded', attempts: 1 });
  expect(requestsTo('/uncommitted')).toHaveLength(1);
  expect(await attemptRows(deliveryId)).toHaveLength(1);
});

test('attempt of a delivery deleted with its endpoint ends the delivery as cancelled', async () => {
  receiver.respond = () => ({ status: 200 });
  const { handle, deliveryId } = await startDeliveryAfter('/deleted', async (endpointId) => {
    await db.pool.query('DELETE FROM endpoints WHERE id = $1', [endpointId]);
  });

  const result = await handle.result();

  expect(result).toEqual({ outcome: 'cancelled', attempts: 0 });
  expect(requestsTo('/deleted')).toHaveLength(0);
  expect(await attemptRows(deliveryId)).toHaveLength(0);
});
