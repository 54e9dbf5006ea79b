-- The fixture document the world was loaded from: its SHA-256 (hex) and when
-- it was loaded. A server started again with the same document recognises
-- its world and serves it instead of refusing a database that holds data.
-- Keep in step with ../sqlite/0004_world_origin.sql.
CREATE TABLE world_origin (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    document_sha256 TEXT    NOT NULL,
    loaded          BIGINT  NOT NULL
);
