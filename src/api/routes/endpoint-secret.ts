import { z } from 'zod';
import {
  DEFAULT_SECRET_GRACE_SECONDS,
  MAX_SECRET_GRACE_SECONDS,
  findEndpointSecret,
  rotateEndpointSecret,
} from '../../db/endpoint-secrets';
import { generateEndpointSecret } from '../../delivery/signature';
import type { ApiDependencies } from '../dependencies';
import { idParams } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem } from '../problem';
import { component, timestamp } from '../resources/registry';

const TAG = 'Endpoints';
const params = idParams('endpoint');

const endpointSecretSchema = component(
  'EndpointSecret',
  z.object({
    secret: z.string().describe('the current signing secret'),
    previous_secret_expires_at: timestamp()
      .nullable()
      .describe('while a rotation grace period lasts, when the previous secret stops signing'),
  }),
  'The signing secret of an endpoint',
);

const rotateBody = z
  .strictObject({
    grace_period_seconds: z
      .number()
      .int({ message: 'expected a whole number of seconds' })
      .min(0, { message: `expected 0 to ${MAX_SECRET_GRACE_SECONDS} seconds` })
      .max(MAX_SECRET_GRACE_SECONDS, {
        message: `expected 0 to ${MAX_SECRET_GRACE_SECONDS} seconds (7 days)`,
      })
      .default(DEFAULT_SECRET_GRACE_SECONDS)
      .describe('how long the old secret keeps signing beside the new one; 0 stops it at once'),
  })
  .optional();

/** Revealing and rotating an endpoint's signing secret. */
export function endpointSecretOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'get',
      path: '/v1/webhooks/{id}/secret',
      operationId: 'getEndpointSecret',
      tag: TAG,
      summary: "Reveal an endpoint's signing secret",
      description:
        'The only response besides creation and rotation that contains the secret. The previous secret of a rotation is never returned.',
      auth: 'siteKey',
      params,
      responses: { 200: { description: 'the secret', schema: endpointSecretSchema } },
      async handle({ params: { id }, siteId }) {
        const found = await findEndpointSecret(deps.pool, deps.secretBox, siteId, id);
        if (!found) throw notFoundProblem('endpoint', id);
        deps.logger.info({ endpointId: id, siteId }, 'endpoint secret revealed');
        return {
          status: 200,
          body: {
            secret: found.secret,
            previous_secret_expires_at: found.previousSecretExpiresAt?.toISOString() ?? null,
          },
        };
      },
    }),

    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/secret/rotate',
      operationId: 'rotateEndpointSecret',
      tag: TAG,
      summary: "Rotate an endpoint's signing secret",
      description: `Creates a new secret. For the grace period (default ${DEFAULT_SECRET_GRACE_SECONDS} seconds, one day) requests carry signatures with both: two entries in webhook-signature, and X-Postion-Signature-Previous beside X-Postion-Signature. Rotating again during a grace period ends the oldest secret early.`,
      auth: 'siteKey',
      params,
      body: rotateBody,
      responses: { 200: { description: 'the new secret', schema: endpointSecretSchema } },
      async handle({ params: { id }, body, siteId }) {
        const graceSeconds = body?.grace_period_seconds ?? DEFAULT_SECRET_GRACE_SECONDS;
        const secret = generateEndpointSecret();
        const rotated = await rotateEndpointSecret(deps.pool, deps.secretBox, siteId, id, {
          newSecret: secret,
          graceSeconds,
        });
        if (!rotated) throw notFoundProblem('endpoint', id);
        deps.logger.info({ endpointId: id, siteId, graceSeconds }, 'endpoint secret rotated');
        return {
          status: 200,
          body: {
            secret,
            previous_secret_expires_at: rotated.previousSecretExpiresAt?.toISOString() ?? null,
          },
        };
      },
    }),
  ];
}
