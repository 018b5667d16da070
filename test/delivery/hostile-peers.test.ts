/**
 * Endpoints that misbehave on purpose, each a real server on 127.0.0.1. Every attempt must end as
 * a failure of the right class within the time limit, keep its result small, and leave the agent
 * able to deliver to a healthy endpoint afterwards. Names resolve through a fake lookup to
 * 127.0.0.1, and the agent trusts only the test CA of test/fixtures/tls.
 */
import { readFileSync } from 'node:fs';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Agent } from 'undici';
import type { AttemptErrorClass } from '../../src/delivery/attempt-errors';
import { buildSignedHeaders, USER_AGENT } from '../../src/delivery/headers';
import { createEndpointAgent, sendHttpAttempt } from '../../src/delivery/http-attempt';
import { AddressFilter, LOOPBACK_RANGES } from '../../src/network/address-filter';
import type { LookupAllAddresses } from '../../src/network/checked-connector';
import {
  closeLoopbackServers,
  findClosedPort,
  startHttp,
  startHttps,
  startTcp,
  type TlsIdentity,
} from '../helpers/loopback-servers';

// Short enough to keep the slow cases quick, long enough for a loopback round trip under load.
const TIMEOUT_MS = 1_500;
// Time an attempt may take beyond its limit: timers firing late and sockets closing.
const SLACK_MS = 1_000;
const MAX_RESULT_JSON_BYTES = 4 * 1024;
const HUGE_BODY_BYTES = 50 * 1024 * 1024;

const TEST_NAMES = new Set(['hooks.example.test', 'other.example.test']);
const TLS_DIR = path.join(__dirname, '../fixtures/tls');

function readIdentity(name: string): TlsIdentity {
  return {
    cert: readFileSync(path.join(TLS_DIR, `${name}-cert.pem`)),
    key: readFileSync(path.join(TLS_DIR, `${name}-key.pem`)),
  };
}

const lookup: LookupAllAddresses = async (hostname) => {
  if (TEST_NAMES.has(hostname)) return [{ address: '127.0.0.1', family: 4 }];
  if (hostname === 'hung-dns.example.test') return await new Promise(() => undefined);
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

const BODY = '{"id":"evt_1","event":"payment.failed","data":{}}';
const HEADERS = buildSignedHeaders({
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  body: BODY,
  eventId: 'evt_1',
  eventType: 'payment.failed',
  timestampSeconds: 1_752_575_400,
});

let agent: Agent;
let healthyUrl: string;
const healthyRequests: IncomingHttpHeaders[] = [];
// Origins the agent started a connection for, and the peer address of each socket it opened,
// from undici's diagnostics channels.
const connectOrigins: string[] = [];
const peerAddresses: string[] = [];
const recordConnectStart = (message: unknown) => {
  connectOrigins.push((message as { connectParams: { hostname: string } }).connectParams.hostname);
};
const recordConnected = (message: unknown) => {
  peerAddresses.push(String((message as { socket: Socket }).socket.remoteAddress));
};

beforeAll(async () => {
  diagnosticsChannel.subscribe('undici:client:beforeConnect', recordConnectStart);
  diagnosticsChannel.subscribe('undici:client:connected', recordConnected);
  agent = createEndpointAgent({
    addressFilter: new AddressFilter(LOOPBACK_RANGES),
    lookup,
    ca: readFileSync(path.join(TLS_DIR, 'ca-cert.pem')),
  });
  const healthy = await startHttps(readIdentity('valid'), (request, response) => {
    healthyRequests.push(request.headers);
    request.resume();
    response.writeHead(204).end();
  });
  healthyUrl = `https://hooks.example.test:${healthy.port}/hooks`;
});

afterAll(async () => {
  diagnosticsChannel.unsubscribe('undici:client:beforeConnect', recordConnectStart);
  diagnosticsChannel.unsubscribe('undici:client:connected', recordConnected);
  await agent.destroy();
  await closeLoopbackServers();
});

/** Writes `text` one byte a second until the stream closes. */
function trickle(stream: Writable, text: string): void {
  let index = 0;
  const timer = setInterval(() => {
    if (index < text.length) stream.write(text[index++]!);
  }, 1_000);
  stream.once('close', () => clearInterval(timer));
}

let hugeBodyBytesSent = 0;

/** Sends an HTTP 500 with a 50 MiB body, as fast as the client reads it, and counts the bytes. */
async function startHugeBody(): Promise<string> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = await startHttp(async (request, response) => {
    request.resume();
    response.writeHead(500, { 'content-length': String(HUGE_BODY_BYTES) });
    response.on('error', () => undefined);
    while (hugeBodyBytesSent < HUGE_BODY_BYTES && !response.destroyed) {
      hugeBodyBytesSent += chunk.length;
      if (!response.write(chunk)) {
        await new Promise((resolve) => {
          response.once('drain', resolve);
          response.once('close', resolve);
        });
      }
    }
    response.end();
  });
  return server.url;
}

