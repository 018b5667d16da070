import { z } from 'zod';
import { isStorableInstant } from '../events/schemas';
import '../validation';

/**
 * Returns the schema of a path id. Ids are checked for shape only: an id of the right shape that the site does not own
 * gets a 404, the same as one that does not exist, so ids of other sites reveal nothing.
 */
export function resourceId(resource: string) {
  return z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
    error: (issue) =>
      `${quote(issue.input)} is not a valid ${resource} id; use the id field of the ${resource} as the API returned it`,
  });
}

/** Quotes a client's value for an error message, cut short when it is long. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** `{ id }` path parameters of one resource. */
export function idParams(resource: string) {
  return z.strictObject({ id: resourceId(resource) });
}

/** Page size of lists: digits only, so that `1e2` or `0x10` are not read as numbers. */
export const limitSchema = z
  .string()
  .regex(/^[0-9]{1,3}$/, { error: (issue) => limitMessage(issue.input) })
  .transform(Number)
  .refine((limit) => limit >= 1 && limit <= 100, {
    error: (issue) => limitMessage(issue.input),
  })
  .optional()
  .transform((limit) => limit ?? 50)
  .describe('items per page, 1 to 100 (50 when absent)');

function limitMessage(input: unknown): string {
  return `expected a whole number from 1 to 100, got ${JSON.stringify(input)}`;
}

/** Cursor of a list ordered by time-ordered ids with the given prefix. */
export function cursorSchema(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-Z]{26}$`), {
      error: (issue) =>
        `${quote(issue.input)} is not a cursor of this list; pass the next_cursor of the previous page`,
    })
    .optional()
    .describe('next_cursor of the previous page');
}

/** An ISO 8601 instant in a query string or body. */
export const instantSchema = z.iso
  .datetime({
    offset: true,
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `invalid date-time ${JSON.stringify(issue.input)}; use ISO 8601 such as 2026-01-31T09:00:00Z`,
  })
  .refine(isStorableInstant, {
    message: 'must fall between 1970 and 9999 in UTC',
    when: (payload) => payload.issues.length === 0,
  })
  .transform((value) => new Date(value));
