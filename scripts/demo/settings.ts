import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** API address and credentials for the demo. */
export interface DemoSettings {
  apiUrl: string;
  siteApiKey: string;
  publisherToken: string;
  /** Origin of the values (environment, file or both), for the header line. */
  source: string;
}

/** Error for missing or invalid settings, whose message includes the fix. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

interface DevStackFile {
  apiUrl?: unknown;
  siteApiKey?: unknown;
  publisherToken?: unknown;
}

const START_HINT =
  'Start the dev stack with `npm start` in another terminal, then run `npm run demo` again.';

/**
 * Loads the settings from API_URL, DEV_SITE_API_KEY and PUBLISHER_TOKEN, taking each value that
 * is not set from `dev-stack.json` in the data directory (POSTION_DATA_DIR, default `.data`),
 * which `npm start` writes.
 */
export function loadDemoSettings(env: NodeJS.ProcessEnv, rootDir: string): DemoSettings {
  const dataDir = path.resolve(env.POSTION_DATA_DIR ?? path.join(rootDir, '.data'));
  const stackFile = path.join(dataDir, 'dev-stack.json');
  const fromFile = readDevStackFile(stackFile);

  const apiUrl = env.API_URL || asString(fromFile?.apiUrl);
  const siteApiKey = env.DEV_SITE_API_KEY || asString(fromFile?.siteApiKey);
  const publisherToken = env.PUBLISHER_TOKEN || asString(fromFile?.publisherToken);

  const missing = [
    apiUrl ? null : 'API_URL',
    siteApiKey ? null : 'DEV_SITE_API_KEY',
    publisherToken ? null : 'PUBLISHER_TOKEN',
  ].filter((name): name is string => name !== null);
  if (!apiUrl || !siteApiKey || !publisherToken) {
    const where = fromFile ? `${stackFile} does not contain them` : `${stackFile} does not exist`;
    throw new SettingsError(`Missing ${missing.join(', ')}: not set and ${where}. ${START_HINT}`);
  }

  checkHttpUrl(apiUrl);
  const envNames = ['API_URL', 'DEV_SITE_API_KEY', 'PUBLISHER_TOKEN'];
  const setInEnv = envNames.filter((name) => env[name]).length;
  const relative = path.relative(rootDir, stackFile);
  const fileName = relative.startsWith('..') ? stackFile : relative;
  let source = 'environment';
  if (setInEnv === 0) source = fileName;
  else if (setInEnv < envNames.length) source = `environment and ${fileName}`;
  return { apiUrl: apiUrl.replace(/\/+$/, ''), siteApiKey, publisherToken, source };
}

function readDevStackFile(file: string): DevStackFile | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DevStackFile;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SettingsError(`Could not read ${file}: ${reason}. ${START_HINT}`);
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function checkHttpUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(`API_URL ${JSON.stringify(value)} is not an absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SettingsError(`API_URL ${JSON.stringify(value)} must use http:// or https://.`);
  }
}
