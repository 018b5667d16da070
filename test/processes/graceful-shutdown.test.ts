/**
 * SIGTERM stops the worker and the API processes gracefully: an attempt in flight completes and is
 * recorded before the process exits with code 0, and a publish either gets a response or is refused,
 * never left half-done.
 */
import { Connection, WorkflowClient } from '@temporalio/client';
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import { ChildGroups, type ChildGroup } from '../helpers/child-processes';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  createAuditedEndpoints,
  formatCounts,
  NO_PROBLEMS,
  settleDeliveries,
} from '../helpers/delivery-audit';
import { createSite, subscriberCreated } from '../helpers/fixtures';
import { publishUntilAccepted, startPublishStream } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver, type Responder } from '../helpers/receiver';
import {
  startApiProcess,
  startWorkerProcess,
  type ServiceSettings,
} from '../helpers/service-processes';

// Long enough for the stop signal to land while the endpoint still keeps the request open.
const HOLD_MS = 3_000;

const groups = new ChildGroups();
let db: TestDatabase;
// One receiver per test, so that the audit of one test counts no request of the other.
const receivers: Receiver[] = [];
let connection: Connection;

beforeAll(async () => {
  db = await createTestDatabase();
  connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
});

afterAll(async () => {
  await groups.stopAll();
  await connection?.close();
  await Promise.all([db?.drop(), ...receivers.map((receiver) => receiver.close())]);
});

function settingsFor(taskQueue: string): ServiceSettings {
  return {
    databaseUrl: db.url,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue,
  };
}

async function startTestReceiver(respond: Responder): Promise<Receiver> {
  const receiver = await startReceiver(respond);
  receivers.push(receiver);
  return receiver;
}

/** Sends SIGTERM to the process, and returns the first /readyz status seen while it drains. */
async function stopAndProbe(child: ChildGroup, readyzUrl: string) {
  const exited = child.stop();
  const probe = await waitFor(async () => {
    const response = await fetch(readyzUrl).catch(() => null);
    if (response === null) return { status: 0, body: null };
    const body = await response.json();
    return response.status === 503 ? { status: 503, body } : undefined;
  }, 5_000);
  return { exited, probe };
}

test('worker stop lets its attempt finish', async () => {
  const siteId = (await createSite(db.pool)).id;
  const receiver = await startTestReceiver(() => ({ status: 200, delayMs: HOLD_MS }));
  const [endpoint] = await createAuditedEndpoints(db.pool, siteId, receiver.url, ['/held']);
  const settings = {
    ...settingsFor('processes-worker-stop'),
    workerHttpPort: await findFreePort(),
  };
  const apiPort = await findFreePort();
  await startApiProcess(groups, { ...settings, port: apiPort, apiWorker: false });
  const worker = await startWorkerProcess(groups, settings);

  const eventId = newId('evt');
  const publish = await publishUntilAccepted(
    `http://127.0.0.1:${apiPort}`,
    subscriberCreated(siteId, eventId),
    Date.now() + 30_000,
  );
  expect(publish.acceptedAt).not.toBeNull();
  await waitFor(() => (receiver.requests.length === 1 ? true : undefined));
  const stoppedAt = Date.now();
  const readyz = `http://127.0.0.1:${settings.workerHttpPort}/readyz`;
  const { exited, probe } = await stopAndProbe(worker, readyz);
  const exit = await exited;
  const exitedAt = Date.now();

  const { rows } = await db.pool.query(
    `SELECT d.status, d.attempt_count, d.workflow_id, count(a.*)::int AS recorded
     FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
     WHERE d.event_id = $1 GROUP BY d.id`,
    [eventId],
  );
  const workflow = new WorkflowClient({ connection }).getHandle(rows[0]?.workflow_id);
  const description = await workflow.describe();
  process.stderr.write(
    `[processes] worker exited ${exitedAt - stoppedAt} ms after SIGTERM, ` +
      `with the endpoint holding its request ${HOLD_MS} ms\n`,
  );

  expect(probe).toEqual({ status: 503, body: { status: 'stopping', checks: {} } });
  expect(exit).toEqual({ code: 0, signal: null });
  expect(receiver.requests.filter((request) => request.path === endpoint!.path)).toHaveLength(1);
  expect(rows).toEqual([
    expect.objectContaining({ status: 'succeeded', attempt_count: 1, recorded: 1 }),
  ]);
  expect(description.status.name).toBe('COMPLETED');
  await expect(worker.waitForLine(/"msg":"worker drained"/, 0)).resolves.toBeDefined();
});

test('API stop under load loses no event', async () => {
  // A site of its own, so that the endpoint of the other test receives none of these events.
  const siteId = (await createSite(db.pool)).id;
  const receiver = await startTestReceiver(() => ({ status: 200, delayMs: 200 }));
  const endpoints = await createAuditedEndpoints(db.pool, siteId, receiver.url, ['/load']);
  const settings = {
    ...settingsFor('processes-api-stop'),
    port: await findFreePort(),
    apiWorker: true,
  };
  await startWorkerProcess(groups, settings);
  const api = await startApiProcess(groups, settings);
  const apiUrl = `http://127.0.0.1:${settings.port}`;

  const bodies = Array.from({ length: 60 }, () => subscriberCreated(siteId, newId('evt')));
  const stream = startPublishStream({
    apiUrl,
    bodies,
    concurrency: 6,
    intervalMs: 20,
    patienceMs: 60_000,
  });
  await waitFor(() => (stream.records.length >= 20 ? true : undefined), 60_000);
  const stoppedAt = Date.now();
  const { exited, probe } = await stopAndProbe(api, `${apiUrl}/readyz`);
  const exit = await exited;
  const exitedAt = Date.now();
  await startApiProcess(groups, settings, 'API after stop');
  const records = await stream.finished;

  const accepted = records.filter((record) => record.acceptedAt !== null);
  const expectation = {
    eventIds: accepted.map((record) => record.eventId),
    endpoints,
    attempts: 1,
  };
  const audit = await settleDeliveries(db.pool, receiver.requests, expectation, 60_000);
  if (!audit.succeeded || exit.code !== 0) process.stderr.write(`${groups.tails()}\n`);
  const answeredDuringStop = accepted.filter(
    (record) => record.acceptedAt! >= stoppedAt && record.acceptedAt! <= exitedAt,
  ).length;
  const unanswered = records.reduce((sum, record) => sum + record.unanswered, 0);
  const { rows } = await db.pool.query<{ events: number; without: number }>(
    `SELECT count(*)::int AS events,
            count(*) FILTER (WHERE NOT EXISTS
              (SELECT 1 FROM deliveries d WHERE d.event_id = e.id))::int AS without
     FROM events e WHERE e.site_id = $1 AND e.id = ANY ($2)`,
    [siteId, bodies.map((body) => body.id)],
  );
  const timings =
    `API exited ${exitedAt - stoppedAt} ms after SIGTERM, ${answeredDuringStop} events ` +
    `accepted while it stopped, ${unanswered} requests refused`;
  process.stderr.write(`${formatCounts('API stopped', audit.counts, timings)}\n`);

  expect([0, 503]).toContain(probe.status);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(accepted).toHaveLength(bodies.length);
  expect(rows[0]).toEqual({ events: bodies.length, without: 0 });
  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  expect(audit.counts.duplicates).toBe(0);
}, 240_000);
