import { findDelivery } from '../../src/db/delivery-queries';
import {
  createRecovery,
  deleteRecovery,
  findRecovery,
  finishRecovery,
  type Recovery,
  listRecoveries,
  redeliverRecoveryBatch,
  type RecoveryBatch,
} from '../../src/db/recoveries';
import { countLockWaiters, createTestDatabase, type TestDatabase } from '../helpers/database';
import {
  createEndpoint,
  createSite,
  insertFinishedDelivery,
  storeTestEvent,
  subscriberCreated,
} from '../helpers/fixtures';
import { waitFor } from '../helpers/receiver';

const HOUR_MS = 3_600_000;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** Creates an endpoint with `count` deliveries that failed two days ago. */
async function endpointWithFailures(count: number) {
  const site = await createSite(db.pool);
  const endpoint = await createEndpoint(db.pool, site.id, 'http://127.0.0.1:9/unused');
  const deliveryIds = [];
  for (let index = 0; index < count; index++) {
    const { eventId } = await storeTestEvent(db.pool, subscriberCreated(site.id));
    deliveryIds.push(
      await insertFinishedDelivery(db.pool, {
        eventId,
        endpointId: endpoint.id,
        status: 'failed',
        createdAt: new Date(Date.now() - 48 * HOUR_MS + index * 1000),
      }),
    );
  }
  return { site, endpoint, deliveryIds };
}

async function startRecovery(siteId: string, endpointId: string) {
  const since = new Date(Date.now() - 72 * HOUR_MS);
  const created = await createRecovery(db.pool, { siteId, endpointId, since });
  if (created.kind !== 'created') throw new Error(`recovery not created: ${created.kind}`);
  return created.recovery;
}

async function redeliveriesOf(recoveryId: string) {
  const { rows } = await db.pool.query(
    'SELECT id, redelivery_of FROM deliveries WHERE recovery_id = $1 ORDER BY redelivery_of',
    [recoveryId],
  );
  return rows;
}

/** Returns a batch that redelivered, and throws for any other outcome. */
function redelivered(batch: RecoveryBatch) {
  if (batch.outcome !== 'redelivered')
    throw new Error(`expected redelivered, got ${batch.outcome}`);
  return batch;
}

test('createRecovery counts qualifying deliveries', async () => {
  const { site, endpoint } = await endpointWithFailures(3);

  const recovery = await startRecovery(site.id, endpoint.id);

  expect(recovery.id).toMatch(/^rcv_/);
  expect(recovery.workflowId).toBe(`recover-${recovery.id}`);
  expect(recovery.status).toBe('running');
  expect(recovery.total).toBe(3);
  expect(recovery.redelivered).toBe(0);
  expect(recovery.error).toBeNull();
  expect(recovery.completedAt).toBeNull();
  expect(await findRecovery(db.pool, site.id, recovery.id)).toEqual(recovery);
});

test('createRecovery rejects endpoint of another site', async () => {
  const { endpoint } = await endpointWithFailures(1);
  const otherSite = await createSite(db.pool);

  const recovery = await createRecovery(db.pool, {
    siteId: otherSite.id,
    endpointId: endpoint.id,
    since: new Date(0),
  });

  expect(recovery).toEqual({ kind: 'notFound' });
});

test('findRecovery hides recovery of another site', async () => {
  const { site, endpoint } = await endpointWithFailures(1);
  const otherSite = await createSite(db.pool);
  const recovery = await startRecovery(site.id, endpoint.id);

  expect(await findRecovery(db.pool, otherSite.id, recovery.id)).toBeNull();
});

test('batch run again returns the same redeliveries', async () => {
  const { site, endpoint, deliveryIds } = await endpointWithFailures(3);
  const recovery = await startRecovery(site.id, endpoint.id);

  const first = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 2 });
  const again = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 2 });

  expect(again).toEqual(first);
  const { targets, lastId } = redelivered(first);
  expect(lastId).toBe(deliveryIds[1]);
  expect(targets.map((target) => target.workflowId)).toEqual(
    targets.map((target) => `redelivery-${target.deliveryId}`),
  );
  const rows = await redeliveriesOf(recovery.id);
  expect(rows.map((row) => row.redelivery_of)).toEqual(deliveryIds.slice(0, 2));
  expect(rows.map((row) => row.id).sort()).toEqual(
    targets.map((target) => target.deliveryId).sort(),
  );
  const stored = await findRecovery(db.pool, site.id, recovery.id);
  expect(stored!.redelivered).toBe(2);
});

test('redelivery shows its recovery and original', async () => {
  const { site, endpoint, deliveryIds } = await endpointWithFailures(1);
  const recovery = await startRecovery(site.id, endpoint.id);

  const batch = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 10 });
  const [target] = redelivered(batch).targets;
  const delivery = await findDelivery(db.pool, site.id, target!.deliveryId);

  expect(delivery!.recoveryId).toBe(recovery.id);
  expect(delivery!.redeliveryOf).toBe(deliveryIds[0]);
  expect(delivery!.status).toBe('pending');
  expect(delivery!.workflowId).toBe(target!.workflowId);
});

