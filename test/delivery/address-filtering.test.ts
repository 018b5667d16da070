/**
 * The connect-time address check, through the real agent and `sendHttpAttempt`. No test here
 * opens a socket to anything but 127.0.0.1. Host names resolve through a fake DNS table. The dial
 * step is a stub that either fails the test if reached, or records the address it was given and
 * connects to a loopback receiver instead.
 */
import { connect, isIP } from 'node:net';
import type { Agent, buildConnector } from 'undici';
import { createEndpointAgent, sendHttpAttempt } from '../../src/delivery/http-attempt';
import { AddressFilter } from '../../src/network/address-filter';
import {
  createCheckedConnector,
  type LookupAllAddresses,
  type ResolvedAddress,
} from '../../src/network/checked-connector';
import { BLOCKED_LITERAL_URLS, BLOCKED_NAME_URLS, PUBLIC_URLS } from '../helpers/address-cases';
import { startReceiver, type Receiver } from '../helpers/receiver';

const BODY = '{"id":"evt_1","event":"payment.failed","data":{}}';
const HEADERS = { 'content-type': 'application/json' };
const PUBLIC_V4 = '93.184.215.14';

const FAKE_DNS: Record<string, string[]> = {
  'hooks.example.com': [PUBLIC_V4],
  'localhost.example.com': ['2001:4860:4860::8888'],
  localhost: ['127.0.0.1', '::1'],
  'sub.localhost': ['127.0.0.1', '::1'],
  'a.b.localhost': ['127.0.0.1', '::1'],
  'metadata.google.internal': ['169.254.169.254'],
  'private.example.test': ['10.0.0.7'],
  'metadata.example.test': ['169.254.169.254'],
  'multi.example.test': [PUBLIC_V4, '10.0.0.1'],
  'mapped.example.test': ['::ffff:127.0.0.1'],
  'zoned.example.test': ['fe80::1%eth0'],
  'nat64.example.test': ['64:ff9b::a9fe:a9fe'],
  'garbage.example.test': ['not-an-address'],
  'empty.example.test': [],
};

interface DialCall {
  hostname: string;
  servername: string | undefined;
  port: string;
}

interface Probe {
  agent: Agent;
  lookups: string[];
  dials: DialCall[];
}

const agents: Agent[] = [];
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
});

afterAll(async () => {
  await receiver.close();
});

function notFound(hostname: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
}

/** Returns addresses from `FAKE_DNS`, or from `answers` in turn when given, and records names. */
function fakeLookup(lookups: string[], answers?: string[][]): LookupAllAddresses {
  return async (hostname) => {
    lookups.push(hostname);
    const addresses = answers ? answers.shift() : FAKE_DNS[hostname.replace(/\.$/, '')];
    if (addresses === undefined) throw notFound(hostname);
    return addresses.map((address): ResolvedAddress => ({ address, family: isIP(address) }));
  };
}

/** Returns a dial step for blocked cases. Reaching it is the bug under test, so it throws. */
function forbiddenDial(dials: DialCall[]): buildConnector.connector {
  return (options) => {
    dials.push({ hostname: options.hostname, servername: options.servername, port: options.port });
    throw new Error(`dialled ${options.hostname}, which the address filter should have rejected`);
  };
}

/**
 * Returns a dial step for accepted cases, which records the checked address and connects to the
 * loopback receiver instead. It returns plain TCP even for https URLs, which undici accepts from a custom
 * connector, so the request completes without leaving this machine.
 */
function loopbackDial(dials: DialCall[]): buildConnector.connector {
  const port = Number(new URL(receiver.url).port);
  return (options, callback) => {
    dials.push({ hostname: options.hostname, servername: options.servername, port: options.port });
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, null));
  };
}

function createProbe(
  dialFor: (dials: DialCall[]) => buildConnector.connector,
  answers?: string[][],
): Probe {
  const lookups: string[] = [];
  const dials: DialCall[] = [];
  const agent = createEndpointAgent({
    addressFilter: new AddressFilter(),
    lookup: fakeLookup(lookups, answers),
    dial: dialFor(dials),
  });
  agents.push(agent);
  return { agent, lookups, dials };
}

