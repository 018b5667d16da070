import {
  parsePublishedEvent,
  serializeEnvelope,
  type EventEnvelope,
  type FieldError,
} from '../../src/events/envelope';
import { EVENT_TYPES } from '../../src/events/schemas';

const NOW = new Date('2025-07-15T10:30:00.000Z');
const SITE_ID = 'site_01JC3Z7Q2M5X8V9T0R1S2N3P4K';

const subscriber = { id: 'sub_abc123', email: 'jane@example.com', name: 'Jane Doe' };

/** One valid `data` object per event type. */
const VALID_DATA: Record<string, Record<string, unknown>> = {
  'subscriber.created': {
    id: 'sub_abc123',
    email: 'jane@example.com',
    name: 'Jane Doe',
    plan: 'pro',
    site_id: SITE_ID,
  },
  'subscriber.updated': {
    subscriber,
    previous_plan: 'free',
    new_plan: 'pro',
    site_id: SITE_ID,
  },
  'subscriber.deleted': {
    subscriber,
    cancellation_reason: 'too many emails',
    site_id: SITE_ID,
  },
  'post.published': {
    id: 'post_42',
    title: 'Launch notes',
    url: 'https://blog.example.com/launch-notes',
    author: { id: 'usr_7', name: 'Sam Lee' },
    site_id: SITE_ID,
  },
  'purchase.completed': {
    product: { id: 'prod_9', name: 'Course' },
    amount: { amount: 4900, currency: 'USD' },
    buyer: subscriber,
    site_id: SITE_ID,
  },
  'payment.received': {
    amount: { amount: 1200, currency: 'EUR' },
    subscriber,
    plan: 'pro',
    site_id: SITE_ID,
  },
  'payment.failed': {
    subscriber,
    failure_reason: 'card_declined',
    site_id: SITE_ID,
  },
};

function fixedId(): string {
  return 'evt_from_factory';
}

function failingIdFactory(): string {
  throw new Error('the id factory must not run when the body has an id');
}

function parseValid(body: unknown, createId: () => string = fixedId): EventEnvelope {
  const result = parsePublishedEvent(body, createId, NOW);
  if ('errors' in result) {
    throw new Error(`expected a valid event, got ${JSON.stringify(result.errors)}`);
  }
  return result.envelope;
}

function parseInvalid(body: unknown): FieldError[] {
  const result = parsePublishedEvent(body, fixedId, NOW);
  if ('envelope' in result) {
    throw new Error(`expected field errors, got ${JSON.stringify(result.envelope)}`);
  }
  return result.errors;
}

function paymentWithAmount(amount: Record<string, unknown>) {
  return {
    id: 'evt_pay_1',
    event: 'payment.received',
    data: { ...VALID_DATA['payment.received'], amount },
  };
}

function paths(errors: FieldError[]): string[] {
  return errors.map((error) => error.path);
}

