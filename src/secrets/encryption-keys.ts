import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** Length of an AES-256 key in bytes. */
export const KEY_BYTES = 32;

/** One key of the keyring. Its id is stored beside every value it encrypts. */
export interface EncryptionKey {
  /** 1 to 32 letters, digits, `.`, `_` or `-`; no `:` or `,`, which separate the setting. */
  id: string;
  /** The key material. A `KeyObject` prints and serializes without its bytes. */
  key: KeyObject;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

/**
 * Parses the `SECRET_ENCRYPTION_KEYS` form: comma-separated `keyId:base64` entries, each key 32
 * bytes in standard base64. The first entry encrypts and every entry decrypts.
 *
 * @throws RangeError naming the entry by position and the problem. The message never contains key
 *   material, because configuration errors are printed.
 */
export function parseEncryptionKeys(setting: string): EncryptionKey[] {
  const keys = setting.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1));
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new RangeError(`key id "${id}" appears twice`);
    seen.add(id);
  }
  return keys;
}

function parseEntry(entry: string, position: number): EncryptionKey {
  const separator = entry.indexOf(':');
  if (separator < 0) throw new RangeError(`entry ${position} is not in the form keyId:base64key`);

  const id = entry.slice(0, separator);
  if (!KEY_ID.test(id)) {
    throw new RangeError(
      `entry ${position} has an invalid key id; use 1 to 32 letters, digits, ".", "_" or "-"`,
    );
  }
  const encoded = entry.slice(separator + 1);
  const bytes = Buffer.from(encoded, 'base64');
  // Buffer.from skips characters outside base64, so a value with stray characters would decode to
  // a different key. Comparing the re-encoded bytes with the value rejects it.
  if (bytes.length !== KEY_BYTES || bytes.toString('base64') !== encoded) {
    throw new RangeError(`key "${id}" is not ${KEY_BYTES} bytes in standard base64`);
  }
  return { id, key: createSecretKey(bytes) };
}

/** Creates a new random key as one `keyId:base64` entry of `SECRET_ENCRYPTION_KEYS`. */
export function generateEncryptionKeyEntry(id: string): string {
  if (!KEY_ID.test(id)) throw new RangeError(`invalid key id "${id}"`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
