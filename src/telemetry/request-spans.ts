import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import { TRACER_NAME } from './tracing';

/**
 * Creates Express middleware that opens a server span per request, as a child of the caller's
 * span when a `traceparent` header names one. Handlers run in the span's context, so that the
 * workflows they start join the request's trace. The span records the method, path, route and
 * status code, never the query string or a header.
 */
export function requestSpans(): RequestHandler {
  const tracer = trace.getTracer(TRACER_NAME);

  return (request, response, next) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'url.path': request.path },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);

    // Body parsers continue from the request's stream events, which run outside this middleware.
    // Binding the emitters runs their listeners, and so the later handlers, in the span's context.
    context.bind(active, request);
    context.bind(active, response);
    response.once('close', () => endSpan(span, request, response));
    context.with(active, next);
  };
}

function endSpan(span: Span, request: Request, response: Response): void {
  const route = routeOf(request);
  if (route) {
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', response.statusCode);
  if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

// Express sets `request.route` on the request once a route matched it.
function routeOf(request: Request): string | null {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${request.baseUrl}${path}` : null;
}
