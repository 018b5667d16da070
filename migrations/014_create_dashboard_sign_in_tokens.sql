-- Single-use sign-in tokens, such as the one in the dashboard link that the dev stack prints. A
-- token opens one session and expires soon after it is created. Only a SHA-256 hash is stored.
CREATE TABLE dashboard_sign_in_tokens (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE INDEX dashboard_sign_in_tokens_expires_at_idx ON dashboard_sign_in_tokens (expires_at);
