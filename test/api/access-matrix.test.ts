import { apiOperations } from '../../src/api/app';
import type { ApiDependencies } from '../../src/api/dependencies';
import { expressPath, type Operation } from '../../src/api/operation';
import { createApiKey } from '../../src/db/api-keys';
import { withTransaction } from '../../src/db/pool';
import { revokeApiKey } from '../../src/db/api-keys';
import { callApi, startApiStack, type ApiStack } from '../helpers/api-stack';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createSite } from '../helpers/fixtures';
import {
  OPERATION_EXAMPLES,
  respondByPath,
  type ExampleContext,
  type ExampleRequest,
} from '../helpers/operation-examples';
import { startReceiver, type Receiver } from '../helpers/receiver';

// Handlers are not called here; the list only describes the routes.
const operations = apiOperations({} as ApiDependencies);

let db: TestDatabase;
let stack: ApiStack;
let receiver: Receiver;
let owner: Awaited<ReturnType<typeof createSite>>;
let stranger: Awaited<ReturnType<typeof createSite>>;
let revokedKey: string;

beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startReceiver()]);
  respondByPath(receiver);
  stack = await startApiStack(db, 'access-matrix-test');
  owner = await createSite(db.pool);
  stranger = await createSite(db.pool);
  const { key, record } = await createApiKey(db.pool, owner.id, 'revoked');
  await withTransaction(db.pool, (client) => revokeApiKey(client, owner.id, record.id));
  revokedKey = key;
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([db?.drop(), receiver?.close()]);
});

function name(operation: Operation) {
  return `${operation.operationId} (${operation.method.toUpperCase()} ${operation.path})`;
}

async function exampleFor(operation: Operation): Promise<ExampleRequest> {
  const context: ExampleContext = { stack, db, receiver, site: owner };
  return OPERATION_EXAMPLES[operation.operationId]!(context);
}

function call(operation: Operation, request: ExampleRequest, token: string | null) {
  return callApi(stack.apiUrl, operation.method.toUpperCase(), request.path, token, request.body);
}

/** Values of the owner's site that no other caller may see. */
async function ownerSecrets(): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string; url: string; secret: string }>(
    'SELECT id, url, secret FROM endpoints WHERE site_id = $1',
    [owner.id],
  );
  // A deleted endpoint's secret is wiped to an empty string, which every text contains.
  const values = [owner.id, owner.apiKey, ...rows.flatMap((row) => [row.id, row.secret])];
  return values.filter((value) => value !== '');
}

function expectUnauthorized(response: Awaited<ReturnType<typeof callApi>>) {
  expect(response.status).toBe(401);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body.type).toBe('/problems/unauthorized');
}

test('every operation has an example', () => {
  const missing = operations
    .map((operation) => operation.operationId)
    .filter((id) => !OPERATION_EXAMPLES[id]);

  expect(missing).toEqual([]);
});

const siteKeyOperations = operations.filter((operation) => operation.auth === 'siteKey');
const publisherOperations = operations.filter((operation) => operation.auth === 'publisher');
const openOperations = operations.filter((operation) => operation.auth === 'none');

describe.each(siteKeyOperations.map((operation) => [name(operation), operation]))(
  '%s',
  (_title, operation) => {
    let request: ExampleRequest;

    beforeAll(async () => {
      request = await exampleFor(operation as Operation);
    });

    test('without a key: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, null));
    });

    test('with a revoked key: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, revokedKey));
    });

    test('with the publisher token: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, stack.publisherToken));
    });

    test("with another site's key: nothing of the owner", async () => {
      const response = await call(operation as Operation, request, stranger.apiKey);

      // Ids of another site get the same 404 as ids that do not exist.
      if ((operation as Operation).params) {
        expect(response.status).toBe(404);
        expect(response.body.type).toBe('/problems/not-found');
      } else {
        expect(response.status).toBeLessThan(300);
      }
      const text = JSON.stringify(response.body);
      for (const secret of await ownerSecrets()) {
        // The 404 names the id that was requested, which the caller sent; nothing else leaks.
        if (response.status === 404 && request.path.includes(secret)) continue;
        expect(text).not.toContain(secret);
      }
    });

    test('with the owner key: success', async () => {
      const response = await call(operation as Operation, request, owner.apiKey);

      expect(response.status).toBe(request.status);
    });
  },
);

describe.each(publisherOperations.map((operation) => [name(operation), operation]))(
  '%s',
  (_title, operation) => {
    let request: ExampleRequest;

    beforeAll(async () => {
      request = await exampleFor(operation as Operation);
    });

    test('without a token: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, null));
    });

    test('with a site key: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, owner.apiKey));
    });

    test('with a revoked key: 401', async () => {
      expectUnauthorized(await call(operation as Operation, request, revokedKey));
    });

    test('with the publisher token: success', async () => {
      const response = await call(operation as Operation, request, stack.publisherToken);

      expect(response.status).toBe(request.status);
    });
  },
);

test.each(openOperations.map((operation) => [name(operation), operation]))(
  '%s needs no credentials',
  async (_title, operation) => {
    const request = await exampleFor(operation as Operation);

    const response = await call(operation as Operation, request, null);

    expect(response.status).toBe(request.status);
    expect(request.path).toMatch(pathPattern(operation as Operation));
  },
);

/** Matches the paths of an operation, any value standing for each path parameter. */
function pathPattern(operation: Operation): RegExp {
  return new RegExp(`^${expressPath(operation.path).replace(/:\w+/g, '[^/?]+')}$`);
}
