import type { RequestHandler } from 'express';
import type { Operation } from './operation';
import { PROBLEM_TYPES, ProblemError } from './problem';

/**
 * Responds to requests for an existing path with a method it does not take: 405 with an `Allow`
 * header, or 204 with the methods for OPTIONS. Without it, Express responds to OPTIONS in plain
 * text and to any other method with the 404 of an unknown path.
 */
export function methodGuard(operations: Operation[]): RequestHandler {
  // Express matches paths case-insensitively and with an optional trailing slash; so does this.
  const routes = operations.map((operation) => ({
    method: operation.method.toUpperCase(),
    pattern: new RegExp(`^${operation.path.replace(/\{\w+\}/g, '[^/]+')}/?$`, 'i'),
  }));

  return (req, res, next) => {
    const allowed = new Set(
      routes.filter((route) => route.pattern.test(req.path)).map((route) => route.method),
    );
    if (allowed.size === 0 || allowed.has(req.method)) {
      next();
      return;
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.has('GET') && req.method === 'HEAD') {
      next();
      return;
    }
    const allow = [...allowed, 'OPTIONS'].join(', ');
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(
      new ProblemError({
        type: PROBLEM_TYPES.methodNotAllowed,
        title: 'Method not allowed',
        status: 405,
        detail: `${req.method} is not allowed on ${req.path}; use ${allow}`,
      }),
    );
  };
}
