import { z } from 'zod';
import { databaseCheck, Readiness, temporalCheck } from '../../health/readiness';
import { createApiMetrics, type ApiMetrics } from '../../metrics/api-metrics';
import type { ApiDependencies } from '../dependencies';
import { defineOperation, type Operation } from '../operation';

const TAG = 'Operations';

const checkResultSchema = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({ status: z.literal('failed'), detail: z.string() }),
]);

const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready', 'stopping']),
  checks: z.record(z.string(), checkResultSchema),
});

/**
 * Builds the operations that supervisors and Prometheus call: liveness, readiness and metrics. An
 * app built without readiness checks or metrics (as tests build it) checks its own pool and
 * Temporal client, and serves a registry of its own.
 */
export function healthOperations(deps: ApiDependencies): Operation[] {
  let readiness: Readiness | undefined;
  const getReadiness = () =>
    (readiness ??=
      deps.readiness ??
      new Readiness(
        [databaseCheck(deps.pool), temporalCheck(deps.temporal.connection)],
        deps.logger,
      ));
  let metrics: ApiMetrics | undefined;
  const getMetrics = () => (metrics ??= deps.metrics ?? createApiMetrics(deps.logger));

  return [
    defineOperation({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      tag: TAG,
      summary: 'Liveness: answers while the process runs, without calling its dependencies',
      auth: 'none',
      responses: {
        200: { description: 'running', schema: z.object({ status: z.literal('ok') }) },
      },
      async handle() {
        return { status: 200, body: { status: 'ok' } };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tag: TAG,
      summary: 'Readiness: PostgreSQL and Temporal answer, and the process is not stopping',
      description:
        'Each check has 2 seconds. A 503 names the checks that failed, or has the status `stopping` once the process received a stop signal.',
      auth: 'none',
      responses: {
        200: { description: 'every check passed', schema: readinessSchema },
        503: { description: 'a check failed, or the process is stopping', schema: readinessSchema },
      },
      async handle() {
        const report = await getReadiness().evaluate();
        return { status: report.status === 'ready' ? 200 : 503, body: report };
      },
    }),

    defineOperation({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: TAG,
      summary: 'Metrics in the Prometheus text format',
      description:
        'The `postion_` metrics of the API, Node process metrics, and the Temporal SDK worker metrics (`temporal_`) when the API runs a delivery worker.',
      auth: 'none',
      responses: {
        200: { description: 'the metrics', contentType: 'text/plain', schema: z.string() },
      },
      async handle() {
        const exposition = getMetrics().exposition;
        return {
          status: 200,
          body: await exposition.render(),
          contentType: exposition.contentType,
        };
      },
    }),
  ];
}
