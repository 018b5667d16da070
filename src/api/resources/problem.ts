import { z } from 'zod';
import { component } from './registry';

/** An RFC 9457 problem document, the body of every error response. */
export const problemSchema = component(
  'Problem',
  z.object({
    type: z.string().describe('stable identifier of the kind of problem; branch on this'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('what went wrong with this request and how to fix it'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('for validation errors, each failing field with its path'),
  }),
  'An error, as an RFC 9457 problem document (application/problem+json)',
);
