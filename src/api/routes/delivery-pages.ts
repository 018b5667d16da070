import { z } from 'zod';
import { listEndpointDeliveries, type DeliveryRecord } from '../../db/delivery-queries';
import { MAX_ATTEMPTS } from '../../retry-schedule';
import type { ApiDependencies } from '../dependencies';

/** Query string of delivery lists. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^dlv_[0-9A-Z]{26}$/, { message: 'expected the next_cursor of a previous page' })
    .optional(),
});

/** Returns the Temporal Web UI address of a workflow. */
export function workflowUrl(deps: ApiDependencies, workflowId: string): string {
  const base = deps.temporalUiUrl.replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Serializes a delivery as the API shows it. */
export function serializeDelivery(deps: ApiDependencies, delivery: DeliveryRecord) {
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
    workflow_id: delivery.workflowId,
    workflow_url: workflowUrl(deps, delivery.workflowId),
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
    completed_at: delivery.completedAt?.toISOString() ?? null,
  };
}

/** Returns one page of an endpoint's deliveries with the cursor of the next page. */
export async function listDeliveriesPage(
  deps: ApiDependencies,
  endpointId: string,
  query: z.infer<typeof pageQuerySchema>,
) {
  // Fetching one row more than the page shows whether another page follows.
  const rows = await listEndpointDeliveries(deps.pool, endpointId, {
    limit: query.limit + 1,
    before: query.cursor,
  });
  const page = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  return {
    data: page.map((delivery) => serializeDelivery(deps, delivery)),
    next_cursor: hasMore ? page[page.length - 1]!.id : null,
  };
}
