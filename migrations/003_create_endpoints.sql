-- Webhook endpoints. verification_generation increases whenever the URL must be verified anew,
-- so that a slow, superseded verification cannot activate an endpoint.
CREATE TABLE endpoints (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  event_types text[] NOT NULL,
  secret text NOT NULL,
  status text NOT NULL CHECK (
    status IN ('pending_verification', 'active', 'failing', 'verification_failed', 'disabled')
  ),
  status_reason text,
  verification_generation integer NOT NULL DEFAULT 1,
  verified_at timestamptz,
  failing_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX endpoints_site_id_idx ON endpoints (site_id, id);
