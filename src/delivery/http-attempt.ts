import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import type { AddressFilter } from '../network/address-filter';
import { traceEndpointRequest, type EndpointRequestIds } from '../telemetry/endpoint-request-span';
import { createCheckedConnector, type LookupAllAddresses } from '../network/checked-connector';
import { classifyRequestError, type AttemptErrorClass } from './attempt-errors';

/** An attempt succeeds only if a 2xx arrives within this limit, body read included. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** Characters of the response body kept with the attempt record. */
export const RESPONSE_EXCERPT_CHARS = 1_024;

// Bytes read from a response before the rest is dropped; enough for the excerpt in any encoding.
const RESPONSE_READ_LIMIT_BYTES = 16 * 1_024;

/**
 * Bytes of status line and headers accepted in a response. A larger head fails the attempt as
 * `invalid_response`. 16 KiB is also Node's default limit for HTTP headers.
 */
export const RESPONSE_HEADER_LIMIT_BYTES = 16 * 1_024;

// Characters kept of an error message, which also reaches workflow histories as a verification
// failure reason, and of a Location header within one. Hostile headers or error texts must not
// grow either.
const ERROR_MESSAGE_MAX_CHARS = 500;
const LOCATION_MAX_CHARS = 300;

/** Outcome of one HTTP request to an endpoint, as recorded with the attempt. */
export interface HttpAttemptResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  errorClass: AttemptErrorClass | null;
  errorMessage: string | null;
  responseExcerpt: string | null;
}

/** A signed request ready to send. */
export interface HttpAttemptRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  /** Ids recorded on the request's span when tracing is on. */
  traceIds?: EndpointRequestIds;
}

/** Options of `createEndpointAgent`. */
export interface EndpointAgentOptions {
  /** Decides which addresses requests may reach, checked on every new connection. */
  addressFilter: AddressFilter;
  /** Resolves host names; `dns.lookup` with `all: true` when unset. Tests pass a fake. */
  lookup?: LookupAllAddresses;
  /** Opens a socket to a checked address; undici's `buildConnector()` when unset. */
  dial?: buildConnector.connector;
  /** CA certificates (PEM) trusted in place of Node's bundled list, for tests and private CAs. */
  ca?: string | Buffer;
}

/**
 * Creates the connection pool used for endpoint requests, one per worker process. Certificates
 * are always verified. Each new connection passes the address filter before its socket opens.
 */
export function createEndpointAgent(options: EndpointAgentOptions): Agent {
  const dial =
    options.dial ??
    buildConnector({ timeout: ATTEMPT_TIMEOUT_MS, ...(options.ca ? { ca: options.ca } : {}) });
  const connect = createCheckedConnector({
    filter: options.addressFilter,
    dial,
    lookup: options.lookup,
    lookupTimeoutMs: ATTEMPT_TIMEOUT_MS,
  });
  return new Agent({
    connect,
    headersTimeout: ATTEMPT_TIMEOUT_MS,
    bodyTimeout: ATTEMPT_TIMEOUT_MS,
    keepAliveTimeout: 30_000,
    maxHeaderSize: RESPONSE_HEADER_LIMIT_BYTES,
  });
}

/**
 * Sends one POST and classifies what came back. Never throws for anything the endpoint does:
 * timeouts, refusals, resets, bad TLS, rejected addresses and non-2xx responses all come back as
 * a failed result. Redirects are not followed, because the owner verified this URL and no other.
 * The time limit covers the whole request: lookup, connect, TLS, headers and the body read.
 */
export async function sendHttpAttempt(
  dispatcher: Dispatcher,
  attempt: HttpAttemptRequest,
): Promise<HttpAttemptResult> {
  return await traceEndpointRequest(attempt.url, attempt.traceIds, () =>
    sendRequest(dispatcher, attempt),
  );
}

async function sendRequest(
  dispatcher: Dispatcher,
  attempt: HttpAttemptRequest,
): Promise<HttpAttemptResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(attempt.timeoutMs ?? ATTEMPT_TIMEOUT_MS);
  const elapsed = () => Math.round(performance.now() - started);

  try {
    const pending = request(attempt.url, {
      method: 'POST',
      body: attempt.body,
      headers: attempt.headers,
      dispatcher,
      signal,
    });
    const response = await settleByDeadline(pending, signal);
    const excerpt = await readExcerpt(response.body);
    return { ...judgeStatus(response), durationMs: elapsed(), responseExcerpt: excerpt };
  } catch (error) {
    const failure = classifyRequestError(error, attempt.timeoutMs ?? ATTEMPT_TIMEOUT_MS);
    return {
      ok: false,
      statusCode: null,
      durationMs: elapsed(),
      responseExcerpt: null,
      errorClass: failure.errorClass,
      errorMessage: truncate(failure.errorMessage, ERROR_MESSAGE_MAX_CHARS),
    };
  }
}

/**
 * Settles with `pending`, or rejects with the signal's reason once it aborts. undici 7 acts on
 * an abort only after the request has a connection, so without this a hung lookup, connect or
 * TLS handshake would outlast the attempt's limit until the connect timeout.
 */
function settleByDeadline<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  // The request still rejects once its connection settles; nothing waits for it then.
  pending.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function judgeStatus(response: Dispatcher.ResponseData) {
  const statusCode = response.statusCode;
  if (statusCode >= 200 && statusCode < 300) {
    return { ok: true, statusCode, errorClass: null, errorMessage: null };
  }

  if (statusCode >= 300 && statusCode < 400) {
    const location = String(response.headers.location ?? '(no Location header)');
    const errorMessage = `endpoint redirected with ${statusCode} to ${truncate(location, LOCATION_MAX_CHARS)}; redirects are not followed, so register the final URL`;
    return { ok: false, statusCode, errorClass: 'redirect' as const, errorMessage };
  }

  const errorMessage = `endpoint answered HTTP ${statusCode}; only 2xx counts as delivered`;
  return { ok: false, statusCode, errorClass: 'http_status' as const, errorMessage };
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars - 1)}…`;
}

async function readExcerpt(body: Dispatcher.ResponseData['body']): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= RESPONSE_READ_LIMIT_BYTES) {
      // Dropping the rest closes the connection instead of draining an unbounded body.
      body.destroy();
      break;
    }
  }

  if (size === 0) return null;
  return toStorableText(Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_EXCERPT_CHARS));
}

/**
 * Replaces NUL characters, which PostgreSQL text columns reject. Left in, one NUL in a response
 * would fail every recording of the attempt, and Temporal would resend it without end.
 */
export function toStorableText(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD');
}
