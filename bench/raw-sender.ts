/**
 * Child process of the raw-ceiling measurement: sends signed POSTs to one URL with a fixed
 * number in flight for a fixed time, then prints `{ requests, failures, seconds }` as JSON.
 * Usage: tsx bench/raw-sender.ts <url> <concurrency> <seconds>
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { buildSignedHeaders } from '../src/delivery/headers';
import { generateEndpointSecret } from '../src/delivery/signature';

// A cap on top of the time limit, so that the loop ends even if the clock misbehaves.
const MAX_REQUESTS = 5_000_000;

async function main(): Promise<void> {
  const [url, concurrencyText, secondsText] = process.argv.slice(2);
  const concurrency = Number(concurrencyText);
  const seconds = Number(secondsText);
  if (!url || !(concurrency > 0) || !(seconds > 0)) {
    throw new Error('usage: raw-sender.ts <url> <concurrency> <seconds>');
  }

  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency });
  const secret = generateEndpointSecret();
  let requests = 0;
  let failures = 0;
  let started = 0;
  const deadline = performance.now() + seconds * 1_000;

  const sendLoop = async () => {
    while (performance.now() < deadline && started < MAX_REQUESTS) {
      const eventId = `raw_${started++}`;
      const body = JSON.stringify({
        id: eventId,
        event: 'subscriber.created',
        timestamp: new Date().toISOString(),
        data: { id: 'sub_raw', email: 'raw@example.com', name: 'Raw', plan: 'pro', site_id: 's' },
      });
      const headers = buildSignedHeaders({
        secret,
        body,
        eventId,
        eventType: 'subscriber.created',
        timestampSeconds: Math.floor(Date.now() / 1_000),
      });
      try {
        const response = await pool.request({
          path: target.pathname,
          method: 'POST',
          body,
          headers,
        });
        await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) requests++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };

  const begin = performance.now();
  await Promise.all(Array.from({ length: concurrency }, sendLoop));
  const elapsed = (performance.now() - begin) / 1_000;
  await pool.close();
  process.stdout.write(`${JSON.stringify({ requests, failures, seconds: elapsed })}\n`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
