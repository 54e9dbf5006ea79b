package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The change feed. Every history entry appended is also an event, written
// by AppendHistory in the same transaction (appendEvents), so events exist
// exactly for committed changes.
//
// Readers read events in ID order from a cursor (the last ID they read),
// so an event must never become visible below an ID a reader has already
// passed. On SQLite that holds by itself: one writer at a time assigns
// the IDs and commits, so the committed events are always every event up
// to some ID. On PostgreSQL IDs come from a sequence when the event is
// written, and two transactions may commit in the opposite order of their
// IDs; a reader between the two commits would see the higher ID first and
// pass the lower one for ever. So a reader only reads up to the feed's
// bound (EventsThrough): a sequence value read at a moment after which
// every transaction then writing events has ended. Every ID at or below it
// was drawn by such a transaction, so each is committed (or never will be)
// and visible to every later snapshot.
//
// Knowing which transactions write events: an INSERT locks its table
// (RowExclusiveLock) before it draws an ID from the table's sequence, and
// holds the lock until its transaction ends. So after reading the sequence,
// the bound lists the transactions holding that lock on this store's events
// table (pg_locks, by virtual transaction ID) and waits until none of them
// holds it any more. Transactions on other tables, schemas or databases of
// the server never delay the feed, however long they run (a report, a bulk
// load). This costs the writers nothing; the alternative, serialising ID
// assignment and commit under a lock, would make every write transaction
// of every process wait for the commit (and its WAL flush) of the one
// before.

// eventsChannel is the notification channel of committed events; a
// notification's payload is the schema of the store that sent it.
const eventsChannel = "casemgr_events"

// eventCols are the columns of an event as read.
const eventCols = "id, type, entity, entity_id, department, actor, at, changes"

// appendEvents writes the event of every history entry.
func (t *tx) appendEvents(op string, entries []casemgr.HistoryEntry) error {
	t.wroteEvents = true
	if t.d.batchWrites && len(entries) > 1 {
		n := len(entries)
		typ, entity, actor, changes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ids, depts, at := make([]int64, n), make([]int64, n), make([]int64, n)
		for i := range entries {
			e := entries[i].Event()
			typ[i], entity[i], ids[i], depts[i], actor[i], at[i], changes[i] = e.Type, e.Entity, e.EntityID, e.Department, e.Actor, millis(e.At), e.Changes
		}
		_, err := t.exec(op, `INSERT INTO events (type, entity, entity_id, department, actor, at, changes)
			SELECT u.type, u.entity, u.entity_id, u.department, u.actor, u.at, u.changes
			FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[], ?::text[])
				WITH ORDINALITY AS u(type, entity, entity_id, department, actor, at, changes, n)
			ORDER BY u.n`, typ, entity, ids, depts, actor, at, changes)
		return err
	}
	// SQLite: one INSERT per rowsPerInsert events (history.go), in the
	// order of the entries, so their IDs rise in that order.
	for chunk := range slices.Chunk(entries, rowsPerInsert) {
		args := make([]any, 0, 7*len(chunk))
		for i := range chunk {
			e := chunk[i].Event()
			args = append(args, e.Type, e.Entity, e.EntityID, e.Department, e.Actor, millis(e.At), e.Changes)
		}
		if _, err := t.exec(op, `INSERT INTO events (type, entity, entity_id, department, actor, at, changes)
			VALUES `+valueRows(len(chunk), 7), args...); err != nil {
			return err
		}
	}
	return nil
}

