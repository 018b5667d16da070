import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { buildSignedHeaders } from '../../src/delivery/headers';
import { generateEndpointSecret, signPostion } from '../../src/delivery/signature';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"id":"evt_1","event":"payment.failed"}';

// Computed once outside the code under test:
// printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
const OPENSSL_HEX = '814004c92be4c4a890172542bfde96a0ced01742d494204e5e98b0d6bd1dba7f';

function signedHeaders(secret: string, body: string): Record<string, string> {
  return buildSignedHeaders({
    secret,
    body,
    eventId: 'evt_01JC3Z7Q2M5X8V9T0R1S2N3P4K',
    eventType: 'subscriber.created',
    // standardwebhooks rejects timestamps more than five minutes from its clock.
    timestampSeconds: Math.floor(Date.now() / 1000),
  });
}

describe('signPostion', () => {
  test('matches node crypto HMAC', () => {
    const body = '{"id":"evt_2","event":"subscriber.created","data":{"name":"Zoë"}}';
    const expected = createHmac('sha256', SECRET).update(body, 'utf8').digest('hex');

    expect(signPostion(SECRET, body)).toBe(expected);
  });

  test('matches openssl known answer', () => {
    expect(signPostion(SECRET, BODY)).toBe(OPENSSL_HEX);
  });

  test('keys with the prefix included', () => {
    const withoutPrefix = createHmac('sha256', SECRET.slice('whsec_'.length))
      .update(BODY, 'utf8')
      .digest('hex');

    expect(signPostion(SECRET, BODY)).not.toBe(withoutPrefix);
  });
});

describe('buildSignedHeaders', () => {
  test('verifies with standardwebhooks library', () => {
    const headers = signedHeaders(SECRET, BODY);

    expect(() => new Webhook(SECRET).verify(BODY, headers)).not.toThrow();
  });

  test('fails verification after body change', () => {
    const headers = signedHeaders(SECRET, BODY);
    // The tampered body differs in one byte, the last digit of the event id.
    const tampered = BODY.replace('evt_1', 'evt_2');

    expect(tampered).toHaveLength(BODY.length);
    expect(() => new Webhook(SECRET).verify(tampered, headers)).toThrow();
  });

  test('fails verification with another secret', () => {
    const headers = signedHeaders(SECRET, BODY);
    const otherSecret = generateEndpointSecret();

    expect(() => new Webhook(otherSecret).verify(BODY, headers)).toThrow();
  });

  test('carries Postion signature of body', () => {
    const headers = signedHeaders(SECRET, BODY);

    expect(headers['x-postion-signature']).toBe(OPENSSL_HEX);
  });
});

describe('generateEndpointSecret', () => {
  test('has whsec prefix', () => {
    expect(generateEndpointSecret().startsWith('whsec_')).toBe(true);
  });

  test('encodes 24 bytes in base64', () => {
    const encoded = generateEndpointSecret().slice('whsec_'.length);

    expect(encoded).toMatch(/^[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(encoded, 'base64')).toHaveLength(24);
  });

  test('returns distinct values', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => generateEndpointSecret()));

    expect(secrets.size).toBe(100);
  });
});
