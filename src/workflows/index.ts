// The worker bundles this file and everything it imports into the workflow sandbox, so nothing
// here may import Node built-ins, `pg` or activity code other than as types.
export { deliverWebhook, nextAttemptAtQuery } from './deliver-webhook';
export type { DeliverWebhookInput, DeliverWebhookResult } from './deliver-webhook';
export { dispatchEvent } from './dispatch-event';
export type { DispatchEventInput } from './dispatch-event';
export { verifyEndpointUrl } from './verify-endpoint-url';
export { recoverDeliveries } from './recover-deliveries';
export type { RecoverDeliveriesInput, RecoverDeliveriesResult } from './recover-deliveries';
