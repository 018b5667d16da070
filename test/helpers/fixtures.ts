import type { Pool } from 'pg';
import { storeEvent } from '../../src/db/events';
import { addApiKey, generateApiKey } from '../../src/db/api-keys';
import { upsertSite } from '../../src/db/sites';
import type { EndpointStatus } from '../../src/db/endpoints';
import { serializeEnvelope, type EventEnvelope } from '../../src/events/envelope';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { newId } from '../../src/ids';

/** Creates a site with an owner email and an API key. */
export async function createSite(pool: Pool, ownerEmail = 'owner@example.com') {
  const site = { id: newId('site'), name: 'Test site', ownerEmail };
  await upsertSite(pool, site);
  const apiKey = generateApiKey();
  await addApiKey(pool, site.id, apiKey);
  return { ...site, apiKey };
}

/** Inserts an endpoint straight into the database, skipping verification. */
export async function createEndpoint(
  pool: Pool,
  siteId: string,
  url: string,
  options: { status?: EndpointStatus; eventTypes?: string[] } = {},
) {
  const endpoint = {
    id: newId('ep'),
    secret: generateEndpointSecret(),
    url,
    status: options.status ?? 'active',
  };
  await pool.query(
    `INSERT INTO endpoints (id, site_id, url, event_types, secret, status, failing_since)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'failing' THEN now() END)`,
    [
      endpoint.id,
      siteId,
      url,
      options.eventTypes ?? ['subscriber.created'],
      endpoint.secret,
      endpoint.status,
    ],
  );
  return endpoint;
}

/** Builds a valid `subscriber.created` event for a site. */
export function subscriberCreated(siteId: string, id = newId('evt')): EventEnvelope {
  return {
    id,
    event: 'subscriber.created',
    timestamp: '2025-07-15T10:30:00.000Z',
    data: {
      id: 'sub_abc123',
      email: 'jane@example.com',
      name: 'Jane Doe',
      plan: 'pro',
      site_id: siteId,
    },
  };
}

/** Stores an event as the API would, and returns its id and body. */
export async function storeTestEvent(pool: Pool, envelope: EventEnvelope) {
  const body = serializeEnvelope(envelope);
  await storeEvent(pool, envelope, body, Buffer.from(envelope.id));
  return { eventId: envelope.id, body };
}
