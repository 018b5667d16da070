import { ApplicationFailure, Context } from '@temporalio/activity';
import { createDeliveriesForEvent, type DeliveryTarget } from '../db/deliveries';
import { eventExists } from '../db/events';
import { NON_RETRYABLE_TYPES } from '../failures';
import type { ActivityDependencies } from './dependencies';

// The API starts the dispatch workflow inside the transaction that stores the event, so this
// activity can run before that commit. Twelve tries span about six minutes of backoff.
const EVENT_VISIBILITY_ATTEMPTS = 12;

/** Input of `createDeliveries`. */
export interface CreateDeliveriesInput {
  eventId: string;
}

/** Creates the activity that records one delivery per subscribed endpoint of an event. */
export function makeCreateDeliveries({ pool, logger }: ActivityDependencies) {
  return async function createDeliveries(input: CreateDeliveriesInput): Promise<DeliveryTarget[]> {
    const targets = await createDeliveriesForEvent(pool, input.eventId);
    if (targets.length > 0 || (await eventExists(pool, input.eventId))) {
      logger.debug({ eventId: input.eventId, deliveries: targets.length }, 'deliveries created');
      return targets;
    }

    const attempt = Context.current().info.attempt;
    if (attempt >= EVENT_VISIBILITY_ATTEMPTS) {
      logger.error({ eventId: input.eventId }, 'event never stored; dispatch abandoned');
      throw ApplicationFailure.nonRetryable(
        `event ${input.eventId} is not in the database; its publish request must have failed`,
        NON_RETRYABLE_TYPES.eventNotFound,
      );
    }
    throw ApplicationFailure.retryable(
      `event ${input.eventId} is not visible yet`,
      'EventNotYetVisible',
    );
  };
}
