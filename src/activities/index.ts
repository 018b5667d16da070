import { makeCreateDeliveries } from './create-deliveries';
import type { ActivityDependencies } from './dependencies';
import { makeNotifyEndpointOwner } from './notify-endpoint-owner';
import { makeMarkRecoveryFinished, makeRedeliverNextBatch } from './recover-deliveries';
import { makeCancelDelivery, makeSendDeliveryAttempt } from './send-delivery-attempt';
import { makeVerifyEndpoint } from './verify-endpoint';

export type { ActivityDependencies } from './dependencies';
export type { CreateDeliveriesInput } from './create-deliveries';
export type { MarkRecoveryFinishedInput, RedeliverBatchInput } from './recover-deliveries';
export type { DeliveryAttemptInput, DeliveryAttemptResult } from './send-delivery-attempt';
export type { VerifyEndpointInput, VerifyEndpointResult } from './verify-endpoint';

/** Builds every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDependencies) {
  return {
    createDeliveries: makeCreateDeliveries(deps),
    sendDeliveryAttempt: makeSendDeliveryAttempt(deps),
    markDeliveryCancelled: makeCancelDelivery(deps),
    verifyEndpoint: makeVerifyEndpoint(deps),
    notifyEndpointOwner: makeNotifyEndpointOwner(deps),
    redeliverNextBatch: makeRedeliverNextBatch(deps),
    markRecoveryFinished: makeMarkRecoveryFinished(deps),
  };
}

/** The activities' signatures, for `proxyActivities` in workflow code. */
export type Activities = ReturnType<typeof createActivities>;
