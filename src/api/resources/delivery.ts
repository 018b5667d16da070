import { z } from 'zod';
import type { RecordedAttempt } from '../../db/deliveries';
import type { DeliveryRecord } from '../../db/delivery-queries';
import { MAX_ATTEMPTS } from '../../retry-schedule';
import { component, page, timestamp } from './registry';

const DELIVERY_STATUSES = ['pending', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

/** Statuses a delivery can be in, for filters. */
export const deliveryStatusSchema = z.enum(DELIVERY_STATUSES, {
  error: (issue) =>
    `unknown delivery status ${JSON.stringify(issue.input)}; expected one of ${DELIVERY_STATUSES.join(', ')}`,
});

export const deliverySchema = component(
  'Delivery',
  z.object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    endpoint_id: z.string(),
    site_id: z.string(),
    status: deliveryStatusSchema.describe(
      'pending: first attempt under way; retrying: waiting for next_attempt_at',
    ),
    attempt_count: z.number().int(),
    max_attempts: z.number().int(),
    next_attempt_at: timestamp().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    redelivery_of: z.string().nullable().describe('the delivery this one sends again'),
    recovery_id: z.string().nullable().describe('the recovery that created this redelivery'),
    workflow_id: z.string(),
    workflow_url: z.string().describe('the delivery workflow in the Temporal Web UI'),
    created_at: timestamp(),
    updated_at: timestamp(),
    completed_at: timestamp().nullable(),
  }),
  'One event sent to one endpoint, with its attempts on the retry schedule',
);

export const attemptSchema = component(
  'Attempt',
  z.object({
    attempt_number: z.number().int(),
    started_at: timestamp(),
    duration_ms: z.number().int(),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable(),
    error_class: z.string().nullable(),
    error_message: z.string().nullable(),
    response_excerpt: z.string().nullable(),
    request_headers: z
      .record(z.string(), z.string())
      .nullable()
      .describe(
        'headers sent, every signature value replaced by <hidden>; null for attempts recorded before headers were kept',
      ),
  }),
  'One HTTP request of a delivery',
);

export const deliveryDetailSchema = component(
  'DeliveryDetail',
  deliverySchema.extend({
    payload: z.string().describe('the exact body every attempt sends'),
    attempts: z.array(attemptSchema),
  }),
);

export const deliveryPageSchema = page('DeliveryPage', deliverySchema);

/** Location of the Temporal Web UI, for links to delivery workflows. */
export interface WorkflowLinks {
  temporalUiUrl: string;
  namespace: string;
}

/** Returns the Temporal Web UI address of a workflow. */
export function workflowUrl(links: WorkflowLinks, workflowId: string): string {
  const base = links.temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Serializes a delivery as the API shows it. */
export function serializeDelivery(
  links: WorkflowLinks,
  delivery: DeliveryRecord,
): z.infer<typeof deliverySchema> {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    endpoint_id: delivery.endpointId,
    site_id: delivery.siteId,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
    max_attempts: MAX_ATTEMPTS,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    redelivery_of: delivery.redeliveryOf,
    recovery_id: delivery.recoveryId,
    workflow_id: delivery.workflowId,
    workflow_url: workflowUrl(links, delivery.workflowId),
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
    completed_at: delivery.completedAt?.toISOString() ?? null,
  };
}

export function serializeAttempt(attempt: RecordedAttempt): z.infer<typeof attemptSchema> {
  return {
    attempt_number: attempt.attemptNumber,
    started_at: attempt.startedAt.toISOString(),
    duration_ms: attempt.durationMs,
    succeeded: attempt.succeeded,
    status_code: attempt.statusCode,
    error_class: attempt.errorClass,
    error_message: attempt.errorMessage,
    response_excerpt: attempt.responseExcerpt,
    request_headers: attempt.requestHeaders ?? null,
  };
}
