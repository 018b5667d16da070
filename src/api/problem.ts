import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { FieldError } from '../events/envelope';
import type { Logger } from '../logger';

/** Stable problem types; clients branch on these, never on `detail`. */
export const PROBLEM_TYPES = {
  validation: '/problems/validation-error',
  malformedJson: '/problems/malformed-json',
  unsupportedMediaType: '/problems/unsupported-media-type',
  payloadTooLarge: '/problems/payload-too-large',
  unauthorized: '/problems/unauthorized',
  notFound: '/problems/not-found',
  conflict: '/problems/conflict',
  unavailable: '/problems/service-unavailable',
  internal: '/problems/internal-error',
} as const;

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** Thrown by route handlers to answer with a problem document instead of a 500. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemError';
  }
}

/** Builds the 400 answer for a request whose fields failed validation. */
export function validationProblem(errors: FieldError[]): ProblemError {
  const first = errors[0];
  const detail = first ? `${first.path}: ${first.message}` : 'the request is invalid';
  return new ProblemError({
    type: PROBLEM_TYPES.validation,
    title: 'Invalid request',
    status: 400,
    detail: errors.length > 1 ? `${detail} (and ${errors.length - 1} more)` : detail,
    errors,
  });
}

/** Builds the 404 answer; used for ids of other sites too, so they reveal nothing. */
export function notFoundProblem(what: string, id: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.notFound,
    title: 'Not found',
    status: 404,
    detail: `${what} ${JSON.stringify(id)} does not exist`,
  });
}

/** Answers routes that do not exist. */
export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(
    new ProblemError({
      type: PROBLEM_TYPES.notFound,
      title: 'Not found',
      status: 404,
      detail: `no route for ${req.method} ${req.path}`,
    }),
  );
};

/** Turns every error into a problem document; unknown errors are logged and answered 500. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500 && !(error instanceof ProblemError)) {
      logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    }
    res.status(problem.status).type('application/problem+json').json(problem);
  };
}

function toProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;

  const bodyError = error as { type?: string; limit?: number };
  if (bodyError.type === 'entity.parse.failed') {
    return {
      type: PROBLEM_TYPES.malformedJson,
      title: 'Malformed JSON',
      status: 400,
      detail: `the request body is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (bodyError.type === 'entity.too.large') {
    return {
      type: PROBLEM_TYPES.payloadTooLarge,
      title: 'Payload too large',
      status: 413,
      detail: `the request body exceeds the limit of ${bodyError.limit} bytes`,
    };
  }
  return {
    type: PROBLEM_TYPES.internal,
    title: 'Internal error',
    status: 500,
    detail: 'internal error',
  };
}
