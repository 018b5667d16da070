import type { Pool } from 'pg';
import { countStoredSecretsByKey } from '../db/secret-reencryption';
import type { Logger } from '../logger';
import type { SecretBox } from './secret-box';

/**
 * Logs at start-up what the stored endpoint secrets need from the keyring. Secrets under a key
 * missing from it are an error, because requests to their endpoints cannot be signed until the
 * key is added back. Plaintext secrets and secrets under an older key are a warning, because
 * `npm run secrets:reencrypt` should move them to the current key.
 */
export async function checkStoredSecretKeys(
  pool: Pool,
  secretBox: SecretBox,
  logger: Logger,
): Promise<void> {
  const stored = await countStoredSecretsByKey(pool);
  const keyIds = Object.keys(stored.byKeyId);
  const missing = keyIds.filter((keyId) => !secretBox.hasKey(keyId));
  const older = keyIds.filter(
    (keyId) => keyId !== secretBox.currentKeyId && !missing.includes(keyId),
  );

  if (missing.length > 0) {
    const secrets = missing.reduce((sum, keyId) => sum + stored.byKeyId[keyId]!, 0);
    logger.error(
      { keyIds: missing, secrets },
      'endpoint secrets cannot be decrypted because SECRET_ENCRYPTION_KEYS lacks their keys',
    );
  }
  if (stored.plaintext > 0 || older.length > 0) {
    logger.warn(
      { plaintext: stored.plaintext, olderKeyIds: older },
      'endpoint secrets are not encrypted with the current key, so run npm run secrets:reencrypt',
    );
  }
}
