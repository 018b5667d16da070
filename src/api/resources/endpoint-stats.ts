import { z } from 'zod';
import type { DeliveryCounts, LastDelivery } from '../../db/endpoint-stats';
import { deliveryStatusSchema } from './delivery';
import { component, timestamp } from './registry';

const countsSchema = component(
  'DeliveryCounts',
  z.object({
    pending: z.number().int(),
    retrying: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    total: z.number().int(),
  }),
  'Deliveries by status',
);

const lastDeliverySchema = component(
  'LastDelivery',
  z.object({ id: z.string(), status: deliveryStatusSchema, created_at: timestamp() }),
  'The newest delivery of an endpoint, of any time',
);

const summaryFields = {
  endpoint_id: z.string(),
  deliveries: countsSchema.describe('deliveries created since `since`, by status'),
  success_rate: z
    .number()
    .nullable()
    .describe(
      'succeeded / (succeeded + failed + retrying), from 0 to 1; null when no delivery since `since` has finished or waits for a retry',
    ),
  last_delivery: lastDeliverySchema.nullable(),
};

export const endpointSummarySchema = component(
  'EndpointSummary',
  z.object(summaryFields),
  'Delivery figures of one endpoint since a time',
);

export const endpointSummaryPageSchema = component(
  'EndpointSummaryPage',
  z.object({
    since: timestamp(),
    data: z.array(endpointSummarySchema),
    next_cursor: z
      .string()
      .nullable()
      .describe('pass as `cursor` to get the next page; null on the last page'),
  }),
);

export const endpointStatsSchema = component(
  'EndpointStats',
  z.object({
    ...summaryFields,
    since: timestamp(),
    until: timestamp(),
    bucket_seconds: z.number().int(),
    buckets: z
      .array(
        z.object({
          start: timestamp(),
          deliveries: countsSchema,
        }),
      )
      .describe('deliveries by creation time, each bucket_seconds long, the first at `since`'),
  }),
  'Deliveries of one endpoint over time, by their current status',
);

/** Returns the counts as the API shows them, with their total. */
export function serializeCounts(counts: DeliveryCounts): z.infer<typeof countsSchema> {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return { ...counts, total };
}

/**
 * Returns the share of deliveries that succeeded among those that reached an outcome or wait for
 * a retry. Pending deliveries have no outcome yet and cancelled ones never will, so both are left
 * out; null when nothing is left.
 */
export function successRate(counts: DeliveryCounts): number | null {
  const judged = counts.succeeded + counts.failed + counts.retrying;
  return judged === 0 ? null : counts.succeeded / judged;
}

export function serializeLastDelivery(
  last: LastDelivery | null,
): z.infer<typeof lastDeliverySchema> | null {
  if (!last) return null;
  return { id: last.id, status: last.status, created_at: last.createdAt.toISOString() };
}
