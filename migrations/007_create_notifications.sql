-- Emails to site owners. dedupe_key makes one failing episode produce one message, however often
-- the activity that creates it runs.
CREATE TABLE notifications (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  endpoint_id text REFERENCES endpoints (id) ON DELETE SET NULL,
  kind text NOT NULL,
  dedupe_key text NOT NULL UNIQUE,
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'stored')),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
