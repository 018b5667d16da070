import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeliveryTarget } from '../db/deliveries';
import { INFRASTRUCTURE_RETRY } from '../failures';
import { deliverySearchAttributes } from '../temporal/search-attributes';
import { deliverWebhook } from './deliver-webhook';

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
  await Promise.all(targets.map((target) => startDelivery(target, input.tagDeliveries)));
  return { deliveries: targets.length };
}

async function startDelivery(target: DeliveryTarget, tagDeliveries: boolean): Promise<void> {
  try {
    await startChild(deliverWebhook, {
      workflowId: target.workflowId,
      args: [
        { deliveryId: target.deliveryId, eventId: target.eventId, endpointId: target.endpointId },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: tagDeliveries ? deliverySearchAttributes(target) : undefined,
    });
  } catch (error) {
    // A replayed dispatch finds deliveries it started before; they carry on untouched.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
