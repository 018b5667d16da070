import { createHmac } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  makeSendDeliveryAttempt,
  type DeliveryAttemptResult,
} from '../../src/activities/send-delivery-attempt';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { SecretDecryptionError } from '../../src/secrets/secret-box';
import { createSdkLogger } from '../../src/temporal/runtime-logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { KEY_B, testSecretBox } from '../helpers/secret-keys';
import { testDependencies } from '../helpers/temporal';
import { createTestLogger } from '../helpers/test-logger';

let db: TestDatabase;
let receiver: Receiver;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = () => ({ status: 200 });
});

afterAll(async () => {
  await Promise.all([db?.drop(), receiver?.close()]);
});

/** Creates an endpoint at `path` and a delivery of a new event to it. */
async function deliveryTo(path: string, options: { legacySecret?: boolean } = {}) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`, options);
  const { eventId } = await storeTestEvent(db.pool, subscriberCreated(site.id));
  const [delivery] = await createDeliveriesForEvent(db.pool, eventId);
  return { endpoint, eventId, deliveryId: delivery!.deliveryId };
}

async function attemptCount(deliveryId: string): Promise<number> {
  const { rows } = await db.pool.query('SELECT attempt_count FROM deliveries WHERE id = $1', [
    deliveryId,
  ]);
  return rows[0].attempt_count;
}

test('missing key fails the attempt unsent', async () => {
  const { eventId, deliveryId } = await deliveryTo('/missing-key');
  const sendDeliveryAttempt = makeSendDeliveryAttempt({
    ...testDependencies(db.pool),
    secretBox: testSecretBox(KEY_B),
  });

  // The activity's failure goes to the run's log folder, which the leak scan reads.
  const logger = createSdkLogger(createTestLogger(), 'DEBUG');
  const error = await new MockActivityEnvironment({}, { logger })
    .run(sendDeliveryAttempt, { deliveryId, eventId, attemptNumber: 1, retryDelayMs: 60_000 })
    .catch((caught: unknown) => caught);

  // A plain error, not an ApplicationFailure of a non-retryable type: Temporal retries it.
  expect(error).toBeInstanceOf(SecretDecryptionError);
  expect((error as Error).message).toContain('is encrypted with key "test-1"');
  expect(receiver.requests.filter((request) => request.path === '/missing-key')).toHaveLength(0);
  expect(await attemptCount(deliveryId)).toBe(0);
});

test('legacy plaintext secret signs the attempt', async () => {
  const { endpoint, eventId, deliveryId } = await deliveryTo('/legacy', { legacySecret: true });
  const sendDeliveryAttempt = makeSendDeliveryAttempt(testDependencies(db.pool));

  const result: DeliveryAttemptResult = await new MockActivityEnvironment().run(
    sendDeliveryAttempt,
    { deliveryId, eventId, attemptNumber: 1, retryDelayMs: 60_000 },
  );

  expect(result.outcome).toBe('succeeded');
  const [request] = receiver.requests.filter((received) => received.path === '/legacy');
  const expected = createHmac('sha256', endpoint.secret).update(request!.body).digest('hex');
  expect(request!.headers['x-postion-signature']).toBe(expected);
});
