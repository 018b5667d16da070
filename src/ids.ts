import { randomBytes } from 'node:crypto';

// Crockford's base32 alphabet: no I, L, O or U, so ids survive being read aloud or retyped.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Creates a prefixed, time-ordered id such as `dlv_01JC3…`: 48 bits of milliseconds then 80
 * random bits (the ULID layout), so ids sort by creation time and serve as pagination cursors.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  let time = '';
  let remaining = nowMs;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }

  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) {
    random += ALPHABET[bytes[i]! % 32];
  }

  return `${prefix}_${time}${random}`;
}
