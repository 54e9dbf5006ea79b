-- casemgr schema, SQLite flavour. Keep in step with ../postgres/0001_init.sql:
-- same tables, columns and indexes; only the types differ.
--
-- Conventions:
--   * times are INTEGER milliseconds since the Unix epoch (UTC), NULL when unset;
--   * a reference that may be absent is 0, not NULL (the domain uses 0 for "none");
--   * lists and maps are JSON text;
--   * id INTEGER PRIMARY KEY aliases the rowid, so a row inserted without an id
--     gets max(id)+1 and ids given by fixtures are kept as given.

CREATE TABLE settings (
    id                           INTEGER PRIMARY KEY CHECK (id = 1),
    customer_departmentalization INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE departments (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    shared_with       TEXT    NOT NULL DEFAULT '[]',
    transfer_queue_id INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE queues (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    department_id INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX queues_department ON queues (department_id);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    first_name          TEXT    NOT NULL DEFAULT '',
    last_name           TEXT    NOT NULL DEFAULT '',
    department_id       INTEGER NOT NULL DEFAULT 0,
    foreign_departments TEXT    NOT NULL DEFAULT '[]',
    licenses            TEXT    NOT NULL DEFAULT '[]',
    actions             TEXT    NOT NULL DEFAULT '[]',
    transfer_to         TEXT    NOT NULL DEFAULT '[]',
    pull_users          TEXT    NOT NULL DEFAULT '[]',
    pull_queues         TEXT    NOT NULL DEFAULT '[]',
    custom_attributes   TEXT    NOT NULL DEFAULT '{}',
    password_hash       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX users_department ON users (department_id);

CREATE TABLE client_apps (
    client_id   TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    secret_hash TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE calltrack_subtypes (
    seq  INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE attribute_defs (
    seq       INTEGER PRIMARY KEY,
    object    TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    type      TEXT    NOT NULL DEFAULT '',
    vals      TEXT    NOT NULL DEFAULT '[]',
    is_unique INTEGER NOT NULL DEFAULT 0,
    UNIQUE (object, name)
) STRICT;

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',
    type          TEXT    NOT NULL DEFAULT '',
    department_id INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL,
    last_modified INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_department ON customers (department_id);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    first_name  TEXT    NOT NULL DEFAULT '',
    last_name   TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX contacts_customer ON contacts (customer_id);

-- Contact points of all five kinds share one table, so their ids are unique
-- across kinds. value_key is the value as it is looked up, computed in Go
-- (identically for both engines): email addresses in lower case, phone
-- numbers as their digits, others as given.
CREATE TABLE contact_points (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    type        TEXT    NOT NULL DEFAULT '',
    value       TEXT    NOT NULL DEFAULT '',
    value_key   TEXT    NOT NULL DEFAULT '',
    attrs       TEXT    NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX contact_points_contact ON contact_points (contact_id);
CREATE INDEX contact_points_customer ON contact_points (customer_id);
CREATE INDEX contact_points_value ON contact_points (kind, value_key);

CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY,
    department_id       INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL DEFAULT '',
    owner_id            INTEGER NOT NULL DEFAULT 0,
    customer_id         INTEGER NOT NULL DEFAULT 0,
    severity            TEXT    NOT NULL DEFAULT '',
    subject             TEXT    NOT NULL DEFAULT '',
    description         TEXT    NOT NULL DEFAULT '',
    solution            TEXT    NOT NULL DEFAULT '',
    due_date            INTEGER,
    originating_channel TEXT    NOT NULL DEFAULT '',
    custom_attributes   TEXT    NOT NULL DEFAULT '{}',
    created             INTEGER NOT NULL,
    created_by          INTEGER NOT NULL DEFAULT 0,
    last_modified       INTEGER NOT NULL,
    last_modified_by    INTEGER NOT NULL DEFAULT 0,
    last_closed         INTEGER
) STRICT;
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_department ON cases (department_id);

-- Both directions of a relation are stored, so a case's related cases are
-- one index range.
CREATE TABLE case_relations (
    case_id    INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    PRIMARY KEY (case_id, related_id)
) STRICT;

CREATE TABLE activities (
    id                 INTEGER PRIMARY KEY,
    case_id            INTEGER NOT NULL DEFAULT 0,
    department_id      INTEGER NOT NULL DEFAULT 0,
    last_department_id INTEGER NOT NULL DEFAULT 0,
    queue_id           INTEGER NOT NULL DEFAULT 0,
    type               TEXT    NOT NULL DEFAULT '',
    subtype            TEXT    NOT NULL DEFAULT '',
    mode               TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT '',
    assigned_user_id   INTEGER NOT NULL DEFAULT 0,
    locked_by          INTEGER NOT NULL DEFAULT 0,
    lock_expires       INTEGER,
    pinned             INTEGER NOT NULL DEFAULT 0,
    response_to        INTEGER NOT NULL DEFAULT 0,
    customer_id        INTEGER NOT NULL DEFAULT 0,
    contact_id         INTEGER NOT NULL DEFAULT 0,
    contact_point_id   INTEGER NOT NULL DEFAULT 0,
    contact_point_data TEXT    NOT NULL DEFAULT '',
    subject            TEXT    NOT NULL DEFAULT '',
    content_text       TEXT    NOT NULL DEFAULT '',
    content_html       TEXT    NOT NULL DEFAULT '',
    priority           TEXT    NOT NULL DEFAULT '',
    due_date           INTEGER,
    custom_attributes  TEXT    NOT NULL DEFAULT '{}',
    created            INTEGER NOT NULL,
    created_by         INTEGER NOT NULL DEFAULT 0,
    last_modified      INTEGER NOT NULL,
    last_modified_by   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX activities_case ON activities (case_id);
CREATE INDEX activities_response_to ON activities (response_to);
CREATE INDEX activities_department_status ON activities (department_id, status);
CREATE INDEX activities_customer ON activities (customer_id);
CREATE INDEX activities_assigned_user ON activities (assigned_user_id);

CREATE TABLE history (
    seq         INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    action      TEXT    NOT NULL DEFAULT '',
    actor       TEXT    NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    before_json TEXT    NOT NULL DEFAULT '',
    after_json  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX history_entity ON history (entity, entity_id, seq);

CREATE TABLE attachments (
    id           TEXT    PRIMARY KEY,
    activity_id  INTEGER NOT NULL DEFAULT 0,
    name         TEXT    NOT NULL DEFAULT '',
    content_type TEXT    NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    data         BLOB    NOT NULL,
    created      INTEGER NOT NULL,
    uploaded_by  TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX attachments_activity ON attachments (activity_id);

CREATE TABLE sessions (
    id        TEXT    PRIMARY KEY,
    user_id   INTEGER NOT NULL DEFAULT 0,
    client_id TEXT    NOT NULL DEFAULT '',
    created   INTEGER NOT NULL,
    expires   INTEGER NOT NULL,
    revoked   INTEGER
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE tokens (
    hash       TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL DEFAULT '',
    expires    INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_session ON tokens (session_id);

CREATE TABLE idempotency_records (
    actor     TEXT    NOT NULL,
    key       TEXT    NOT NULL,
    body_hash TEXT    NOT NULL DEFAULT '',
    status    INTEGER NOT NULL DEFAULT 0,
    location  TEXT    NOT NULL DEFAULT '',
    created   INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
) STRICT;