// Events returns the events q selects, in ID order.
func (t *tx) Events(q casemgr.EventQuery) ([]casemgr.Event, error) {
	var where strings.Builder
	args := []any{q.After, q.Through}
	where.WriteString("id > ? AND id <= ?")
	if q.Types != nil {
		where.WriteString(" AND " + t.d.in("type"))
		args = append(args, t.d.strs(q.Types))
	}
	if q.Departments != nil {
		where.WriteString(" AND (department = 0 OR " + t.d.in("department") + ")")
		args = append(args, t.d.ids(q.Departments))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	return queryList(t, "events", func(r scanner) (casemgr.Event, error) {
		var e casemgr.Event
		var at int64
		err := r.Scan(&e.ID, &e.Type, &e.Entity, &e.EntityID, &e.Department, &e.Actor, &at, &e.Changes)
		e.At = fromMillis(at)
		return e, err
	}, "SELECT "+eventCols+" FROM events WHERE "+where.String()+" ORDER BY id LIMIT ?", args...)
}

// EventHorizon returns the highest event ID purged and the highest
// assigned so far (committed or not).
func (t *tx) EventHorizon() (purged, last int64, err error) {
	const op = "event horizon"
	if err := t.queryRow(`SELECT purged_through FROM event_horizon WHERE id = 1`, nil, &purged); err != nil {
		return 0, 0, t.wrap(op, err)
	}
	q := `SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'events'`
	if t.d.sequences {
		q = `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_id_seq`
	}
	if err := t.queryRow(q, nil, &last); err != nil {
		return 0, 0, t.wrap(op, err)
	}
	return purged, max(purged, last), nil
}

// PurgeEvents deletes the oldest events up to the first one at or after
// before (events are kept as a prefix: the feed never has holes), and
// records the highest ID deleted in event_horizon.
func (t *tx) PurgeEvents(before time.Time) (int64, error) {
	const op = "purge events"
	if err := t.writable(op); err != nil {
		return 0, err
	}
	var through int64
	err := t.queryRow(`SELECT id - 1 FROM events WHERE at >= ? ORDER BY id LIMIT 1`, []any{millis(before)}, &through)
	if err == sql.ErrNoRows {
		err = t.queryRow(`SELECT coalesce(max(id), 0) FROM events`, nil, &through)
	}
	if err != nil {
		return 0, t.wrap(op, err)
	}
	r, err := t.exec(op, `DELETE FROM events WHERE id <= ?`, through)
	if err != nil {
		return 0, err
	}
	n, _ := r.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	if _, err := t.exec(op, `UPDATE event_horizon SET purged_through = ? WHERE id = 1 AND purged_through < ?`, through, through); err != nil {
		return 0, err
	}
	return n, nil
}

// eventFeed is a Store's part of the feed: the bound (PostgreSQL) and the
// wake-ups of waiting readers.
type eventFeed struct {
	mu sync.Mutex
	// safe is the bound last established.
	safe int64
	// changed is closed (and replaced) when events commit.
	changed chan struct{}
	// notifyDirty and notifying coalesce the notifications this process
	// sends to the others (PostgreSQL): at most one is being sent, and
	// commits meanwhile are told by one more.
	notifyDirty, notifying atomic.Bool
}

// EventsCommitted returns a channel closed when events are committed after
// the call: by this process, or (PostgreSQL) by any process on the
// database, once its notification arrives.
func (s *Store) EventsCommitted() <-chan struct{} {
	f := &s.events
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed == nil {
		f.changed = make(chan struct{})
	}
	return f.changed
}

// eventsCommitted wakes the readers waiting in this process.
func (f *eventFeed) eventsCommitted() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changed != nil {
		close(f.changed)
		f.changed = nil
	}
}

// committedEvents runs after a transaction that wrote events committed:
// it wakes this process's readers and tells the other processes.
func (s *Store) committedEvents() {
	s.events.eventsCommitted()
	if !s.d.listenNotify {
		return
	}
	f := &s.events
	f.notifyDirty.Store(true)
	if !f.notifying.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			for f.notifyDirty.Swap(false) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, _ = s.writer.ExecContext(ctx, `SELECT pg_notify('`+eventsChannel+`', `+currentSchema+` || '`+senderSep+`' || $1)`, s.config.self)
				cancel()
			}
			f.notifying.Store(false)
			// A commit between the last Swap and the Store above found
			// notifying set and left its notification to this loop.
			if !f.notifyDirty.Load() || !f.notifying.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// EventsThrough returns the feed's bound: every event with an ID at or
// below it that will ever be committed is committed and visible to
// transactions begun from now on. On SQLite every committed event is
// (math.MaxInt64). On PostgreSQL it waits (up to maxBoundWait) until the
// transactions writing events when it was called have ended, so that a read
// returns every event committed before it began; when one of them runs
// longer, it returns the bound established so far.
func (s *Store) EventsThrough(ctx context.Context) (int64, error) {
	if !s.d.sequences {
		return math.MaxInt64, nil
	}
	f := &s.events
	var last int64
	if err := s.writer.QueryRowContext(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_id_seq`).Scan(&last); err != nil {
		return 0, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	f.mu.Lock()
	safe := f.safe
	f.mu.Unlock()
	if last <= safe {
		return safe, nil
	}
	// Read after the sequence: every transaction that drew an ID up to
	// last holds the lock now, or has ended.
	writers, err := s.eventWriters(ctx, nil)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(maxBoundWait)
	for pause := 500 * time.Microsecond; len(writers) > 0; pause = min(2*pause, 20*time.Millisecond) {
		if time.Now().After(deadline) {
			return safe, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pause):
		}
		if writers, err = s.eventWriters(ctx, writers); err != nil {
			return 0, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.safe = max(f.safe, last)
	return f.safe, nil
}

// maxBoundWait bounds how long EventsThrough waits for the transactions
// writing events when it was called.
const maxBoundWait = 500 * time.Millisecond

// eventWriters returns the transactions (virtual transaction IDs) other
// than the caller's that hold the write lock on this store's events table;
// when of is not nil, only those of them that are in of.
func (s *Store) eventWriters(ctx context.Context, of map[string]bool) (map[string]bool, error) {
	rows, err := s.writer.QueryContext(ctx, `SELECT virtualtransaction FROM pg_locks
		WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND relation = 'events'::regclass`)
	if err != nil {
		return nil, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	defer rows.Close()
	writers := map[string]bool{}
	for rows.Next() {
		var vxid string
		if err := rows.Scan(&vxid); err != nil {
			return nil, fmt.Errorf("%s: event bound: %w", s.d.name, err)
		}
		if of == nil || of[vxid] {
			writers[vxid] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	return writers, nil
}
