-- Pull activities: a user's pull options (the queues a pull takes from)
-- and pull limit, and the server-wide pull limit (0: the default of the
-- domain, or of the setting for a user). The index serves a pull's
-- candidates in their order: by queue, priority (none last), created, ID.
ALTER TABLE users ADD COLUMN pull_option_queues TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN max_activities_to_pull BIGINT NOT NULL DEFAULT 0;
ALTER TABLE settings ADD COLUMN max_activities_to_pull BIGINT NOT NULL DEFAULT 0;
CREATE INDEX activities_pull ON activities (queue_id, (priority = ''), priority, created, id)
    WHERE status = 'awaiting_assignment' AND response_to = 0;
