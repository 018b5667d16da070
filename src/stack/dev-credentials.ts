import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateApiKey } from '../db/api-keys';
import { generateEncryptionKeyEntry } from '../secrets/encryption-keys';

/** Credentials of the dev stack, kept between runs so that scripts keep working. */
export interface DevCredentials {
  siteApiKey: string;
  publisherToken: string;
  /** The `SECRET_ENCRYPTION_KEYS` value of the dev stack's API and worker. */
  secretEncryptionKeys: string;
}

/**
 * Returns the dev site's API key, the publisher token and the keyring of endpoint secrets: from
 * DEV_SITE_API_KEY, PUBLISHER_TOKEN and SECRET_ENCRYPTION_KEYS when set, else from `file`, else
 * newly generated. The result is written back, mode 0600, for the next run and for
 * `npm run demo`. Losing the file loses the key, and with it the endpoint secrets it encrypted.
 */
export function loadDevCredentials(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): DevCredentials {
  const stored: Partial<DevCredentials> = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : {};
  const credentials: DevCredentials = {
    siteApiKey: env.DEV_SITE_API_KEY || stored.siteApiKey || generateApiKey(),
    publisherToken:
      env.PUBLISHER_TOKEN ||
      stored.publisherToken ||
      `pub_${randomBytes(24).toString('base64url')}`,
    secretEncryptionKeys:
      env.SECRET_ENCRYPTION_KEYS ||
      stored.secretEncryptionKeys ||
      generateEncryptionKeyEntry('dev-1'),
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
