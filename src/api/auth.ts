import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { findSiteIdByApiKey } from '../db/api-keys';
import { PROBLEM_TYPES, ProblemError } from './problem';

/** Request fields set by `requireSiteKey`. */
export interface SiteRequest extends Request {
  siteId?: string;
}

function bearerToken(req: Request): string | null {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

function unauthorized(detail: string): ProblemError {
  return new ProblemError({
    type: PROBLEM_TYPES.unauthorized,
    title: 'Unauthorized',
    status: 401,
    detail,
  });
}

/** Admits requests that carry the publisher token, compared in constant time. */
export function requirePublisher(publisherToken: string | undefined): RequestHandler {
  const expected = publisherToken ? createHash('sha256').update(publisherToken).digest() : null;
  return (req, _res, next) => {
    const token = bearerToken(req);
    if (!expected || !token) {
      next(unauthorized('send the publisher token as "Authorization: Bearer <token>"'));
      return;
    }
    // Hashing first gives both sides the same length, which timingSafeEqual requires.
    const given = createHash('sha256').update(token).digest();
    if (!timingSafeEqual(given, expected)) {
      next(
        unauthorized(
          'the publisher token is not valid; this route is for Postion services and takes the publisher token, not a site API key',
        ),
      );
      return;
    }
    next();
  };
}

/** Admits requests that carry a live site API key and records the site on the request. */
export function requireSiteKey(pool: Pool): RequestHandler {
  return async (req: SiteRequest, _res, next) => {
    const token = bearerToken(req);
    if (!token) {
      next(unauthorized('send a site API key as "Authorization: Bearer <key>"'));
      return;
    }
    const siteId = await findSiteIdByApiKey(pool, token);
    if (!siteId) {
      next(
        unauthorized(
          'the API key is not valid or has been revoked; this route takes a site API key (pwk_...)',
        ),
      );
      return;
    }
    req.siteId = siteId;
    next();
  };
}
