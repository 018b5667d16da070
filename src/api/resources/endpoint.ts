import { z } from 'zod';
import type { Endpoint } from '../../db/endpoints';
import { component, page, timestamp } from './registry';

const ENDPOINT_STATUSES = [
  'pending_verification',
  'active',
  'failing',
  'verification_failed',
  'disabled',
] as const;

/** Statuses an endpoint can be in, for filters. */
export const endpointStatusSchema = z.enum(ENDPOINT_STATUSES, {
  error: (issue) =>
    `unknown endpoint status ${JSON.stringify(issue.input)}; expected one of ${ENDPOINT_STATUSES.join(', ')}`,
});

export const endpointSchema = component(
  'Endpoint',
  z.object({
    id: z.string(),
    site_id: z.string(),
    url: z.string(),
    description: z.string(),
    events: z.array(z.string()).describe('event types the endpoint receives'),
    status: endpointStatusSchema.describe(
      'only active and failing endpoints receive events; failing means a delivery used up its attempts',
    ),
    enabled: z.boolean(),
    status_reason: z
      .string()
      .nullable()
      .describe('why verification failed, or the last error of a failing endpoint'),
    verified_at: timestamp().nullable(),
    failing_since: timestamp().nullable(),
    created_at: timestamp(),
    updated_at: timestamp(),
  }),
  'A URL of a site that receives signed events',
);

export const endpointWithSecretSchema = component(
  'EndpointWithSecret',
  endpointSchema.extend({
    secret: z.string().describe('the signing secret; shown here once, store it now'),
  }),
);

export const endpointPageSchema = page('EndpointPage', endpointSchema);

/** Serializes an endpoint as the API shows it: snake_case, never the secret. */
export function serializeEndpoint(endpoint: Endpoint): z.infer<typeof endpointSchema> {
  return {
    id: endpoint.id,
    site_id: endpoint.siteId,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.eventTypes,
    status: endpoint.status,
    enabled: endpoint.status !== 'disabled',
    status_reason: endpoint.statusReason,
    verified_at: endpoint.verifiedAt?.toISOString() ?? null,
    failing_since: endpoint.failingSince?.toISOString() ?? null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}
