-- Dashboard sessions. The browser keeps a random session token for a few hours instead of the
-- site's API key. Only a SHA-256 hash is stored, as for API keys. A session opened with an API key
-- ends when that key is revoked.
CREATE TABLE dashboard_sessions (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  api_key_id text REFERENCES api_keys (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE INDEX dashboard_sessions_expires_at_idx ON dashboard_sessions (expires_at);
