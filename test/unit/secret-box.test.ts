import { inspect } from 'node:util';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { generateEncryptionKeyEntry, parseEncryptionKeys } from '../../src/secrets/encryption-keys';
import { SecretDecryptionError } from '../../src/secrets/secret-box';
import { KEY_A, KEY_B, testSecretBox } from '../helpers/secret-keys';

const ENDPOINT = 'ep_01HZY0000000000000000000';
const STORED_FORM = /^enc:v1:key-a:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/;

function decryptionError(run: () => unknown): SecretDecryptionError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretDecryptionError) return error;
    throw error;
  }
  throw new Error('expected a SecretDecryptionError, but decryption succeeded');
}

/** Flips one bit of the decoded ciphertext-and-tag part of a stored value. */
function flipBit(stored: string, byteFromEnd: number): string {
  const parts = stored.split(':');
  const sealed = Buffer.from(parts[4]!, 'base64');
  sealed[sealed.length - byteFromEnd]! ^= 0x01;
  parts[4] = sealed.toString('base64');
  return parts.join(':');
}

describe('SecretBox', () => {
  test('round trip returns the secret', () => {
    const box = testSecretBox(KEY_A);
    const secret = generateEndpointSecret();

    const stored = box.encrypt(secret, ENDPOINT);

    expect(stored).toMatch(STORED_FORM);
    expect(stored).not.toContain(secret.slice('whsec_'.length));
    expect(box.decrypt(stored, ENDPOINT)).toBe(secret);
  });

  test('each encryption uses a fresh IV', () => {
    const box = testSecretBox(KEY_A);
    const secret = generateEndpointSecret();

    const first = box.encrypt(secret, ENDPOINT);
    const second = box.encrypt(secret, ENDPOINT);

    expect(first.split(':')[3]).not.toBe(second.split(':')[3]);
    expect(first).not.toBe(second);
  });

  test('wrong key with the same id fails', () => {
    const stored = testSecretBox(KEY_A).encrypt(generateEndpointSecret(), ENDPOINT);
    const impostor = testSecretBox(generateEncryptionKeyEntry('key-a'));

    const error = decryptionError(() => impostor.decrypt(stored, ENDPOINT));

    expect(error.message).toContain('failed authentication with key "key-a"');
    expect(error.endpointId).toBe(ENDPOINT);
    expect(error.keyId).toBe('key-a');
  });

  test('key missing from the keyring is named', () => {
    const stored = testSecretBox(KEY_A).encrypt(generateEndpointSecret(), ENDPOINT);

    const error = decryptionError(() => testSecretBox(KEY_B).decrypt(stored, ENDPOINT));

    expect(error.message).toBe(
      `secret of endpoint ${ENDPOINT} is encrypted with key "key-a", which SECRET_ENCRYPTION_KEYS does not contain. Add that key back to decrypt it.`,
    );
  });

  test('any key of the keyring decrypts', () => {
    const stored = testSecretBox(KEY_A).encrypt('whsec_AAAA', ENDPOINT);

    expect(testSecretBox(`${KEY_B},${KEY_A}`).decrypt(stored, ENDPOINT)).toBe('whsec_AAAA');
  });

  test.each([
    ['tag', 1],
    ['ciphertext', 17],
  ])('tampered %s fails', (_part, byteFromEnd) => {
    const box = testSecretBox(KEY_A);
    const stored = box.encrypt(generateEndpointSecret(), ENDPOINT);

    const error = decryptionError(() => box.decrypt(flipBit(stored, byteFromEnd), ENDPOINT));

    expect(error.message).toContain('failed authentication');
  });

  test('value copied to another endpoint fails', () => {
    const box = testSecretBox(KEY_A);
    const stored = box.encrypt(generateEndpointSecret(), ENDPOINT);

    const error = decryptionError(() => box.decrypt(stored, 'ep_other'));

    expect(error.message).toContain('secret of endpoint ep_other failed authentication');
  });

  test('legacy plaintext passes through', () => {
    const secret = generateEndpointSecret();

    expect(testSecretBox().decrypt(secret, ENDPOINT)).toBe(secret);
  });

  test('wiped secret reads as empty', () => {
    expect(testSecretBox().decrypt('', ENDPOINT)).toBe('');
  });

  test.each([
    ['enc:v2:key-a:AAAA:AAAA', 'unknown format version'],
    ['enc:v1:key-a:AAAA', 'expected key id, IV and ciphertext'],
    ['enc:v1:key-a:AAAA:AAAAAAAAAAAAAAAAAAAAAAAA', 'the IV is not 12 bytes'],
    ['enc:v1:key-a:AAAAAAAAAAAAAAAA:AAAA', 'the ciphertext is shorter than its tag'],
  ])('malformed value %s is rejected', (stored, detail) => {
    const error = decryptionError(() => testSecretBox(KEY_A).decrypt(stored, ENDPOINT));

    expect(error.message).toBe(
      `secret of endpoint ${ENDPOINT} is not a valid enc:v1: value: ${detail}`,
    );
  });

  test('errors never contain the stored value', () => {
    const stored = testSecretBox(KEY_A).encrypt(generateEndpointSecret(), ENDPOINT);
    const ciphertext = stored.split(':')[4]!;

    const errors = [
      decryptionError(() => testSecretBox(KEY_B).decrypt(stored, ENDPOINT)),
      decryptionError(() => testSecretBox(KEY_A).decrypt(stored, 'ep_other')),
    ];

    for (const error of errors) expect(error.message).not.toContain(ciphertext);
  });

  test('isCurrent checks the key id', () => {
    const rotated = testSecretBox(`${KEY_B},${KEY_A}`);

    expect(rotated.isCurrent(testSecretBox(KEY_B).encrypt('whsec_AAAA', ENDPOINT))).toBe(true);
    expect(rotated.isCurrent(testSecretBox(KEY_A).encrypt('whsec_AAAA', ENDPOINT))).toBe(false);
    expect(rotated.isCurrent('whsec_AAAA')).toBe(false);
    expect(rotated.isCurrent('')).toBe(true);
  });
});