test('batches continue after the cursor', async () => {
  const { site, endpoint, deliveryIds } = await endpointWithFailures(3);
  const recovery = await startRecovery(site.id, endpoint.id);

  const first = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 2 });
  const afterId = redelivered(first).lastId;
  const second = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId, limit: 2 });
  const third = await redeliverRecoveryBatch(db.pool, recovery.id, {
    afterId: deliveryIds[2]!,
    limit: 2,
  });

  expect(redelivered(second).targets).toHaveLength(1);
  expect(redelivered(second).lastId).toBe(deliveryIds[2]);
  expect(third).toEqual({ outcome: 'redelivered', targets: [], lastId: null });
  expect((await redeliveriesOf(recovery.id)).map((row) => row.redelivery_of)).toEqual(deliveryIds);
});

test('delivery that fails after the start is left out', async () => {
  const { site, endpoint, deliveryIds } = await endpointWithFailures(1);
  const recovery = await startRecovery(site.id, endpoint.id);
  // Created an hour ago, so its last attempt fails about 13 hours after the recovery started.
  const { eventId } = await storeTestEvent(db.pool, subscriberCreated(site.id));
  await insertFinishedDelivery(db.pool, {
    eventId,
    endpointId: endpoint.id,
    status: 'failed',
    createdAt: new Date(Date.now() - HOUR_MS),
  });

  const batch = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 10 });

  expect(redelivered(batch).targets).toHaveLength(1);
  expect((await redeliveriesOf(recovery.id)).map((row) => row.redelivery_of)).toEqual(deliveryIds);
});

test('one recovery runs per endpoint', async () => {
  const { site, endpoint } = await endpointWithFailures(3);
  const first = await startRecovery(site.id, endpoint.id);

  const second = await createRecovery(db.pool, {
    siteId: site.id,
    endpointId: endpoint.id,
    since: new Date(0),
  });
  await finishRecovery(db.pool, first.id, { status: 'completed' });
  const afterwards = await createRecovery(db.pool, {
    siteId: site.id,
    endpointId: endpoint.id,
    since: new Date(0),
  });

  expect(second).toEqual({ kind: 'running', recoveryId: first.id });
  expect(afterwards.kind).toBe('created');
});

test('batch stops when the endpoint receives no events', async () => {
  const { site, endpoint } = await endpointWithFailures(2);
  const recovery = await startRecovery(site.id, endpoint.id);
  await db.pool.query(`UPDATE endpoints SET status = 'disabled' WHERE id = $1`, [endpoint.id]);

  const batch = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 10 });

  expect(batch).toEqual({ outcome: 'endpoint_not_receiving', endpointStatus: 'disabled' });
  expect(await redeliveriesOf(recovery.id)).toEqual([]);
});

test('batch of a finished recovery creates nothing', async () => {
  const { site, endpoint } = await endpointWithFailures(2);
  const recovery = await startRecovery(site.id, endpoint.id);
  await finishRecovery(db.pool, recovery.id, { status: 'cancelled' });

  const batch = await redeliverRecoveryBatch(db.pool, recovery.id, { afterId: null, limit: 10 });

  expect(batch).toEqual({
    outcome: 'not_running',
    progress: { status: 'cancelled', total: 2, redelivered: 0 },
  });
  expect(await redeliveriesOf(recovery.id)).toEqual([]);
});

test('finishRecovery keeps the first end', async () => {
  const { site, endpoint } = await endpointWithFailures(1);
  const recovery = await startRecovery(site.id, endpoint.id);

  const failed = await finishRecovery(db.pool, recovery.id, { status: 'failed', error: 'gone' });
  const again = await finishRecovery(db.pool, recovery.id, { status: 'completed' });

  expect(failed!.status).toBe('failed');
  expect(failed!.error).toBe('gone');
  expect(failed!.completedAt).toBeInstanceOf(Date);
  expect(again).toEqual(failed);
});

test('deleteRecovery keeps a recovery that redelivered', async () => {
  const { site, endpoint } = await endpointWithFailures(1);
  const used = await startRecovery(site.id, endpoint.id);
  await redeliverRecoveryBatch(db.pool, used.id, { afterId: null, limit: 10 });
  await finishRecovery(db.pool, used.id, { status: 'completed' });
  const unused = await startRecovery(site.id, endpoint.id);

  await deleteRecovery(db.pool, unused.id);
  await deleteRecovery(db.pool, used.id);

  expect(await findRecovery(db.pool, site.id, unused.id)).toBeNull();
  expect(await findRecovery(db.pool, site.id, used.id)).not.toBeNull();
});

test('listRecoveries returns newest first', async () => {
  const { site, endpoint } = await endpointWithFailures(1);
  // One recovery runs at a time, so each ends before the next starts.
  const started = [];
  for (let i = 0; i < 3; i++) {
    const recovery = await startRecovery(site.id, endpoint.id);
    await finishRecovery(db.pool, recovery.id, { status: 'completed' });
    started.push(recovery);
  }
  const [older, newer, newest] = started as [Recovery, Recovery, Recovery];

  const listed = await listRecoveries(db.pool, site.id, endpoint.id, 2);

  expect(listed.map((recovery) => recovery.id)).toEqual([newest.id, newer.id]);
  expect(listed.map((recovery) => recovery.id)).not.toContain(older.id);
});

test('deleting the endpoint deletes its recoveries', async () => {
  const { site, endpoint } = await endpointWithFailures(1);
  const recovery = await startRecovery(site.id, endpoint.id);

  await db.pool.query('DELETE FROM endpoints WHERE id = $1', [endpoint.id]);

  expect(await findRecovery(db.pool, site.id, recovery.id)).toBeNull();
});