interface HostileCase {
  peer: string;
  start(): Promise<string>;
  errorClass: AttemptErrorClass;
  message: string;
  /** True when only the time limit can end the attempt. */
  slow?: boolean;
  /** Checks particular to the case, run after the attempt. */
  verify?(): void;
}

const CASES: HostileCase[] = [
  {
    peer: 'accepts and never answers',
    start: async () => (await startTcp(() => undefined)).url,
    errorClass: 'timeout',
    message: 'no complete answer within 1.5 s',
    slow: true,
  },
  {
    peer: 'trickles its headers a byte a second',
    start: async () =>
      (
        await startTcp((socket) =>
          socket.once('data', () =>
            trickle(socket, 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
          ),
        )
      ).url,
    errorClass: 'timeout',
    message: 'no complete answer within 1.5 s',
    slow: true,
  },
  {
    peer: 'trickles its body a byte a second',
    start: async () =>
      (
        await startHttp((_request, response) => {
          response.writeHead(200, { 'content-length': '100' });
          trickle(response, 'x'.repeat(100));
        })
      ).url,
    errorClass: 'timeout',
    message: 'no complete answer within 1.5 s',
    slow: true,
  },
  {
    peer: 'answers 2xx after the limit',
    start: async () =>
      (
        await startHttp((_request, response) => {
          const timer = setTimeout(() => response.writeHead(200).end(), TIMEOUT_MS + 500);
          response.once('close', () => clearTimeout(timer));
        })
      ).url,
    errorClass: 'timeout',
    message: 'answer 2xx first and do slow work afterwards',
    slow: true,
  },
  {
    peer: 'never completes the TLS handshake',
    start: async () => `https://hooks.example.test:${(await startTcp(() => undefined)).port}/`,
    errorClass: 'timeout',
    message: 'no complete answer within 1.5 s',
    slow: true,
  },
  {
    peer: 'has a DNS server that never answers',
    start: async () => 'https://hung-dns.example.test/hooks',
    errorClass: 'timeout',
    message: 'no complete answer within 1.5 s',
    slow: true,
  },
  {
    peer: 'sends a 50 MiB body',
    start: startHugeBody,
    errorClass: 'http_status',
    message: 'endpoint answered HTTP 500',
    verify() {
      // The server writes only as fast as the agent reads, so the bytes it sent bound what the
      // agent buffered. Loopback socket buffers hold a few MiB at most.
      expect(hugeBodyBytesSent).toBeGreaterThan(0);
      expect(hugeBodyBytesSent).toBeLessThan(16 * 1024 * 1024);
    },
  },
  {
    peer: 'sends invalid HTTP',
    start: async () =>
      (await startTcp((socket) => socket.once('data', () => socket.end('HTTP/1.1 abc\r\n\r\n'))))
        .url,
    errorClass: 'invalid_response',
    message: 'endpoint sent an invalid HTTP response',
  },
  {
    peer: 'sends 64 KiB of headers',
    start: async () =>
      (
        await startTcp((socket) =>
          socket.once('data', () =>
            socket.end(`HTTP/1.1 200 OK\r\nx-fill: ${'a'.repeat(64 * 1024)}\r\n\r\n`),
          ),
        )
      ).url,
    errorClass: 'invalid_response',
    message: 'endpoint sent an invalid HTTP response',
  },
  {
    peer: 'resets the connection',
    start: async () =>
      (await startTcp((socket) => socket.once('data', () => socket.resetAndDestroy()))).url,
    errorClass: 'connection_reset',
    message: 'connection closed by the endpoint before it answered',
  },
  {
    peer: 'redirects to the metadata address',
    start: async () =>
      (
        await startHttp((_request, response) => {
          const location = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/';
          response.writeHead(302, { location }).end();
        })
      ).url,
    errorClass: 'redirect',
    message: 'redirected with 302 to http://169.254.169.254/latest/meta-data/',
    verify() {
      expect(connectOrigins).not.toContain('169.254.169.254');
    },
  },
  {
    peer: 'does not resolve',
    start: async () => 'https://nowhere.example.test/hooks',
    errorClass: 'dns_failure',
    message: 'host name did not resolve (ENOTFOUND)',
  },
  {
    peer: 'refuses the connection',
    start: async () => `http://127.0.0.1:${await findClosedPort()}/hooks`,
    errorClass: 'connection_refused',
    message: 'connection refused',
  },
  {
    peer: 'presents an expired certificate',
    start: async () =>
      `https://hooks.example.test:${(await startHttps(readIdentity('expired'), () => undefined)).port}/`,
    errorClass: 'tls_error',
    message: 'certificate has expired',
  },
  {
    peer: 'presents a self-signed certificate',
    start: async () =>
      `https://hooks.example.test:${(await startHttps(readIdentity('self-signed'), () => undefined)).port}/`,
    errorClass: 'tls_error',
    message: 'self-signed certificate',
  },
  {
    peer: 'presents a certificate for another name',
    start: async () =>
      `https://other.example.test:${(await startHttps(readIdentity('valid'), () => undefined)).port}/`,
    errorClass: 'tls_error',
    message: "does not match certificate's altnames",
  },
];

describe('hostile peers', () => {
  test.each(CASES)('peer that $peer', async (hostileCase) => {
    const url = await hostileCase.start();

    const started = Date.now();
    const result = await sendHttpAttempt(agent, {
      url,
      body: BODY,
      headers: HEADERS,
      timeoutMs: TIMEOUT_MS,
    });
    const elapsedMs = Date.now() - started;

    expect(result.ok).toBe(false);
    expect(result.errorClass).toBe(hostileCase.errorClass);
    expect(result.errorMessage).toContain(hostileCase.message);
    expect(elapsedMs).toBeLessThan(hostileCase.slow ? TIMEOUT_MS + SLACK_MS : SLACK_MS);
    if (hostileCase.slow) expect(elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(MAX_RESULT_JSON_BYTES);
    hostileCase.verify?.();
    for (const address of peerAddresses) expect(address).toBe('127.0.0.1');

    const after = await sendHttpAttempt(agent, { url: healthyUrl, body: BODY, headers: HEADERS });
    expect(after.errorMessage).toBeNull();
    expect(after.statusCode).toBe(204);
    expect(healthyRequests.at(-1)?.['user-agent']).toBe(USER_AGENT);
  });

  test('trickle ends at the production limit', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      trickle(response, 'x'.repeat(100));
    });

    const started = Date.now();
    const result = await sendHttpAttempt(agent, { url: server.url, body: BODY, headers: HEADERS });
    const elapsedMs = Date.now() - started;

    expect(result.errorClass).toBe('timeout');
    expect(result.errorMessage).toContain('within 10 s');
    expect(elapsedMs).toBeGreaterThanOrEqual(9_950);
    expect(elapsedMs).toBeLessThan(10_000 + SLACK_MS);
  });
});
