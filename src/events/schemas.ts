import { z } from 'zod';
import '../validation';

// Publishers may add fields beyond the documented ones; receivers get them unchanged.
const siteId = z.string().min(1).max(128);
const email = z.email();
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 code such as "USD"' });

const person = z.looseObject({
  id: z.string().min(1),
  email,
  name: z.string().optional(),
});

const money = z.looseObject({
  amount: z.number().int().nonnegative(), // minor units: cents for USD, yen for JPY
  currency,
});

/** The `data` schema of each event type, keyed by type name. */
export const eventDataSchemas = {
  'subscriber.created': z.looseObject({
    id: z.string().min(1),
    email,
    name: z.string(),
    plan: z.string().min(1),
    site_id: siteId,
  }),
  'subscriber.updated': z.looseObject({
    subscriber: person,
    previous_plan: z.string().min(1),
    new_plan: z.string().min(1),
    site_id: siteId,
  }),
  'subscriber.deleted': z.looseObject({
    subscriber: person,
    cancellation_reason: z.string(),
    site_id: siteId,
  }),
  'post.published': z.looseObject({
    id: z.string().min(1),
    title: z.string(),
    url: z.url(),
    author: z.looseObject({ id: z.string().min(1), name: z.string() }),
    site_id: siteId,
  }),
  'purchase.completed': z.looseObject({
    product: z.looseObject({ id: z.string().min(1), name: z.string() }),
    amount: money,
    buyer: person,
    site_id: siteId,
  }),
  'payment.received': z.looseObject({
    amount: money,
    subscriber: person,
    plan: z.string().min(1),
    site_id: siteId,
  }),
  'payment.failed': z.looseObject({
    subscriber: person,
    failure_reason: z.string().min(1),
    site_id: siteId,
  }),
} as const;

/** Name of an event type that endpoints can subscribe to. */
export type EventType = keyof typeof eventDataSchemas;

/** Every event type, in the order the product documents them. */
export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];

/** Event ids travel in headers and workflow ids, so they keep to a safe alphabet. */
export const eventIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
  message: 'must be 1 to 128 characters of letters, digits, "_", "-", "." or ":"',
});

export const eventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]], {
  error: (issue) =>
    issue.input === undefined
      ? `is required; one of ${EVENT_TYPES.join(', ')}`
      : `unknown event type ${JSON.stringify(issue.input)}; expected one of ${EVENT_TYPES.join(', ')}`,
});

/** Body of `POST /v1/events` before its `data` is checked against the type's schema. */
export const publishEventSchema = z.strictObject({
  id: eventIdSchema.optional(),
  event: eventTypeSchema,
  timestamp: z.iso
    .datetime({ offset: true, message: 'expected an ISO 8601 date-time' })
    .refine(isStorableInstant, {
      message: 'must fall between 1970 and 9999 in UTC',
      // A value that is not a date-time at all gets the format error alone.
      when: (payload) => payload.issues.length === 0,
    })
    .optional(),
  data: z.record(z.string(), z.unknown()),
});

/**
 * Returns true for instants from 1970 to 9999 in UTC. PostgreSQL has no year 0, and an instant past
 * 9999 has no four-digit ISO form.
 */
export function isStorableInstant(value: string): boolean {
  const year = new Date(value).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}
