import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createApp } from '../../src/api/app';
import type { ApiDependencies } from '../../src/api/dependencies';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';
import { OPERATION_EXAMPLES, respondByPath } from '../helpers/operation-examples';
import { startReceiver, type Receiver } from '../helpers/receiver';

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let site: Awaited<ReturnType<typeof createSite>>;
let document: any;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  respondByPath(receiver);
  stack = await startApiStack(db, 'openapi-test');
  site = await createSite(db.pool);
  document = (await callApi(stack.apiUrl, 'GET', '/openapi.json', null)).body;
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

/** Lists every `METHOD /path` that Express routes, in the document's `{param}` form. */
function expressRoutes(): string[] {
  const app = createApp({ logger: { child: () => ({}) } } as unknown as ApiDependencies) as any;
  const routes: string[] = [];
  const visit = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = String(layer.route.path).replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods)) {
          routes.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        visit(layer.handle.stack);
      }
    }
  };
  visit(app.router.stack);
  return routes.sort();
}

function documentedRoutes(): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, methods]) =>
      Object.keys(methods as object).map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

/** Operations of the document, with their path and method. */
function documentedOperations(): Array<{ path: string; method: string; operation: any }> {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, any>).map(([method, operation]) => ({
      path,
      method,
      operation,
    })),
  );
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

/** Validates `body` against a schema of the document, whose `$ref`s point into its components. */
function conforms(schema: object, body: unknown): string | null {
  const validate = ajv.compile({ ...schema, components: document.components });
  return validate(body) ? null : ajv.errorsText(validate.errors);
}

test('document lists exactly the routes', () => {
  expect(documentedRoutes()).toEqual(expressRoutes());
});

test('document is OpenAPI 3.1', () => {
  expect(document.openapi).toBe('3.1.0');
  expect(Object.keys(document.components.schemas)).toEqual(
    expect.arrayContaining(['Endpoint', 'Delivery', 'Problem', 'ApiKey', 'EventDetail']),
  );
  const ids = documentedOperations().map(({ operation }) => operation.operationId);
  expect(new Set(ids).size).toBe(ids.length);
});

test('every schema compiles', () => {
  for (const [id, schema] of Object.entries(document.components.schemas)) {
    expect(() =>
      ajv.compile({ ...(schema as object), components: document.components }),
    ).not.toThrow(id);
  }
});

test('reference page lists every operation', async () => {
  const response = await fetch(`${stack.apiUrl}/docs`);
  const html = await response.text();

  expect(response.headers.get('content-type')).toContain('text/html');
  for (const { operation } of documentedOperations()) {
    expect(html).toContain(`id="${operation.operationId}"`);
  }
});

describe.each(
  // Built lazily: the document is fetched in beforeAll.
  Object.keys(OPERATION_EXAMPLES).map((operationId) => [operationId]),
)('%s', (operationId) => {
  test('responses match the document', async () => {
    const entry = documentedOperations().find(
      ({ operation }) => operation.operationId === operationId,
    );
    expect(entry).toBeDefined();
    const { method, operation } = entry!;
    const request = await OPERATION_EXAMPLES[operationId]!({ stack, db, receiver, site });
    const token = operation.security.some((scheme: object) => 'publisherToken' in scheme)
      ? stack.publisherToken
      : site.apiKey;

    const response = await callApi(
      stack.apiUrl,
      method.toUpperCase(),
      request.path,
      token,
      request.body,
    );
    const failed = await callApi(stack.apiUrl, method.toUpperCase(), request.path, null);

    expect(response.status).toBe(request.status);
    const documented = operation.responses[String(response.status)];
    expect(documented).toBeDefined();
    const content = documented.content?.['application/json'];
    if (content) expect(conforms(content.schema, response.body)).toBeNull();
    if (!content) expect(response.contentType ?? 'none').not.toContain('application/json');

    // An error response is documented too, and is a problem document.
    if (failed.status !== 200) {
      const problem = operation.responses[String(failed.status)];
      expect(problem).toBeDefined();
      const schema = problem.content['application/problem+json'].schema;
      expect(conforms(schema, failed.body)).toBeNull();
    }
  });
});
