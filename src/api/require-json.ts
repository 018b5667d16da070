import type { RequestHandler } from 'express';
import { PROBLEM_TYPES, ProblemError } from './problem';

/** Rejects request bodies that are not declared as JSON, instead of reading them as empty. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.is('application/json')) {
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
