/**
 * PostgreSQL stops for about 10 s while events are published and delivered. Meanwhile the API
 * rejects publishes with 503. Attempts that cannot read or record their delivery fail as our own
 * failures, which Temporal retries without consuming an endpoint attempt.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { migrate } from '../../src/db/migrate';
import { createPool, type Pool } from '../../src/db/pool';
import { newId } from '../../src/ids';
import { findFreePort } from '../../src/stack/ports';
import { ChildGroups, type ChildGroup } from '../helpers/child-processes';
import {
  createAuditedEndpoints,
  formatCounts,
  NO_PROBLEMS,
  settleDeliveries,
  type AuditedEndpoint,
} from '../helpers/delivery-audit';
import { createSite, subscriberCreated } from '../helpers/fixtures';
import { startPostgresProcess, type PostgresProcess } from '../helpers/postgres-process';
import { startPublishStream } from '../helpers/publisher';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import { startApiProcess, startWorkerProcess } from '../helpers/service-processes';

const TASK_QUEUE = 'fault-postgres-outage';
const EVENTS = 60;
const OUTAGE_MS = 10_000;
// Responses take this long, so that attempts are in flight when the database stops.
const RESPONSE_DELAY_MS = 500;

// The services stop before the database, so that their shutdown does not wait on it.
const services = new ChildGroups();
const databases = new ChildGroups();
let parentDir: string;
let dataDir: string;
let port: number;
let postgres: PostgresProcess;
let pool: Pool;
let receiver: Receiver;
let endpoints: AuditedEndpoint[];
let siteId: string;
let apiUrl: string;
let worker: ChildGroup;
let api: ChildGroup;

beforeAll(async () => {
  parentDir = await mkdtemp(path.join(tmpdir(), 'postion-postgres-outage-'));
  // As root, PostgreSQL runs as its own user, which must reach the data directory.
  await chmod(parentDir, 0o755);
  dataDir = path.join(parentDir, 'postgres');
  port = await findFreePort();
  [postgres, receiver] = await Promise.all([
    startPostgresProcess(databases, dataDir, port),
    startReceiver(() => ({ status: 200, delayMs: RESPONSE_DELAY_MS })),
  ]);
  pool = createPool(postgres.url);
  await migrate(pool);
  const site = await createSite(pool);
  siteId = site.id;
  endpoints = await createAuditedEndpoints(pool, site.id, receiver.url, ['/a', '/b']);

  const settings = {
    databaseUrl: postgres.url,
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue: TASK_QUEUE,
  };
  const apiPort = await findFreePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  worker = await startWorkerProcess(services, settings);
  api = await startApiProcess(services, { ...settings, port: apiPort, apiWorker: false });
});

afterAll(async () => {
  await pool?.end();
  await services.stopAll();
  await databases.stopAll();
  await receiver?.close();
  if (parentDir) await rm(parentDir, { recursive: true, force: true });
});

test('database outage loses no delivery', async () => {
  const bodies = Array.from({ length: EVENTS }, () => subscriberCreated(siteId, newId('evt')));
  const stream = startPublishStream({
    apiUrl,
    bodies,
    concurrency: 2,
    intervalMs: 250,
    patienceMs: 60_000,
  });

  // Stop the database once deliveries are flowing and some are waiting for their endpoints.
  await waitFor(() => (stream.records.length >= 20 ? true : undefined));
  const stoppedAt = Date.now();
  await postgres.group.stop();
  await delay(OUTAGE_MS);
  postgres = await startPostgresProcess(databases, dataDir, port);
  const restartedAt = Date.now();

  const records = await stream.finished;
  const accepted = records.filter((record) => record.acceptedAt !== null);
  const expectation = {
    eventIds: accepted.map((record) => record.eventId),
    endpoints,
    attempts: 1,
  };
  const audit = await settleDeliveries(pool, receiver.requests, expectation, 90_000);
  const settledAt = Date.now();
  if (!audit.succeeded) process.stderr.write(`${services.tails()}\n`);

  const rejected = records.reduce((sum, record) => sum + record.rejected, 0);
  const timings =
    `${accepted.length}/${EVENTS} events accepted, ${rejected} publishes answered 503, ` +
    `database down ${restartedAt - stoppedAt} ms, ` +
    `all delivered ${settledAt - restartedAt} ms after its restart`;
  process.stderr.write(`${formatCounts('PostgreSQL stopped', audit.counts, timings)}\n`);

  // Both services ride out the outage in the same process.
  expect(worker.running).toBe(true);
  expect(api.running).toBe(true);
  expect(rejected).toBeGreaterThan(0);
  expect(accepted).toHaveLength(EVENTS);
  expect(audit.succeeded).toBe(true);
  expect(audit.problems).toEqual(NO_PROBLEMS);
  // Attempts whose record the outage cut off were sent again, so the outage hit attempts in flight.
  expect(audit.counts.duplicates).toBeGreaterThan(0);
  expect(audit.counts.attemptsConsumedByFaults).toBe(0);
}, 180_000);
