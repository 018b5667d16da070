import { z } from 'zod';
import { buildOpenApiDocument } from '../openapi';
import { defineOperation, type Operation } from '../operation';
import { renderReferencePage } from '../reference-page';

/**
 * Builds the operations that describe the API: the OpenAPI document and a page that renders it.
 * `operations` returns every operation, these included.
 */
export function referenceOperations(operations: () => Operation[]): Operation[] {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  // Built on first use: the document cannot change while the process runs.
  const getDocument = () => (document ??= buildOpenApiDocument(operations()));

  return [
    defineOperation({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      tag: 'Reference',
      summary: 'This API as an OpenAPI 3.1 document',
      auth: 'none',
      responses: {
        200: {
          description: 'the document',
          schema: z.looseObject({ openapi: z.literal('3.1.0') }),
        },
      },
      async handle() {
        return { status: 200, body: getDocument() };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/docs',
      operationId: 'getReferencePage',
      tag: 'Reference',
      summary: 'This API as a page to read in a browser',
      auth: 'none',
      responses: {
        200: { description: 'an HTML page', contentType: 'text/html', schema: z.string() },
      },
      async handle() {
        return { status: 200, body: renderReferencePage(getDocument()), contentType: 'text/html' };
      },
    }),
  ];
}
