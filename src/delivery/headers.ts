import { signPostion, signStandardWebhooks } from './signature';

/** Sent as User-Agent on every request, so receivers and their firewalls can recognise us. */
export const USER_AGENT = 'Postion-Webhooks/1.0';

/** Fields that a signed request carries. */
export interface SignedRequestFields {
  secret: string;
  body: string;
  eventId: string;
  eventType: string;
  timestampSeconds: number;
  deliveryId?: string;
  attemptNumber?: number;
}

/**
 * Builds the headers of a signed request. `webhook-id` is the event id on every attempt, so
 * Standard Webhooks receivers deduplicate across retries and redeliveries. `webhook-timestamp` is
 * fresh on each attempt, as their replay protection expects.
 */
export function buildSignedHeaders(fields: SignedRequestFields): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-postion-signature': signPostion(fields.secret, fields.body),
    'x-postion-event-id': fields.eventId,
    'x-postion-event-type': fields.eventType,
    'webhook-id': fields.eventId,
    'webhook-timestamp': String(fields.timestampSeconds),
    'webhook-signature': signStandardWebhooks(
      fields.secret,
      fields.eventId,
      fields.timestampSeconds,
      fields.body,
    ),
  };

  if (fields.deliveryId !== undefined) headers['x-postion-delivery-id'] = fields.deliveryId;
  if (fields.attemptNumber !== undefined)
    headers['x-postion-attempt'] = String(fields.attemptNumber);
  return headers;
}
