import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool, PoolClient } from 'pg';
import {
  makeSendDeliveryAttempt,
  type DeliveryAttemptInput,
  type DeliveryAttemptResult,
} from '../../src/activities/send-delivery-attempt';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { storeEvent } from '../../src/db/events';
import { serializeEnvelope } from '../../src/events/envelope';
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
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/disabled-attempt`);
  const envelope = subscriberCreated(site.id);
  await storeEvent(db.pool, envelope, serializeEnvelope(envelope), Buffer.from(envelope.id));
  const [delivery] = await createDeliveriesForEvent(db.pool, envelope.id);
  await db.pool.query(`UPDATE endpoints SET status = 'disabled' WHERE id = $1`, [endpoint.id]);
  const attempt = makeSendDeliveryAttempt(testDependencies(db.pool));

  const result: DeliveryAttemptResult = await new MockActivityEnvironment().run(attempt, {
    deliveryId: delivery!.deliveryId,
    attemptNumber: 1,
    retryDelayMs: 60_000,
    eventId: envelope.id,
  } satisfies DeliveryAttemptInput);

  expect(result.outcome).toBe('cancelled');
  expect(receiver.requests.filter((request) => request.path === '/disabled-attempt')).toHaveLength(
    0,
  );
  const { rows } = await db.pool.query('SELECT status FROM deliveries WHERE id = $1', [
    delivery!.deliveryId,
  ]);
  expect(rows[0].status).toBe('cancelled');
});
