import { setTimeout as delay } from 'node:timers/promises';
import { TEST_PUBLISHER_TOKEN } from './service-processes';

// A killed API resets or refuses connections at once, so only a hung one reaches this limit.
const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_AFTER_NO_RESPONSE_MS = 200;

/** How one event's publishing went, over every request sent for it. */
export interface PublishRecord {
  eventId: string;
  /** Requests that got no response: connection refused or reset, or timed out. */
  unanswered: number;
  /** Responses with status 503, which ask the publisher to send the event again. */
  rejected: number;
  /** When the 202 arrived (ms since the epoch), or null when the deadline passed first. */
  acceptedAt: number | null;
}

/** One event as a publisher sends it, with the id that the publisher chose. */
export interface PublishedBody {
  id: string;
}

/**
 * Publishes `body` as a careful publisher does: a request without a response, or with a 503, is
 * sent again with the same body (and so the same event id) until a 202 arrives or `deadline`
 * (ms since the epoch) passes. Any other status throws, because no retry can fix it.
 */
export async function publishUntilAccepted(
  apiUrl: string,
  body: PublishedBody,
  deadline: number,
): Promise<PublishRecord> {
  const record: PublishRecord = { eventId: body.id, unanswered: 0, rejected: 0, acceptedAt: null };
  while (Date.now() < deadline) {
    const response = await postEvent(apiUrl, body);
    if (response === null) {
      record.unanswered++;
      await delay(RETRY_AFTER_NO_RESPONSE_MS);
      continue;
    }
    if (response.status === 202) {
      record.acceptedAt = Date.now();
      return record;
    }
    if (response.status !== 503) {
      throw new Error(`publish of ${body.id} returned ${response.status}: ${response.text}`);
    }
    record.rejected++;
    await delay(Number(response.retryAfter ?? 1) * 1000);
  }
  return record;
}

async function postEvent(apiUrl: string, body: PublishedBody) {
  try {
    const response = await fetch(`${apiUrl}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_PUBLISHER_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, text, retryAfter: response.headers.get('retry-after') };
  } catch {
    // The connection failed or was cut before a complete response: the outcome is unknown.
    return null;
  }
}

/** Options of `startPublishStream`. */
export interface StreamOptions {
  apiUrl: string;
  bodies: PublishedBody[];
  /** Events being published at once, each by its own lane. */
  concurrency: number;
  /** Pause of a lane after each event it published, in milliseconds. */
  intervalMs: number;
  /** Time each event has to be accepted, from its first request, in milliseconds. */
  patienceMs: number;
}

/** A stream of publishes under way. */
export interface PublishStream {
  /** One record per event whose publishing has ended, in the order they ended. */
  records: PublishRecord[];
  /** Resolves with every record once each event was accepted or ran out of time. */
  finished: Promise<PublishRecord[]>;
}

/** Publishes `bodies` in order, `concurrency` at a time, with `publishUntilAccepted` each. */
export function startPublishStream(options: StreamOptions): PublishStream {
  const records: PublishRecord[] = [];
  let next = 0;
  const lane = async () => {
    while (next < options.bodies.length) {
      const body = options.bodies[next++]!;
      const deadline = Date.now() + options.patienceMs;
      records.push(await publishUntilAccepted(options.apiUrl, body, deadline));
      await delay(options.intervalMs);
    }
  };
  const lanes = Array.from({ length: options.concurrency }, lane);
  return { records, finished: Promise.all(lanes).then(() => records) };
}