function send(agent: Agent, url: string) {
  return sendHttpAttempt(agent, { url, body: BODY, headers: HEADERS, timeoutMs: 2_000 });
}

describe('connect-time check', () => {
  test.each(BLOCKED_LITERAL_URLS)(
    'rejects $url without lookup or dial',
    async ({ url, reason }) => {
      const probe = createProbe(forbiddenDial);

      const result = await send(probe.agent, url);

      expect(result.errorClass).toBe('blocked_address');
      expect(result.errorMessage).toContain(reason);
      expect(result.errorMessage).toContain('webhooks are only sent to public addresses');
      expect(result.ok).toBe(false);
      expect(probe.lookups).toEqual([]);
      expect(probe.dials).toEqual([]);
    },
  );

  test.each(BLOCKED_NAME_URLS)('rejects known name $url before dial', async ({ url, reason }) => {
    const probe = createProbe(forbiddenDial);
    const hostname = new URL(url).hostname;

    const result = await send(probe.agent, url);

    expect(result.errorClass).toBe('blocked_address');
    expect(result.errorMessage).toContain(`${hostname} resolved to`);
    expect(result.errorMessage).toContain(reason);
    expect(probe.lookups).toEqual([hostname]);
    expect(probe.dials).toEqual([]);
  });

  test.each([
    ['private.example.test', '10.0.0.7', 'in the private range (10.0.0.0/8)'],
    ['metadata.example.test', '169.254.169.254', 'the cloud metadata address'],
    ['multi.example.test', '10.0.0.1', 'in the private range (10.0.0.0/8)'],
    [
      'mapped.example.test',
      '::ffff:127.0.0.1',
      'in the IPv4-mapped IPv6 range (::ffff:0:0/96) and carries 127.0.0.1',
    ],
    ['zoned.example.test', 'fe80::1%eth0', 'in the link-local range (fe80::/10)'],
    [
      'nat64.example.test',
      '64:ff9b::a9fe:a9fe',
      'in the NAT64 range (64:ff9b::/96) and carries 169.254.169.254',
    ],
    ['garbage.example.test', 'not-an-address', 'not an IP address'],
  ])('rejects %s resolving to %s', async (hostname, address, reason) => {
    const probe = createProbe(forbiddenDial);

    const result = await send(probe.agent, `https://${hostname}/hooks`);

    expect(result.errorClass).toBe('blocked_address');
    expect(result.errorMessage).toContain(`${hostname} resolved to ${address}, which is ${reason}`);
    expect(probe.lookups).toEqual([hostname]);
    expect(probe.dials).toEqual([]);
  });

  test.each(PUBLIC_URLS)('dials checked address of %s', async (url) => {
    const probe = createProbe(loopbackDial);
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    const isLiteral = isIP(host) !== 0;

    const result = await send(probe.agent, url);

    expect(result.errorMessage).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(probe.lookups).toEqual(isLiteral ? [] : [host]);
    expect(probe.dials).toHaveLength(1);
    const expected = isLiteral ? host : FAKE_DNS[host.replace(/\.$/, '')]![0];
    expect(probe.dials[0]!.hostname).toBe(expected);
    // Certificates are checked against the name, so it travels as the TLS server name.
    expect(probe.dials[0]!.servername).toBe(isLiteral ? undefined : host.replace(/\.$/, ''));
  });

  test('keeps Host header of URL', async () => {
    const probe = createProbe(loopbackDial);

    await send(probe.agent, 'https://hooks.example.com:8443/webhooks');

    expect(receiver.requests.at(-1)?.headers.host).toBe('hooks.example.com:8443');
    expect(probe.dials[0]!.port).toBe('8443');
  });

  test('second lookup to private address is rejected', async () => {
    // DNS rebinding: a public answer first, then the metadata address for the same name.
    const probe = createProbe(loopbackDial, [[PUBLIC_V4], ['169.254.169.254']]);
    receiver.respond = () => ({ status: 200, headers: { connection: 'close' } });
    const url = 'https://rebind.example.test/hooks';

    const first = await send(probe.agent, url);
    const second = await send(probe.agent, url);

    receiver.respond = () => ({ status: 200 });
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    expect(second.errorClass).toBe('blocked_address');
    expect(second.errorMessage).toContain('rebind.example.test resolved to 169.254.169.254');
    expect(probe.lookups).toEqual(['rebind.example.test', 'rebind.example.test']);
    expect(probe.dials.map((dial) => dial.hostname)).toEqual([PUBLIC_V4]);
  });

  test('unknown name is dns_failure', async () => {
    const probe = createProbe(forbiddenDial);

    const result = await send(probe.agent, 'https://nowhere.example.test/hooks');

    expect(result.errorClass).toBe('dns_failure');
    expect(result.errorMessage).toContain('ENOTFOUND');
    expect(probe.dials).toEqual([]);
  });

  test('name without addresses is dns_failure', async () => {
    const probe = createProbe(forbiddenDial);

    const result = await send(probe.agent, 'https://empty.example.test/hooks');

    expect(result.errorClass).toBe('dns_failure');
    expect(probe.dials).toEqual([]);
  });

  test('loopback allowlist admits loopback only', async () => {
    const dials: DialCall[] = [];
    const agent = createEndpointAgent({
      addressFilter: new AddressFilter(['127.0.0.0/8', '::1/128']),
      lookup: fakeLookup([]),
      dial: loopbackDial(dials),
    });
    agents.push(agent);

    const loopback = await send(agent, 'https://localhost/hooks');
    const metadata = await send(agent, 'https://169.254.169.254/hooks');

    expect(loopback.ok).toBe(true);
    expect(metadata.errorClass).toBe('blocked_address');
    expect(dials.map((dial) => dial.hostname)).toEqual(['127.0.0.1']);
  });
});

