-- Accepted events. body holds the exact bytes every attempt sends, so signatures never drift;
-- fingerprint hashes what the publisher sent, to tell a repeated publish from a different event.
-- site_id has no foreign key: Postion publishes for every site, including sites with no endpoints.
CREATE TABLE events (
  id text PRIMARY KEY,
  site_id text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  body text NOT NULL,
  fingerprint bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_site_id_idx ON events (site_id, id);
