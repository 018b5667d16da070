-- One delivery per event and endpoint. A redelivery is a new row pointing at the original, so the
-- uniqueness rule covers first deliveries only.
CREATE TABLE deliveries (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events (id),
  endpoint_id text NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  site_id text NOT NULL,
  event_type text NOT NULL,
  workflow_id text NOT NULL UNIQUE,
  redelivery_of text REFERENCES deliveries (id),
  status text NOT NULL CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed', 'cancelled')),
  attempt_count integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);

CREATE UNIQUE INDEX deliveries_first_per_event_endpoint_idx
  ON deliveries (event_id, endpoint_id) WHERE redelivery_of IS NULL;
CREATE INDEX deliveries_endpoint_id_idx ON deliveries (endpoint_id, id DESC);
