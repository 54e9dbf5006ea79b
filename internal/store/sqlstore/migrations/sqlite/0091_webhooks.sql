-- Webhooks: subscriptions of client applications to the events, with the
-- state of their delivery queue, and their delivery logs (docs/webhooks.md).
-- Keep in step with ../postgres/0091_webhooks.sql.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    client_id     TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    event_types   TEXT    NOT NULL DEFAULT '',
    created       INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    queue_cursor  INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    first_failure INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    lease_owner   TEXT    NOT NULL DEFAULT '',
    lease_expires INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX webhooks_client ON webhooks (client_id, id);

CREATE TABLE webhook_deliveries (
    id         INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    attempt    INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    error      TEXT    NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
