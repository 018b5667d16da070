// Workflow ids are deterministic so that starting the same work twice finds the running one.

/** Id of the workflow that fans an event out to its endpoints. */
export function dispatchWorkflowId(eventId: string): string {
  return `event-${eventId}`;
}

/** Id of the workflow that delivers one event to one endpoint. */
export function deliveryWorkflowId(eventId: string, endpointId: string): string {
  return `delivery-${eventId}-${endpointId}`;
}

/** Id of the workflow that verifies one generation of an endpoint's URL. */
export function verificationWorkflowId(endpointId: string, generation: number): string {
  return `verify-${endpointId}-${generation}`;
}

/** Id of the workflow of a redelivery, a new delivery of an event that was delivered before. */
export function redeliveryWorkflowId(deliveryId: string): string {
  return `redelivery-${deliveryId}`;
}

/** Id of the workflow that redelivers the failed deliveries of one recovery. */
export function recoveryWorkflowId(recoveryId: string): string {
  return `recover-${recoveryId}`;
}
