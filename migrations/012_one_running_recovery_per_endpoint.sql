-- One running recovery per endpoint: a second one started beside it would find its deliveries
-- taken by the first and report a total it never reaches. The API answers 409 instead.
CREATE UNIQUE INDEX recoveries_one_running_per_endpoint_idx
  ON recoveries (endpoint_id) WHERE status = 'running';
