-- The version of the configuration (settings, departments, queues, users,
-- client applications, calltrack subtypes, custom attribute definitions):
-- every transaction that changes it increments the version, so each server
-- process can keep a copy and know when it is stale (sqlstore/config.go).
-- Keep in step with ../postgres/0003_config_version.sql.
CREATE TABLE config_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);
