import { proxyActivities } from '@temporalio/workflow';
import type { Activities, VerifyEndpointInput, VerifyEndpointResult } from '../activities';
import { INFRASTRUCTURE_RETRY } from '../failures';

const { verifyEndpoint } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: INFRASTRUCTURE_RETRY,
});

/**
 * Verifies one generation of an endpoint's URL with a single signed request. The endpoint gets
 * one chance per request to verify; its owner can ask for another.
 */
export async function verifyEndpointUrl(input: VerifyEndpointInput): Promise<VerifyEndpointResult> {
  return await verifyEndpoint(input);
}
