import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';
import { withTransaction } from '../../db/pool';
import { findSite, insertSite, updateSite } from '../../db/sites';
import type { ApiDependencies } from '../dependencies';
import { idParams } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, PROBLEM_TYPES, ProblemError } from '../problem';
import {
  apiKeyListSchema,
  apiKeySchema,
  apiKeyWithSecretSchema,
  serializeApiKey,
} from '../resources/api-key';
import { createdSiteSchema, serializeSite, siteSchema } from '../resources/site';

const siteName = z.string().min(1).max(200);
const ownerEmail = z.email({ message: 'expected an email address such as owner@example.com' });
const keyName = z.string().max(100).describe('a label to tell keys apart, such as "CRM sync"');

const createSiteBody = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, {
      message: 'must be 1 to 128 letters, digits, "_" or "-", the id Postion uses in data.site_id',
    })
    .describe('the id that events of this site carry in data.site_id'),
  name: siteName,
  owner_email: ownerEmail,
});

const updateSiteBody = z
  .strictObject({ name: siteName.optional(), owner_email: ownerEmail.optional() })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of name, owner_email',
    // An unknown field is reported on its own; this rule is for a body with no fields at all.
    when: (payload) => payload.issues.length === 0,
  });

/** Sites and their API keys. */
export function siteOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'post',
      path: '/v1/sites',
      operationId: 'createSite',
      tag: 'Sites',
      summary: 'Register a site',
      description:
        "For Postion services, with the publisher token, when a creator's site is set up. The answer holds the site's first API key, shown only here.",
      auth: 'publisher',
      body: createSiteBody,
      responses: {
        201: { description: 'the site with its first API key', schema: createdSiteSchema },
      },
      problems: [409],
      async handle({ body }) {
        const site = { id: body.id, name: body.name, ownerEmail: body.owner_email };
        const created = await withTransaction(deps.pool, async (client) => {
          if (!(await insertSite(client, site))) {
            throw new ProblemError({
              type: PROBLEM_TYPES.conflict,
              title: 'Site exists',
              status: 409,
              detail: `site ${JSON.stringify(site.id)} exists already; its owner can create more keys with POST /v1/api-keys`,
            });
          }
          return createApiKey(client, site.id, 'first key');
        });
        deps.logger.info({ siteId: site.id, apiKeyId: created.record.id }, 'site created');
        return {
          status: 201,
          body: {
            ...serializeSite(site),
            api_key: { ...serializeApiKey(created.record), key: created.key },
          },
        };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/site',
      operationId: 'getSite',
      tag: 'Sites',
      summary: 'Get the site of the API key',
      auth: 'siteKey',
      responses: { 200: { description: 'the site', schema: siteSchema } },
      async handle({ siteId }) {
        const site = await findSite(deps.pool, siteId);
        if (!site) throw notFoundProblem('site', siteId);
        return { status: 200, body: serializeSite(site) };
      },
    }),

    defineOperation({
      method: 'patch',
      path: '/v1/site',
      operationId: 'updateSite',
      tag: 'Sites',
      summary: "Change the site's name or owner email",
      description: 'The owner email receives the message when an endpoint starts failing.',
      auth: 'siteKey',
      body: updateSiteBody,
      responses: { 200: { description: 'the site as changed', schema: siteSchema } },
      async handle({ body, siteId }) {
        const site = await updateSite(deps.pool, siteId, {
          name: body.name,
          ownerEmail: body.owner_email,
        });
        if (!site) throw notFoundProblem('site', siteId);
        deps.logger.info({ siteId, fields: Object.keys(body) }, 'site changed');
        return { status: 200, body: serializeSite(site) };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/api-keys',
      operationId: 'listApiKeys',
      tag: 'API keys',
      summary: "List the site's API keys",
      description: 'Revoked keys included, oldest first; never the keys themselves.',
      auth: 'siteKey',
      responses: { 200: { description: 'the keys', schema: apiKeyListSchema } },
      async handle({ siteId }) {
        const keys = await listApiKeys(deps.pool, siteId);
        return { status: 200, body: { data: keys.map(serializeApiKey) } };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/api-keys',
      operationId: 'createApiKey',
      tag: 'API keys',
      summary: 'Create an API key',
      description: 'The response contains the key, shown only here. Only its hash is stored.',
      auth: 'siteKey',
      body: z.strictObject({ name: keyName }),
      responses: { 201: { description: 'the key', schema: apiKeyWithSecretSchema } },
      async handle({ body, siteId }) {
        const created = await createApiKey(deps.pool, siteId, body.name);
        deps.logger.info({ siteId, apiKeyId: created.record.id }, 'api key created');
        return { status: 201, body: { ...serializeApiKey(created.record), key: created.key } };
      },
    }),

    defineOperation({
      method: 'delete',
      path: '/v1/api-keys/{id}',
      operationId: 'revokeApiKey',
      tag: 'API keys',
      summary: 'Revoke an API key',
      description:
        "Requests with the key are refused from now on. The site's last live key cannot be revoked; create its replacement first.",
      auth: 'siteKey',
      params: idParams('API key'),
      responses: { 200: { description: 'the revoked key', schema: apiKeySchema } },
      problems: [409],
      async handle({ params: { id }, siteId }) {
        const outcome = await withTransaction(deps.pool, (client) =>
          revokeApiKey(client, siteId, id),
        );
        if (outcome.kind === 'notFound') throw notFoundProblem('API key', id);
        if (outcome.kind === 'lastKey') {
          throw new ProblemError({
            type: PROBLEM_TYPES.conflict,
            title: 'Last API key',
            status: 409,
            detail: `API key ${JSON.stringify(id)} is the site's only live key; create another with POST /v1/api-keys before revoking it`,
          });
        }
        deps.logger.info({ siteId, apiKeyId: id }, 'api key revoked');
        return { status: 200, body: serializeApiKey(outcome.record) };
      },
    }),
  ];
}
