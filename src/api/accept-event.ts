import type { PoolClient } from 'pg';
import { createDeliveriesForEvent, type DeliveryTarget } from '../db/deliveries';
import { storeEvent } from '../db/events';
import { lockIdempotencyKey, storeIdempotentResponse } from '../db/idempotency-keys';
import { withTransaction } from '../db/pool';
import type { EventEnvelope } from '../events/envelope';
import {
  startDelivery,
  startDispatch,
  type DeliveryStartOptions,
  type WorkflowTarget,
} from '../temporal/start-workflows';
import type { ApiDependencies } from './dependencies';

/**
 * Maximum number of deliveries the API starts itself. A dispatch workflow costs a second workflow
 * and an activity per event, and skipping it doubled deliveries per second in the benchmark.
 * Above the limit, one start per event keeps the publisher's request short, and the dispatch
 * workflow starts the deliveries.
 */
export const DIRECT_START_LIMIT = 20;

/** Thrown when the workflow service refused or missed a start; nothing was stored. */
export class WorkflowStartError extends Error {
  constructor(
    readonly eventId: string,
    options: { cause: unknown },
  ) {
    super(`workflow start failed for event ${eventId}`, options);
    this.name = 'WorkflowStartError';
  }
}

/** An `Idempotency-Key` and the fingerprint of the request body it came with. */
export interface IdempotentRequest {
  key: string;
  requestFingerprint: Buffer;
}

/** Outcome of publishing an event. */
export type Acceptance =
  /** Stored with its deliveries under way, now or by an earlier request with the same event. */
  | { kind: 'accepted'; eventId: string; duplicate: boolean; deliveries: number }
  /** The event id was published before with a different body. */
  | { kind: 'conflict'; eventId: string }
  /** The Idempotency-Key was used before with this body: its first response, again. */
  | { kind: 'replayed'; status: number; body: unknown }
  /** The Idempotency-Key was used before with another body. */
  | { kind: 'keyReused'; key: string };

/**
 * Stores an event, records one delivery per subscribed endpoint and starts their workflows, in one
 * transaction: the publisher gets a 202 only when every delivery is under way, and after an error
 * nothing was kept, so publishing again with the same id is safe. A workflow can run before the
 * commit; its attempt then waits for the delivery row to appear. With an Idempotency-Key, the
 * key's first response is stored in the same transaction.
 */
export async function acceptEvent(
  deps: ApiDependencies,
  envelope: EventEnvelope,
  body: string,
  fingerprint: Buffer,
  idempotency?: IdempotentRequest,
): Promise<Acceptance> {
  return await withTransaction(deps.pool, async (client) => {
    if (idempotency) {
      const previous = await lockIdempotencyKey(client, idempotency.key);
      if (previous?.requestFingerprint.equals(idempotency.requestFingerprint)) {
        return { kind: 'replayed', status: previous.status, body: previous.body };
      }
      if (previous) return { kind: 'keyReused', key: idempotency.key };
    }

    const stored = await storeEvent(client, envelope, body, fingerprint);
    if (stored === 'conflict') return { kind: 'conflict', eventId: envelope.id };

    // A duplicate was accepted before, with its deliveries started in the same transaction.
    let deliveries: DeliveryTarget[] = [];
    if (stored === 'stored') {
      deliveries = await createDeliveriesForEvent(client, envelope.id);
      const target = { client: deps.temporal, taskQueue: deps.taskQueue };
      const options = {
        tagDeliveries: deps.tagDeliveries,
        eager: deps.eagerWorkflowStart,
        // The event is new, so a running workflow of its deliveries is left from a rollback.
        replaceRunning: true,
      };
      await startWorkflows(target, envelope.id, deliveries, options).catch((error) => {
        throw new WorkflowStartError(envelope.id, { cause: error });
      });
    }
    const count =
      stored === 'stored' ? deliveries.length : await countFirstDeliveries(client, envelope.id);
    if (idempotency) {
      await storeIdempotentResponse(client, idempotency.key, {
        requestFingerprint: idempotency.requestFingerprint,
        status: ACCEPTED_STATUS,
        body: acceptedBody(envelope.id, count),
      });
    }
    return {
      kind: 'accepted',
      eventId: envelope.id,
      duplicate: stored === 'duplicate',
      deliveries: count,
    };
  });
}

/** HTTP status of an accepted event. */
export const ACCEPTED_STATUS = 202;

/**
 * Returns the response body of an accepted event. The count of deliveries shows a publisher at once
 * that an event reached no endpoint, such as one with a mistyped site id.
 */
export function acceptedBody(
  eventId: string,
  deliveries: number,
): { id: string; deliveries: number } {
  return { id: eventId, deliveries };
}

async function countFirstDeliveries(client: PoolClient, eventId: string): Promise<number> {
  const { rows } = await client.query<{ count: string }>(
    'SELECT count(*) FROM deliveries WHERE event_id = $1 AND redelivery_of IS NULL',
    [eventId],
  );
  return Number(rows[0]!.count);
}

async function startWorkflows(
  target: WorkflowTarget,
  eventId: string,
  deliveries: DeliveryTarget[],
  options: DeliveryStartOptions,
): Promise<void> {
  if (deliveries.length > DIRECT_START_LIMIT) {
    await startDispatch(target, { eventId, tagDeliveries: options.tagDeliveries });
    return;
  }
  await Promise.all(deliveries.map((delivery) => startDelivery(target, delivery, options)));
}
