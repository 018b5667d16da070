import type { EndpointStatus } from '../../src/db/endpoints';
import type { EventType } from '../../src/events/schemas';

/** An endpoint as the API returns it. Only the create response contains `secret`. */
export interface Endpoint {
  id: string;
  site_id: string;
  url: string;
  events: string[];
  status: EndpointStatus;
  status_reason: string | null;
  secret?: string;
}

/** One recorded attempt of a delivery. */
export interface DeliveryAttempt {
  attempt_number: number;
  started_at: string;
  duration_ms: number;
  succeeded: boolean;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_excerpt: string | null;
}

/** A delivery as the API returns it. Only `GET /v1/deliveries/:id` includes `attempts`. */
export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
  attempt_count: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  workflow_id: string;
  workflow_url: string;
  attempts?: DeliveryAttempt[];
}

/**
 * Failure of an API call: a non-2xx response, whose problem detail and field errors are in the
 * message, or no response at all, with status 0.
 */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// Time limit of each call. A healthy dev stack responds within milliseconds.
const REQUEST_TIMEOUT_MS = 10_000;

/** A small client for the endpoints of the Postion Webhooks API that the demo uses. */
export class PostionApi {
  constructor(
    private readonly baseUrl: string,
    private readonly siteApiKey: string,
    private readonly publisherToken: string,
    /** Aborts every call in flight or to come, when the demo's time limit passes. */
    private readonly runSignal: AbortSignal,
  ) {}

  /** Registers an endpoint and returns it with its secret, which no other response contains. */
  createEndpoint(body: { url: string; events: string[]; description?: string }) {
    return this.send<Endpoint>('POST', '/v1/webhooks', this.siteApiKey, body);
  }

  /** Fetches one endpoint. */
  getEndpoint(id: string) {
    return this.send<Endpoint>('GET', `/v1/webhooks/${encodeURIComponent(id)}`, this.siteApiKey);
  }

  /** Fetches the newest deliveries of an endpoint (one page of up to 100). */
  async listDeliveries(endpointId: string): Promise<Delivery[]> {
    const page = await this.send<{ data: Delivery[] }>(
      'GET',
      `/v1/webhooks/${encodeURIComponent(endpointId)}/deliveries?limit=100`,
      this.siteApiKey,
    );
    return page.data;
  }

  /** Fetches one delivery with its attempts. */
  getDelivery(id: string) {
    return this.send<Delivery>('GET', `/v1/deliveries/${encodeURIComponent(id)}`, this.siteApiKey);
  }

  /** Deletes an endpoint; its waiting deliveries are cancelled. */
  async deleteEndpoint(id: string): Promise<void> {
    await this.send<null>('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`, this.siteApiKey);
  }

  /** Publishes an event and returns the id that the API assigned or accepted. */
  publishEvent(event: EventType, data: Record<string, unknown>) {
    return this.send<{ id: string }>('POST', '/v1/events', this.publisherToken, { event, data });
  }

  private async send<T>(method: string, route: string, token: string, body?: object): Promise<T> {
    const url = `${this.baseUrl}${route}`;
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), this.runSignal]),
      });
    } catch (error) {
      if (this.runSignal.aborted) throw error;
      throw new ApiError(
        `${method} ${url} failed: ${describeFetchError(error)}. Is the dev stack running? Start it with \`npm start\`.`,
        0,
      );
    }

    const text = await response.text();
    if (response.status === 401) {
      throw new ApiError(
        `${method} ${route} returned 401: ${describeProblem(text)}. The key or token does not belong to the running stack. Unset DEV_SITE_API_KEY and PUBLISHER_TOKEN so that the demo reads .data/dev-stack.json, or restart \`npm start\`.`,
        401,
      );
    }
    if (!response.ok) {
      const hint =
        response.status >= 500 ? ' The [api] lines of the `npm start` output show the cause.' : '';
      throw new ApiError(
        `${method} ${route} returned ${response.status}: ${describeProblem(text)}.${hint}`,
        response.status,
      );
    }
    return (text ? JSON.parse(text) : null) as T;
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no response within ${REQUEST_TIMEOUT_MS / 1000} s`;
  // Node's fetch reports connection errors as "fetch failed" with the system error as the cause.
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}

function describeProblem(text: string): string {
  try {
    const problem = JSON.parse(text) as {
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    const fields = (problem.errors ?? []).map((error) => `${error.path}: ${error.message}`);
    // A validation problem's detail already names the first field error.
    const parts = [problem.detail, ...fields.slice(1)].filter(Boolean);
    return parts.length > 0 ? parts.join('; ').replace(/\.$/, '') : text;
  } catch {
    return text.slice(0, 200) || '(empty body)';
  }
}