describe('parsePublishedEvent', () => {
  test('examples cover every event type', () => {
    expect(Object.keys(VALID_DATA).sort()).toEqual([...EVENT_TYPES].sort());
  });

  test.each(Object.entries(VALID_DATA))('accepts valid %s event', (event, data) => {
    const envelope = parseValid({ id: 'evt_1', event, timestamp: NOW.toISOString(), data });

    expect(envelope.event).toBe(event);
    expect(envelope.data).toEqual(data);
  });

  test('keeps extra data fields', () => {
    const data = { ...VALID_DATA['subscriber.created'], referrer: 'newsletter' };

    const envelope = parseValid({ event: 'subscriber.created', data });

    expect(envelope.data.referrer).toBe('newsletter');
  });

  test('names missing data field', () => {
    const { email: _email, ...data } = VALID_DATA['subscriber.created']!;

    const errors = parseInvalid({ event: 'subscriber.created', data });

    expect(paths(errors)).toEqual(['data.email']);
  });

  test('names missing nested field', () => {
    const data = { ...VALID_DATA['payment.failed'], subscriber: { id: 'sub_abc123' } };

    const errors = parseInvalid({ event: 'payment.failed', data });

    expect(paths(errors)).toEqual(['data.subscriber.email']);
  });

  test('names missing data object', () => {
    const errors = parseInvalid({ event: 'subscriber.created' });

    expect(paths(errors)).toEqual(['data']);
  });

  test('lists known types for unknown event', () => {
    const errors = parseInvalid({ event: 'subscriber.exploded', data: {} });

    expect(paths(errors)).toEqual(['event']);
    const message = errors[0]!.message;
    expect(message).toContain('"subscriber.exploded"');
    for (const type of EVENT_TYPES) {
      expect(message).toContain(type);
    }
  });

  test('rejects unknown top-level field', () => {
    const body = { event: 'payment.failed', data: VALID_DATA['payment.failed'], extra: 1 };

    const errors = parseInvalid(body);

    expect(paths(errors)).toEqual(['extra']);
    expect(errors[0]!.message).toContain('"extra"');
  });

  test('rejects unsafe event id', () => {
    const body = { id: 'evt 1/2', event: 'payment.failed', data: VALID_DATA['payment.failed'] };

    expect(paths(parseInvalid(body))).toEqual(['id']);
  });

  test('rejects timestamp without time', () => {
    const body = { event: 'payment.failed', timestamp: '2025-07-15', data: {} };

    expect(paths(parseInvalid(body))).toContain('timestamp');
  });

  test('rejects impossible calendar date', () => {
    const body = {
      event: 'payment.failed',
      timestamp: '2025-02-30T10:00:00Z',
      data: VALID_DATA['payment.failed'],
    };

    expect(paths(parseInvalid(body))).toEqual(['timestamp']);
  });

  test('normalises offset timestamp to UTC', () => {
    const body = {
      event: 'payment.failed',
      timestamp: '2025-07-15T12:30:00+02:00',
      data: VALID_DATA['payment.failed'],
    };

    expect(parseValid(body).timestamp).toBe('2025-07-15T10:30:00.000Z');
  });

  test('uses now for missing timestamp', () => {
    const body = { event: 'payment.failed', data: VALID_DATA['payment.failed'] };

    expect(parseValid(body).timestamp).toBe('2025-07-15T10:30:00.000Z');
  });

  test('uses factory for missing id', () => {
    const body = { event: 'payment.failed', data: VALID_DATA['payment.failed'] };

    expect(parseValid(body).id).toBe('evt_from_factory');
  });

  test('keeps given id over factory', () => {
    const body = { id: 'evt_given', event: 'payment.failed', data: VALID_DATA['payment.failed'] };

    expect(parseValid(body, failingIdFactory).id).toBe('evt_given');
  });
});

describe('money amounts', () => {
  test('accepts integer minor units', () => {
    const envelope = parseValid(paymentWithAmount({ amount: 500, currency: 'JPY' }));

    expect(envelope.data.amount).toEqual({ amount: 500, currency: 'JPY' });
  });

  test('rejects fractional amount', () => {
    const errors = parseInvalid(paymentWithAmount({ amount: 12.5, currency: 'USD' }));

    expect(paths(errors)).toEqual(['data.amount.amount']);
  });

  test('rejects negative amount', () => {
    const errors = parseInvalid(paymentWithAmount({ amount: -100, currency: 'USD' }));

    expect(paths(errors)).toEqual(['data.amount.amount']);
  });

  test('rejects amount as string', () => {
    const errors = parseInvalid(paymentWithAmount({ amount: '12.50', currency: 'USD' }));

    expect(paths(errors)).toEqual(['data.amount.amount']);
  });

  test.each(['usd', 'US', 'USDT', '840', ''])('rejects currency %j', (currency) => {
    const errors = parseInvalid(paymentWithAmount({ amount: 1200, currency }));

    expect(paths(errors)).toEqual(['data.amount.currency']);
  });

  test('rejects missing currency', () => {
    const errors = parseInvalid(paymentWithAmount({ amount: 1200 }));

    expect(paths(errors)).toEqual(['data.amount.currency']);
  });
});

