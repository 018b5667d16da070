import { parseEncryptionKeys } from '../../src/secrets/encryption-keys';
import { SecretBox } from '../../src/secrets/secret-box';

// Fixed keys, so that a test can decrypt what the API or the worker of another helper stored, and
// so that the leak scan after the run can search for their key material.

/** The `SECRET_ENCRYPTION_KEYS` value of every test helper. */
export const TEST_ENCRYPTION_KEYS = 'test-1:brzrLkRe9VaPX0mcMCw8yWt6+Qp9Hxa+iMUlwAkss/U=';

/** An old key, for tests that rotate the encryption key from A to B. */
export const KEY_A = 'key-a:jiX8tB0CLD2AvHI1+2Uk4DI5hTOoz9UmWZNfi7X9n1o=';

/** A new key, for tests that rotate the encryption key from A to B. */
export const KEY_B = 'key-b:ZPjlMFWWh55KezCx3YV7Dn0JapyzBowXrM/UylQPxhs=';

/** The base64 key material of every fixed test key. */
export const TEST_KEY_MATERIAL = [TEST_ENCRYPTION_KEYS, KEY_A, KEY_B].map(
  (entry) => entry.split(':')[1]!,
);

/** Builds a `SecretBox` from a `SECRET_ENCRYPTION_KEYS` value, by default the test keyring. */
export function testSecretBox(setting: string = TEST_ENCRYPTION_KEYS): SecretBox {
  return new SecretBox(parseEncryptionKeys(setting));
}
