/**
 * Two API processes and two worker processes share one database and one Temporal task queue, as
 * a scaled-out deployment does. A publisher spreads events with its own ids across both APIs, and
 * one worker is killed with SIGKILL while the load runs. The other worker takes over its tasks.
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
import { startPublishStream, type PublishRecord } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import {
  startApiProcess,
  startWorkerProcess,
  type ServiceSettings,
} from '../helpers/service-processes';

const TASK_QUEUE = 'fault-multi-process';
const EVENTS = 120;
// The kill comes once this many events in total have been accepted, so both workers have taken
// tasks before it and the survivor takes the rest after it.
const KILL_AFTER_ACCEPTED = 40;
// Each response waits this long, so that attempts are open on the worker when it is killed.
const RESPONSE_DELAY_MS = 150;
const ATTEMPT_LINE = /"msg":"attempt succeeded"/;

const groups = new ChildGroups();
let db: TestDatabase;
let receiver: Receiver;
let endpoints: AuditedEndpoint[];
let siteId: string;
let workers: ChildGroup[];
let apiUrls: string[];

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  receiver.respond = () => ({ status: 200, delayMs: RESPONSE_DELAY_MS });
  const site = await createSite(db.pool);
  siteId = site.id;
  endpoints = await createAuditedEndpoints(db.pool, site.id, receiver.url, ['/a', '/b']);

  const settings: ServiceSettings = {
    databaseUrl: db.url,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue: TASK_QUEUE,
  };
  const ports = [await findFreePort(), await findFreePort()];
  apiUrls = ports.map((port) => `http://127.0.0.1:${port}`);
  // The APIs run no worker of their own, so every delivery goes through the two worker processes.
  const started = await Promise.all([
    startWorkerProcess(groups, settings, 'worker 1'),
    startWorkerProcess(groups, settings, 'worker 2'),
    ...ports.map((port, index) =>
      startApiProcess(groups, { ...settings, port, apiWorker: false }, `API ${index + 1}`),
    ),
  ]);
  workers = started.slice(0, 2);
}, 120_000);

afterAll(async () => {
  await groups.stopAll();
  await Promise.all([db?.drop(), receiver?.close()]);
});

test('shared load survives a worker kill', async () => {
  const startedAt = Date.now();
  const bodies = Array.from({ length: EVENTS }, () => subscriberCreated(siteId, newId('evt')));
  // Even events go to the first API and odd ones to the second.
  const streams = apiUrls.map((apiUrl, index) =>
    startPublishStream({
      apiUrl,
      bodies: bodies.filter((_, position) => position % 2 === index),
      concurrency: 3,
      intervalMs: 30,
      patienceMs: 30_000,
    }),
  );
  const acceptedCount = () => streams.reduce((sum, stream) => sum + stream.records.length, 0);

  const [killed, survivor] = workers as [ChildGroup, ChildGroup];
  await waitFor(() => (acceptedCount() >= KILL_AFTER_ACCEPTED ? true : undefined), 30_000);
  // Both workers have sent attempts before the kill, so the load was shared.
  await killed.waitForLine(ATTEMPT_LINE, 10_000);
  await survivor.waitForLine(ATTEMPT_LINE, 10_000);
  const killedAt = Date.now();
  await killed.crash();

  const records: PublishRecord[] = (
    await Promise.all(streams.map((stream) => stream.finished))
  ).flat();
  const publishedAt = Date.now();
  const accepted = records.filter((record) => record.acceptedAt !== null);
  const expectation = {
    eventIds: accepted.map((record) => record.eventId),
    endpoints,
    attempts: 1,
  };
  const audit = await settleDeliveries(db.pool, receiver.requests, expectation, 45_000);
  const settledAt = Date.now();
  if (!audit.succeeded) process.stderr.write(`${groups.tails()}\n`);

  const timings =
    `${accepted.length}/${EVENTS} events accepted by 2 APIs, worker killed after ` +
    `${killedAt - startedAt} ms, all delivered ${settledAt - publishedAt} ms after the last 202, ` +
    `${settledAt - startedAt} ms in all`;
  process.stderr.write(`${formatCounts('multi-process', audit.counts, timings)}\n`);

  expect(accepted).toHaveLength(EVENTS);
  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  expect(audit.counts.received).toBe(EVENTS * endpoints.length);
  expect(audit.counts.attemptsConsumedByFaults).toBe(0);
}, 120_000);
