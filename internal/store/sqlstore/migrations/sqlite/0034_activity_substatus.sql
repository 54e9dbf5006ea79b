-- The substatus of an activity (docs/fixtures.md): a completed activity
-- without one shows "done". Keep in step with the other engine's file.
ALTER TABLE activities ADD COLUMN substatus TEXT NOT NULL DEFAULT '';
