/**
 * The Temporal dev server stops while deliveries wait out their 1-minute retry, and starts again
 * from its SQLite file. The timers survive, and the worker reconnects without a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import {
  startTemporalDevServer,
  type TemporalDevServer,
  type TemporalDevServerOptions,
} from '../../src/stack/temporal-dev-server';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids';
import { resolveTemporalCli } from '../../src/tools/temporal-cli';
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
import { publishUntilAccepted } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import { startApiProcess, startWorkerProcess } from '../helpers/service-processes';
import { secondsBetween } from '../helpers/temporal';

const TASK_QUEUE = 'fault-temporal-restart';
const DOWNTIME_MS = 5_000;
/**
 * Allowed lateness of the second attempt. The timer starts when the worker reports the first
 * attempt's result, a few milliseconds after its response, and fires 60 s later. Then one
 * workflow task reaches a worker that has been polling again for about 50 s. A timer that the
 * restart had started over would fire about 68 s after the first attempt, because the server
 * comes back some 8 s after it, and a lost timer would not fire at all. 3 s catches both and leaves
 * room for a loaded machine.
 */
const LATENESS_MS = 3_000;

const groups = new ChildGroups();
let serverOptions: TemporalDevServerOptions;
let server: TemporalDevServer | undefined;
let dataDir: string;
let db: TestDatabase;
let receiver: Receiver;
let endpoints: AuditedEndpoint[];
let siteId: string;
let apiUrl: string;
let worker: ChildGroup;
const serverLog: string[] = [];

beforeAll(async () => {
  const cliPath = await resolveTemporalCli();
  if (!cliPath) {
    throw new Error('this test restarts a Temporal dev server, so it needs the Temporal CLI');
  }
  dataDir = await mkdtemp(path.join(tmpdir(), 'postion-temporal-restart-'));
  serverOptions = {
    cliPath,
    port: await findFreePort(),
    uiPort: await findFreePort(),
    dbFile: path.join(dataDir, 'temporal.sqlite'),
    log: (line) => serverLog.push(line),
  };
  server = await startTemporalDevServer(serverOptions);

  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  // Each endpoint responds 500 to its first attempt and 200 to the next.
  receiver.respond = (request) => {
    const first = receiver.requests.find((earlier) => earlier.path === request.path);
    return { status: first === request ? 500 : 200 };
  };
  const site = await createSite(db.pool);
  siteId = site.id;
  endpoints = await createAuditedEndpoints(db.pool, site.id, receiver.url, ['/a', '/b']);

  const settings = { databaseUrl: db.url, temporalAddress: server.address, taskQueue: TASK_QUEUE };
  const port = await findFreePort();
  apiUrl = `http://127.0.0.1:${port}`;
  worker = await startWorkerProcess(groups, settings);
  await startApiProcess(groups, { ...settings, port, apiWorker: false });
});

afterAll(async () => {
  await groups.stopAll();
  await server?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Returns the Temporal history of the delivery of `eventId` to `endpointId`. */
async function deliveryHistory(eventId: string, endpointId: string) {
  const connection = await Connection.connect({ address: server!.address });
  try {
    const client = new Client({ connection, namespace: 'default' });
    const handle = client.workflow.getHandle(deliveryWorkflowId(eventId, endpointId));
    return { result: await handle.result(), history: await handle.fetchHistory() };
  } finally {
    await connection.close();
  }
}

test('retry timer survives a Temporal restart', async () => {
  const eventId = newId('evt');
  const body = subscriberCreated(siteId, eventId);
  const publish = await publishUntilAccepted(apiUrl, body, Date.now() + 30_000);
  expect(publish.acceptedAt).not.toBeNull();
  await waitFor(async () => {
    const { rows } = await db.pool.query(
      `SELECT 1 FROM deliveries WHERE event_id = $1 AND status = 'retrying'`,
      [eventId],
    );
    return rows.length === endpoints.length ? true : undefined;
  });

  // Stop while both deliveries sleep, and start again from the same file on the same port.
  await delay(2_000);
  const stoppedAt = Date.now();
  await server!.stop();
  server = undefined;
  await delay(DOWNTIME_MS);
  server = await startTemporalDevServer(serverOptions);
  const restartedAt = Date.now();

  const expectation = { eventIds: [eventId], endpoints, attempts: 2 };
  const audit = await settleDeliveries(db.pool, receiver.requests, expectation, 90_000);
  if (!audit.succeeded) {
    process.stderr.write(`${groups.tails()}\n${serverLog.slice(-40).join('\n')}\n`);
  }

  const gaps = endpoints.map((endpoint) => {
    const [first, second] = receiver.requests.filter((request) => request.path === endpoint.path);
    return second && first ? second.receivedAt - first.receivedAt : NaN;
  });
  const timings =
    `server down ${restartedAt - stoppedAt} ms, ` +
    `second attempts ${gaps.join(' and ')} ms after the first`;
  process.stderr.write(`${formatCounts('Temporal restarted', audit.counts, timings)}\n`);

  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  expect(audit.counts.requests).toBe(4);
  expect(audit.counts.attemptsConsumedByFaults).toBe(0);
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(60_000);
    expect(gap).toBeLessThanOrEqual(60_000 + LATENESS_MS);
  }
  expect(worker.running).toBe(true);

  for (const endpoint of endpoints) {
    const { result, history } = await deliveryHistory(eventId, endpoint.id);
    const events = history.events ?? [];
    const started = events.filter((event) => event.timerStartedEventAttributes);
    const fired = events.filter((event) => event.timerFiredEventAttributes);
    expect(result).toEqual({ outcome: 'succeeded', attempts: 2 });
    expect(started).toHaveLength(1);
    expect(fired).toHaveLength(1);
    expect(Number(started[0]!.timerStartedEventAttributes!.startToFireTimeout!.seconds)).toBe(60);
    expect(secondsBetween(started[0]!.eventTime, fired[0]!.eventTime)).toBeCloseTo(60, 0);
  }
}, 180_000);
