import { WorkflowNotFoundError } from '@temporalio/client';
import type { Endpoint } from '../db/endpoints';
import { deleteUnattemptedDelivery, type DeliveryTarget } from '../db/deliveries';
import { startDelivery, startVerification } from '../temporal/start-workflows';
import type { ApiDependencies } from './dependencies';
import { PROBLEM_TYPES, ProblemError } from './problem';

/**
 * Starts the verification of an endpoint's URL inside the transaction that asked for it, so that a
 * failed start rolls the change back and the owner can simply try again.
 */
export async function startVerificationOrFail(
  deps: ApiDependencies,
  endpoint: Pick<Endpoint, 'id' | 'verificationGeneration'>,
): Promise<void> {
  try {
    await startVerification(
      { client: deps.temporal, taskQueue: deps.taskQueue },
      { endpointId: endpoint.id, generation: endpoint.verificationGeneration },
    );
  } catch (error) {
    deps.logger.error({ err: error, endpointId: endpoint.id }, 'verification start failed');
    throw new ProblemError({
      type: PROBLEM_TYPES.unavailable,
      title: 'Service unavailable',
      status: 503,
      detail: 'the workflow service is unreachable, so nothing was changed; try again shortly',
    });
  }
}

/**
 * Cancels the workflows of deliveries that should wait no longer, such as those of a deleted or
 * disabled endpoint. Each records itself as cancelled. A cancel that fails is logged: the delivery
 * then ends at its next attempt, which finds the endpoint gone or disabled.
 */
export async function cancelDeliveryWorkflows(
  deps: ApiDependencies,
  workflowIds: string[],
): Promise<void> {
  await Promise.all(
    workflowIds.map(async (workflowId) => {
      try {
        await deps.temporal.workflow.getHandle(workflowId).cancel();
      } catch (error) {
        // A workflow that ended meanwhile has nothing left to cancel.
        if (error instanceof WorkflowNotFoundError) return;
        deps.logger.warn(
          { err: error, workflowId },
          'delivery cancel failed; it ends at its next attempt',
        );
      }
    }),
  );
}

/**
 * Starts the workflow of a delivery whose row has committed already: an attempt that found no row
 * would take the delivery for deleted. If the start fails, the row is deleted so that nothing
 * waits for a workflow that does not exist, and the error tells the client to repeat `request`.
 */
export async function startCommittedDelivery(
  deps: ApiDependencies,
  delivery: DeliveryTarget,
  request: string,
): Promise<void> {
  try {
    await startDelivery({ client: deps.temporal, taskQueue: deps.taskQueue }, delivery, {
      tagDeliveries: deps.tagDeliveries,
      eager: deps.eagerWorkflowStart,
    });
  } catch (error) {
    deps.logger.error({ err: error, deliveryId: delivery.deliveryId }, 'delivery start failed');
    await deleteUnattemptedDelivery(deps.pool, delivery.deliveryId);
    throw new ProblemError({
      type: PROBLEM_TYPES.unavailable,
      title: 'Service unavailable',
      status: 503,
      detail: `the workflow service is unreachable, so nothing was sent; ${request} again`,
    });
  }
}
