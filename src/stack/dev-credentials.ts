import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateApiKey } from '../db/api-keys';

/** Credentials of the dev stack, kept between runs so that scripts keep working. */
export interface DevCredentials {
  siteApiKey: string;
  publisherToken: string;
}

/**
 * Returns the dev site's API key and the publisher token: from DEV_SITE_API_KEY and
 * PUBLISHER_TOKEN when set, else from `file`, else newly generated. The result is written back,
 * mode 0600, for the next run and for `npm run demo`.
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
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
