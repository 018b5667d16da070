import { z } from 'zod';
import type { Operation, ResponseSpec } from './operation';
import { problemSchema } from './resources/problem';
import { componentRegistry } from './resources/registry';

/** Version of the API that the document describes. */
export const API_VERSION = '1.0.0';

const COMPONENT_PREFIX = '#/components/schemas/';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: malformed JSON, a failing field, an unknown field or parameter',
  401: 'missing, unknown or revoked credentials',
  404: 'no such resource for this site (ids of other sites answer the same)',
  409: 'the resource is not in a state that allows this',
  413: 'request body over the size limit',
  415: 'request body not sent as application/json',
  503: 'the database or the workflow service is unreachable; nothing was changed, retry',
};

type JsonSchema = Record<string, unknown>;

/** The generated document; operations are plain JSON objects. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, any>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

/** Builds the OpenAPI 3.1 document of the operations, from the schemas they validate with. */
export function buildOpenApiDocument(operations: Operation[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = describeOperation(operation);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Postion Webhooks API',
      version: API_VERSION,
      description:
        'Signed webhook delivery for Postion sites. Site owners manage endpoints, deliveries and API keys with a site API key; Postion services publish events with the publisher token. Errors are RFC 9457 problem documents.',
    },
    // Relative to where the document is served, so it holds for any host the API runs on.
    servers: [{ url: '/' }],
    tags: [...new Set(operations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        siteKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'a site API key (pwk_…) or a dashboard session token (pds_…), sent as "Authorization: Bearer <key>"',
        },
        publisherToken: {
          type: 'http',
          scheme: 'bearer',
          description: "Postion's publisher token, for its publishing services only",
        },
      },
      schemas: componentSchemas(),
    },
  };
}

/** Converts every registered response schema, each referring to the others by `$ref`. */
function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(componentRegistry, {
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema;
      return [id, rest];
    }),
  );
}

function describeOperation(operation: Operation) {
  const security =
    operation.auth === 'siteKey'
      ? [{ siteKey: [] }]
      : operation.auth === 'publisher'
        ? [{ publisherToken: [] }]
        : [];

  const parameters = [
    ...parametersOf(operation.params, 'path'),
    ...parametersOf(operation.query, 'query'),
    ...(operation.headers ?? []).map((header) => ({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: inputSchema(header.schema),
    })),
  ];

  const responses: Record<string, unknown> = {};
  for (const [status, spec] of Object.entries(operation.responses)) {
    responses[status] = describeResponse(spec);
  }
  for (const status of problemStatuses(operation)) {
    responses[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'error',
      content: { 'application/problem+json': { schema: schemaRef(problemSchema) } },
    };
  }

  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    security,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.body.safeParse(undefined).success,
            content: { 'application/json': { schema: inputSchema(operation.body) } },
          },
        }
      : {}),
    responses,
  };
}

/** Returns the problem statuses of an operation: those its inputs and auth imply, and its own. */
export function problemStatuses(operation: Operation): number[] {
  const statuses = new Set<number>(operation.problems ?? []);
  if (operation.params || operation.query || operation.body || operation.method !== 'get') {
    statuses.add(400);
  }
  if (operation.auth !== 'none') statuses.add(401);
  if (operation.params) statuses.add(404);
  if (operation.body) {
    statuses.add(413);
    statuses.add(415);
  }
  // Every route reads the database, which can be briefly away.
  if (operation.auth !== 'none') statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

function describeResponse(spec: ResponseSpec) {
  if (!spec.schema) return { description: spec.description };
  const contentType = spec.contentType ?? 'application/json';
  return {
    description: spec.description,
    content: { [contentType]: { schema: schemaRef(spec.schema) } },
  };
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = inputSchema(schema) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** Converts a schema to a `$ref` when it is registered, and inline otherwise. */
function schemaRef(schema: z.ZodType): JsonSchema {
  const meta = componentRegistry.get(schema);
  if (meta) return { $ref: `${COMPONENT_PREFIX}${meta.id}` };
  return stripDialect(z.toJSONSchema(schema) as JsonSchema);
}

/** Converts a schema of client input: fields with defaults are optional, strings before coercion. */
function inputSchema(schema: z.ZodType): JsonSchema {
  return stripDialect(
    z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema,
  );
}

function stripDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
