-- Answers of POST /v1/events by Idempotency-Key, so that a publisher retrying a request gets the
-- first answer again. The fingerprint is of the request body; a key reused with another body is
-- rejected.
CREATE TABLE idempotency_keys (
  key text PRIMARY KEY,
  request_fingerprint bytea NOT NULL,
  response_status integer NOT NULL,
  response_body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
