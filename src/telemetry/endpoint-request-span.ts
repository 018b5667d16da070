import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { HttpAttemptResult } from '../delivery/http-attempt';
import { TRACER_NAME, tracingEnabled } from './tracing';

/** Ids recorded on the span of a request to an endpoint. */
export interface EndpointRequestIds {
  endpointId: string;
  deliveryId?: string;
  eventId?: string;
  /** 1 for the first attempt of a delivery. */
  attemptNumber?: number;
}

/**
 * Runs `send` inside a client span for one POST to an endpoint, when tracing is on. The span
 * records the ids, the host and port, the status code and the error class. It leaves out the
 * URL's path and query, because some receivers (chat webhooks among them) carry a token there.
 */
export async function traceEndpointRequest(
  url: string,
  ids: EndpointRequestIds | undefined,
  send: () => Promise<HttpAttemptResult>,
): Promise<HttpAttemptResult> {
  if (!tracingEnabled()) return await send();

  const tracer = trace.getTracer(TRACER_NAME);
  const options = { kind: SpanKind.CLIENT, attributes: requestAttributes(url, ids) };
  return await tracer.startActiveSpan('POST', options, async (span) => {
    try {
      const result = await send();
      recordResult(span, result);
      return result;
    } finally {
      span.end();
    }
  });
}

function requestAttributes(url: string, ids: EndpointRequestIds | undefined): Attributes {
  const attributes: Attributes = { 'http.request.method': 'POST' };
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed) {
    attributes['server.address'] = parsed.hostname;
    attributes['server.port'] = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  }
  if (ids) {
    attributes['postion.endpoint.id'] = ids.endpointId;
    if (ids.deliveryId) attributes['postion.delivery.id'] = ids.deliveryId;
    if (ids.eventId) attributes['postion.event.id'] = ids.eventId;
    if (ids.attemptNumber) attributes['postion.attempt.number'] = ids.attemptNumber;
  }
  return attributes;
}

// The error message stays out of the span, because a redirect's message quotes its Location.
function recordResult(span: Span, result: HttpAttemptResult): void {
  if (result.statusCode !== null) span.setAttribute('http.response.status_code', result.statusCode);
  if (result.ok) return;

  const errorType = result.errorClass ?? 'unknown';
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
}
