-- Site API keys. Only a SHA-256 hash is stored; the key itself is shown once, at creation.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  key_hash bytea NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE INDEX api_keys_site_id_idx ON api_keys (site_id);
