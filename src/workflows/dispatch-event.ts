import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { INFRASTRUCTURE_RETRY } from '../failures';
import { startDeliveryChild } from './start-delivery-child';

const { createDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: INFRASTRUCTURE_RETRY,
});

/** Input of `dispatchEvent`. */
export interface DispatchEventInput {
  eventId: string;
  /** Tag deliveries with search attributes; the server must have them registered. */
  tagDeliveries: boolean;
}

/**
 * Fans an accepted event out: records one delivery per subscribed endpoint and starts a
 * `deliverWebhook` workflow for each. The children outlive this workflow, which ends as soon as
 * they have started.
 */
export async function dispatchEvent(input: DispatchEventInput): Promise<{ deliveries: number }> {
  const targets = await createDeliveries({ eventId: input.eventId });
  await Promise.all(targets.map((target) => startDeliveryChild(target, input.tagDeliveries)));
  return { deliveries: targets.length };
}
