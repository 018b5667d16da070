-- The metrics endpoint counts retrying deliveries at every scrape. The partial index keeps that
-- count proportional to the deliveries waiting, not to every delivery ever made.
CREATE INDEX deliveries_retrying_idx ON deliveries (id) WHERE status = 'retrying';
