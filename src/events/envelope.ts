import { createHash } from 'node:crypto';
import { z } from 'zod';
import { eventDataSchemas, publishEventSchema, type EventType } from './schemas';

/** One event as receivers see it: the top level of every delivery body. */
export interface EventEnvelope {
  id: string;
  event: EventType;
  /** When the event happened, in UTC ISO 8601, so receivers can order late arrivals. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** A field that failed validation, with its path from the top of the request body. */
export interface FieldError {
  path: string;
  message: string;
}

/** A validated event with the fingerprint that distinguishes a repeated publish from a different event. */
export interface PublishedEvent {
  envelope: EventEnvelope;
  /**
   * SHA-256 of what the publisher sent, before defaults. A retry that omits the timestamp gets a
   * new one filled in, so comparing bodies would wrongly call the retry a different event.
   */
  fingerprint: Buffer;
}

/** Returns the event, or every field error found, for a request body of `POST /v1/events`. */
export function parsePublishedEvent(
  body: unknown,
  createId: () => string,
  now: Date,
): PublishedEvent | { errors: FieldError[] } {
  const outer = publishEventSchema.safeParse(body);
  if (!outer.success) return { errors: toFieldErrors(outer.error) };

  const { id, event, timestamp, data } = outer.data;
  const unsendable = findUnsendableValue(data);
  if (unsendable) return { errors: [unsendable] };
  const inner = eventDataSchemas[event].safeParse(data);
  if (!inner.success) return { errors: toFieldErrors(inner.error, ['data']) };

  const fingerprint = createHash('sha256')
    .update(JSON.stringify([event, timestamp ?? null, data]))
    .digest();
  return {
    envelope: {
      id: id ?? createId(),
      event,
      timestamp: new Date(timestamp ?? now).toISOString(),
      data: inner.data,
    },
    fingerprint,
  };
}

/** Deepest nesting of objects and arrays accepted in `data`; real events use three or four. */
export const MAX_DATA_DEPTH = 32;

/**
 * Returns the first part of `data` that receivers would not get as sent, or null. A number beyond
 * the range of a double (1e400) would be serialized as null, and a `__proto__` key is dropped by
 * JavaScript objects, so both are rejected instead of changed silently. Nesting is bounded too.
 * It walks without recursion, so that a hostile body cannot exhaust the stack.
 */
function findUnsendableValue(root: unknown): FieldError | null {
  const pending: Array<[unknown, string, number]> = [[root, 'data', 1]];
  while (pending.length > 0) {
    const [value, path, depth] = pending.pop()!;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return { path, message: 'is a number too large to send; send it as a string' };
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DATA_DEPTH) {
      return { path: 'data', message: `nests deeper than ${MAX_DATA_DEPTH} levels; flatten it` };
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') {
        return { path, message: 'contains the key "__proto__", which is not accepted; rename it' };
      }
      pending.push([(value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1]);
    }
  }
  return null;
}

/**
 * Serializes the envelope into the exact bytes every attempt sends. It runs once, at ingest, and
 * the result is stored, so retries and redeliveries never re-serialize.
 */
export function serializeEnvelope(envelope: EventEnvelope): string {
  const { id, event, timestamp, data } = envelope;
  return JSON.stringify({ id, event, timestamp, data });
}

/** Turns zod issues into field errors whose paths read like `data.amount.currency`. */
export function toFieldErrors(error: z.ZodError, prefix: (string | number)[] = []): FieldError[] {
  const joined = (path: PropertyKey[]) => [...prefix, ...path].map(String).join('.') || '(body)';
  return error.issues.flatMap((issue) => {
    // One error per unknown field, at its own path, so that a client sees which name to fix.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: joined([...issue.path, key]),
        message: `unknown field ${JSON.stringify(key)}; check its spelling or remove it`,
      }));
    }
    return [{ path: joined(issue.path), message: issue.message }];
  });
}
