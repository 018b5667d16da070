/**
 * The API process is killed with SIGKILL several times while a publisher sends a stream of events
 * with ids of its own choosing. A request cut by a kill may or may not have been accepted, so the
 * publisher sends it again with the same id until it gets a 202.
 */
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import { ChildGroups, type ChildGroup } from '../helpers/child-processes';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  createAuditedEndpoints,
  formatCounts,
  NO_PROBLEMS,
  settleDeliveries,
  type AuditedEndpoint,
} from '../helpers/delivery-audit';
import { createSite, subscriberCreated } from '../helpers/fixtures';
import { startPublishStream } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import {
  startApiProcess,
  startWorkerProcess,
  type ApiSettings,
} from '../helpers/service-processes';

const TASK_QUEUE = 'fault-api-killed';
const EVENTS = 90;
// Each kill comes once this many events in total have been accepted.
const KILL_AFTER_ACCEPTED = [15, 40, 65];

const groups = new ChildGroups();
let db: TestDatabase;
let receiver: Receiver;
let endpoints: AuditedEndpoint[];
let siteId: string;
let settings: ApiSettings;
let api: ChildGroup;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  const site = await createSite(db.pool);
  siteId = site.id;
  endpoints = await createAuditedEndpoints(db.pool, site.id, receiver.url, ['/a', '/b']);

  // The API runs a worker too, as in the dev stack, so a kill also cuts workflow tasks short.
  settings = {
    databaseUrl: db.url,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue: TASK_QUEUE,
    port: await findFreePort(),
    apiWorker: true,
  };
  await startWorkerProcess(groups, settings);
  api = await startApiProcess(groups, settings);
});

afterAll(async () => {
  await groups.stopAll();
  await Promise.all([db?.drop(), receiver?.close()]);
});

test('API kill loses no accepted event', async () => {
  const bodies = Array.from({ length: EVENTS }, () => subscriberCreated(siteId, newId('evt')));
  const stream = startPublishStream({
    apiUrl: `http://127.0.0.1:${settings.port}`,
    bodies,
    concurrency: 6,
    intervalMs: 20,
    patienceMs: 60_000,
  });

  const restarts: number[] = [];
  for (const [index, threshold] of KILL_AFTER_ACCEPTED.entries()) {
    await waitFor(() => (stream.records.length >= threshold ? true : undefined), 60_000);
    const killedAt = Date.now();
    await api.crash();
    api = await startApiProcess(groups, settings, `API after kill ${index + 1}`);
    restarts.push(Date.now() - killedAt);
  }
  const records = await stream.finished;
  const publishedAt = Date.now();

  const accepted = records.filter((record) => record.acceptedAt !== null);
  const expectation = {
    eventIds: accepted.map((record) => record.eventId),
    endpoints,
    attempts: 1,
  };
  const audit = await settleDeliveries(db.pool, receiver.requests, expectation, 90_000);
  const settledAt = Date.now();
  if (!audit.succeeded) process.stderr.write(`${groups.tails()}\n`);

  const unanswered = records.reduce((sum, record) => sum + record.unanswered, 0);
  const timings =
    `${accepted.length}/${EVENTS} events accepted, ${unanswered} requests without a response, ` +
    `API back ${restarts.join(', ')} ms after each kill, ` +
    `all delivered ${settledAt - publishedAt} ms after the last 202`;
  process.stderr.write(`${formatCounts('API killed', audit.counts, timings)}\n`);

  expect(unanswered).toBeGreaterThan(0);
  expect(accepted).toHaveLength(EVENTS);
  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  expect(audit.counts.attemptsConsumedByFaults).toBe(0);
}, 240_000);
