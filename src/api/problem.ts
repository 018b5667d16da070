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
  methodNotAllowed: '/problems/method-not-allowed',
  conflict: '/problems/conflict',
  idempotencyKeyReused: '/problems/idempotency-key-reused',
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

/** Thrown by route handlers to respond with a problem document instead of a 500. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemError';
  }
}

/** Builds the 400 response for a request whose fields failed validation. */
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

/** Builds the 404 response, also used for ids of other sites, so that they reveal nothing. */
export function notFoundProblem(resource: string, id: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.notFound,
    title: 'Not found',
    status: 404,
    detail: `${resource} ${JSON.stringify(id)} does not exist`,
  });
}

/** Responds 404 to routes that do not exist. */
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

/** Turns every error into a problem document; unknown errors are logged and get a bare 500. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error, req.originalUrl);
    const fields = { err: error, method: req.method, path: req.path };
    if (problem.status === 500) logger.error(fields, 'request failed');
    if (problem.status === 503 && !(error instanceof ProblemError)) {
      logger.warn(fields, 'request rejected: database unavailable');
    }

    // Every 503 here is a passing condition, so tell clients when to try again.
    if (problem.status === 503) res.set('Retry-After', '1');
    res.status(problem.status).type('application/problem+json').json(problem);
  };
}

function toProblem(error: unknown, url: string): Problem {
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
  return toDatabaseProblem(error) ?? toClientProblem(error, url) ?? INTERNAL_PROBLEM;
}

const INTERNAL_PROBLEM: Problem = {
  type: PROBLEM_TYPES.internal,
  title: 'Internal error',
  status: 500,
  detail: 'internal error',
};

// PostgreSQL error codes that mean the database is busy or briefly away, not that the API is broken:
// 53300 too many connections, 57P01 admin shutdown, 57P03 cannot connect now.
const DATABASE_UNAVAILABLE_CODES = new Set([
  '53300',
  '57P01',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
]);

function toDatabaseProblem(error: unknown): Problem | null {
  const { code, message } = error as { code?: string; message?: string };
  if (code === '22021') {
    return {
      type: PROBLEM_TYPES.validation,
      title: 'Invalid request',
      status: 400,
      detail: 'a value contains a NUL character (\\u0000), which is not accepted; remove it',
    };
  }
  const poolTimeout = message?.includes('timeout exceeded when trying to connect') ?? false;
  if (poolTimeout || (code !== undefined && DATABASE_UNAVAILABLE_CODES.has(code))) {
    return {
      type: PROBLEM_TYPES.unavailable,
      title: 'Service unavailable',
      status: 503,
      detail: 'the database is busy or unreachable, so nothing was changed; retry shortly',
    };
  }
  return null;
}

// body-parser and Express mark the errors that a client caused with a 4xx `status` and
// `expose: true`, for example an unsupported charset or encoding, or a malformed path escape.
function toClientProblem(error: unknown, url: string): Problem | null {
  if ((error as Error).name === 'URIError') {
    const shown = url.length > 120 ? `${url.slice(0, 120)}...` : url;
    return {
      type: PROBLEM_TYPES.validation,
      title: 'Invalid request',
      status: 400,
      detail: `the path ${JSON.stringify(shown)} contains a malformed percent-escape; encode ids with encodeURIComponent`,
    };
  }

  const { status, expose, message } = error as {
    status?: number;
    expose?: boolean;
    message?: string;
  };
  if (!expose || status === undefined || status < 400 || status >= 500) return null;
  const type = status === 415 ? PROBLEM_TYPES.unsupportedMediaType : PROBLEM_TYPES.validation;
  return { type, title: 'Invalid request', status, detail: message ?? 'invalid request' };
}
