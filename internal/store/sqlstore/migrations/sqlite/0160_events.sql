-- The change feed (issue 16): one event per history entry, written in the
-- same transaction (sqlstore/events.go). AUTOINCREMENT: an ID is never
-- used twice, even after the newest events were purged, so a reader's
-- cursor never names two events. event_horizon holds the highest ID
-- purged: a cursor below it has missed events.
-- Keep in step with ../postgres/0160_events.sql.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    department  INTEGER NOT NULL DEFAULT 0,
    actor       TEXT    NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    changes     TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE event_horizon (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    purged_through INTEGER NOT NULL
) STRICT;
INSERT INTO event_horizon (id, purged_through) VALUES (1, 0);
