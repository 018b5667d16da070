import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { rotateEndpointSecret } from '../../src/db/endpoint-secrets';
import {
  countStoredSecretsByKey,
  reencryptEndpointSecrets,
} from '../../src/db/secret-reencryption';
import { generateEndpointSecret } from '../../src/delivery/signature';
import { SecretDecryptionError } from '../../src/secrets/secret-box';
import { checkStoredSecretKeys } from '../../src/secrets/stored-key-check';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';
import { KEY_A, KEY_B, testSecretBox } from '../helpers/secret-keys';
import { createTestLogger } from '../helpers/test-logger';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

let db: TestDatabase;
let siteId: string;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query('TRUNCATE endpoints CASCADE');
  siteId = (await createSite(db.pool)).id;
});

/** Inserts an endpoint whose secret is stored as given, and returns its id. */
async function insertStored(id: string, secret: string): Promise<string> {
  await db.pool.query(
    `INSERT INTO endpoints (id, site_id, url, event_types, secret, status)
     VALUES ($1, $2, 'http://127.0.0.1:9/hook', '{subscriber.created}', $3, 'active')`,
    [id, siteId, secret],
  );
  return id;
}

/**
 * Stores endpoints as a database looks before a key rotation: secrets under key A, one rotated
 * with its previous secret under A, one plaintext row from before encryption, and one deleted.
 * Returns the plaintext of every secret by endpoint id and column.
 */
async function seedUnderKeyA() {
  const keyA = testSecretBox(KEY_A);
  const plaintext = new Map<string, string>();
  for (const id of ['ep_a1', 'ep_a2', 'ep_a3', 'ep_rotated']) {
    const secret = generateEndpointSecret();
    plaintext.set(`${id}.secret`, secret);
    await insertStored(id, keyA.encrypt(secret, id));
  }
  const newSecret = generateEndpointSecret();
  plaintext.set('ep_rotated.previous_secret', plaintext.get('ep_rotated.secret')!);
  plaintext.set('ep_rotated.secret', newSecret);
  await rotateEndpointSecret(db.pool, keyA, siteId, 'ep_rotated', { newSecret, graceSeconds: 60 });

  const legacy = generateEndpointSecret();
  plaintext.set('ep_legacy.secret', legacy);
  await insertStored('ep_legacy', legacy);
  await insertStored('ep_deleted', '');
  return plaintext;
}

async function storedValues(): Promise<Map<string, string>> {
  const { rows } = await db.pool.query<{
    id: string;
    secret: string;
    previous_secret: string | null;
  }>('SELECT id, secret, previous_secret FROM endpoints ORDER BY id');
  const values = new Map<string, string>();
  for (const row of rows) {
    values.set(`${row.id}.secret`, row.secret);
    if (row.previous_secret !== null) values.set(`${row.id}.previous_secret`, row.previous_secret);
  }
  return values;
}

async function runCommand(keys: string, ...args: string[]) {
  return await run(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    ['scripts/reencrypt-secrets.ts', ...args],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, SECRET_ENCRYPTION_KEYS: keys } },
  );
}

test('command moves every value to the first key', async () => {
  const plaintext = await seedUnderKeyA();

  const { stdout } = await runCommand(`${KEY_B},${KEY_A}`, '--batch-size', '2');

  const stored = await storedValues();
  expect(stored.get('ep_deleted.secret')).toBe('');
  stored.delete('ep_deleted.secret');
  const keyBOnly = testSecretBox(KEY_B);
  for (const [column, value] of stored) {
    expect(value).toMatch(/^enc:v1:key-b:/);
    const [id] = column.split('.');
    expect(keyBOnly.decrypt(value, id!)).toBe(plaintext.get(column));
  }
  expect(stored.size).toBe(plaintext.size);
  expect(stdout).toContain('stored secrets before: 5 under "key-a", 1 in plaintext');
  expect(stdout).toContain('re-encrypting with key "key-b", 2 endpoints per batch');
  expect(stdout).toContain(
    're-encrypted the secrets of 5 endpoints (current: 5, previous: 1, from plaintext: 1)',
  );
  expect(stdout).toContain('stored secrets after: 6 under "key-b"');
  expect(stdout).not.toContain('whsec_');
  expect(stdout).not.toContain('enc:v1');
});

test('second run changes nothing', async () => {
  await seedUnderKeyA();
  const keyring = testSecretBox(`${KEY_B},${KEY_A}`);
  await reencryptEndpointSecrets(db.pool, keyring);
  const before = await storedValues();

  const counts = await reencryptEndpointSecrets(db.pool, keyring);

  expect(counts).toEqual({ endpoints: 0, secrets: 0, previousSecrets: 0, fromPlaintext: 0 });
  expect(await storedValues()).toEqual(before);
});

test('value under a missing key stops the run', async () => {
  await seedUnderKeyA();

  const error = await reencryptEndpointSecrets(db.pool, testSecretBox(KEY_B)).catch(
    (caught: unknown) => caught,
  );

  expect(error).toBeInstanceOf(SecretDecryptionError);
  expect((error as Error).message).toContain('is encrypted with key "key-a"');
  const stored = await countStoredSecretsByKey(db.pool);
  expect(stored).toEqual({ plaintext: 1, byKeyId: { 'key-a': 5 } });
});

test('command with an invalid batch size exits 2', async () => {
  const failure = await runCommand(KEY_A, '--batch-size', '0').catch((caught) => caught);

  expect(failure.code).toBe(2);
  expect(failure.stderr).toContain('--batch-size must be a whole number from 1, got "0"');
});

describe('checkStoredSecretKeys', () => {
  async function checkLines(keys: string): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const logger = createTestLogger('test', 'silent', { write: (line) => lines.push(line) });
    await checkStoredSecretKeys(db.pool, testSecretBox(keys), logger);
    return lines.map((line) => JSON.parse(line));
  }

  test('key missing from the keyring is an error', async () => {
    await seedUnderKeyA();

    const [line] = await checkLines(KEY_B);

    expect(line).toMatchObject({ level: 50, keyIds: ['key-a'], secrets: 5 });
    expect(line!.msg).toContain('SECRET_ENCRYPTION_KEYS lacks their keys');
  });

  test('older key and plaintext are a warning', async () => {
    await seedUnderKeyA();

    const lines = await checkLines(`${KEY_B},${KEY_A}`);

    expect(lines).toEqual([
      expect.objectContaining({ level: 40, plaintext: 1, olderKeyIds: ['key-a'] }),
    ]);
    expect(lines[0]!.msg).toContain('run npm run secrets:reencrypt');
  });

  test('secrets under the current key log nothing', async () => {
    await seedUnderKeyA();
    await reencryptEndpointSecrets(db.pool, testSecretBox(KEY_A));

    expect(await checkLines(KEY_A)).toEqual([]);
  });
});
