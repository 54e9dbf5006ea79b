-- An agent's work (GET /activity?assignedTo=...&status=..., newest first)
-- and an owner's cases (GET /case?owner=...&status=...) count their
-- matches for paginationInfo from the index alone: department_id is in
-- the index, so the restriction to the departments a user sees is checked
-- without reading the rows; and last_modified is in the owner's, so that
-- the cases sorted by lastModified come in its order. Before, the count
-- read every matching row: at 10M activities an agent's 40 000 assigned
-- activities or an owner's 32 000 open cases, 0.2 s to 1 s per search
-- (docs/performance.md, "Every operation at 10M").
-- Keep in step with ../postgres/0170_counts_from_indexes.sql.
DROP INDEX activities_assigned_user;
CREATE INDEX activities_assigned_user ON activities (assigned_user_id, status, last_modified, department_id);
DROP INDEX cases_owner;
CREATE INDEX cases_owner ON cases (owner_id, status, last_modified, department_id);
