import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createRecovery, findRecovery, listRecoveries } from '../../src/db/recoveries';
import { ENDPOINT_ID_ATTRIBUTE } from '../../src/temporal/search-attributes';
import { startRecovery } from '../../src/temporal/start-workflows';
import { recoverDeliveries, type RecoverDeliveriesInput } from '../../src/workflows';
import { countLockWaiters, createTestDatabase, type TestDatabase } from '../helpers/database';
import { recordHistory } from '../helpers/histories';
import {
  createEndpoint,
  createSite,
  insertFinishedDelivery,
  storeTestEvent,
  subscriberCreated,
} from '../helpers/fixtures';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver';
import { startDevServerWorker, testDependencies, type DevServerWorker } from '../helpers/temporal';

const TASK_QUEUE = 'recover-deliveries-test';
const HOUR_MS = 3_600_000;

let db: TestDatabase;
let receiver: Receiver;
let worker: DevServerWorker;
let client: Client;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  worker = await startDevServerWorker(TASK_QUEUE, testDependencies(db.pool));
  client = worker.client;
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

/** Creates a site with an endpoint at `path` on the receiver. */
async function endpointAt(path: string) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, `${receiver.url}${path}`);
  return { site, endpoint };
}

/** Stores an event and a finished delivery of it to `endpointId`, created `hoursAgo` ago. */
async function finishedDelivery(
  siteId: string,
  endpointId: string,
  status: 'succeeded' | 'failed',
  hoursAgo: number,
) {
  const { eventId, body } = await storeTestEvent(db.pool, subscriberCreated(siteId));
  const createdAt = new Date(Date.now() - hoursAgo * HOUR_MS);
  const deliveryId = await insertFinishedDelivery(db.pool, {
    eventId,
    endpointId,
    status,
    createdAt,
  });
  return { eventId, body, deliveryId };
}

/** Stores `count` events whose deliveries to `endpointId` failed two days ago. */
async function failedDeliveries(siteId: string, endpointId: string, count: number) {
  const deliveries = [];
  for (let index = 0; index < count; index++) {
    deliveries.push(await finishedDelivery(siteId, endpointId, 'failed', 48));
  }
  return deliveries;
}

/** Creates a recovery of the last three days and starts its workflow with `options`. */
async function runRecovery(
  siteId: string,
  endpointId: string,
  options: Partial<RecoverDeliveriesInput> = {},
) {
  const since = new Date(Date.now() - 72 * HOUR_MS);
  const created = await createRecovery(db.pool, { siteId, endpointId, since });
  if (created.kind !== 'created') throw new Error(`recovery not created: ${created.kind}`);
  const { recovery } = created;
  const handle = await client.workflow.start(recoverDeliveries, {
    taskQueue: TASK_QUEUE,
    workflowId: recovery.workflowId,
    args: [{ recoveryId: recovery.id, tagDeliveries: true, ...options }],
  });
  return { recovery, handle };
}

async function redeliveriesOf(recoveryId: string) {
  const { rows } = await db.pool.query(
    `SELECT id, event_id, redelivery_of, workflow_id, status FROM deliveries
     WHERE recovery_id = $1 ORDER BY redelivery_of`,
    [recoveryId],
  );
  return rows;
}

/** Waits until every redelivery of a recovery has succeeded, and returns them. */
async function succeededRedeliveries(recoveryId: string, count: number) {
  return await waitFor(async () => {
    const rows = await redeliveriesOf(recoveryId);
    const succeeded = rows.filter((row) => row.status === 'succeeded');
    return rows.length === count && succeeded.length === count ? rows : undefined;
  });
}

function requestsTo(path: string) {
  return receiver.requests.filter((request) => request.path === path);
}

