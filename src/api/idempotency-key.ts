import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { IdempotentRequest } from './accept-event';
import { validationProblem } from './problem';

/** Longest Idempotency-Key accepted, in characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// Visible ASCII only: a key is compared byte for byte, and invisible characters would make two
// keys that look the same differ.
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/**
 * Reads the `Idempotency-Key` header of a request with a parsed JSON body, or returns undefined
 * when it is absent. Throws a 400 problem that names the value when it is malformed.
 */
export function readIdempotentRequest(req: Request): IdempotentRequest | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;

  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    const quotedKey = JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}...` : key);
    throw validationProblem([
      {
        path: 'headers.idempotency-key',
        message: `invalid Idempotency-Key ${quotedKey}: use 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, such as a UUID`,
      },
    ]);
  }
  // The parsed body, serialized again, so that whitespace alone does not make two bodies differ.
  const requestFingerprint = createHash('sha256').update(JSON.stringify(req.body)).digest();
  return { key, requestFingerprint };
}
