import type { RequestHandler } from 'express';
import { PROBLEM_TYPES, ProblemError } from './problem';

/**
 * Rejects request bodies that are not declared as JSON, instead of reading them as empty. A
 * request without a body passes; the operation's body schema decides whether one was needed.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  // `req.is` returns null when the request has no body at all.
  const matched = req.is('application/json');
  if (matched !== false) {
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
