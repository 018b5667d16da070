import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { DeliveryTarget } from '../db/deliveries';
import type { DeliverWebhookInput } from '../workflows/deliver-webhook';
import type { DispatchEventInput } from '../workflows/dispatch-event';
import type { RecoverDeliveriesInput } from '../workflows/recover-deliveries';
import type { VerifyEndpointInput } from '../activities/verify-endpoint';
import { deliverySearchAttributes } from './search-attributes';
import { dispatchWorkflowId, verificationWorkflowId } from './workflow-ids';

/** Client and task queue that workflows start on. */
export interface WorkflowTarget {
  client: Client;
  taskQueue: string;
}

/**
 * Starts the dispatch workflow of an event. Starting it again is harmless: a running one is
 * reused and a completed one is left alone, so each event fans out once.
 */
export async function startDispatch(
  target: WorkflowTarget,
  input: DispatchEventInput,
): Promise<void> {
  await startOnce(target, 'dispatchEvent', dispatchWorkflowId(input.eventId), input);
}

/** Start options of delivery workflows. */
export interface DeliveryStartOptions {
  /** Tag the workflow with its search attributes; the server must have them registered. */
  tagDeliveries: boolean;
  /** Request an eager start, for a client that shares its connection with a worker. */
  eager: boolean;
  /**
   * Terminate a running workflow with the delivery's workflow id and start anew, instead of
   * reusing it. Set it only for deliveries of an event stored in the caller's transaction,
   * because no committed delivery row can belong to such a workflow. A publish that rolled back
   * after its start left it.
   */
  replaceRunning?: boolean;
}

/** Starts the workflow of one recorded delivery, once. */
export async function startDelivery(
  target: WorkflowTarget,
  delivery: DeliveryTarget,
  options: DeliveryStartOptions,
): Promise<void> {
  const input: DeliverWebhookInput = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
  };
  await startOnce(target, 'deliverWebhook', delivery.workflowId, input, {
    typedSearchAttributes: options.tagDeliveries ? deliverySearchAttributes(delivery) : undefined,
    requestEagerStart: options.eager,
    // Reusing such a workflow would lose the delivery, because it carries the id of a row that was
    // rolled back. Its attempt would find the event but no delivery, and end as cancelled.
    ...(options.replaceRunning ? { workflowIdConflictPolicy: 'TERMINATE_EXISTING' } : {}),
  });
}

/** Starts verification of one generation of an endpoint's URL, once. */
export async function startVerification(
  target: WorkflowTarget,
  input: VerifyEndpointInput,
): Promise<void> {
  await startOnce(
    target,
    'verifyEndpointUrl',
    verificationWorkflowId(input.endpointId, input.generation),
    input,
  );
}

/** Start options of recovery workflows. */
export interface RecoveryStartOptions {
  /** Tag the redeliveries with their search attributes, which the server must have registered. */
  tagDeliveries: boolean;
}

/**
 * Starts the workflow of a recovery, once. Call it after the recovery's row has committed: a
 * workflow that finds no row takes the recovery for deleted with its endpoint and ends.
 */
export async function startRecovery(
  target: WorkflowTarget,
  recovery: { recoveryId: string; workflowId: string },
  options: RecoveryStartOptions,
): Promise<void> {
  const input: RecoverDeliveriesInput = {
    recoveryId: recovery.recoveryId,
    tagDeliveries: options.tagDeliveries,
  };
  await startOnce(target, 'recoverDeliveries', recovery.workflowId, input);
}

// A publisher waits for the answer, so a Temporal outage must end in a prompt 503, not a hang.
const START_DEADLINE_MS = 5_000;

async function startOnce(
  target: WorkflowTarget,
  workflowType: string,
  workflowId: string,
  input: object,
  extra: Pick<
    WorkflowStartOptions,
    'typedSearchAttributes' | 'requestEagerStart' | 'workflowIdConflictPolicy'
  > = {},
) {
  try {
    await target.client.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      target.client.workflow.start(workflowType, {
        taskQueue: target.taskQueue,
        workflowId,
        args: [input],
        // A start whose response was lost leaves a workflow for a row that was rolled back; it
        // fails once the row never appears, and then a publish with the same id may start anew.
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
        ...extra,
      } satisfies WorkflowStartOptions),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw error;
  }
}
