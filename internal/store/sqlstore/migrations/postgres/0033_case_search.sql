-- Case search by owner ("owner=jenny&status=open") reads one index range.
-- Keep in step with the other engine's file.
CREATE INDEX cases_owner ON cases (owner_id, status);
