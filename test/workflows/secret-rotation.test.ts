import { createHmac, timingSafeEqual } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { createDeliveriesForEvent } from '../../src/db/deliveries';
import { rotateEndpointSecret } from '../../src/db/endpoint-secrets';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { verificationWorkflowId } from '../../src/temporal/workflow-ids';
import { createDeliveryWorker } from '../../src/worker-setup';
import { deliverWebhook, verifyEndpointUrl } from '../../src/workflows';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createEndpoint, createSite, storeTestEvent, subscriberCreated } from '../helpers/fixtures';
import { startReceiver, waitFor, type ReceivedRequest, type Receiver } from '../helpers/receiver';
import { testSecretBox } from '../helpers/secret-keys';
import { createTestLogger } from '../helpers/test-logger';
import { testDependencies, workflowBundle } from '../helpers/temporal';

const TASK_QUEUE = 'secret-rotation-test';
const HOUR_MS = 3_600_000;

let db: TestDatabase;
let receiver: Receiver;
let connection: NativeConnection;
let client: Client;
let worker: Worker;
let running: Promise<void>;

// Added to the real time by the worker's clock. A test sets it to two hours to leave a one-hour
// grace period without waiting, while the stored expiry comes from the database's real clock.
let clockOffsetMs = 0;
const logLines: string[] = [];

// The secret that the receiver behind each path holds, as a receiver that has deployed only it.
const heldSecrets = new Map<string, string>();

beforeAll(async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set; run the tests through jest');

  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = (request) => {
    const secret = heldSecrets.get(request.path);
    return { status: secret && verifiesStandard(request, secret) ? 204 : 401 };
  };

  connection = await NativeConnection.connect({ address });
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  worker = await createDeliveryWorker({
    connection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    dependencies: {
      ...testDependencies(db.pool),
      clock: () => new Date(Date.now() + clockOffsetMs),
      logger: createTestLogger('test', 'silent', logStream),
    },
    workflowBundle: await workflowBundle(),
  });
  running = worker.run();
  client = new Client({ connection, namespace: 'default' });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await Promise.all([db?.drop(), receiver?.close()]);
});

beforeEach(() => {
  clockOffsetMs = 0;
});

/**
 * Checks the `webhook-signature` entries with a plain HMAC, as a receiver holding `secret` would.
 * It leaves out the timestamp tolerance, because the moved clock signs timestamps hours ahead.
 */
function verifiesStandard(request: ReceivedRequest, secret: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${request.headers['webhook-id']}.${request.headers['webhook-timestamp']}.${request.body}`;
  const expected = Buffer.from(createHmac('sha256', key).update(signed).digest('base64'));
  return standardEntries(request).some((entry) => {
    const received = Buffer.from(entry.slice('v1,'.length));
    return entry.startsWith('v1,') && sameBytes(received, expected);
  });
}

function standardEntries(request: ReceivedRequest): string[] {
  return String(request.headers['webhook-signature']).split(' ');
}

/** Checks a hex header against the HMAC of the raw body, keyed with the whole secret string. */
function verifiesHex(header: unknown, body: string, secret: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  return typeof header === 'string' && sameBytes(Buffer.from(header), expected);
}

function sameBytes(received: Buffer, expected: Buffer): boolean {
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** Creates an endpoint with secret A and rotates it to B with a one-hour grace period. */
async function rotatedEndpoint(path: string, status: 'active' | 'pending_verification') {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`, { status });
  const rotation = { newSecret: generateEndpointSecret(), graceSeconds: 3600 };
  const rotated = await rotateEndpointSecret(
    db.pool,
    testSecretBox(),
    site.id,
    endpoint.id,
    rotation,
  );
  expect(rotated!.previousSecretExpiresAt).not.toBeNull();
  return { siteId: site.id, endpointId: endpoint.id, a: endpoint.secret, b: rotation.newSecret };
}