describe('serializeEnvelope', () => {
  const envelope: EventEnvelope = {
    id: 'evt_1',
    event: 'subscriber.created',
    timestamp: '2025-07-15T10:30:00.000Z',
    data: VALID_DATA['subscriber.created']!,
  };

  test('returns identical bytes twice', () => {
    const first = Buffer.from(serializeEnvelope(envelope), 'utf8');
    const second = Buffer.from(serializeEnvelope(envelope), 'utf8');

    expect(first.equals(second)).toBe(true);
  });

  test('ignores key order of envelope', () => {
    const reordered = {
      data: envelope.data,
      timestamp: envelope.timestamp,
      event: envelope.event,
      id: envelope.id,
    };

    expect(serializeEnvelope(reordered)).toBe(serializeEnvelope(envelope));
  });

  test('orders keys id, event, timestamp, data', () => {
    const parsed = JSON.parse(serializeEnvelope(envelope)) as Record<string, unknown>;

    expect(Object.keys(parsed)).toEqual(['id', 'event', 'timestamp', 'data']);
  });

  test('drops fields outside envelope', () => {
    const withExtra = { ...envelope, internal: 'secret' } as EventEnvelope;

    expect(serializeEnvelope(withExtra)).not.toContain('internal');
  });

  test('round-trips parsed event', () => {
    const parsed = parseValid({ event: 'subscriber.created', data: envelope.data });

    expect(JSON.parse(serializeEnvelope(parsed))).toEqual(parsed);
  });
});

describe('envelope limits', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const data = { id: 'sub_1', email: 'a@example.com', name: 'A', plan: 'pro', site_id: 'site_1' };

  test.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-14:00', '1969-12-31T23:59:59Z'])(
    'rejects unstorable timestamp %s',
    (timestamp) => {
      const result = parsePublishedEvent(
        { event: 'subscriber.created', timestamp, data },
        () => 'evt_1',
        now,
      );

      expect(result).toEqual({
        errors: [{ path: 'timestamp', message: 'must fall between 1970 and 9999 in UTC' }],
      });
    },
  );

  test('rejects deeply nested data', () => {
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 5_000; level++) deep = { next: deep };

    const result = parsePublishedEvent(
      { event: 'subscriber.created', data: { ...data, deep } },
      () => 'evt_1',
      now,
    );

    expect('errors' in result).toBe(true);
    expect('errors' in result && result.errors[0]!.path).toBe('data');
  });

  test('accepts nesting up to the limit', () => {
    let nested: Record<string, unknown> = {};
    for (let level = 0; level < 30; level++) nested = { next: nested };

    const result = parsePublishedEvent(
      { event: 'subscriber.created', data: { ...data, nested } },
      () => 'evt_1',
      now,
    );

    expect('envelope' in result).toBe(true);
  });
});

describe('values receivers could not get as sent', () => {
  const withData = (extra: string) =>
    JSON.parse(
      `{"event":"subscriber.created","data":{"id":"sub_1","email":"jane@example.com","name":"Jane","plan":"pro","site_id":"site_1",${extra}}}`,
    );

  test('rejects a __proto__ key', () => {
    const errors = parseInvalid(withData('"nested":{"__proto__":{"admin":true}}'));

    expect(errors).toEqual([
      {
        path: 'data.nested',
        message: 'contains the key "__proto__", which is not accepted; rename it',
      },
    ]);
  });

  test('rejects a number beyond a double', () => {
    const errors = parseInvalid(withData('"score":1e400'));

    expect(errors).toEqual([
      { path: 'data.score', message: 'is a number too large to send; send it as a string' },
    ]);
  });
});
