-- The headers each attempt sent, with signature values hidden, so that an owner debugging a
-- receiver sees exactly what arrived. Attempts recorded before this column have none.
ALTER TABLE delivery_attempts ADD COLUMN request_headers jsonb;