/** Stores a new event of the site and starts its delivery workflow. */
async function deliverEvent(siteId: string, endpointId: string) {
  const { eventId } = await storeTestEvent(db.pool, subscriberCreated(siteId));
  const [target] = await createDeliveriesForEvent(db.pool, eventId);
  const handle = await client.workflow.start(deliverWebhook, {
    taskQueue: TASK_QUEUE,
    workflowId: target!.workflowId,
    args: [{ deliveryId: target!.deliveryId, eventId, endpointId }],
  });
  return { handle, deliveryId: target!.deliveryId };
}

async function verifyUrl(endpointId: string) {
  return await client.workflow.execute(verifyEndpointUrl, {
    taskQueue: TASK_QUEUE,
    workflowId: verificationWorkflowId(endpointId, 1),
    args: [{ endpointId, generation: 1 }],
  });
}

/** Waits for a delivery's first attempt record, which comes before any retry's long wait. */
async function firstAttempt(deliveryId: string) {
  return await waitFor(async () => {
    const { rows } = await db.pool.query(
      'SELECT succeeded, status_code FROM delivery_attempts WHERE delivery_id = $1',
      [deliveryId],
    );
    return rows[0] as { succeeded: boolean; status_code: number | null } | undefined;
  });
}

function requestsTo(path: string): ReceivedRequest[] {
  return receiver.requests.filter((request) => request.path === path);
}

/** Encodes a workflow's history, so a test can search its payloads as bytes. */
async function historyBytes(handle: WorkflowHandle): Promise<string> {
  const { History } = temporal.api.history.v1;
  const history = await handle.fetchHistory();
  return Buffer.from(History.encode(History.fromObject(history)).finish()).toString('latin1');
}

test('delivery during grace verifies with either secret', async () => {
  const { siteId, endpointId, a, b } = await rotatedEndpoint('/grace', 'active');

  heldSecrets.set('/grace', a);
  const first = await deliverEvent(siteId, endpointId);
  expect(await firstAttempt(first.deliveryId)).toEqual({ succeeded: true, status_code: 204 });
  expect(await first.handle.result()).toEqual({ outcome: 'succeeded', attempts: 1 });
  heldSecrets.set('/grace', b);
  const second = await deliverEvent(siteId, endpointId);
  expect(await firstAttempt(second.deliveryId)).toEqual({ succeeded: true, status_code: 204 });
  expect(await second.handle.result()).toEqual({ outcome: 'succeeded', attempts: 1 });

  const requests = requestsTo('/grace');
  expect(requests).toHaveLength(2);
  for (const request of requests) {
    const headers = request.headers as Record<string, string>;
    expect(standardEntries(request)).toHaveLength(2);
    // The worker's clock is the real one here, so the library's timestamp tolerance applies.
    expect(() => new Webhook(a).verify(request.body, headers)).not.toThrow();
    expect(() => new Webhook(b).verify(request.body, headers)).not.toThrow();
    expect(verifiesHex(headers['x-postion-signature'], request.body, b)).toBe(true);
    expect(verifiesHex(headers['x-postion-signature'], request.body, a)).toBe(false);
    expect(verifiesHex(headers['x-postion-signature-previous'], request.body, a)).toBe(true);
  }

  const history = await historyBytes(first.handle);
  expect(history).toContain(first.deliveryId);
  expect(history).not.toContain(a);
  expect(history).not.toContain(b);
  const logs = logLines.join('');
  expect(logs).toContain(first.deliveryId);
  expect(logs).not.toContain(a);
  expect(logs).not.toContain(b);
});

test('delivery after grace verifies with the new secret only', async () => {
  const { siteId, endpointId, a, b } = await rotatedEndpoint('/expired', 'active');
  clockOffsetMs = 2 * HOUR_MS;

  heldSecrets.set('/expired', b);
  const accepted = await deliverEvent(siteId, endpointId);
  expect(await firstAttempt(accepted.deliveryId)).toEqual({ succeeded: true, status_code: 204 });
  expect(await accepted.handle.result()).toEqual({ outcome: 'succeeded', attempts: 1 });

  const [request] = requestsTo('/expired');
  const headers = request!.headers as Record<string, string>;
  const signedAtMs = Number(headers['webhook-timestamp']) * 1000;
  expect(signedAtMs).toBeGreaterThan(Date.now() + HOUR_MS);
  expect(standardEntries(request!)).toHaveLength(1);
  expect(verifiesStandard(request!, b)).toBe(true);
  expect(verifiesStandard(request!, a)).toBe(false);
  expect(verifiesHex(headers['x-postion-signature'], request!.body, b)).toBe(true);
  expect(headers['x-postion-signature-previous']).toBeUndefined();
});

