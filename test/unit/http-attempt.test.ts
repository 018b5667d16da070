import type { RequestListener } from 'node:http';
import { runInNewContext } from 'node:vm';
import type { Agent } from 'undici';
import { classifyRequestError } from '../../src/delivery/attempt-errors';
import { createEndpointAgent, sendHttpAttempt } from '../../src/delivery/http-attempt';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import {
  closeLoopbackServers,
  findClosedPort,
  startHttp,
  startTcp,
} from '../helpers/loopback-servers';

const BODY = '{"id":"evt_1","event":"payment.failed","data":{}}';
const HEADERS = { 'content-type': 'application/json', 'x-postion-event-id': 'evt_1' };

// Long enough for a loopback round trip on a loaded machine, short enough to keep tests quick.
const SHORT_TIMEOUT_MS = 500;

let agent: Agent;

beforeAll(() => {
  agent = createEndpointAgent({ addressFilter: new AddressFilter(LOOPBACK_RANGES) });
});

afterEach(closeLoopbackServers);

afterAll(async () => {
  await agent.destroy();
});

function readBody(request: Parameters<RequestListener>[0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

describe('sendHttpAttempt', () => {
  test('2xx succeeds with excerpt', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('received evt_1');
    });

    const result = await sendHttpAttempt(agent, {
      url: `${server.url}/hooks`,
      body: BODY,
      headers: HEADERS,
    });

    expect(result.ok).toBe(true);
    expect(result.statusCode).toBe(200);
    expect(result.errorClass).toBeNull();
    expect(result.errorMessage).toBeNull();
    expect(result.responseExcerpt).toBe('received evt_1');
  });

  test('sends body and headers unchanged', async () => {
    const received: { method?: string; body?: string; eventId?: string } = {};
    const server = await startHttp(async (request, response) => {
      received.method = request.method;
      received.eventId = request.headers['x-postion-event-id'] as string;
      received.body = await readBody(request);
      response.writeHead(204);
      response.end();
    });

    await sendHttpAttempt(agent, { url: `${server.url}/hooks`, body: BODY, headers: HEADERS });

    expect(received.method).toBe('POST');
    expect(received.body).toBe(BODY);
    expect(received.eventId).toBe('evt_1');
  });

  test('empty body gives null excerpt', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(204);
      response.end();
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(true);
    expect(result.responseExcerpt).toBeNull();
  });

  test('500 is http_status failure', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(500);
      response.end('database unavailable');
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(false);
    expect(result.statusCode).toBe(500);
    expect(result.errorClass).toBe('http_status');
    expect(result.errorMessage).toContain('500');
    expect(result.responseExcerpt).toBe('database unavailable');
  });

  test('302 is redirect, not followed', async () => {
    const paths: string[] = [];
    const server = await startHttp((request, response) => {
      paths.push(request.url ?? '');
      if (request.url === '/hooks') {
        response.writeHead(302, { location: '/moved-here' });
        response.end();
        return;
      }
      response.writeHead(200);
      response.end('redirect target');
    });

    const result = await sendHttpAttempt(agent, {
      url: `${server.url}/hooks`,
      body: BODY,
      headers: HEADERS,
    });

    expect(result.ok).toBe(false);
    expect(result.statusCode).toBe(302);
    expect(result.errorClass).toBe('redirect');
    expect(result.errorMessage).toContain('/moved-here');
    expect(paths.filter((path) => path === '/moved-here')).toHaveLength(0);
  });

  test('long Location is cut in message', async () => {
    const location = `https://example.com/${'a'.repeat(10_000)}`;
    const server = await startHttp((_request, response) => {
      response.writeHead(301, { location });
      response.end();
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.errorClass).toBe('redirect');
    expect(result.errorMessage).toContain('https://example.com/aaa');
    expect(result.errorMessage).toContain('redirects are not followed');
    expect(result.errorMessage!.length).toBeLessThan(500);
  });

  test.each([
    [12 * 1024, 'ok'],
    [20 * 1024, 'invalid_response'],
  ])('response head of %d bytes is %s', async (size, outcome) => {
    const server = await startTcp((socket) => {
      socket.once('data', () =>
        socket.end(`HTTP/1.1 200 OK\r\nx-fill: ${'a'.repeat(size)}\r\ncontent-length: 0\r\n\r\n`),
      );
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok ? 'ok' : result.errorClass).toBe(outcome);
  });

  test('slow endpoint times out', async () => {
    // The handler never responds, so only the attempt's timeout can end the request.
    const server = await startHttp(() => undefined);

    const result = await sendHttpAttempt(agent, {
      url: server.url,
      body: BODY,
      headers: HEADERS,
      timeoutMs: SHORT_TIMEOUT_MS,
    });

    expect(result.ok).toBe(false);
    expect(result.statusCode).toBeNull();
    expect(result.errorClass).toBe('timeout');
    expect(result.errorMessage).toContain('0.5 s');
    expect(result.durationMs).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 50);
  });

  test('hung TLS handshake times out', async () => {
    // The server accepts the connection but never sends its part of the TLS handshake.
    const server = await startTcp(() => undefined);

    const started = Date.now();
    const result = await sendHttpAttempt(agent, {
      url: server.url.replace('http:', 'https:'),
      body: BODY,
      headers: HEADERS,
      timeoutMs: SHORT_TIMEOUT_MS,
    });

    expect(result.errorClass).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(SHORT_TIMEOUT_MS + 1_000);
  });

  test('stalled body times out', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial');
    });

    const result = await sendHttpAttempt(agent, {
      url: server.url,
      body: BODY,
      headers: HEADERS,
      timeoutMs: SHORT_TIMEOUT_MS,
    });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('timeout');
  });

  test('closed port is connection_refused', async () => {
    const port = await findClosedPort();

    const result = await sendHttpAttempt(agent, {
      url: `http://127.0.0.1:${port}/hooks`,
      body: BODY,
      headers: HEADERS,
    });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('connection_refused');
  });

  test('socket closed on request is connection_reset', async () => {
    const server = await startTcp((socket) => {
      socket.once('data', () => socket.destroy());
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('connection_reset');
  });

  test('TCP reset is connection_reset', async () => {
    const server = await startTcp((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('connection_reset');
  });

  test('garbage response is invalid_response', async () => {
    const server = await startTcp((socket) => {
      socket.once('data', () => socket.end('garbage\r\n\r\n'));
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe('invalid_response');
  });

  test('caps 1 MB body excerpt', async () => {
    // Numbered lines, so the excerpt must be the start of the body and not any 1024 characters.
    const lines = Array.from({ length: 100_000 }, (_, index) => `line ${index}`);
    const largeBody = lines.join('\n').padEnd(1024 * 1024, '.');
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(largeBody);
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.ok).toBe(true);
    expect(result.responseExcerpt).toHaveLength(1024);
    expect(result.responseExcerpt).toBe(largeBody.slice(0, 1024));
  });

  test('caps multibyte excerpt by characters', async () => {
    // Two UTF-8 bytes per character, so a byte cap of 1024 would keep only 512 characters.
    const largeBody = 'ü'.repeat(600_000);
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(largeBody);
    });

    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });

    expect(result.responseExcerpt).toBe('ü'.repeat(1024));
  });
});

