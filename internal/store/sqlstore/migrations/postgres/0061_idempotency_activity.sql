-- An idempotency record keeps the ID of the activity its creation made,
-- not the HTTP status and URL of the answer: the HTTP layer builds those.
-- Records written before keep their activity, read from the end of the URL.
ALTER TABLE idempotency_records ADD COLUMN activity_id BIGINT NOT NULL DEFAULT 0;
UPDATE idempotency_records
   SET activity_id = CAST(substring(location FROM '[0-9]+$') AS BIGINT)
 WHERE location ~ '[0-9]+$';
ALTER TABLE idempotency_records DROP COLUMN status;
ALTER TABLE idempotency_records DROP COLUMN location;
