-- Every attempt of a delivery. The key makes recording idempotent: when our own fault makes
-- Temporal run an attempt's activity again, it overwrites the same row instead of adding one.
CREATE TABLE delivery_attempts (
  delivery_id text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt_number integer NOT NULL CHECK (attempt_number >= 1),
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  succeeded boolean NOT NULL,
  status_code integer,
  error_class text,
  error_message text,
  response_excerpt text,
  PRIMARY KEY (delivery_id, attempt_number)
);
