import { z } from 'zod';
import { findEndpoint, RECEIVING_STATUSES } from '../../db/endpoints';
import { createRecovery, deleteRecovery, findRecovery, listRecoveries } from '../../db/recoveries';
import { startRecovery } from '../../temporal/start-workflows';
import type { ApiDependencies } from '../dependencies';
import { idParams, instantSchema } from '../inputs';
import { defineOperation, type Operation } from '../operation';
import { notFoundProblem, PROBLEM_TYPES, ProblemError, validationProblem } from '../problem';
import { recoveryListSchema, recoverySchema, serializeRecovery } from '../resources/recovery';

const TAG = 'Deliveries';

// Recoveries of an endpoint are few; the newest ones are what an owner looks for.
const RECOVERY_LIST_LIMIT = 20;

const recoverBody = z.strictObject({
  since: instantSchema.describe('redeliver failed deliveries created at or after this instant'),
});

/** Recover: redeliver every failed delivery of an endpoint since a time, and follow its progress. */
export function recoveryOperations(deps: ApiDependencies): Operation[] {
  return [
    defineOperation({
      method: 'post',
      path: '/v1/webhooks/{id}/recover',
      operationId: 'recoverEndpoint',
      tag: TAG,
      summary: 'Redeliver failed deliveries since a time',
      description:
        'Starts one durable operation that redelivers every failed delivery of the endpoint created since `since` and not redelivered before, in batches. Each redelivery is a new delivery linked to the original. Follow its progress with GET /v1/recoveries/{id}.',
      auth: 'siteKey',
      params: idParams('endpoint'),
      body: recoverBody,
      responses: { 202: { description: 'the recovery, started', schema: recoverySchema } },
      problems: [409, 503],
      async handle({ params: { id }, body, siteId }) {
        if (body.since.getTime() > Date.now()) {
          throw validationProblem([
            {
              path: 'since',
              message: `${body.since.toISOString()} is in the future; give a past instant`,
            },
          ]);
        }
        const endpoint = await findEndpoint(deps.pool, siteId, id);
        if (!endpoint) throw notFoundProblem('endpoint', id);
        if (!RECEIVING_STATUSES.includes(endpoint.status)) {
          throw new ProblemError({
            type: PROBLEM_TYPES.conflict,
            title: 'Endpoint not receiving',
            status: 409,
            detail: `endpoint ${JSON.stringify(id)} is ${endpoint.status}; verify or enable it before recovering its deliveries`,
          });
        }

        const created = await createRecovery(deps.pool, {
          siteId,
          endpointId: id,
          since: body.since,
        });
        if (created.kind === 'notFound') throw notFoundProblem('endpoint', id);
        if (created.kind === 'running') {
          throw new ProblemError({
            type: PROBLEM_TYPES.conflict,
            title: 'Recovery running',
            status: 409,
            detail: `recovery ${created.recoveryId} of endpoint ${JSON.stringify(id)} is still running; follow it with GET /v1/recoveries/${created.recoveryId} and start another once it ends`,
          });
        }
        const { recovery } = created;
        // Started after its row has committed; a workflow that finds no row ends at once.
        try {
          await startRecovery(
            { client: deps.temporal, taskQueue: deps.taskQueue },
            { recoveryId: recovery.id, workflowId: recovery.workflowId },
            { tagDeliveries: deps.tagDeliveries },
          );
        } catch (error) {
          deps.logger.error({ err: error, recoveryId: recovery.id }, 'recovery start failed');
          await deleteRecovery(deps.pool, recovery.id);
          throw new ProblemError({
            type: PROBLEM_TYPES.unavailable,
            title: 'Service unavailable',
            status: 503,
            detail: 'the workflow service is unreachable, so nothing was redelivered; try again',
          });
        }
        deps.logger.info(
          { recoveryId: recovery.id, endpointId: id, total: recovery.total },
          'recovery started',
        );
        return { status: 202, body: serializeRecovery(deps, recovery) };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/webhooks/{id}/recoveries',
      operationId: 'listEndpointRecoveries',
      tag: TAG,
      summary: "List an endpoint's recent recoveries",
      description: `The ${RECOVERY_LIST_LIMIT} newest, newest first.`,
      auth: 'siteKey',
      params: idParams('endpoint'),
      responses: { 200: { description: 'the recoveries', schema: recoveryListSchema } },
      async handle({ params: { id }, siteId }) {
        const endpoint = await findEndpoint(deps.pool, siteId, id);
        if (!endpoint) throw notFoundProblem('endpoint', id);
        const recoveries = await listRecoveries(deps.pool, siteId, id, RECOVERY_LIST_LIMIT);
        return {
          status: 200,
          body: { data: recoveries.map((recovery) => serializeRecovery(deps, recovery)) },
        };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/v1/recoveries/{id}',
      operationId: 'getRecovery',
      tag: TAG,
      summary: 'Get the progress of a recovery',
      auth: 'siteKey',
      params: idParams('recovery'),
      responses: { 200: { description: 'the recovery', schema: recoverySchema } },
      async handle({ params: { id }, siteId }) {
        const recovery = await findRecovery(deps.pool, siteId, id);
        if (!recovery) throw notFoundProblem('recovery', id);
        return { status: 200, body: serializeRecovery(deps, recovery) };
      },
    }),
  ];
}