describe('classifyRequestError', () => {
  function dnsError(): Error {
    return Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.invalid'), {
      code: 'ENOTFOUND',
    });
  }

  test('ENOTFOUND is dns_failure', () => {
    const classified = classifyRequestError(dnsError(), 10_000);

    expect(classified.errorClass).toBe('dns_failure');
    expect(classified.errorMessage).toContain('ENOTFOUND');
  });

  test('finds ENOTFOUND in cause', () => {
    const wrapped = new TypeError('fetch failed', { cause: dnsError() });

    expect(classifyRequestError(wrapped, 10_000).errorClass).toBe('dns_failure');
  });

  // Errors raised by Node core come from another realm than code run inside a jest sandbox.
  test('classifies refusal from another realm', () => {
    const foreign = runInNewContext(
      'Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })',
    ) as unknown;

    expect(classifyRequestError(foreign, 10_000).errorClass).toBe('connection_refused');
  });

  test('classifies timeout from another realm', () => {
    const foreign = runInNewContext(
      'Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" })',
    ) as unknown;

    expect(classifyRequestError(foreign, 10_000).errorClass).toBe('timeout');
  });

  test('unknown error is network_error', () => {
    const classified = classifyRequestError(new Error('something odd'), 10_000);

    expect(classified.errorClass).toBe('network_error');
    expect(classified.errorMessage).toContain('something odd');
  });
});
