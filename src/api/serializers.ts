import type { Endpoint } from '../db/endpoints';

/** Serializes an endpoint as the API shows it: snake_case, never the secret. */
export function serializeEndpoint(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    site_id: endpoint.siteId,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.eventTypes,
    status: endpoint.status,
    status_reason: endpoint.statusReason,
    verified_at: endpoint.verifiedAt?.toISOString() ?? null,
    failing_since: endpoint.failingSince?.toISOString() ?? null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}
