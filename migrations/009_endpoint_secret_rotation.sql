-- Secret rotation. The replaced secret keeps signing beside the new one until
-- previous_secret_expires_at, so that a receiver can deploy the new secret without rejecting
-- deliveries in the meantime. Both columns are null when no rotation has a grace period.
ALTER TABLE endpoints
  ADD COLUMN previous_secret text,
  ADD COLUMN previous_secret_expires_at timestamptz,
  ADD CONSTRAINT endpoints_previous_secret_expiry_check
    CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));
