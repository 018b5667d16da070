import { signPostion, signStandardWebhooks } from './signature';

/** Sent as User-Agent on every request, so receivers and their firewalls can recognise us. */
export const USER_AGENT = 'Postion-Webhooks/1.0';

/** Fields that a signed request carries. */
export interface SignedRequestFields {
  /** The endpoint's current secret. */
  secret: string;
  /** The secret a rotation replaced, set only during its grace period by `selectSigningSecrets`. */
  previousSecret?: string;
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
 *
 * During a rotation's grace period the request is signed with both secrets, so a receiver holding
 * either one verifies it. `webhook-signature` then lists two space-separated entries, the current
 * secret's first, which the Standard Webhooks specification allows for zero-downtime rotation.
 * `x-postion-signature` always carries the current secret's HMAC, and
 * `x-postion-signature-previous` carries the previous secret's HMAC, sent only in that period.
 */
export function buildSignedHeaders(fields: SignedRequestFields): Record<string, string> {
  const secrets = [fields.secret];
  if (fields.previousSecret !== undefined) secrets.push(fields.previousSecret);
  const standardSignatures = secrets.map((secret) =>
    signStandardWebhooks(secret, fields.eventId, fields.timestampSeconds, fields.body),
  );

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-postion-signature': signPostion(fields.secret, fields.body),
    'x-postion-event-id': fields.eventId,
    'x-postion-event-type': fields.eventType,
    'webhook-id': fields.eventId,
    'webhook-timestamp': String(fields.timestampSeconds),
    'webhook-signature': standardSignatures.join(' '),
  };

  if (fields.previousSecret !== undefined) {
    headers['x-postion-signature-previous'] = signPostion(fields.previousSecret, fields.body);
  }
  if (fields.deliveryId !== undefined) headers['x-postion-delivery-id'] = fields.deliveryId;
  if (fields.attemptNumber !== undefined)
    headers['x-postion-attempt'] = String(fields.attemptNumber);
  return headers;
}

/** Placeholder for a signature value in headers that are stored or shown. */
export const HIDDEN_SIGNATURE = '<hidden>';

/**
 * Returns a copy of signed request headers with every signature value replaced by
 * `HIDDEN_SIGNATURE`. A signature next to its body proves the sender to anyone who reads both, so
 * none is stored or shown. `webhook-signature` keeps its `v1,` version tags and its number of entries,
 * which tell a receiver how to verify it and whether a rotation is under way.
 */
export function hideSignatures(headers: Record<string, string>): Record<string, string> {
  const hidden = { ...headers };
  for (const name of ['x-postion-signature', 'x-postion-signature-previous']) {
    if (hidden[name] !== undefined) hidden[name] = HIDDEN_SIGNATURE;
  }
  const standard = hidden['webhook-signature'];
  if (standard !== undefined) {
    hidden['webhook-signature'] = standard
      .split(' ')
      .map((entry) => `${entry.split(',')[0]},${HIDDEN_SIGNATURE}`)
      .join(' ');
  }
  return hidden;
}
