import { completeVerification, findEndpointTarget } from '../db/endpoints';
import { buildSignedHeaders } from '../delivery/headers';
import { sendHttpAttempt } from '../delivery/http-attempt';
import { selectSigningSecrets } from '../delivery/signing-secrets';
import { newId } from '../ids';
import type { ActivityDependencies } from './dependencies';
import { rowNotVisible } from './row-visibility';

/** Event type of verification requests; receivers acknowledge it with any 2xx. */
export const VERIFICATION_EVENT_TYPE = 'endpoint.verification';

/** Input of `verifyEndpoint`: the endpoint and the generation of its URL being verified. */
export interface VerifyEndpointInput {
  endpointId: string;
  generation: number;
}

/** Outcome of a verification; `superseded` when the URL changed or a newer check took over. */
export interface VerifyEndpointResult {
  outcome: 'verified' | 'failed' | 'superseded';
  reason: string | null;
}

/**
 * Creates the activity that sends one signed verification request and records the outcome:
 * `active` on a 2xx within the attempt time limit, `verification_failed` with the reason otherwise.
 */
export function makeVerifyEndpoint(deps: ActivityDependencies) {
  const { pool, logger } = deps;

  return async function verifyEndpoint(input: VerifyEndpointInput): Promise<VerifyEndpointResult> {
    const endpoint = await findEndpointTarget(pool, deps.secretBox, input.endpointId);
    // An older generation means the request that started this verification has not committed.
    if (!endpoint || endpoint.verificationGeneration < input.generation) {
      rowNotVisible('endpoint', `${input.endpointId} (generation ${input.generation})`);
    }

    const current =
      endpoint.status === 'pending_verification' &&
      endpoint.verificationGeneration === input.generation;
    if (!current) return { outcome: 'superseded', reason: null };

    const now = deps.clock();
    const verificationId = newId('vrf');
    const body = JSON.stringify({
      id: verificationId,
      event: VERIFICATION_EVENT_TYPE,
      timestamp: now.toISOString(),
      data: { endpoint_id: endpoint.id, site_id: endpoint.siteId },
    });
    const headers = buildSignedHeaders({
      ...selectSigningSecrets(endpoint, now),
      body,
      eventId: verificationId,
      eventType: VERIFICATION_EVENT_TYPE,
      timestampSeconds: Math.floor(now.getTime() / 1000),
    });

    const http = await sendHttpAttempt(deps.dispatcher, {
      url: endpoint.url,
      body,
      headers,
      timeoutMs: deps.attemptTimeoutMs,
      traceIds: { endpointId: endpoint.id },
    });
    const outcome = http.ok
      ? ({ verified: true } as const)
      : ({ verified: false, reason: http.errorMessage ?? 'verification failed' } as const);
    const applied = await completeVerification(pool, endpoint.id, input.generation, outcome);

    const fields = {
      endpointId: endpoint.id,
      statusCode: http.statusCode,
      durationMs: http.durationMs,
    };
    if (!applied) return { outcome: 'superseded', reason: null };
    if (outcome.verified) {
      logger.info(fields, 'endpoint verified');
      return { outcome: 'verified', reason: null };
    }
    logger.warn({ ...fields, errorClass: http.errorClass }, 'endpoint verification failed');
    return { outcome: 'failed', reason: outcome.reason };
  };
}
