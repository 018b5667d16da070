import { createDeliveriesForEvent, type DeliveryTarget } from '../db/deliveries';
import { storeEvent, type StoreEventResult } from '../db/events';
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

/**
 * Stores an event, records one delivery per subscribed endpoint and starts their workflows, in one
 * transaction: the publisher gets a 202 only when every delivery is under way, and after an error
 * nothing was kept, so publishing again with the same id is safe. A workflow can run before the
 * commit; its attempt then waits for the delivery row to appear.
 */
export async function acceptEvent(
  deps: ApiDependencies,
  envelope: EventEnvelope,
  body: string,
  fingerprint: Buffer,
): Promise<StoreEventResult> {
  return await withTransaction(deps.pool, async (client) => {
    const stored = await storeEvent(client, envelope, body, fingerprint);
    // A duplicate was accepted before, with its deliveries started in the same transaction.
    if (stored !== 'stored') return stored;

    const deliveries = await createDeliveriesForEvent(client, envelope.id);
    const target = { client: deps.temporal, taskQueue: deps.taskQueue };
    const options = { tagDeliveries: deps.tagDeliveries, eager: deps.eagerWorkflowStart };
    await startWorkflows(target, envelope.id, deliveries, options).catch((error) => {
      throw new WorkflowStartError(envelope.id, { cause: error });
    });
    return stored;
  });
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
