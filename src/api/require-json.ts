import type { Request, RequestHandler } from 'express';
import { PROBLEM_TYPES, ProblemError } from './problem';

/**
 * Returns true when the request carries a body. An explicit `Content-Length: 0`, which many
 * clients send with every POST, counts as no body.
 */
export function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/**
 * Rejects request bodies that are not declared as JSON, instead of reading them as empty. A
 * request without a body passes; the operation's body schema decides whether one was needed.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (!hasBody(req) || req.is('application/json')) {
    next();
    return;
  }
  const given = req.get('content-type') ?? 'none';
  next(
    new ProblemError({
      type: PROBLEM_TYPES.unsupportedMediaType,
      title: 'Unsupported media type',
      status: 415,
      detail: `content type ${given} is not accepted; send the body as application/json`,
    }),
  );
};
