import type { DeliveryStatus, EndpointStatus } from '../api/types';

const ENDPOINT_LABELS: Record<EndpointStatus, string> = {
  pending_verification: 'Pending verification',
  active: 'Active',
  failing: 'Failing',
  verification_failed: 'Verification failed',
  disabled: 'Disabled',
};

const DELIVERY_LABELS: Record<DeliveryStatus, string> = {
  pending: 'Sending',
  retrying: 'Retrying',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

// The tone gives the colour; the label alone carries the meaning, for screen readers and for
// readers who cannot tell the colours apart.
const TONES: Record<EndpointStatus | DeliveryStatus, string> = {
  pending_verification: 'waiting',
  active: 'good',
  failing: 'bad',
  verification_failed: 'bad',
  disabled: 'neutral',
  pending: 'waiting',
  retrying: 'warning',
  succeeded: 'good',
  failed: 'bad',
  cancelled: 'neutral',
};

/** Labels of delivery statuses, for filters and legends. */
export const DELIVERY_STATUS_LABELS = DELIVERY_LABELS;

/** Renders a badge with the status of an endpoint. */
export function EndpointBadge({ status }: { status: EndpointStatus }) {
  return <span class={`badge badge-${TONES[status]}`}>{ENDPOINT_LABELS[status]}</span>;
}

/** Renders a badge with the status of a delivery. */
export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <span class={`badge badge-${TONES[status]}`}>{DELIVERY_LABELS[status]}</span>;
}
