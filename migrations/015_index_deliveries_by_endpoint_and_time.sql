-- Delivery statistics count an endpoint's deliveries created within a time range.
CREATE INDEX deliveries_endpoint_created_at_idx ON deliveries (endpoint_id, created_at);
