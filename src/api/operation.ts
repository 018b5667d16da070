import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { toFieldErrors } from '../events/envelope';
import { requirePublisher, requireSiteKey, type SiteRequest } from './auth';
import type { ApiDependencies } from './dependencies';
import { validationProblem } from './problem';
import { hasBody, requireJson } from './require-json';

/** Credential an operation requires: a site API key, Postion's publisher token, or none. */
export type OperationAuth = 'siteKey' | 'publisher' | 'none';

/** One documented response of an operation. */
export interface ResponseSpec {
  description: string;
  /** Body schema; absent for responses without a body, such as 204. */
  schema?: z.ZodType;
  /** Media type of the body; JSON unless given. */
  contentType?: string;
}

/** Response of a handler, which the operation layer writes. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Media type for bodies that are not JSON, such as the HTML of the API reference. */
  contentType?: string;
}

/** A request after its path, query and body passed their schemas. */
export interface OperationInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The site of the API key, for `siteKey` operations. */
  siteId: string;
  req: Request;
  res: Response;
}

/**
 * One route of the API: its path, its input schemas, its responses and its handler. The router and
 * the OpenAPI document are both built from these, so the document cannot drift from the routes.
 */
export interface Operation<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI form, such as `/v1/webhooks/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: OperationAuth;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The handler checks the body itself (it needs the raw value); `body` then only documents it.
   */
  bodyCheckedByHandler?: boolean;
  /** Request headers beyond Authorization, for the document. */
  headers?: Array<{ name: string; description: string; schema: z.ZodType }>;
  responses: Record<number, ResponseSpec>;
  /** Problem statuses this operation can return beyond the ones its inputs and auth imply. */
  problems?: number[];
  handle(input: OperationInput<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<Reply>;
}

/** Keeps the handler's input types tied to the schemas of the same operation. */
export function defineOperation<
  P extends z.ZodType = z.ZodObject<{}>,
  Q extends z.ZodType = z.ZodObject<{}>,
  B extends z.ZodType = z.ZodUndefined,
>(operation: Operation<P, Q, B>): Operation {
  return operation as unknown as Operation;
}

/** Turns `/v1/webhooks/{id}` into Express's `/v1/webhooks/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

// Queries and paths are strict by default, so that a misspelt filter gets a 400 instead of being
// ignored and returning everything.
const EMPTY = z.strictObject({});

/** Largest request body accepted; events are small, and this bounds memory per request. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Registers each operation on the router with its authentication and input checks. Bodies are read
 * only after authentication, so that a caller without credentials cannot make the API parse them.
 */
export function mountOperations(router: Router, deps: ApiDependencies, operations: Operation[]) {
  const siteKey = requireSiteKey(deps.pool);
  const publisher = requirePublisher(deps.publisherToken);
  const json = express.json({ limit: MAX_BODY_BYTES });

  for (const operation of operations) {
    // The path template labels the request duration metric, so ids in paths add no series.
    const handlers: RequestHandler[] = [labelRoute(operation.path)];
    if (operation.auth === 'siteKey') handlers.push(siteKey);
    if (operation.auth === 'publisher') handlers.push(publisher);
    handlers.push(json, operation.body ? requireJson : rejectBody);
    handlers.push(async (req: SiteRequest, res) => {
      const input = parseInput(operation, req);
      const reply = await operation.handle({ ...input, siteId: req.siteId ?? '', req, res });
      // Responses can carry secrets and change from one moment to the next, so no cache may keep them.
      if (operation.auth !== 'none') res.set('Cache-Control', 'no-store');
      sendReply(res, reply);
    });
    router[operation.method](expressPath(operation.path), ...handlers);
  }
}

function labelRoute(path: string): RequestHandler {
  return (_req, res, next) => {
    res.locals.route = path;
    next();
  };
}

/**
 * Rejects a body sent to an operation that takes none, whatever its type, since it would be
 * ignored. An empty JSON object passes: some clients send `{}` with every POST.
 */
const rejectBody: RequestHandler = (req, _res, next) => {
  if (!hasBody(req) || (req.is('application/json') && isEmptyBody(req.body))) {
    next();
    return;
  }
  next(
    validationProblem([
      { path: '(body)', message: 'this operation takes no request body; send none' },
    ]),
  );
};

function parseInput(operation: Operation, req: Request) {
  const params = (operation.params ?? EMPTY).safeParse(req.params);
  if (!params.success) throw validationProblem(toFieldErrors(params.error, ['path']));
  const query = (operation.query ?? EMPTY).safeParse(req.query);
  if (!query.success) throw validationProblem(toFieldErrors(query.error, ['query']));

  let body: unknown = undefined;
  if (operation.body && !operation.bodyCheckedByHandler) {
    const parsed = operation.body.safeParse(req.body);
    if (!parsed.success) throw validationProblem(toFieldErrors(parsed.error));
    body = parsed.data;
  }
  return { params: params.data, query: query.data, body };
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined) return true;
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.keys(body).length === 0
  );
}

function sendReply(res: Response, reply: Reply): void {
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status);
  if (reply.body === undefined) {
    res.end();
    return;
  }
  if (reply.contentType) {
    res.type(reply.contentType).send(reply.body);
    return;
  }
  res.json(reply.body);
}
