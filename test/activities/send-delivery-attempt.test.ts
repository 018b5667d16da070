import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool, PoolClient } from 'pg';
import {
  makeSendDeliveryAttempt,
  type DeliveryAttemptInput,
  type DeliveryAttemptResult,
} from '../../src/activities/send-delivery-attempt';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { createEndpointAgent } from '../../src/delivery/http-attempt';
import { storeEvent } from '../../src/db/events';
import { serializeEnvelope } from '../../src/events/envelope';
import { AddressFilter } from '../../src/network/address-filter';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { testDependencies } from '../helpers/temporal';

let db: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = () => ({ status: 200 });
});

afterAll(async () => {
  await Promise.all([db?.drop(), receiver?.close()]);
});

/** Opens a transaction holding a new event and its delivery, as the API does before its commit. */
async function uncommittedDelivery(path: string) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`);
  const envelope = subscriberCreated(site.id);
  const client = await db.pool.connect();
  await client.query('BEGIN');
  await storeEvent(client, envelope, serializeEnvelope(envelope), Buffer.from(envelope.id));
  const [delivery] = await createDeliveriesForEvent(client, envelope.id);
  return { client, eventId: envelope.id, deliveryId: delivery!.deliveryId };
}

/**
 * Wraps `pool` so that `afterFirstQuery` runs once its first query has returned: the moment
 * between the attempt's first read and the next one.
 */
function poolWithHook(pool: Pool, afterFirstQuery: () => Promise<void>): Pool {
  let hooked = false;
  return new Proxy(pool, {
    get(target, property, receiverObject) {
      if (property !== 'query') return Reflect.get(target, property, receiverObject);
      return async (...args: Parameters<Pool['query']>) => {
        const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
        if (!hooked) {
          hooked = true;
          await afterFirstQuery();
        }
        return result;
      };
    },
  });
}

/** Stores a new event and its delivery to an endpoint at `url`, committed. */
async function storedDelivery(url: string) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, url);
  const envelope = subscriberCreated(site.id);
  await storeEvent(db.pool, envelope, serializeEnvelope(envelope), Buffer.from(envelope.id));
  const [delivery] = await createDeliveriesForEvent(db.pool, envelope.id);
  return { endpointId: endpoint.id, eventId: envelope.id, deliveryId: delivery!.deliveryId };
}

/** Runs `attempt` as the first attempt of a delivery, with a retry one minute later. */
async function runFirstAttempt(
  attempt: ReturnType<typeof makeSendDeliveryAttempt>,
  stored: { deliveryId: string; eventId: string },
): Promise<DeliveryAttemptResult> {
  return await new MockActivityEnvironment().run(attempt, {
    deliveryId: stored.deliveryId,
    attemptNumber: 1,
    retryDelayMs: 60_000,
    eventId: stored.eventId,
  } satisfies DeliveryAttemptInput);
}

async function commit(client: PoolClient) {
  await client.query('COMMIT');
  client.release();
}

test('attempt committed after its first read is sent', async () => {
  const { client, eventId, deliveryId } = await uncommittedDelivery('/late-commit');
  const pool = poolWithHook(db.pool, () => commit(client));
  const sendDeliveryAttempt = makeSendDeliveryAttempt({ ...testDependencies(db.pool), pool });

  const result = await new MockActivityEnvironment().run<
    [DeliveryAttemptInput],
    DeliveryAttemptResult,
    typeof sendDeliveryAttempt
  >(sendDeliveryAttempt, {
    deliveryId,
    eventId,
    attemptNumber: 1,
    retryDelayMs: 60_000,
  });

  expect(result.outcome).toBe('succeeded');
  expect(receiver.requests.filter((request) => request.path === '/late-commit')).toHaveLength(1);
});

test('attempt before the commit fails retryably', async () => {
  const { client, eventId, deliveryId } = await uncommittedDelivery('/no-commit-yet');
  const sendDeliveryAttempt = makeSendDeliveryAttempt(testDependencies(db.pool));

  try {
    await expect(
      new MockActivityEnvironment().run(sendDeliveryAttempt, {
        deliveryId,
        eventId,
        attemptNumber: 1,
        retryDelayMs: 60_000,
      }),
    ).rejects.toMatchObject({ type: 'RowNotYetVisible', nonRetryable: false });
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  expect(receiver.requests.filter((request) => request.path === '/no-commit-yet')).toHaveLength(0);
});

test('disabled endpoint cancels the attempt', async () => {
  const stored = await storedDelivery(`${receiver.url}/disabled-attempt`);
  await db.pool.query(`UPDATE endpoints SET status = 'disabled' WHERE id = $1`, [
    stored.endpointId,
  ]);
  const attempt = makeSendDeliveryAttempt(testDependencies(db.pool));

  const result = await runFirstAttempt(attempt, stored);

  expect(result.outcome).toBe('cancelled');
  expect(receiver.requests.filter((request) => request.path === '/disabled-attempt')).toHaveLength(
    0,
  );
  const { rows } = await db.pool.query('SELECT status FROM deliveries WHERE id = $1', [
    stored.deliveryId,
  ]);
  expect(rows[0].status).toBe('cancelled');
});

test('blocked address is a failed attempt', async () => {
  const stored = await storedDelivery('https://rebound.example.test/hooks');
  // The name resolves to the metadata address, so the agent must reject it before dialling.
  const dispatcher = createEndpointAgent({
    addressFilter: new AddressFilter(),
    lookup: async () => [{ address: '169.254.169.254', family: 4 }],
    dial: () => {
      throw new Error('dialled an address the filter should have rejected');
    },
  });
  const attempt = makeSendDeliveryAttempt({ ...testDependencies(db.pool), dispatcher });

  const result = await runFirstAttempt(attempt, stored);
  await dispatcher.destroy();

  expect(result).toEqual({ outcome: 'failed', statusCode: null, errorClass: 'blocked_address' });
  const { rows } = await db.pool.query(
    `SELECT d.status, d.next_attempt_at - a.started_at AS wait, a.error_message
     FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id WHERE d.id = $1`,
    [stored.deliveryId],
  );
  expect(rows[0].status).toBe('retrying');
  expect(rows[0].error_message).toContain('rebound.example.test resolved to 169.254.169.254');
  expect(rows[0].wait.minutes).toBe(1);
});
