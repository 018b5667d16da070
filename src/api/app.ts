import express, { Router, type Express } from 'express';
import type { ApiDependencies } from './dependencies';
import { createApiMetrics } from '../metrics/api-metrics';
import { methodGuard } from './method-guard';
import { mountOperations, type Operation } from './operation';
import { problemHandler, unknownRoute } from './problem';
import { dashboardFileOperations } from './routes/dashboard-files';
import { dashboardSessionOperations } from './routes/dashboard-sessions';
import { deliveryOperations } from './routes/deliveries';
import { endpointActionOperations } from './routes/endpoint-actions';
import { endpointSecretOperations } from './routes/endpoint-secret';
import { endpointStatsOperations } from './routes/endpoint-stats';
import { endpointOperations } from './routes/endpoints';
import { eventOperations } from './routes/events';
import { healthOperations } from './routes/health';
import { recoveryOperations } from './routes/recoveries';
import { referenceOperations } from './routes/reference';
import { siteOperations } from './routes/sites';
import { requestSpans } from '../telemetry/request-spans';
import { tracingEnabled } from '../telemetry/tracing';

/** Returns every operation of the API, in the order of the reference. */
export function apiOperations(deps: ApiDependencies): Operation[] {
  const operations: Operation[] = [
    ...eventOperations(deps),
    ...endpointOperations(deps),
    ...endpointActionOperations(deps),
    ...endpointSecretOperations(deps),
    ...endpointStatsOperations(deps),
    ...deliveryOperations(deps),
    ...recoveryOperations(deps),
    ...siteOperations(deps),
    ...dashboardSessionOperations(deps),
    ...dashboardFileOperations(deps),
    ...healthOperations(deps),
  ];
  const all: Operation[] = [...operations, ...referenceOperations(() => all)];
  return all;
}

/** Builds the Express app of the management and ingest API. */
export function createApp(options: ApiDependencies): Express {
  const deps = { ...options, metrics: options.metrics ?? createApiMetrics(options.logger) };
  const app = express();
  app.disable('x-powered-by');
  // Responses are not cached (see mountOperations), so an entity tag would only cost a hash.
  app.disable('etag');
  if (tracingEnabled()) app.use(requestSpans());

  const operations = apiOperations(deps);
  const router = Router();
  app.use(deps.metrics.observeRequests());
  mountOperations(router, deps, operations);
  app.use(methodGuard(operations));
  app.use(router);

  app.use(unknownRoute);
  app.use(problemHandler(deps.logger));
  return app;
}
