import { z } from 'zod';
import { findLiveApiKey } from '../../db/api-keys';
import {
  consumeSignInToken,
  createSession,
  revokeSession,
  SESSION_LIFETIME_MS,
} from '../../db/dashboard-sessions';
import { unauthorized, type SiteRequest } from '../auth';
import type { ApiDependencies } from '../dependencies';
import { defineOperation, type Operation } from '../operation';
import { component, timestamp } from '../resources/registry';

const TAG = 'Dashboard';
const LIFETIME_HOURS = SESSION_LIFETIME_MS / 3_600_000;

const credential = z
  .string()
  .min(1, { message: 'is empty; paste the whole key or token' })
  .max(200, { message: 'is longer than any key or token (200 characters); paste only the key' });

const createBody = z
  .strictObject({
    api_key: credential.optional().describe('a site API key (pwk_...)'),
    sign_in_token: credential
      .optional()
      .describe('a single-use sign-in token (psi_...), such as the one the dev stack prints'),
  })
  .refine((body) => (body.api_key === undefined) !== (body.sign_in_token === undefined), {
    message: 'send exactly one of api_key, sign_in_token',
    when: (payload) => payload.issues.length === 0,
  });

const sessionSchema = component(
  'DashboardSession',
  z.object({
    id: z.string(),
    token: z
      .string()
      .describe('send as "Authorization: Bearer <token>" wherever a site API key is accepted'),
    site_id: z.string(),
    expires_at: timestamp(),
  }),
  'A dashboard session: a short-lived token that stands in for the site API key',
);

/** Sign-in and sign-out of the dashboard. */
export function dashboardSessionOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'post',
      path: '/v1/dashboard/sessions',
      operationId: 'createDashboardSession',
      tag: TAG,
      summary: 'Sign in to the dashboard',
      description: `Exchanges a site API key, or a single-use sign-in token, for a session token that expires after ${LIFETIME_HOURS} hours or at sign-out. A session opened with an API key ends when that key is revoked. The browser keeps only the session token.`,
      auth: 'none',
      body: createBody,
      responses: { 201: { description: 'the session', schema: sessionSchema } },
      problems: [401, 503],
      async handle({ body }) {
        const owner = body.api_key
          ? await siteOfApiKey(deps, body.api_key)
          : await siteOfSignInToken(deps, body.sign_in_token!);
        const session = await createSession(deps.pool, owner.siteId, owner.apiKeyId);
        deps.logger.info(
          { sessionId: session.id, siteId: session.siteId, apiKeyId: owner.apiKeyId },
          'dashboard session created',
        );
        return {
          status: 201,
          body: {
            id: session.id,
            token: session.token,
            site_id: session.siteId,
            expires_at: session.expiresAt.toISOString(),
          },
        };
      },
    }),

    defineOperation({
      method: 'delete',
      path: '/v1/dashboard/session',
      operationId: 'deleteDashboardSession',
      tag: TAG,
      summary: 'Sign out of the dashboard',
      description:
        'Ends the session whose token made the request; the token is refused from then on. A request made with an API key changes nothing (revoke keys with DELETE /v1/api-keys/{id}).',
      auth: 'siteKey',
      responses: { 204: { description: 'signed out' } },
      async handle({ req }) {
        const sessionId = (req as SiteRequest).dashboardSessionId;
        if (sessionId) {
          await revokeSession(deps.pool, sessionId);
          deps.logger.info({ sessionId }, 'dashboard session ended');
        }
        return { status: 204 };
      },
    }),
  ];
}

async function siteOfApiKey(deps: ApiDependencies, key: string) {
  const found = await findLiveApiKey(deps.pool, key);
  if (!found) {
    deps.logger.info({ credential: 'api_key' }, 'dashboard sign-in rejected');
    throw unauthorized('the API key is not valid or has been revoked');
  }
  return { siteId: found.siteId, apiKeyId: found.id };
}

async function siteOfSignInToken(deps: ApiDependencies, token: string) {
  const siteId = await consumeSignInToken(deps.pool, token);
  if (!siteId) {
    deps.logger.info({ credential: 'sign_in_token' }, 'dashboard sign-in rejected');
    throw unauthorized(
      'the sign-in token is not valid, has expired or was used already; sign in with an API key, or get a new link',
    );
  }
  return { siteId, apiKeyId: null };
}
