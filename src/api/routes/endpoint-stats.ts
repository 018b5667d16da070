import { z } from 'zod';
import {
  countDeliveriesOverTime,
  emptyCounts,
  findLastDelivery,
  summarizeEndpoints,
} from '../../db/endpoint-stats';
import { findEndpoint } from '../../db/endpoints';
import type { ApiDependencies } from '../dependencies';
import { cursorSchema, idParams, instantSchema, limitSchema } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, validationProblem } from '../problem';
import {
  endpointStatsSchema,
  endpointSummaryPageSchema,
  serializeCounts,
  serializeLastDelivery,
  successRate,
} from '../resources/endpoint-stats';

const TAG = 'Endpoints';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Bucket lengths of a time series, by the name a query gives. */
const BUCKET_MS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '1d': DAY_MS,
} as const;

// Bounds the response: 500 buckets are more than a chart can show (a week by the hour is 168).
const MAX_BUCKETS = 500;

const bucketNames = Object.keys(BUCKET_MS) as Array<keyof typeof BUCKET_MS>;

const summaryQuery = z.strictObject({
  since: instantSchema
    .optional()
    .describe('count deliveries created at or after this instant; 24 hours ago when absent'),
  limit: limitSchema,
  cursor: cursorSchema('ep'),
});

const statsQuery = z.strictObject({
  since: instantSchema
    .optional()
    .describe('start of the series; 24 hours before `until` when absent'),
  until: instantSchema.optional().describe('end of the series, excluded; now when absent'),
  bucket: z
    .enum(bucketNames as [keyof typeof BUCKET_MS, ...Array<keyof typeof BUCKET_MS>], {
      error: (issue) =>
        `unknown bucket ${JSON.stringify(issue.input)}; expected one of ${bucketNames.join(', ')}`,
    })
    .default('1h')
    .describe('length of each bucket; 1h when absent'),
});

/** Delivery figures: per endpoint for the list of a site, and over time for one endpoint. */
export function endpointStatsOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'get',
      path: '/v1/webhook-stats',
      operationId: 'listEndpointSummaries',
      tag: TAG,
      summary: "Delivery figures of the site's endpoints",
      description:
        'For each endpoint, in the order and pages of GET /v1/webhooks: its deliveries since a time by status, the success rate and its newest delivery.',
      auth: 'siteKey',
      query: summaryQuery,
      responses: {
        200: { description: 'one page of summaries', schema: endpointSummaryPageSchema },
      },
      async handle({ query, siteId }) {
        const since = query.since ?? new Date(Date.now() - DAY_MS);
        // One row more than the page shows whether another page follows.
        const rows = await summarizeEndpoints(deps.pool, siteId, since, {
          limit: query.limit + 1,
          after: query.cursor,
        });
        const page = rows.slice(0, query.limit);
        const data = page.map((summary) => ({
          endpoint_id: summary.endpointId,
          deliveries: serializeCounts(summary.counts),
          success_rate: successRate(summary.counts),
          last_delivery: serializeLastDelivery(summary.lastDelivery),
        }));
        const nextCursor = rows.length > query.limit ? page[page.length - 1]!.endpointId : null;
        return {
          status: 200,
          body: { since: since.toISOString(), data, next_cursor: nextCursor },
        };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/webhooks/{id}/stats',
      operationId: 'getEndpointStats',
      tag: TAG,
      summary: "An endpoint's deliveries over time",
      description: `Deliveries created in [since, until) counted by their current status, in buckets of equal length (at most ${MAX_BUCKETS}), with the totals, the success rate and the newest delivery.`,
      auth: 'siteKey',
      params: idParams('endpoint'),
      query: statsQuery,
      responses: { 200: { description: 'the series', schema: endpointStatsSchema } },
      async handle({ params: { id }, query, siteId }) {
        const until = query.until ?? new Date();
        const since = query.since ?? new Date(until.getTime() - DAY_MS);
        const bucketMs = BUCKET_MS[query.bucket];
        checkRange(since, until, bucketMs);

        const endpoint = await findEndpoint(deps.pool, siteId, id);
        if (!endpoint) throw notFoundProblem('endpoint', id);
        const buckets = await countDeliveriesOverTime(deps.pool, id, { since, until, bucketMs });
        const totals = emptyCounts();
        for (const bucket of buckets) {
          for (const status of Object.keys(totals) as Array<keyof typeof totals>) {
            totals[status] += bucket.counts[status];
          }
        }

        return {
          status: 200,
          body: {
            endpoint_id: id,
            since: since.toISOString(),
            until: until.toISOString(),
            bucket_seconds: bucketMs / 1000,
            deliveries: serializeCounts(totals),
            success_rate: successRate(totals),
            last_delivery: serializeLastDelivery(await findLastDelivery(deps.pool, id)),
            buckets: buckets.map((bucket) => ({
              start: bucket.start.toISOString(),
              deliveries: serializeCounts(bucket.counts),
            })),
          },
        };
      },
    }),
  ];
}

function checkRange(since: Date, until: Date, bucketMs: number): void {
  if (since >= until) {
    throw validationProblem([
      {
        path: 'query.since',
        message: `${since.toISOString()} is not before until (${until.toISOString()}); give an earlier since`,
      },
    ]);
  }
  const buckets = Math.ceil((until.getTime() - since.getTime()) / bucketMs);
  if (buckets > MAX_BUCKETS) {
    throw validationProblem([
      {
        path: 'query.bucket',
        message: `the range needs ${buckets} buckets, more than ${MAX_BUCKETS}; choose a longer bucket or a shorter range`,
      },
    ]);
  }
}
