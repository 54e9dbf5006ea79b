-- An idempotency record keeps the ID of the activity its creation made,
-- not the HTTP status and URL of the answer: the HTTP layer builds those.
-- Records written before keep their activity, read from the end of the URL.
ALTER TABLE idempotency_records ADD COLUMN activity_id INTEGER NOT NULL DEFAULT 0;
UPDATE idempotency_records
   SET activity_id = CAST(substr(location, length(rtrim(location, '0123456789')) + 1) AS INTEGER)
 WHERE location <> '';
ALTER TABLE idempotency_records DROP COLUMN status;
ALTER TABLE idempotency_records DROP COLUMN location;
