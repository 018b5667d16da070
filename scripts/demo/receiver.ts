import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';

/** Result of one signature check, with the reason in `error` when it failed. */
export interface CheckResult {
  ok: boolean;
  error?: string;
}

/** One request that reached the receiver's path, with both signature checks. */
export interface ReceivedRequest {
  /** Arrival time as `performance.now()`, for measuring latencies. */
  arrivedAtMs: number;
  /** The `id` of the JSON body: an event id, or a `vrf_` id for verification requests. */
  bodyId: string | null;
  /** The `event` of the JSON body, such as `subscriber.created` or `endpoint.verification`. */
  eventType: string | null;
  deliveryId: string | null;
  attemptNumber: number | null;
  hmac: CheckResult;
  standardWebhooks: CheckResult;
  /** HTTP status the receiver sent back. */
  responseStatus: number;
}

/** Chooses the status code of the response to a checked request. */
export type ResponsePolicy = (request: ReceivedRequest) => number;

// The API sends the verification request right after it creates the endpoint, which can be
// before the demo has read the secret from the create response. Requests wait up to this long
// for it, which stays below the API's 10 s attempt time limit.
const SECRET_WAIT_MS = 8_000;

// Bodies above this size get a 413. The API accepts published bodies up to 256 KiB, so every
// delivery fits.
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A webhook receiver on 127.0.0.1 that reads each raw body, checks its `x-postion-signature`
 * (hex HMAC-SHA256) and its Standard Webhooks signature, and records the result. It serves one
 * random path so that requests meant for endpoints of earlier runs, which may reuse the port,
 * get a 404 and are only counted.
 */
export class DemoReceiver {
  /** Every request to the receiver's path, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Count of requests to any other path, which get a 404. */
  strayRequests = 0;

  private secret: string | undefined;
  private secretWaiters: ((secret: string) => void)[] = [];
  private listeners: ((request: ReceivedRequest) => void)[] = [];
  private readonly path = `/webhooks/${randomBytes(6).toString('hex')}`;

  private constructor(
    private readonly server: Server,
    private readonly respond: ResponsePolicy,
  ) {}

  /** Starts a receiver on an ephemeral port of 127.0.0.1. */
  static async start(respond: ResponsePolicy): Promise<DemoReceiver> {
    const server = createServer();
    const receiver = new DemoReceiver(server, respond);
    server.on('request', (req, res) => void receiver.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  /** The URL to register as the endpoint. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.path}`;
  }

  /** Stores the endpoint secret and releases the requests that wait for it. */
  setSecret(secret: string): void {
    this.secret = secret;
    for (const release of this.secretWaiters.splice(0)) release(secret);
  }

  /**
   * Resolves with the first recorded or future request that matches `predicate`, and rejects
   * when `signal` aborts first.
   */
  waitFor(
    predicate: (request: ReceivedRequest) => boolean,
    signal: AbortSignal,
  ): Promise<ReceivedRequest> {
    const found = this.requests.find(predicate);
    if (found) return Promise.resolve(found);
    if (signal.aborted) return Promise.reject(signal.reason);

    return new Promise((resolve, reject) => {
      const stopListening = () => {
        this.listeners = this.listeners.filter((other) => other !== listener);
        signal.removeEventListener('abort', onAbort);
      };
      const listener = (request: ReceivedRequest) => {
        if (!predicate(request)) return;
        stopListening();
        resolve(request);
      };
      const onAbort = () => {
        stopListening();
        reject(signal.reason);
      };
      this.listeners.push(listener);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops listening and drops open connections, so the process can exit. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAtMs = performance.now();
    if (req.method !== 'POST' || req.url !== this.path) {
      this.strayRequests += 1;
      req.resume();
      res.writeHead(404).end();
      return;
    }

    const rawBody = await readBody(req);
    if (rawBody === null) {
      res.writeHead(413).end();
      return;
    }
    const secret = await this.waitForSecret();
    const request = inspectRequest(arrivedAtMs, rawBody, req.headers, secret);
    request.responseStatus = this.respond(request);

    this.requests.push(request);
    for (const listener of [...this.listeners]) listener(request);
    res.writeHead(request.responseStatus, { 'content-type': 'text/plain' });
    res.end(describeResponse(request));
  }

  private waitForSecret(): Promise<string | undefined> {
    if (this.secret !== undefined) return Promise.resolve(this.secret);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), SECRET_WAIT_MS);
      this.secretWaiters.push((secret) => {
        clearTimeout(timer);
        resolve(secret);
      });
    });
  }
}

/** Reads the whole body as bytes, or returns null when it exceeds the size limit. */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

function inspectRequest(
  arrivedAtMs: number,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  secret: string | undefined,
): ReceivedRequest {
  const body = parseJsonObject(rawBody);
  const noSecret: CheckResult = { ok: false, error: 'the endpoint secret was not known in time' };
  const attempt = Number(headerValue(headers, 'x-postion-attempt'));
  return {
    arrivedAtMs,
    bodyId: typeof body?.id === 'string' ? body.id : null,
    eventType: typeof body?.event === 'string' ? body.event : null,
    deliveryId: headerValue(headers, 'x-postion-delivery-id') ?? null,
    attemptNumber: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
    hmac: secret === undefined ? noSecret : checkPostionSignature(secret, rawBody, headers),
    standardWebhooks:
      secret === undefined ? noSecret : checkStandardWebhooks(secret, rawBody, headers),
    responseStatus: 0,
  };
}

/** Checks `x-postion-signature`: hex HMAC-SHA256 of the raw body, keyed with the whole secret. */
export function checkPostionSignature(
  secret: string,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
): CheckResult {
  const received = headerValue(headers, 'x-postion-signature');
  if (received === undefined) return { ok: false, error: 'x-postion-signature is missing' };

  const expected = createHmac('sha256', secret).update(rawBody).digest('hex');
  const expectedBytes = Buffer.from(expected, 'utf8');
  const receivedBytes = Buffer.from(received, 'utf8');
  // timingSafeEqual throws on a length mismatch, and the length of a hex digest is no secret.
  const matches =
    expectedBytes.length === receivedBytes.length && timingSafeEqual(expectedBytes, receivedBytes);
  return matches ? { ok: true } : { ok: false, error: 'x-postion-signature does not match' };
}

/** Checks the `webhook-*` headers with the reference `standardwebhooks` library. */
export function checkStandardWebhooks(
  secret: string,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
): CheckResult {
  const flat: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headerValue(headers, name);
    if (value !== undefined) flat[name] = value;
  }
  try {
    new Webhook(secret).verify(rawBody, flat);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonObject(rawBody: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function describeResponse(request: ReceivedRequest): string {
  const failures = [request.hmac, request.standardWebhooks].filter((check) => !check.ok);
  if (failures.length > 0) return failures.map((check) => check.error).join('; ');
  return request.responseStatus >= 400 ? 'demo receiver rejects deliveries on purpose' : '';
}
