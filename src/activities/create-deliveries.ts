import { createDeliveriesForEvent, type DeliveryTarget } from '../db/deliveries';
import { eventExists } from '../db/events';
import type { ActivityDependencies } from './dependencies';
import { rowNotVisible } from './row-visibility';

/** Input of `createDeliveries`. */
export interface CreateDeliveriesInput {
  eventId: string;
}

/** Creates the activity that records one delivery per subscribed endpoint of an event. */
export function makeCreateDeliveries({ pool, logger }: ActivityDependencies) {
  return async function createDeliveries(input: CreateDeliveriesInput): Promise<DeliveryTarget[]> {
    const targets = await createDeliveriesForEvent(pool, input.eventId);
    if (targets.length === 0 && !(await eventExists(pool, input.eventId))) {
      logger.debug({ eventId: input.eventId }, 'event not visible yet');
      rowNotVisible('event', input.eventId);
    }

    logger.debug({ eventId: input.eventId, deliveries: targets.length }, 'deliveries created');
    return targets;
  };
}
