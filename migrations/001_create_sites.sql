-- A Postion site: the tenant that owns endpoints and receives failure emails.
CREATE TABLE sites (
  id text PRIMARY KEY,
  name text NOT NULL,
  owner_email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