test('recovery redelivers each qualifying failure once', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover');
  const other = await createEndpoint(db.pool, site.id, `${receiver.url}/recover-other`);
  const qualifying = await failedDeliveries(site.id, endpoint.id, 3);
  // A failed delivery before the window, one to another endpoint, and one that succeeded.
  await finishedDelivery(site.id, endpoint.id, 'failed', 96);
  await finishedDelivery(site.id, other.id, 'failed', 48);
  await finishedDelivery(site.id, endpoint.id, 'succeeded', 48);
  // A failure redelivered with success, and one whose redelivery failed too: only the failed
  // redelivery qualifies, so its event goes out once.
  const settled = await finishedDelivery(site.id, endpoint.id, 'failed', 48);
  await insertFinishedDelivery(db.pool, {
    eventId: settled.eventId,
    endpointId: endpoint.id,
    status: 'succeeded',
    createdAt: new Date(Date.now() - 24 * HOUR_MS),
    redeliveryOf: settled.deliveryId,
  });
  const twice = await finishedDelivery(site.id, endpoint.id, 'failed', 48);
  const failedRedelivery = await insertFinishedDelivery(db.pool, {
    eventId: twice.eventId,
    endpointId: endpoint.id,
    status: 'failed',
    createdAt: new Date(Date.now() - 24 * HOUR_MS),
    redeliveryOf: twice.deliveryId,
  });
  const expected = [...qualifying, { ...twice, deliveryId: failedRedelivery }];

  const since = new Date(Date.now() - 72 * HOUR_MS);
  const created = await createRecovery(db.pool, {
    siteId: site.id,
    endpointId: endpoint.id,
    since,
  });
  if (created.kind !== 'created') throw new Error(`recovery not created: ${created.kind}`);
  const { recovery } = created;
  const target = { client, taskQueue: TASK_QUEUE };
  await startRecovery(
    target,
    { recoveryId: recovery.id, workflowId: recovery.workflowId },
    { tagDeliveries: true },
  );
  const handle = client.workflow.getHandle(recovery.workflowId);
  const result = await handle.result();
  recordHistory('recover-deliveries', await handle.fetchHistory());

  expect(recovery.total).toBe(4);
  expect(result).toEqual({ status: 'completed', total: 4, redelivered: 4 });
  const rows = await succeededRedeliveries(recovery.id, 4);
  expect(rows.map((row) => row.redelivery_of).sort()).toEqual(
    expected.map((delivery) => delivery.deliveryId).sort(),
  );
  for (const row of rows) {
    expect(row.workflow_id).toBe(`redelivery-${row.id}`);
  }

  const received = requestsTo('/recover');
  expect(received).toHaveLength(4);
  expect(received.map((request) => request.headers['webhook-id']).sort()).toEqual(
    expected.map((delivery) => delivery.eventId).sort(),
  );
  for (const delivery of expected) {
    const request = received.find(
      (candidate) => candidate.headers['webhook-id'] === delivery.eventId,
    );
    expect(request!.body).toBe(delivery.body);
  }
  expect(requestsTo('/recover-other')).toHaveLength(0);

  const stored = await findRecovery(db.pool, site.id, recovery.id);
  expect(stored!.status).toBe('completed');
  expect(stored!.total).toBe(4);
  expect(stored!.redelivered).toBe(4);
  expect(stored!.error).toBeNull();
  expect(stored!.completedAt).toBeInstanceOf(Date);

  const child = await client.workflow.getHandle(rows[0].workflow_id).describe();
  expect(child.typedSearchAttributes.get(ENDPOINT_ID_ATTRIBUTE)).toBe(endpoint.id);
});

test('second recovery finds nothing to redeliver', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover-again');
  await failedDeliveries(site.id, endpoint.id, 2);
  const first = await runRecovery(site.id, endpoint.id);
  await first.handle.result();
  await succeededRedeliveries(first.recovery.id, 2);

  const second = await runRecovery(site.id, endpoint.id);
  const result = await second.handle.result();

  expect(second.recovery.total).toBe(0);
  expect(result).toEqual({ status: 'completed', total: 0, redelivered: 0 });
  expect(await redeliveriesOf(second.recovery.id)).toEqual([]);
  expect(requestsTo('/recover-again')).toHaveLength(2);
  const listed = await listRecoveries(db.pool, site.id, endpoint.id, 10);
  expect(listed.map((recovery) => recovery.status)).toEqual(['completed', 'completed']);
});

test('small batches continue as new', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover-batches');
  const deliveries = await failedDeliveries(site.id, endpoint.id, 7);

  // Batches of 2, two per run: 2 + 2, then 2 + 1 in a second run that completes.
  const { recovery, handle } = await runRecovery(site.id, endpoint.id, {
    batchSize: 2,
    batchesPerRun: 2,
  });
  const result = await handle.result();

  expect(result).toEqual({ status: 'completed', total: 7, redelivered: 7 });
  const firstRun = await client.workflow
    .getHandle(recovery.workflowId, handle.firstExecutionRunId)
    .fetchHistory();
  recordHistory('recover-deliveries-continued', firstRun);
  const continued = firstRun.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes;
  expect(continued).toBeTruthy();
  const description = await client.workflow.getHandle(recovery.workflowId).describe();
  expect(description.runId).not.toBe(handle.firstExecutionRunId);
  expect(description.status.name).toBe('COMPLETED');

  await succeededRedeliveries(recovery.id, 7);
  const received = requestsTo('/recover-batches');
  expect(received).toHaveLength(7);
  expect(new Set(received.map((request) => request.headers['webhook-id']))).toEqual(
    new Set(deliveries.map((delivery) => delivery.eventId)),
  );
});

/** Runs `statements` once to install a trigger for one test, and drops it afterwards. */
async function withTrigger<T>(name: string, statements: string, work: () => Promise<T>) {
  await db.pool.query(statements);
  try {
    return await work();
  } finally {
    await db.pool.query(`DROP TRIGGER ${name} ON deliveries; DROP FUNCTION ${name}();`);
  }
}

