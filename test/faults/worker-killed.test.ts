/**
 * A worker process is killed with SIGKILL while its attempts wait for the endpoint's response.
 * Temporal hands the deliveries to a new worker, which sends the same attempts again.
 */
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import { ChildGroups } from '../helpers/child-processes';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  createAuditedEndpoints,
  formatCounts,
  NO_PROBLEMS,
  settleDeliveries,
  type AuditedEndpoint,
} from '../helpers/delivery-audit';
import { createSite, subscriberCreated } from '../helpers/fixtures';
import { publishUntilAccepted } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import {
  startApiProcess,
  startWorkerProcess,
  type ServiceSettings,
} from '../helpers/service-processes';

const TASK_QUEUE = 'fault-worker-killed';
// Long enough for the kill to land while every first request is still open.
const HOLD_MS = 3_000;

const groups = new ChildGroups();
let db: TestDatabase;
let receiver: Receiver;
let endpoints: AuditedEndpoint[];
let siteId: string;
let settings: ServiceSettings;
let apiUrl: string;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  // The first request at each path waits before its response, and every later one gets it at once.
  receiver.respond = (request) => {
    const first = receiver.requests.find((earlier) => earlier.path === request.path);
    return { status: 200, delayMs: first === request ? HOLD_MS : 0 };
  };
  const site = await createSite(db.pool);
  siteId = site.id;
  endpoints = await createAuditedEndpoints(db.pool, site.id, receiver.url, ['/a', '/b']);

  settings = {
    databaseUrl: db.url,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue: TASK_QUEUE,
  };
  const port = await findFreePort();
  apiUrl = `http://127.0.0.1:${port}`;
  await startApiProcess(groups, { ...settings, port, apiWorker: false });
});

afterAll(async () => {
  await groups.stopAll();
  await Promise.all([db?.drop(), receiver?.close()]);
});

test('worker kill loses no delivery', async () => {
  const worker = await startWorkerProcess(groups, settings);
  const eventId = newId('evt');
  const body = subscriberCreated(siteId, eventId);
  const publish = await publishUntilAccepted(apiUrl, body, Date.now() + 30_000);
  expect(publish.acceptedAt).not.toBeNull();

  // Both attempts are now waiting for their responses.
  await waitFor(() => (receiver.requests.length === endpoints.length ? true : undefined));
  const killedAt = Date.now();
  await worker.crash();
  const { rows: beforeRecovery } = await db.pool.query(
    'SELECT status, attempt_count FROM deliveries WHERE event_id = $1',
    [eventId],
  );

  await startWorkerProcess(groups, settings, 'second worker');
  const workerReadyAt = Date.now();
  const expectation = { eventIds: [eventId], endpoints, attempts: 1 };
  const audit = await settleDeliveries(db.pool, receiver.requests, expectation, 60_000);
  if (!audit.succeeded) process.stderr.write(`${groups.tails()}\n`);

  const resentAt = Math.max(...receiver.requests.map((request) => request.receivedAt));
  const timings =
    `second worker ready ${workerReadyAt - killedAt} ms after the kill, ` +
    `attempts sent again ${resentAt - killedAt} ms after it`;
  process.stderr.write(`${formatCounts('worker killed', audit.counts, timings)}\n`);

  expect(beforeRecovery).toEqual([
    { status: 'pending', attempt_count: 0 },
    { status: 'pending', attempt_count: 0 },
  ]);
  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  // Each endpoint saw attempt 1 twice: the request cut by the kill, then the one sent again.
  expect(audit.counts.requests).toBe(4);
  expect(audit.counts.duplicates).toBe(2);
  expect(audit.counts.attemptsConsumedByFaults).toBe(0);
});
