-- Recoveries: one request to redeliver every failed delivery of an endpoint since a given time,
-- carried out by one workflow. total is the number of deliveries that qualified when the recovery
-- started, and redelivered counts the redeliveries it has created so far, so the pair is its
-- progress. The row goes with its endpoint.
CREATE TABLE recoveries (
  id text PRIMARY KEY,
  site_id text NOT NULL,
  endpoint_id text NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  since timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  total integer NOT NULL CHECK (total >= 0),
  redelivered integer NOT NULL DEFAULT 0 CHECK (redelivered >= 0),
  workflow_id text NOT NULL UNIQUE,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);

CREATE INDEX recoveries_endpoint_id_idx ON recoveries (endpoint_id, created_at DESC);

-- The recovery that created a redelivery. A recovery creates at most one redelivery of each
-- delivery. When Temporal runs a batch again after its commit (a worker lost the result), the batch
-- finds and returns the redeliveries it made, and the unique index rejects a second one if a bug
-- ever let the batch insert it. Deleting a recovery keeps its redeliveries, which are deliveries in
-- their own right.
ALTER TABLE deliveries ADD COLUMN recovery_id text REFERENCES recoveries (id) ON DELETE SET NULL;

CREATE UNIQUE INDEX deliveries_recovery_redelivery_of_idx
  ON deliveries (recovery_id, redelivery_of) WHERE recovery_id IS NOT NULL;

-- A recovery looks up whether a delivery has been redelivered, and scans the failed deliveries of
-- its endpoint rather than every delivery the endpoint ever had.
CREATE INDEX deliveries_redelivery_of_idx ON deliveries (redelivery_of)
  WHERE redelivery_of IS NOT NULL;
CREATE INDEX deliveries_failed_idx ON deliveries (endpoint_id, id) WHERE status = 'failed';
