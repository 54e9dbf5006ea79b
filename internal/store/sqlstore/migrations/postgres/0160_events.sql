-- The change feed (issue 16): one event per history entry, written in the
-- same transaction (sqlstore/events.go). IDs come from the sequence
-- events_id_seq; a reader exposes only IDs below the feed's bound, past
-- which a transaction still running may hold an ID (events.go).
-- event_horizon holds the highest ID purged: a cursor below it has missed
-- events.
-- Keep in step with ../sqlite/0160_events.sql.
CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    type        TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   BIGINT  NOT NULL,
    department  BIGINT  NOT NULL DEFAULT 0,
    actor       TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL,
    changes     TEXT    NOT NULL DEFAULT '{}'
);

CREATE TABLE event_horizon (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    purged_through BIGINT  NOT NULL
);
INSERT INTO event_horizon (id, purged_through) VALUES (1, 0);