test('endpoint disabled mid-way fails the recovery', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover-disabled');
  await failedDeliveries(site.id, endpoint.id, 5);
  // The first batch's commit disables the endpoint, as its owner might while the recovery runs.
  const trigger = `
    CREATE FUNCTION disable_endpoint() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN UPDATE endpoints SET status = 'disabled' WHERE id = NEW.endpoint_id; RETURN NEW; END $$;
    CREATE TRIGGER disable_endpoint AFTER INSERT ON deliveries FOR EACH ROW
      WHEN (NEW.recovery_id IS NOT NULL AND NEW.endpoint_id = '${endpoint.id}')
      EXECUTE FUNCTION disable_endpoint();`;

  const { recovery, result } = await withTrigger('disable_endpoint', trigger, async () => {
    const run = await runRecovery(site.id, endpoint.id, { batchSize: 2 });
    return { recovery: run.recovery, result: await run.handle.result() };
  });

  expect(result).toEqual({ status: 'failed', total: 5, redelivered: 2 });
  const stored = await findRecovery(db.pool, site.id, recovery.id);
  expect(stored!.status).toBe('failed');
  expect(stored!.error).toContain('disabled');
  expect(stored!.completedAt).toBeInstanceOf(Date);
  expect(await redeliveriesOf(recovery.id)).toHaveLength(2);
});

test('endpoint deleted mid-way ends the recovery', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover-deleted');
  await failedDeliveries(site.id, endpoint.id, 5);
  // The first batch's commit deletes the endpoint, with its deliveries and the recovery.
  const trigger = `
    CREATE FUNCTION delete_endpoint() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN DELETE FROM endpoints WHERE id = '${endpoint.id}'; RETURN NULL; END $$;
    CREATE TRIGGER delete_endpoint AFTER INSERT ON deliveries FOR EACH STATEMENT
      EXECUTE FUNCTION delete_endpoint();`;

  const { recovery, result } = await withTrigger('delete_endpoint', trigger, async () => {
    const run = await runRecovery(site.id, endpoint.id, { batchSize: 2 });
    return { recovery: run.recovery, result: await run.handle.result() };
  });

  expect(result).toEqual({ status: 'deleted' });
  expect(await findRecovery(db.pool, site.id, recovery.id)).toBeNull();
  const { rows } = await db.pool.query('SELECT id FROM deliveries WHERE endpoint_id = $1', [
    endpoint.id,
  ]);
  expect(rows).toEqual([]);
});

test('cancelled recovery finishes its batch and stops', async () => {
  receiver.respond = () => ({ status: 200 });
  const { site, endpoint } = await endpointAt('/recover-cancelled');
  await failedDeliveries(site.id, endpoint.id, 3);
  // The first batch waits at its insert for a lock that the test holds until it has cancelled.
  const gate = await db.pool.connect();
  await gate.query('SELECT pg_advisory_lock(4202)');
  const trigger = `
    CREATE FUNCTION hold_recovery() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_advisory_xact_lock(4202); RETURN NEW; END $$;
    CREATE TRIGGER hold_recovery BEFORE INSERT ON deliveries FOR EACH ROW
      WHEN (NEW.recovery_id IS NOT NULL) EXECUTE FUNCTION hold_recovery();`;

  const { recovery, outcome } = await withTrigger('hold_recovery', trigger, async () => {
    try {
      const run = await runRecovery(site.id, endpoint.id, { batchSize: 1 });
      await waitFor(async () => ((await countLockWaiters(db.pool)) >= 1 ? true : undefined));
      await run.handle.cancel();
      await gate.query('SELECT pg_advisory_unlock(4202)');
      return { recovery: run.recovery, outcome: await run.handle.result().catch((e) => e) };
    } finally {
      gate.release();
    }
  });

  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect(outcome.cause).toBeInstanceOf(CancelledFailure);
  const stored = await findRecovery(db.pool, site.id, recovery.id);
  expect(stored!.status).toBe('cancelled');
  expect(stored!.total).toBe(3);
  expect(stored!.redelivered).toBe(1);
  // The batch that was running when the cancellation came still started its redelivery.
  await succeededRedeliveries(recovery.id, 1);
  expect(requestsTo('/recover-cancelled')).toHaveLength(1);
});

test('invalid batch size fails the recovery', async () => {
  const { site, endpoint } = await endpointAt('/recover-invalid');
  await failedDeliveries(site.id, endpoint.id, 1);

  const { recovery, handle } = await runRecovery(site.id, endpoint.id, { batchSize: 0 });
  const outcome = await handle.result().catch((error) => error);

  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  expect(outcome.cause).toBeInstanceOf(ApplicationFailure);
  expect(outcome.cause.type).toBe('InvalidInput');
  const stored = await findRecovery(db.pool, site.id, recovery.id);
  expect(stored!.status).toBe('failed');
  expect(stored!.error).toContain('batchSize');
  expect(await redeliveriesOf(recovery.id)).toEqual([]);
});
