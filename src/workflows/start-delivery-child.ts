import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, startChild } from '@temporalio/workflow';
import type { DeliveryTarget } from '../db/deliveries';
import { deliverySearchAttributes } from '../temporal/search-attributes';
import { deliverWebhook } from './deliver-webhook';

/**
 * Starts the `deliverWebhook` workflow of a recorded delivery as a child that outlives its parent,
 * so a parent can end (or continue as new) as soon as its deliveries have started.
 * `tagDeliveries` adds the delivery search attributes, which the server must have registered.
 */
export async function startDeliveryChild(
  target: DeliveryTarget,
  tagDeliveries: boolean,
): Promise<void> {
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
    // A replayed parent finds the deliveries it started before, and they carry on untouched.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
