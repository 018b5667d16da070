import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { buildSignedHeaders, hideSignatures } from '../../src/delivery/headers';
import { generateEndpointSecret, signPostion } from '../../src/delivery/signature';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"id":"evt_1","event":"payment.failed"}';

// Computed once outside the code under test:
// printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
const OPENSSL_HEX = '814004c92be4c4a890172542bfde96a0ced01742d494204e5e98b0d6bd1dba7f';

function signedHeaders(
  secret: string,
  body: string,
  previousSecret?: string,
): Record<string, string> {
  return buildSignedHeaders({
    secret,
    previousSecret,
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

describe('buildSignedHeaders during rotation', () => {
  const NEW_SECRET = 'whsec_3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAA';

  /** Compares a hex header with the HMAC a receiver holding `secret` computes. */
  function matchesHex(header: string | undefined, secret: string): boolean {
    const expected = createHmac('sha256', secret).update(BODY, 'utf8').digest('hex');
    const received = Buffer.from(header ?? '');
    return received.length === expected.length && timingSafeEqual(received, Buffer.from(expected));
  }

  test('one secret sends one entry and no previous header', () => {
    const headers = signedHeaders(NEW_SECRET, BODY);

    expect(headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(headers['x-postion-signature-previous']).toBeUndefined();
  });

  test('two secrets send two space-separated entries', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);
    const entries = headers['webhook-signature']!.split(' ');

    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(entries[1]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(entries[0]).not.toBe(entries[1]);
    expect(entries[0]).toBe(signedHeaders(NEW_SECRET, BODY)['webhook-signature']);
  });

  test('new secret alone verifies with standardwebhooks', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);

    expect(() => new Webhook(NEW_SECRET).verify(BODY, headers)).not.toThrow();
  });

  test('previous secret alone verifies with standardwebhooks', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);

    expect(() => new Webhook(SECRET).verify(BODY, headers)).not.toThrow();
  });

  test('third secret fails standardwebhooks verification', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);

    expect(() => new Webhook(generateEndpointSecret()).verify(BODY, headers)).toThrow();
  });

  test('Postion signature stays with the new secret', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);

    expect(matchesHex(headers['x-postion-signature'], NEW_SECRET)).toBe(true);
    expect(matchesHex(headers['x-postion-signature'], SECRET)).toBe(false);
  });

  test('previous Postion signature uses the previous secret', () => {
    const headers = signedHeaders(NEW_SECRET, BODY, SECRET);

    expect(headers['x-postion-signature-previous']).toBe(OPENSSL_HEX);
    expect(matchesHex(headers['x-postion-signature-previous'], SECRET)).toBe(true);
    expect(matchesHex(headers['x-postion-signature-previous'], NEW_SECRET)).toBe(false);
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

describe('hideSignatures', () => {
  test('hides every signature value', () => {
    const headers = signedHeaders(SECRET, BODY, generateEndpointSecret());

    const hidden = hideSignatures(headers);

    expect(hidden['x-postion-signature']).toBe('<hidden>');
    expect(hidden['x-postion-signature-previous']).toBe('<hidden>');
    expect(hidden['webhook-signature']).toBe('v1,<hidden> v1,<hidden>');
  });

  test('keeps the other headers', () => {
    const headers = signedHeaders(SECRET, BODY);

    const hidden = hideSignatures(headers);

    expect(Object.keys(hidden).sort()).toEqual(Object.keys(headers).sort());
    expect(hidden['webhook-id']).toBe(headers['webhook-id']);
    expect(hidden['webhook-timestamp']).toBe(headers['webhook-timestamp']);
    expect(hidden['x-postion-signature-previous']).toBeUndefined();
  });

  test('leaves the input unchanged', () => {
    const headers = signedHeaders(SECRET, BODY);
    const signature = headers['x-postion-signature'];

    hideSignatures(headers);

    expect(headers['x-postion-signature']).toBe(signature);
  });
});
