import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger';
import { createMetricsExposition, type MetricsExposition } from './exposition';
import { createMetricsRegistry } from './registry';

/** Upper bounds of the request duration histogram, in seconds. */
const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Route label of requests that matched no operation, so that stray paths add no series. */
export const UNMATCHED_ROUTE = '(unmatched)';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Metrics of the API: events accepted by type and request durations by operation. The route label
 * is the operation's path template (`/v1/webhooks/{id}`), never the path requested, so ids do not
 * become labels.
 */
export class ApiMetrics {
  private readonly eventsAccepted: Counter<'event_type'>;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(
    registry: Registry,
    /** Content of the `/metrics` page. */
    readonly exposition: MetricsExposition,
  ) {
    this.eventsAccepted = new Counter({
      name: 'postion_events_accepted_total',
      help: 'Events published and accepted with a 202, by event type; repeats of an event are not counted.',
      labelNames: ['event_type'],
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'postion_http_request_duration_seconds',
      help: 'Time from the arrival of an API request to the end of its response.',
      labelNames: ['method', 'route', 'status'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** Counts an event accepted for the first time. */
  recordEventAccepted(eventType: string): void {
    this.eventsAccepted.inc({ event_type: eventType });
  }

  /**
   * Returns middleware that times each request. The operation layer stores the matched path
   * template in `res.locals.route`; a request cut before its response has the status `aborted`.
   */
  observeRequests(): RequestHandler {
    return (req, res, next) => {
      const end = this.requestDuration.startTimer();
      res.once('close', () => {
        const route = typeof res.locals.route === 'string' ? res.locals.route : UNMATCHED_ROUTE;
        end({
          method: KNOWN_METHODS.has(req.method) ? req.method : 'other',
          route,
          status: res.writableFinished ? String(res.statusCode) : 'aborted',
        });
      });
      next();
    };
  }
}

/**
 * Creates the API's metrics on `registry`, served together with the Temporal SDK's metrics when
 * the API runs a delivery worker. Without a registry, a new one with the Node process metrics.
 */
export function createApiMetrics(
  logger: Logger,
  registry: Registry = createMetricsRegistry(),
  sdkMetricsUrl?: string,
): ApiMetrics {
  return new ApiMetrics(registry, createMetricsExposition(registry, logger, sdkMetricsUrl));
}
