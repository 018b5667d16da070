import { ConfigError, loadConfig, REQUIRED_SETTING_NAMES, SETTING_NAMES } from '../../src/config';
import { KEY_A, KEY_B, TEST_ENCRYPTION_KEYS } from '../helpers/secret-keys';

const VALID = {
  DATABASE_URL: 'postgres://user:pass@127.0.0.1:5432/webhooks',
  SECRET_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
};

function configProblems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('expected a ConfigError, but the settings were accepted');
}

test('defaults fill unset settings', () => {
  const config = loadConfig(VALID);

  expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  expect(config.PORT).toBe(3000);
  expect(config.WORKER_HTTP_PORT).toBe(9464);
  expect(config.ENDPOINT_ADDRESS_ALLOWLIST).toEqual([]);
  expect(config.API_WORKER).toBe(false);
  expect(config.WORKFLOW_CACHE_SIZE).toBe(500);
  expect(config.PUBLISHER_TOKEN).toBeUndefined();
});

test('every invalid setting is listed', () => {
  const env = {
    PORT: 'eighty',
    ALLOW_HTTP_ENDPOINTS: 'yes',
    PUBLISHER_TOKEN: 'short',
    WORKFLOW_CACHE_SIZE: '-1',
    WORKER_HTTP_PORT: '70000',
  };

  let error: unknown;
  try {
    loadConfig(env);
  } catch (caught) {
    error = caught;
  }

  expect(error).toBeInstanceOf(ConfigError);
  const problems = (error as ConfigError).problems.join('\n');
  expect(problems).toContain('DATABASE_URL');
  expect(problems).toContain('PORT');
  expect(problems).toContain('WORKER_HTTP_PORT');
  expect(problems).toContain('(got "yes")');
  expect(problems).toContain('PUBLISHER_TOKEN: must be at least 16 characters');
  expect(problems).toContain('WORKFLOW_CACHE_SIZE: must be 0 or more (got "-1")');
});

test('secret values stay out of messages', () => {
  const env = { ...VALID, PUBLISHER_TOKEN: 'short-secret', SMTP_URL: 'not a url with password' };

  expect(() => loadConfig(env)).toThrow(ConfigError);
  try {
    loadConfig(env);
  } catch (error) {
    expect((error as Error).message).not.toContain('short-secret');
    expect((error as Error).message).not.toContain('password');
  }
});

test('empty strings count as unset', () => {
  expect(loadConfig({ ...VALID, PORT: '', SMTP_URL: '' }).PORT).toBe(3000);
});

test('setting names leave out removed settings', () => {
  expect(SETTING_NAMES).toContain('DATABASE_URL');
  expect(SETTING_NAMES).toContain('LOG_LEVEL');
  expect(SETTING_NAMES).not.toContain('ALLOW_LOOPBACK_ENDPOINTS');
});

test('required settings are those without a default', () => {
  expect(REQUIRED_SETTING_NAMES).toEqual(['DATABASE_URL', 'SECRET_ENCRYPTION_KEYS']);
});

test('allowlist ranges are read in canonical form', () => {
  const config = loadConfig({ ...VALID, ENDPOINT_ADDRESS_ALLOWLIST: '127.0.0.0/8, ::1' });

  expect(config.ENDPOINT_ADDRESS_ALLOWLIST).toEqual(['127.0.0.0/8', '::1/128']);
});

test('every invalid allowlist entry is listed', () => {
  const env = { ...VALID, ENDPOINT_ADDRESS_ALLOWLIST: '10.1.2.3/8,private' };

  expect(() => loadConfig(env)).toThrow('did you mean 10.0.0.0/8?');
  expect(() => loadConfig(env)).toThrow('"private" is not a valid IP address or CIDR range');
});

test('retired loopback switch names its replacement', () => {
  const env = { ...VALID, ALLOW_LOOPBACK_ENDPOINTS: 'true' };

  expect(() => loadConfig(env)).toThrow(
    'ALLOW_LOOPBACK_ENDPOINTS: was replaced by ENDPOINT_ADDRESS_ALLOWLIST',
  );
});

test('encryption keys are parsed in order', () => {
  const config = loadConfig({ ...VALID, SECRET_ENCRYPTION_KEYS: `${KEY_B},${KEY_A}` });

  expect(config.SECRET_ENCRYPTION_KEYS.map((key) => key.id)).toEqual(['key-b', 'key-a']);
});

test('missing encryption keys explain how to create one', () => {
  const problems = configProblems({ DATABASE_URL: VALID.DATABASE_URL });

  expect(problems).toContain('SECRET_ENCRYPTION_KEYS: missing. Set it to comma-separated');
  expect(problems).toContain("require('crypto').randomBytes(32).toString('base64')");
});

test('invalid encryption key is reported without its value', () => {
  const shortKey = 'primary:c2hvcnQta2V5LW1hdGVyaWFs';

  const problems = configProblems({ ...VALID, SECRET_ENCRYPTION_KEYS: shortKey });

  expect(problems).toContain(
    'SECRET_ENCRYPTION_KEYS: key "primary" is not 32 bytes in standard base64. Set it to',
  );
  expect(problems).not.toContain('c2hvcnQta2V5LW1hdGVyaWFs');
});

test('tracing is off by default', () => {
  expect(loadConfig(VALID).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
});

test('collector endpoint must be http or https', () => {
  const accepted = loadConfig({ ...VALID, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
  const problems = configProblems({
    ...VALID,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector-user:collector-pass@127.0.0.1',
  });

  expect(accepted.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://127.0.0.1:4318');
  expect(problems).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:// or https:// URL');
  expect(problems).not.toContain('collector-pass');
});
