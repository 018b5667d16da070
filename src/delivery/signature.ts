import { createHmac, randomBytes } from 'node:crypto';

/** Prefix of endpoint secrets, as in the Standard Webhooks specification. */
export const SECRET_PREFIX = 'whsec_';

/** Creates an endpoint secret: `whsec_` followed by 24 random bytes in base64. */
export function generateEndpointSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/**
 * Computes the `X-Postion-Signature` value: lowercase hex HMAC-SHA256 of the raw body, keyed with
 * the secret string exactly as the owner sees it (its UTF-8 bytes, prefix included).
 */
export function signPostion(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/**
 * Computes one `webhook-signature` entry of the Standard Webhooks specification: `v1,` and the
 * base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the base64-decoded part of the secret.
 */
export function signStandardWebhooks(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${messageId}.${timestampSeconds}.${body}`, 'utf8')
    .digest('base64');
  return `v1,${signature}`;
}
