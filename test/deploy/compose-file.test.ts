import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, REQUIRED_SETTING_NAMES, SETTING_NAMES, type Config } from '../../src/config';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/temporal/search-attributes';
import {
  interpolateValues,
  MissingVariableError,
  parseDotenv,
  parseYaml,
  readRepoFile,
  referencedVariables,
  REPO_ROOT,
} from '../helpers/compose-file';
import { TEST_ENCRYPTION_KEYS } from '../helpers/secret-keys';

// docker-compose.yml and .env.example checked against the settings schema of src/config.ts, read
// the way Docker Compose reads them. Nothing here starts a container.

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  env_file?: unknown;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  restart?: string;
  container_name?: string;
  hostname?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const COMPOSE_TEXT = readRepoFile('docker-compose.yml');
const ENV_EXAMPLE_TEXT = readRepoFile('.env.example');
const RAW = parseYaml(COMPOSE_TEXT) as ComposeFile;
const APP_SERVICES = ['api', 'worker'];

/** Values for the settings that .env.example leaves empty, as a user fills them in. */
const FILLED_IN: Record<string, string> = {
  POSTGRES_PASSWORD: 'composeTestPassword0123',
  SECRET_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
  PUBLISHER_TOKEN: 'compose-test-publisher-token',
};

/** Returns `envText` with the line of each name in `values` set to that value. */
function fillIn(envText: string, values: Record<string, string>): string {
  let text = envText;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^${name}=.*$`, 'm');
    if (!line.test(text)) throw new Error(`.env.example has no line for ${name}`);
    text = text.replace(line, `${name}=${value}`);
  }
  return text;
}

/** Returns `envText` without the line of `name`. */
function withoutLine(envText: string, name: string): string {
  return envText.replace(new RegExp(`^${name}=.*\n`, 'm'), '');
}

/** Loads the compose file interpolated from `envText`, by default the filled-in example. */
function loadCompose(envText = fillIn(ENV_EXAMPLE_TEXT, FILLED_IN)): ComposeFile {
  return interpolateValues(RAW, parseDotenv(envText)) as ComposeFile;
}

function service(compose: ComposeFile, name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** Parses the settings that an app service passes to its process, with the app's own loader. */
function appConfig(compose: ComposeFile, name: string): Config {
  return loadConfig({ ...service(compose, name).environment });
}

/** Splits a short port mapping `HOST_IP:PUBLISHED:TARGET`. */
function parsePort(mapping: string): { hostIp: string; published: string; target: string } {
  const parts = mapping.split(':');
  if (parts.length !== 3) throw new Error(`port ${mapping} is not HOST_IP:PUBLISHED:TARGET`);
  const [hostIp, published, target] = parts as [string, string, string];
  return { hostIp, published, target };
}

/** Checks whether a service runs once and exits, so that others wait for it to complete. */
function isOneShot(candidate: Service): boolean {
  return candidate.restart === 'no';
}

const EXAMPLE = parseDotenv(fillIn(ENV_EXAMPLE_TEXT, FILLED_IN));
const COMPOSE_VARIABLES = referencedVariables(COMPOSE_TEXT);

describe('.env.example', () => {
  test('lists every app setting', () => {
    const missing = SETTING_NAMES.filter((name) => !EXAMPLE.has(name));

    expect(missing).toEqual([]);
  });

  test('lists no unknown variable', () => {
    const known = new Set([...SETTING_NAMES, ...COMPOSE_VARIABLES]);
    const unknown = [...EXAMPLE.keys()].filter((name) => !known.has(name));

    expect(unknown).toEqual([]);
  });

  test('lists every compose variable', () => {
    const missing = [...COMPOSE_VARIABLES].filter((name) => !EXAMPLE.has(name));

    expect(missing).toEqual([]);
  });

  test('leaves the secrets empty', () => {
    const example = parseDotenv(ENV_EXAMPLE_TEXT);

    for (const name of Object.keys(FILLED_IN)) {
      expect({ name, value: example.get(name) }).toEqual({ name, value: '' });
    }
  });
});

describe('app services', () => {
  test.each(APP_SERVICES)('%s passes exactly the app settings', (name) => {
    const environment = service(RAW, name).environment ?? {};

    expect(Object.keys(environment).sort()).toEqual([...SETTING_NAMES].sort());
    expect(service(RAW, name).env_file).toBeUndefined();
  });

  test.each(APP_SERVICES)('%s passes each setting under its own name', (name) => {
    const environment = service(RAW, name).environment ?? {};

    for (const [setting, value] of Object.entries(environment)) {
      expect({ setting, value }).toEqual({
        setting,
        value: expect.stringMatching(new RegExp(`^\\$\\{${setting}(:?[-?][^}]*)?\\}$`)),
      });
    }
  });

  test.each(APP_SERVICES)('%s requires the settings without a default', (name) => {
    const environment = service(RAW, name).environment ?? {};

    for (const setting of REQUIRED_SETTING_NAMES) {
      expect({ setting, value: environment[setting] }).toEqual({
        setting,
        value: expect.stringMatching(new RegExp(`^\\$\\{${setting}:\\?`)),
      });
    }
  });

  test.each(['POSTGRES_PASSWORD', 'SECRET_ENCRYPTION_KEYS'])(
    'compose rejects an empty %s',
    (name) => {
      const { [name]: _left, ...others } = FILLED_IN;
      const envText = fillIn(ENV_EXAMPLE_TEXT, others);

      expect(() => loadCompose(envText)).toThrow(MissingVariableError);
      expect(() => loadCompose(envText)).toThrow(`required variable ${name} is missing a value`);
    },
  );

  test.each(APP_SERVICES)('%s reads a valid configuration', (name) => {
    const config = appConfig(loadCompose(), name);

    expect(config.SECRET_ENCRYPTION_KEYS.map((key) => key.id)).toEqual(['test-1']);
    expect(config.PUBLISHER_TOKEN).toBe(FILLED_IN.PUBLISHER_TOKEN);
    expect(config.ENDPOINT_ADDRESS_ALLOWLIST).toEqual([]);
  });

  test('api and worker share one build', () => {
    const api = service(RAW, 'api');
    const worker = service(RAW, 'worker');

    expect(api.build).toBeDefined();
    expect(worker.build).toEqual(api.build);
    expect(worker.image).toBe(api.image);
    expect(existsSync(path.join(REPO_ROOT, 'Dockerfile'))).toBe(true);
  });

  test.each([
    ['api', 'api'],
    ['worker', 'worker'],
  ])('%s runs the entry file of npm run %s', (name, script) => {
    const scripts = JSON.parse(readRepoFile('package.json')).scripts as Record<string, string>;
    const entryFile = scripts[script]?.replace(/^(node --import tsx|tsx) /, '');

    expect(entryFile).toMatch(/^src\/.+\.ts$/);
    expect(service(RAW, name).command).toContain(entryFile);
  });
});

describe('ports and addresses', () => {
  test('api publishes the PORT it listens on', () => {
    const compose = loadCompose();
    const config = appConfig(compose, 'api');
    const ports = (service(compose, 'api').ports ?? []).map(parsePort);

    expect(ports).toHaveLength(1);
    expect(ports[0]?.target).toBe(String(config.PORT));
    expect(ports[0]?.published).toBe(EXAMPLE.get('API_PUBLISHED_PORT'));
    expect(config.HOST).toBe('0.0.0.0');
  });

  test('worker has no fixed port, container name or host name', () => {
    const worker = service(RAW, 'worker');

    expect(worker.ports).toBeUndefined();
    expect(worker.container_name).toBeUndefined();
    // The worker health check matches each container by its generated host name.
    expect(worker.hostname).toBeUndefined();
  });

  test('no service has a container name', () => {
    const named = Object.entries(RAW.services).filter(([, candidate]) => candidate.container_name);

    expect(named.map(([name]) => name)).toEqual([]);
  });

  test('published ports stay on PUBLISH_ADDRESS', () => {
    const compose = loadCompose();

    for (const [name, candidate] of Object.entries(compose.services)) {
      for (const mapping of candidate.ports ?? []) {
        expect({ name, hostIp: parsePort(mapping).hostIp }).toEqual({
          name,
          hostIp: EXAMPLE.get('PUBLISH_ADDRESS'),
        });
      }
    }
  });

  test('web UI links use the published UI port', () => {
    const compose = loadCompose();
    const uiPorts = (service(compose, 'temporal-ui').ports ?? []).map(parsePort);
    const uiUrl = new URL(appConfig(compose, 'api').TEMPORAL_UI_URL);

    expect(uiPorts).toHaveLength(1);
    expect(uiUrl.port).toBe(uiPorts[0]?.published);
  });

  test('DATABASE_URL reaches the postgres service', () => {
    const compose = loadCompose();
    const url = new URL(appConfig(compose, 'worker').DATABASE_URL);
    const postgres = service(compose, 'postgres').environment ?? {};

    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(postgres.POSTGRES_USER);
    expect(url.password).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
  });

  test('TEMPORAL_ADDRESS reaches the temporal frontend', () => {
    const compose = loadCompose();
    const address = appConfig(compose, 'worker').TEMPORAL_ADDRESS;
    const frontendPorts = (service(compose, 'temporal').ports ?? []).map(parsePort);

    expect(frontendPorts.map((port) => `temporal:${port.target}`)).toEqual([address]);
    expect(service(compose, 'temporal-setup').environment?.TEMPORAL_ADDRESS).toBe(address);
    expect(service(compose, 'temporal-ui').environment?.TEMPORAL_ADDRESS).toBe(address);
  });

  test.each([
    ['as in the example', ENV_EXAMPLE_TEXT],
    ['left unset', withoutLine(ENV_EXAMPLE_TEXT, 'TEMPORAL_NAMESPACE')],
  ])('temporal setup uses the app namespace, %s', (_case, envText) => {
    const compose = loadCompose(fillIn(envText, FILLED_IN));
    const namespace = appConfig(compose, 'worker').TEMPORAL_NAMESPACE;

    expect(service(compose, 'temporal-setup').environment?.TEMPORAL_NAMESPACE).toBe(namespace);
    expect(service(compose, 'temporal-ui').environment?.TEMPORAL_DEFAULT_NAMESPACE).toBe(namespace);
  });

  test('temporal schema and server name the same databases', () => {
    const compose = loadCompose();
    const schema = service(compose, 'temporal-schema').environment ?? {};
    const server = service(compose, 'temporal').environment ?? {};
    const appDatabase = service(compose, 'postgres').environment?.POSTGRES_DB;

    expect(schema.DBNAME).toBe(server.DBNAME);
    expect(schema.VISIBILITY_DBNAME).toBe(server.VISIBILITY_DBNAME);
    expect([schema.DBNAME, schema.VISIBILITY_DBNAME]).not.toContain(appDatabase);
    expect(schema.SQL_HOST).toBe(server.POSTGRES_SEEDS);
    expect(schema.SQL_USER).toBe(server.POSTGRES_USER);
    expect(schema.SQL_PASSWORD).toBe(server.POSTGRES_PWD);
  });
});

describe('temporal setup', () => {
  test('registers exactly the delivery search attributes', () => {
    const listed = service(RAW, 'temporal-setup').environment?.SEARCH_ATTRIBUTES ?? '';
    const registered = Object.fromEntries(
      listed
        .split(/\s+/)
        .filter(Boolean)
        .map((pair) => pair.split('=')),
    );

    expect(registered).toEqual(SEARCH_ATTRIBUTE_REGISTRATIONS);
  });

  test('mounts scripts that exist', () => {
    for (const candidate of Object.values(RAW.services)) {
      for (const volume of candidate.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('./')) continue;

        expect({ source, exists: existsSync(path.join(REPO_ROOT, source)) }).toEqual({
          source,
          exists: true,
        });
      }
    }
  });
});

describe('services', () => {
  // An exact release: at least major.minor, as PostgreSQL numbers its releases, and an optional
  // variant suffix such as -bookworm-slim. A bare major version or "latest" moves under you.
  const PINNED = /^[a-z0-9./_-]+:\d+\.\d+(\.\d+)*(-[a-z0-9.]+)*$/;

  test('every pulled image is pinned to a release', () => {
    for (const [name, candidate] of Object.entries(RAW.services)) {
      if (candidate.build) continue;

      expect({ name, image: candidate.image }).toEqual({
        name,
        image: expect.stringMatching(PINNED),
      });
    }
  });

  test('Dockerfile base image is pinned to a release', () => {
    const dockerfile = readRepoFile('Dockerfile');
    const baseImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    const fromLines = dockerfile.match(/^FROM \S+/gm) ?? [];

    expect(baseImage).toMatch(PINNED);
    for (const line of fromLines) {
      expect(line).toMatch(/^FROM (\$\{NODE_IMAGE\}|dependencies)$/);
    }
  });

  test('every long-running service has a health check', () => {
    for (const [name, candidate] of Object.entries(RAW.services)) {
      if (isOneShot(candidate)) continue;
      const check = candidate.healthcheck;

      const [form, ...command] = [check?.test ?? []].flat();

      expect({ name, disabled: check?.disable ?? false }).toEqual({ name, disabled: false });
      expect({ name, form }).toEqual({ name, form: expect.stringMatching(/^CMD(-SHELL)?$/) });
      expect({ name, hasCommand: command.length > 0 }).toEqual({ name, hasCommand: true });
    }
  });

  test('health checks run files that exist in the image', () => {
    const check = service(RAW, 'worker').healthcheck?.test ?? [];
    const script = [check].flat().find((part) => part.endsWith('.ts')) ?? '';

    expect(existsSync(path.join(REPO_ROOT, script))).toBe(true);
    expect(readRepoFile('Dockerfile')).toContain(`COPY ${script} ${script}`);
  });

  test('dependencies wait for health or completion', () => {
    for (const [name, candidate] of Object.entries(RAW.services)) {
      for (const [target, { condition }] of Object.entries(candidate.depends_on ?? {})) {
        const expected = isOneShot(service(RAW, target))
          ? 'service_completed_successfully'
          : 'service_healthy';

        expect({ name, target, condition }).toEqual({ name, target, condition: expected });
      }
    }
  });

  test('data lives on named volumes', () => {
    const declared = Object.keys(RAW.volumes ?? {});
    const postgresVolumes = service(RAW, 'postgres').volumes ?? [];

    expect(postgresVolumes).toContain('postgres-data:/var/lib/postgresql/data');
    for (const candidate of Object.values(RAW.services)) {
      for (const volume of candidate.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./') || source.startsWith('/')) continue;

        expect(declared).toContain(source);
      }
    }
  });
});
