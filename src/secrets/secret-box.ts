import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { EncryptionKey } from './encryption-keys';

/**
 * Start of every encrypted value: `enc:v1:<keyId>:<base64 IV>:<base64 ciphertext and tag>`. The
 * version names AES-256-GCM with a 96-bit IV, a 128-bit tag and the endpoint id as associated
 * data. A value without the `enc:` start is a plaintext secret stored before encryption.
 */
export const ENCRYPTED_PREFIX = 'enc:v1:';

/** Start of every value encrypted with the key `keyId`. */
export function encryptedKeyPrefix(keyId: string): string {
  return `${ENCRYPTED_PREFIX}${keyId}:`;
}

const ALGORITHM = 'aes-256-gcm';
// GCM's native IV length is 96 bits. A random IV needs no counter shared between processes, and
// the chance that two of n values share one is about n² / 2^97: below 10^-15 for ten million.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Thrown when a stored secret cannot be decrypted: its key is not in the keyring, the value is
 * malformed, or authentication failed. The message names the endpoint and key ids only.
 */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';

  constructor(
    message: string,
    readonly endpointId: string,
    readonly keyId: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Encrypts endpoint secrets for storage and decrypts them on the way out. The first key of the
 * keyring encrypts, and every key decrypts the values it encrypted. The endpoint id is bound to
 * each value as associated data, so a value copied into another endpoint's row fails to decrypt.
 */
export class SecretBox {
  readonly #current: EncryptionKey;
  readonly #keys: ReadonlyMap<string, KeyObject>;

  /** @throws RangeError when `keys` is empty. */
  constructor(keys: readonly EncryptionKey[]) {
    if (!keys[0]) throw new RangeError('a SecretBox needs at least one key');
    this.#current = keys[0];
    this.#keys = new Map(keys.map(({ id, key }) => [id, key]));
  }

  /** Id of the key that encrypts new values. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /** Tells whether the keyring contains a key with id `keyId`. */
  hasKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** Encrypts `secret` of endpoint `endpointId` into the stored form, with a fresh IV. */
  encrypt(secret: string, endpointId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(endpointId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([ciphertext, cipher.getAuthTag()]).toString('base64');
    return `${encryptedKeyPrefix(this.#current.id)}${iv.toString('base64')}:${sealed}`;
  }

  /**
   * Returns the secret in `stored`. A value without the `enc:` prefix is returned as it is: a
   * plaintext secret from before encryption, or the empty string of a deleted endpoint.
   *
   * @throws SecretDecryptionError when the value cannot be decrypted with this keyring.
   */
  decrypt(stored: string, endpointId: string): string {
    if (!stored.startsWith('enc:')) return stored;

    const { keyId, iv, sealed } = splitStored(stored, endpointId);
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new SecretDecryptionError(
        `secret of endpoint ${endpointId} is encrypted with key "${keyId}", which SECRET_ENCRYPTION_KEYS does not contain. Add that key back to decrypt it.`,
        endpointId,
        keyId,
      );
    }
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(endpointId, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const ciphertext = sealed.subarray(0, sealed.length - TAG_BYTES);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretDecryptionError(
        `secret of endpoint ${endpointId} failed authentication with key "${keyId}". The key material, the stored value or the endpoint id differs from the ones it was encrypted with.`,
        endpointId,
        keyId,
        { cause: error },
      );
    }
  }

  /** Tells whether `stored` needs no re-encryption: encrypted with the current key, or empty. */
  isCurrent(stored: string): boolean {
    return stored === '' || stored.startsWith(encryptedKeyPrefix(this.#current.id));
  }
}

function splitStored(stored: string, endpointId: string) {
  const malformed = (detail: string) =>
    new SecretDecryptionError(
      `secret of endpoint ${endpointId} is not a valid ${ENCRYPTED_PREFIX} value: ${detail}`,
      endpointId,
      null,
    );
  if (!stored.startsWith(ENCRYPTED_PREFIX)) throw malformed('unknown format version');

  const parts = stored.slice(ENCRYPTED_PREFIX.length).split(':');
  if (parts.length !== 3) throw malformed('expected key id, IV and ciphertext');
  const [keyId, ivText, sealedText] = parts as [string, string, string];
  const iv = Buffer.from(ivText, 'base64');
  const sealed = Buffer.from(sealedText, 'base64');
  if (iv.length !== IV_BYTES) throw malformed(`the IV is not ${IV_BYTES} bytes`);
  if (sealed.length < TAG_BYTES) throw malformed('the ciphertext is shorter than its tag');
  return { keyId, iv, sealed };
}
