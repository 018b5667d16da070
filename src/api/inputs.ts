import { z } from 'zod';
import '../validation';

/**
 * Returns the schema of a path id. Ids are checked for shape only: an id of the right shape that the site does not own
 * gets a 404, the same as one that does not exist, so ids of other sites reveal nothing.
 */
export function resourceId(resource: string) {
  return z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: `is not a valid ${resource} id; use the id field of the ${resource} as the API returned it`,
  });
}

/** `{ id }` path parameters of one resource. */
export function idParams(resource: string) {
  return z.strictObject({ id: resourceId(resource) });
}

/** Page size of lists. */
export const limitSchema = z.coerce
  .number({
    error: (issue) => `expected a whole number from 1 to 100, got ${JSON.stringify(issue.input)}`,
  })
  .int({ message: 'expected a whole number from 1 to 100' })
  .min(1, { message: 'expected a whole number from 1 to 100' })
  .max(100, { message: 'expected a whole number from 1 to 100' })
  .default(50)
  .describe('items per page, 1 to 100');

/** Cursor of a list ordered by time-ordered ids with the given prefix. */
export function cursorSchema(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-Z]{26}$`), {
      message: `is not a cursor of this list; pass the next_cursor of the previous page`,
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
  .transform((value) => new Date(value));
