import express, { type Express } from 'express';
import type { ApiDependencies } from './dependencies';
import { problemHandler, unknownRoute } from './problem';
import { deliveriesRouter } from './routes/deliveries';
import { eventsRouter } from './routes/events';
import { webhooksRouter } from './routes/webhooks';

/** Largest request body accepted; events are small, and this bounds memory per request. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Builds the Express app of the management and ingest API. */
export function createApp(deps: ApiDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: MAX_BODY_BYTES }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(eventsRouter(deps));
  app.use(webhooksRouter(deps));
  app.use(deliveriesRouter(deps));

  app.use(unknownRoute);
  app.use(problemHandler(deps.logger));
  return app;
}
