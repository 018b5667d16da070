import { z } from 'zod';
import { parseAddressAllowlist } from './network/address-filter';
import { parseEncryptionKeys } from './secrets/encryption-keys';

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(0).max(65535);

const addressAllowlist = z
  .string()
  .default('')
  .transform((text, context) => {
    const { ranges, problems } = parseAddressAllowlist(text);
    for (const message of problems) context.addIssue({ code: 'custom', message });
    return ranges;
  });

const KEY_HINT =
  'Set it to comma-separated keyId:base64key entries, of which the first encrypts. Create a key ' +
  `with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

const encryptionKeys = z
  .string({ message: `missing. ${KEY_HINT}` })
  .transform((setting, context) => {
    try {
      return parseEncryptionKeys(setting);
    } catch (error) {
      context.addIssue({ code: 'custom', message: `${(error as Error).message}. ${KEY_HINT}` });
      return z.NEVER;
    }
  });

/**
 * Every setting the API and the worker read, with its default. Each key is documented in the
 * README's settings table; keep the two in step.
 */
const configSchema = z.object({
  DATABASE_URL: z.url({ message: 'expected a postgres:// URL' }),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('postion-webhooks'),
  TEMPORAL_UI_URL: z.url().default('http://127.0.0.1:8233'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  // The worker's own HTTP server: /healthz, /readyz and /metrics, bound to HOST. 0 picks a free
  // port. 9464 is the port conventionally used by Prometheus exporters of OpenTelemetry SDKs.
  WORKER_HTTP_PORT: port.default(9464),
  SECRET_ENCRYPTION_KEYS: encryptionKeys,
  PUBLISHER_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  SMTP_URL: z.url({ message: 'expected an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Postion Webhooks <webhooks@localhost>'),
  ALLOW_HTTP_ENDPOINTS: booleanFlag.default(false),
  // Non-public ranges that endpoints may reach anyway, such as 127.0.0.0/8,::1/128 for local
  // development. Every other loopback, private, link-local or reserved address is rejected.
  ENDPOINT_ADDRESS_ALLOWLIST: addressAllowlist,
  ALLOW_LOOPBACK_ENDPOINTS: z
    .never({
      message:
        'was replaced by ENDPOINT_ADDRESS_ALLOWLIST; remove it, and set ENDPOINT_ADDRESS_ALLOWLIST=127.0.0.0/8,::1/128 to allow loopback endpoints',
    })
    .optional(),
  DELIVERY_SEARCH_ATTRIBUTES: booleanFlag.default(true),
  API_WORKER: booleanFlag.default(false),
  // A delivery workflow sleeps a minute or more between its tasks, so keeping it cached saves only
  // a replay of a few events. A small cache keeps a worker's memory flat however many deliveries
  // wait. The SDK's default here would be about 2,300 workflows, derived from a 4 GiB heap limit.
  WORKFLOW_CACHE_SIZE: z.coerce
    .number({ message: 'expected a whole number' })
    .int({ message: 'expected a whole number' })
    .min(0, { message: 'must be 0 or more' })
    .default(500),
  // Base URL of an OTLP/HTTP collector, such as http://127.0.0.1:4318; traces go to its
  // /v1/traces path. Unset, tracing is off.
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Settings after parsing, with defaults applied. */
export type Config = z.infer<typeof configSchema>;

/** Checks whether `schema` only rejects a removed setting, as `ALLOW_LOOPBACK_ENDPOINTS` does. */
function isRemovedSetting(schema: z.ZodType): boolean {
  return schema instanceof z.ZodOptional && schema.unwrap() instanceof z.ZodNever;
}

const settingSchemas = Object.entries(configSchema.shape as Record<string, z.ZodType>).filter(
  ([, schema]) => !isRemovedSetting(schema),
);

/** Names of the settings that the API and the worker read, in the order of the schema. */
export const SETTING_NAMES: readonly string[] = settingSchemas.map(([name]) => name);

/** Names of the settings without a default, which must be set. */
export const REQUIRED_SETTING_NAMES: readonly string[] = settingSchemas
  .filter(([, schema]) => !schema.safeParse(undefined).success)
  .map(([name]) => name);

/** Thrown by `loadConfig` when any setting is missing or invalid; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start-up. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = configSchema.safeParse(present);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const value = present[key];
    const hidden = /(TOKEN|_URL|_KEYS|_ENDPOINT)$/.test(key);
    const shown = value === undefined || hidden ? '' : ` (got "${value}")`;
    return `${key}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}
