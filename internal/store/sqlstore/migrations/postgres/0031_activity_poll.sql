-- The "what changed since" poll of integrations (lastModifiedDate=[t,],
-- sorted by lastModified) and the createdDate range read one index range
-- instead of every activity. department_id is in the index so that the
-- restriction to the departments a user sees is checked without reading
-- the rows the range holds.
CREATE INDEX activities_last_modified ON activities (last_modified, department_id);
CREATE INDEX activities_created ON activities (created, department_id);
