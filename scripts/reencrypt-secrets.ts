/**
 * Re-encrypts every stored endpoint secret with the first key of SECRET_ENCRYPTION_KEYS: values
 * under an older key and plaintext values stored before encryption. Safe to run again; values
 * already under the first key stay as they are. It prints counts and key ids, never a secret.
 *
 * Usage: npm run secrets:reencrypt [-- --batch-size N]
 *
 * Reads DATABASE_URL and SECRET_ENCRYPTION_KEYS. Exits 1 when the settings are invalid or a value
 * cannot be decrypted (its key is missing from SECRET_ENCRYPTION_KEYS), and 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createPool } from '../src/db/pool';
import {
  countStoredSecretsByKey,
  DEFAULT_REENCRYPTION_BATCH_SIZE,
  reencryptEndpointSecrets,
  type StoredSecretKeys,
} from '../src/db/secret-reencryption';
import { SecretBox } from '../src/secrets/secret-box';

const USAGE = 'Usage: npm run secrets:reencrypt [-- --batch-size N]';

function print(line: string): void {
  process.stdout.write(`[reencrypt] ${line}\n`);
}

function describeKeys(stored: StoredSecretKeys): string {
  const parts = Object.entries(stored.byKeyId).map(([keyId, count]) => `${count} under "${keyId}"`);
  if (stored.plaintext > 0) parts.push(`${stored.plaintext} in plaintext`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Returns the batch size from the arguments, or undefined after printing a usage error. */
function readBatchSize(args: string[]): number | undefined {
  let text = String(DEFAULT_REENCRYPTION_BATCH_SIZE);
  try {
    const { values } = parseArgs({ args, options: { 'batch-size': { type: 'string' } } });
    text = values['batch-size'] ?? text;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return undefined;
  }
  const batchSize = Number(text);
  if (Number.isInteger(batchSize) && batchSize >= 1) return batchSize;
  process.stderr.write(`--batch-size must be a whole number from 1, got "${text}".\n${USAGE}\n`);
  return undefined;
}

async function main(args: string[]): Promise<number> {
  const batchSize = readBatchSize(args);
  if (batchSize === undefined) return 2;
  const config = loadConfig();
  const secretBox = new SecretBox(config.SECRET_ENCRYPTION_KEYS);
  const pool = createPool(config.DATABASE_URL, { max: 1 });
  try {
    print(`stored secrets before: ${describeKeys(await countStoredSecretsByKey(pool))}`);
    print(`re-encrypting with key "${secretBox.currentKeyId}", ${batchSize} endpoints per batch`);
    const counts = await reencryptEndpointSecrets(pool, secretBox, {
      batchSize,
      onBatch: (progress) => print(`${progress.endpoints} endpoints re-encrypted so far`),
    });
    print(
      `re-encrypted the secrets of ${counts.endpoints} endpoints (current: ${counts.secrets}, ` +
        `previous: ${counts.previousSecrets}, from plaintext: ${counts.fromPlaintext})`,
    );
    print(`stored secrets after: ${describeKeys(await countStoredSecretsByKey(pool))}`);
    return 0;
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[reencrypt] failed: ${error instanceof Error ? error.message : error}\n`);
    process.exitCode = 1;
  },
);
