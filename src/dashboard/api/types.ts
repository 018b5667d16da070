/** Response bodies of the management API, as the dashboard reads them. */

export type EndpointStatus =
  'pending_verification' | 'active' | 'failing' | 'verification_failed' | 'disabled';

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';

export interface Endpoint {
  id: string;
  url: string;
  description: string;
  events: string[];
  status: EndpointStatus;
  enabled: boolean;
  status_reason: string | null;
  verified_at: string | null;
  failing_since: string | null;
  created_at: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface DeliveryCounts extends Record<DeliveryStatus, number> {
  total: number;
}

export interface LastDelivery {
  id: string;
  status: DeliveryStatus;
  created_at: string;
}

export interface EndpointSummary {
  endpoint_id: string;
  deliveries: DeliveryCounts;
  success_rate: number | null;
  last_delivery: LastDelivery | null;
}

export interface EndpointStats extends EndpointSummary {
  since: string;
  until: string;
  bucket_seconds: number;
  buckets: Array<{ start: string; deliveries: DeliveryCounts }>;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  redelivery_of: string | null;
  recovery_id: string | null;
  workflow_id: string;
  workflow_url: string;
  created_at: string;
  completed_at: string | null;
}

export interface Attempt {
  attempt_number: number;
  started_at: string;
  duration_ms: number;
  succeeded: boolean;
  status_code: number | null;
  error_class: string | null;
  error_message: string | null;
  response_excerpt: string | null;
  request_headers: Record<string, string> | null;
}

export interface DeliveryDetail extends Delivery {
  payload: string;
  attempts: Attempt[];
}

export interface Recovery {
  id: string;
  endpoint_id: string;
  since: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  total: number;
  redelivered: number;
  error: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface Site {
  id: string;
  name: string;
  owner_email: string;
}

export interface EndpointSecret {
  secret: string;
  previous_secret_expires_at: string | null;
}

export interface DashboardSession {
  token: string;
  site_id: string;
  expires_at: string;
}

/** An RFC 9457 problem document, as every error response of the API carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}