test('receiver holding only the old secret rejects after grace', async () => {
  const { siteId, endpointId, a } = await rotatedEndpoint('/old-only', 'active');
  clockOffsetMs = 2 * HOUR_MS;
  heldSecrets.set('/old-only', a);

  const { handle, deliveryId } = await deliverEvent(siteId, endpointId);
  // The failed attempt schedules a retry a minute later, but its record is all this test needs.
  const attempt = await firstAttempt(deliveryId);
  await handle.terminate('the rejected attempt is recorded');

  expect(attempt).toEqual({ succeeded: false, status_code: 401 });
  const [request] = requestsTo('/old-only');
  expect(standardEntries(request!)).toHaveLength(1);
  expect(request!.headers['x-postion-signature-previous']).toBeUndefined();
});

test('verification during grace verifies with either secret', async () => {
  const { endpointId, a, b } = await rotatedEndpoint('/verify-grace', 'pending_verification');
  heldSecrets.set('/verify-grace', a);

  const result = await verifyUrl(endpointId);

  expect(result).toEqual({ outcome: 'verified', reason: null });
  const [request] = requestsTo('/verify-grace');
  const headers = request!.headers as Record<string, string>;
  expect(JSON.parse(request!.body).event).toBe('endpoint.verification');
  expect(standardEntries(request!)).toHaveLength(2);
  expect(() => new Webhook(a).verify(request!.body, headers)).not.toThrow();
  expect(() => new Webhook(b).verify(request!.body, headers)).not.toThrow();
  expect(verifiesHex(headers['x-postion-signature'], request!.body, b)).toBe(true);
  expect(verifiesHex(headers['x-postion-signature-previous'], request!.body, a)).toBe(true);
});

test('verification after grace signs with the new secret only', async () => {
  const oldHolder = await rotatedEndpoint('/verify-old', 'pending_verification');
  const newHolder = await rotatedEndpoint('/verify-new', 'pending_verification');
  heldSecrets.set('/verify-old', oldHolder.a);
  heldSecrets.set('/verify-new', newHolder.b);
  clockOffsetMs = 2 * HOUR_MS;

  const rejected = await verifyUrl(oldHolder.endpointId);
  const verified = await verifyUrl(newHolder.endpointId);

  expect(rejected.outcome).toBe('failed');
  expect(rejected.reason).toContain('HTTP 401');
  expect(verified).toEqual({ outcome: 'verified', reason: null });
  for (const path of ['/verify-old', '/verify-new']) {
    const [request] = requestsTo(path);
    expect(standardEntries(request!)).toHaveLength(1);
    expect(request!.headers['x-postion-signature-previous']).toBeUndefined();
  }
  const [request] = requestsTo('/verify-new');
  expect(verifiesStandard(request!, newHolder.b)).toBe(true);
  expect(verifiesStandard(request!, newHolder.a)).toBe(false);
});

test('endpoint without rotation sends one signature', async () => {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}/never-rotated`);
  heldSecrets.set('/never-rotated', endpoint.secret);

  const { handle, deliveryId } = await deliverEvent(site.id, endpoint.id);

  expect(await firstAttempt(deliveryId)).toEqual({ succeeded: true, status_code: 204 });
  expect(await handle.result()).toEqual({ outcome: 'succeeded', attempts: 1 });
  const [request] = requestsTo('/never-rotated');
  expect(standardEntries(request!)).toHaveLength(1);
  expect(request!.headers['x-postion-signature-previous']).toBeUndefined();
});
