-- A name tells a site's keys apart in the list ("CRM sync", "staging"), since the key itself is
-- shown only once.
ALTER TABLE api_keys ADD COLUMN name text NOT NULL DEFAULT '';

-- Test events are sent to one endpoint on the owner's request; marking them keeps them apart from
-- what Postion published.
ALTER TABLE events ADD COLUMN test boolean NOT NULL DEFAULT false;

-- Delivery lists filter by status and event type within one endpoint or one event, newest first.
CREATE INDEX deliveries_event_id_idx ON deliveries (event_id, id DESC);

-- A deleted endpoint keeps its row so that its deliveries stay on record (the waiting ones as
-- cancelled). Its secret is wiped and it is disabled, so nothing is sent to it again.
ALTER TABLE endpoints ADD COLUMN deleted_at timestamptz;
