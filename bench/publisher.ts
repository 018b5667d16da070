import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { newId } from '../src/ids';

/** One published event as the client saw it; times are performance.now() in ms. */
export interface Publication {
  eventId: string;
  sentAt: number;
  /** When the 202 arrived; null for any other outcome. */
  acceptedAt: number | null;
  status: number | null;
  error: string | null;
}

/** Outcome of publishing at a fixed rate. */
export interface PublishRun {
  publications: Publication[];
  /** Sends skipped because too many requests were in flight, which breaks the fixed rate. */
  skipped: number;
  firstSendAt: number;
  lastSendAt: number;
}

const TICK_MS = 5;
// More requests in flight than this means the API is far behind; sending more would only queue.
const MAX_IN_FLIGHT = 2_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Publishes `rate` events per second for `seconds` through `POST /v1/events` (open loop: each
 * send is due at its scheduled time whether or not earlier ones have a response), then waits
 * for every response. Stops by itself after `rate * seconds` sends or `seconds + 2` s of sending.
 */
export async function publishAtRate(
  api: Pool,
  publisherToken: string,
  siteId: string,
  rate: number,
  seconds: number,
): Promise<PublishRun> {
  const total = Math.round(rate * seconds);
  const publications: Publication[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let skipped = 0;
  const start = performance.now();
  const stopAt = start + (seconds + 2) * 1_000;

  while (publications.length + skipped < total && performance.now() < stopAt) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1_000) * rate) + 1);
    while (publications.length + skipped < due) {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const publication = newPublication();
      publications.push(publication);
      inFlight++;
      pending.push(
        send(api, publisherToken, siteId, publication).finally(() => {
          inFlight--;
        }),
      );
    }
    await delay(TICK_MS);
  }

  const lastSendAt = publications.at(-1)?.sentAt ?? start;
  await Promise.all(pending);
  return { publications, skipped, firstSendAt: publications[0]?.sentAt ?? start, lastSendAt };
}

function newPublication(): Publication {
  return { eventId: newId('evt'), sentAt: 0, acceptedAt: null, status: null, error: null };
}

async function send(
  api: Pool,
  publisherToken: string,
  siteId: string,
  publication: Publication,
): Promise<void> {
  const body = JSON.stringify({
    id: publication.eventId,
    event: 'subscriber.created',
    data: {
      id: `sub_${publication.eventId}`,
      email: 'reader@example.com',
      name: 'Bench Reader',
      plan: 'pro',
      site_id: siteId,
    },
  });
  publication.sentAt = performance.now();
  try {
    const response = await api.request({
      path: '/v1/events',
      method: 'POST',
      headers: { authorization: `Bearer ${publisherToken}`, 'content-type': 'application/json' },
      body,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const receivedAt = performance.now();
    const text = await response.body.text();
    publication.status = response.statusCode;
    if (response.statusCode === 202) publication.acceptedAt = receivedAt;
    else publication.error = text.slice(0, 300);
  } catch (error) {
    publication.error = error instanceof Error ? error.message : String(error);
  }
}