describe('parseEncryptionKeys', () => {
  const material = KEY_A.split(':')[1]!;

  test('keeps the order of the entries', () => {
    const keys = parseEncryptionKeys(` ${KEY_B} , ${KEY_A}`);

    expect(keys.map((key) => key.id)).toEqual(['key-b', 'key-a']);
    expect(keys[0]!.key.symmetricKeySize).toBe(32);
  });

  test.each([
    ['empty', '', 'entry 1 is not in the form keyId:base64key'],
    ['trailing comma', `${KEY_A},`, 'entry 2 is not in the form keyId:base64key'],
    ['empty id', `:${material}`, 'entry 1 has an invalid key id'],
    ['comma in the id', `key,a:${material}`, 'entry 1 is not in the form keyId:base64key'],
    ['short key', `k:${material.slice(0, 40)}`, 'key "k" is not 32 bytes in standard base64'],
    ['base64url key', `k:${material.replace('+', '-')}`, 'key "k" is not 32 bytes in standard'],
    ['16-byte key', `k:${Buffer.alloc(16).toString('base64')}`, 'key "k" is not 32 bytes'],
    ['repeated id', `${KEY_A},${KEY_A}`, 'key id "key-a" appears twice'],
  ])('%s is rejected', (_case, setting, message) => {
    let error: unknown;
    try {
      parseEncryptionKeys(setting);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(material.slice(0, 40));
  });

  test('key material stays out of printed keys', () => {
    const [key] = parseEncryptionKeys(KEY_A);

    expect(JSON.stringify(key)).not.toContain(material);
    expect(inspect(key, { depth: 5 })).not.toContain(material);
  });
});
