-- Indexes for the hot paths at a million activities (docs/performance.md).
-- Keep in step with ../postgres/0002_hot_paths.sql.
--
-- Most activities answer nothing (response_to = 0). A full index on
-- response_to made SQLite's planner scan the whole table to find the
-- responses of a few activities (its statistics see one huge key); the
-- partial index holds only the responses, and the queries of the store say
-- "response_to <> 0" so the planner knows it applies.
DROP INDEX activities_response_to;
CREATE INDEX activities_response_to ON activities (response_to) WHERE response_to <> 0;

-- An agent's work ("assignedTo=...&status=...", newest first) is one index
-- range instead of all the agent's activities of every status.
DROP INDEX activities_assigned_user;
CREATE INDEX activities_assigned_user ON activities (assigned_user_id, status, last_modified);
