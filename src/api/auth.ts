import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { findSiteIdByApiKey } from '../db/api-keys';
import { findLiveSession, SESSION_TOKEN_PREFIX } from '../db/dashboard-sessions';
import { PROBLEM_TYPES, ProblemError } from './problem';

/** Request fields set by `requireSiteKey`. */
export interface SiteRequest extends Request {
  siteId?: string;
  /** The dashboard session whose token made the request; absent for an API key. */
  dashboardSessionId?: string;
}

function bearerToken(req: Request): string | null {
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

/** Builds the 401 response for missing, unknown or revoked credentials. */
export function unauthorized(detail: string): ProblemError {
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

/**
 * Admits requests that carry a live site API key or a live dashboard session token, and records
 * the site (and the session) on the request. Session tokens have their own prefix, so each kind
 * of credential is looked up in its own table only.
 */
export function requireSiteKey(pool: Pool): RequestHandler {
  return async (req: SiteRequest, _res, next) => {
    const token = bearerToken(req);
    if (!token) {
      next(unauthorized('send a site API key as "Authorization: Bearer <key>"'));
      return;
    }
    if (token.startsWith(SESSION_TOKEN_PREFIX)) {
      const session = await findLiveSession(pool, token);
      if (!session) {
        next(unauthorized('the dashboard session has expired or was signed out; sign in again'));
        return;
      }
      req.siteId = session.siteId;
      req.dashboardSessionId = session.id;
      next();
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
