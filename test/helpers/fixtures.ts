import type { Pool } from 'pg';
import { storeEvent } from '../../src/db/events';
import { addApiKey, generateApiKey } from '../../src/db/api-keys';
import { upsertSite } from '../../src/db/sites';
import type { EndpointStatus } from '../../src/db/endpoints';
import type { DeliveryStatus } from '../../src/db/deliveries';
import { serializeEnvelope, type EventEnvelope } from '../../src/events/envelope';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { newId } from '../../src/ids';
import { deliveryWorkflowId, redeliveryWorkflowId } from '../../src/temporal/workflow-ids';
import { testSecretBox } from './secret-keys';

/** Creates a site with an owner email and an API key. */
export async function createSite(pool: Pool, ownerEmail = 'owner@example.com') {
  const site = { id: newId('site'), name: 'Test site', ownerEmail };
  await upsertSite(pool, site);
  const apiKey = generateApiKey();
  await addApiKey(pool, site.id, apiKey);
  return { ...site, apiKey };
}

/**
 * Inserts an endpoint straight into the database, skipping verification. Its secret is stored
 * encrypted with the test keyring, as the API stores it, or in plaintext with `legacySecret`, as
 * rows from before encryption are.
 */
export async function createEndpoint(
  pool: Pool,
  siteId: string,
  url: string,
  options: { status?: EndpointStatus; eventTypes?: string[]; legacySecret?: boolean } = {},
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
      options.legacySecret
        ? endpoint.secret
        : testSecretBox().encrypt(endpoint.secret, endpoint.id),
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

/**
 * Inserts a finished delivery of a stored event straight into the database, created at
 * `createdAt` and finished 14 hours 36 minutes later, as long as the retry schedule takes. No
 * workflow runs for it. Returns its id.
 */
export async function insertFinishedDelivery(
  pool: Pool,
  delivery: {
    eventId: string;
    endpointId: string;
    status: Extract<DeliveryStatus, 'succeeded' | 'failed'>;
    createdAt: Date;
    redeliveryOf?: string;
  },
): Promise<string> {
  const id = newId('dlv', delivery.createdAt.getTime());
  const workflowId = delivery.redeliveryOf
    ? redeliveryWorkflowId(id)
    : deliveryWorkflowId(delivery.eventId, delivery.endpointId);
  await pool.query(
    `INSERT INTO deliveries (id, event_id, endpoint_id, site_id, event_type, workflow_id, status,
                             redelivery_of, attempt_count, created_at, updated_at, completed_at)
     SELECT $1, ev.id, $3, ev.site_id, ev.type, $4, $5, $6, 6, $7::timestamptz,
            $7::timestamptz + interval '14h 36m',
            $7::timestamptz + interval '14h 36m'
     FROM events ev WHERE ev.id = $2`,
    [
      id,
      delivery.eventId,
      delivery.endpointId,
      workflowId,
      delivery.status,
      delivery.redeliveryOf ?? null,
      delivery.createdAt,
    ],
  );
  return id;
}
