import type { Pool } from 'pg';
import { encryptedKeyPrefix, type SecretBox } from '../secrets/secret-box';
import { withTransaction } from './pool';

/** Endpoints whose secrets one transaction re-encrypts, unless the caller chooses. */
export const DEFAULT_REENCRYPTION_BATCH_SIZE = 500;

/** Counts of a re-encryption, all of values rewritten under the current key. */
export interface ReencryptionCounts {
  /** Endpoints with at least one value rewritten. */
  endpoints: number;
  secrets: number;
  previousSecrets: number;
  /** Values among those that were plaintext, stored before encryption. */
  fromPlaintext: number;
}

interface SecretRow {
  id: string;
  secret: string;
  previous_secret: string | null;
}

/**
 * Rewrites every endpoint's secret and previous secret that is not encrypted with the current key
 * of `secretBox`, plaintext values included. Each batch of `batchSize` endpoints is one
 * transaction that locks its rows, so a rotation at the same time waits instead of being
 * overwritten. Values already under the current key are left alone, so running it again changes
 * nothing. `onBatch` receives the running totals after each batch.
 *
 * @throws SecretDecryptionError when a value is encrypted with a key missing from `secretBox`.
 *   Batches committed before it stay rewritten.
 */
export async function reencryptEndpointSecrets(
  pool: Pool,
  secretBox: SecretBox,
  options: { batchSize?: number; onBatch?: (counts: ReencryptionCounts) => void } = {},
): Promise<ReencryptionCounts> {
  const batchSize = options.batchSize ?? DEFAULT_REENCRYPTION_BATCH_SIZE;
  const counts: ReencryptionCounts = {
    endpoints: 0,
    secrets: 0,
    previousSecrets: 0,
    fromPlaintext: 0,
  };
  let after = '';
  for (;;) {
    const rows = await withTransaction(pool, async (client) => {
      const { rows: batch } = await client.query<SecretRow>(
        `SELECT id, secret, previous_secret FROM endpoints
         WHERE id > $1
           AND ((secret <> '' AND NOT starts_with(secret, $2))
                OR NOT starts_with(previous_secret, $2))
         ORDER BY id LIMIT $3
         FOR UPDATE`,
        [after, encryptedKeyPrefix(secretBox.currentKeyId), batchSize],
      );
      const updated = batch.map((row) => reencryptRow(secretBox, row, counts));
      // updated_at stays: the secrets are the same, only their stored form changes.
      await client.query(
        `UPDATE endpoints ep SET secret = t.secret, previous_secret = t.previous_secret
         FROM unnest($1::text[], $2::text[], $3::text[]) AS t (id, secret, previous_secret)
         WHERE ep.id = t.id`,
        [
          updated.map((row) => row.id),
          updated.map((row) => row.secret),
          updated.map((row) => row.previous_secret),
        ],
      );
      return batch;
    });
    if (rows.length === 0) return counts;

    counts.endpoints += rows.length;
    options.onBatch?.({ ...counts });
    after = rows[rows.length - 1]!.id;
  }
}

function reencryptRow(secretBox: SecretBox, row: SecretRow, counts: ReencryptionCounts): SecretRow {
  const rewrite = (stored: string): string => {
    if (secretBox.isCurrent(stored)) return stored;
    if (!stored.startsWith('enc:')) counts.fromPlaintext += 1;
    return secretBox.encrypt(secretBox.decrypt(stored, row.id), row.id);
  };

  const secret = rewrite(row.secret);
  if (secret !== row.secret) counts.secrets += 1;
  const previous = row.previous_secret === null ? null : rewrite(row.previous_secret);
  if (previous !== row.previous_secret) counts.previousSecrets += 1;
  return { id: row.id, secret, previous_secret: previous };
}

/** Number of stored secrets, previous ones included, per encryption key id. */
export interface StoredSecretKeys {
  /** Values stored before encryption. */
  plaintext: number;
  byKeyId: Record<string, number>;
}

/** Counts the non-empty stored secrets by the key that encrypted them. */
export async function countStoredSecretsByKey(pool: Pool): Promise<StoredSecretKeys> {
  const { rows } = await pool.query<{ key_id: string | null; count: number }>(
    `SELECT CASE WHEN starts_with(value, 'enc:') THEN split_part(value, ':', 3) END AS key_id,
            count(*)::int AS count
     FROM endpoints, LATERAL (VALUES (secret), (previous_secret)) AS stored (value)
     WHERE value <> ''
     GROUP BY 1`,
  );
  const counts: StoredSecretKeys = { plaintext: 0, byKeyId: {} };
  for (const row of rows) {
    if (row.key_id === null) counts.plaintext = row.count;
    else counts.byKeyId[row.key_id] = row.count;
  }
  return counts;
}