describe('createCheckedConnector', () => {
  function connectOnce(connector: buildConnector.connector, hostname: string) {
    return new Promise<Error | null>((resolve) => {
      connector({ hostname, protocol: 'https:', port: '' }, (error, socket) => {
        socket?.destroy();
        resolve(error);
      });
    });
  }

  function unreachable(code: string): Error {
    return Object.assign(new Error(`connect ${code}`), { code });
  }

  test('tries next address when unreachable', async () => {
    const dialled: string[] = [];
    const connector = createCheckedConnector({
      filter: new AddressFilter(),
      lookup: async () => [
        { address: '2001:4860:4860::8888', family: 6 },
        { address: PUBLIC_V4, family: 4 },
      ],
      dial: (options, callback) => {
        dialled.push(options.hostname);
        if (options.hostname.includes(':')) return callback(unreachable('ENETUNREACH'), null);
        callback(new Error('stub: reached the second address'), null);
      },
      lookupTimeoutMs: 1_000,
    });

    const error = await connectOnce(connector, 'dual.example.test');

    expect(dialled).toEqual(['2001:4860:4860::8888', PUBLIC_V4]);
    expect(error?.message).toBe('stub: reached the second address');
  });

  test('TLS failure skips other addresses', async () => {
    const dialled: string[] = [];
    const connector = createCheckedConnector({
      filter: new AddressFilter(),
      lookup: async () => [
        { address: PUBLIC_V4, family: 4 },
        { address: '93.184.215.15', family: 4 },
      ],
      dial: (options, callback) => {
        dialled.push(options.hostname);
        callback(unreachable('CERT_HAS_EXPIRED'), null);
      },
      lookupTimeoutMs: 1_000,
    });

    const error = await connectOnce(connector, 'expired.example.test');

    expect(dialled).toEqual([PUBLIC_V4]);
    expect((error as Error & { code?: string }).code).toBe('CERT_HAS_EXPIRED');
  });

  test('hung lookup times out', async () => {
    const connector = createCheckedConnector({
      filter: new AddressFilter(),
      lookup: () => new Promise(() => undefined),
      dial: () => {
        throw new Error('dialled without an address');
      },
      lookupTimeoutMs: 50,
    });

    const error = await connectOnce(connector, 'slow-dns.example.test');

    expect((error as Error & { code?: string }).code).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(error?.message).toContain('DNS lookup of slow-dns.example.test');
  });
});
