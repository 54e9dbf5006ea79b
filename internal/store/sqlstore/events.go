package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
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
// every transaction then running has ended. Every ID at or below it was
// drawn by a transaction running at that moment or earlier, so each is
// committed (or never will be) and visible to every later snapshot.
//
// Knowing that every transaction running when the value was read has
// ended: the sampling transaction takes a transaction ID right after
// reading the value (pg_current_xact_id). A transaction writing events
// has its ID before it draws one (it wrote its entities and history
// first), so every transaction that drew an ID at or below the value has a
// smaller transaction ID than the sample's. Once the oldest running
// transaction ID of a later snapshot (pg_snapshot_xmin) is at least the
// sample's, all of them have ended. This costs the writers nothing; the
// alternative, serialising ID assignment and commit under a lock, would
// make every write transaction of every process wait for the commit
// (and its WAL flush) of the one before.

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
	for i := range entries {
		e := entries[i].Event()
		if _, err := t.exec(op, `INSERT INTO events (type, entity, entity_id, department, actor, at, changes)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, e.Type, e.Entity, e.EntityID, e.Department, e.Actor, millis(e.At), e.Changes); err != nil {
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
	// safe is the bound last established; pending are the samples not yet
	// known to be safe.
	safe    int64
	pending []boundSample
	// changed is closed (and replaced) when events commit.
	changed chan struct{}
	// notifyDirty and notifying coalesce the notifications this process
	// sends to the others (PostgreSQL): at most one is being sent, and
	// commits meanwhile are told by one more.
	notifyDirty, notifying atomic.Bool
}

// maxBoundSamples bounds the samples waiting to become safe.
const maxBoundSamples = 64

// boundSample is a sequence value and the transaction ID taken after it
// was read: the value is safe once no transaction below xid runs.
type boundSample struct{ last, xid int64 }

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
				_, _ = s.writer.ExecContext(ctx, `SELECT pg_notify('`+eventsChannel+`', `+currentSchema+`)`)
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
// transactions running when it was called have ended, so that a read
// returns every event committed before it began; when one of them runs
// longer, it returns the bound established so far.
func (s *Store) EventsThrough(ctx context.Context) (int64, error) {
	if !s.d.sequences {
		return math.MaxInt64, nil
	}
	f := &s.events
	last, xmin, err := s.sampleEvents(ctx)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	f.settle(xmin)
	need := last > f.safe && (len(f.pending) == 0 || f.pending[len(f.pending)-1].last < last)
	f.mu.Unlock()
	if need {
		xid, err := s.eventsXid(ctx)
		if err != nil {
			return 0, err
		}
		f.mu.Lock()
		if len(f.pending) >= maxBoundSamples {
			// A transaction runs long: the newest sample stands in for
			// the one it replaces, which only makes the bound wait longer.
			f.pending = f.pending[:len(f.pending)-1]
		}
		f.pending = append(f.pending, boundSample{last: last, xid: xid})
		f.mu.Unlock()
	}
	deadline := time.Now().Add(maxBoundWait)
	for pause := 500 * time.Microsecond; ; pause = min(2*pause, 20*time.Millisecond) {
		f.mu.Lock()
		safe := f.safe
		f.mu.Unlock()
		if safe >= last || time.Now().After(deadline) {
			return safe, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pause):
		}
		if xmin, err = s.oldestRunning(ctx); err != nil {
			return 0, err
		}
		f.mu.Lock()
		f.settle(xmin)
		f.mu.Unlock()
	}
}

// maxBoundWait bounds how long EventsThrough waits for the transactions
// running when it was called.
const maxBoundWait = 500 * time.Millisecond

// oldestRunning returns the oldest transaction ID running (PostgreSQL).
func (s *Store) oldestRunning(ctx context.Context) (int64, error) {
	var xmin int64
	if err := s.writer.QueryRowContext(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&xmin); err != nil {
		return 0, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	return xmin, nil
}

// settle makes safe every pending sample that no transaction running at
// or after xmin can affect.
func (f *eventFeed) settle(xmin int64) {
	keep := f.pending[:0]
	for _, p := range f.pending {
		if p.xid <= xmin {
			f.safe = max(f.safe, p.last)
		} else {
			keep = append(keep, p)
		}
	}
	f.pending = keep
}

// sampleEvents reads the sequence of event IDs and the oldest transaction
// ID running (PostgreSQL), in one statement of its own.
func (s *Store) sampleEvents(ctx context.Context) (last, xmin int64, err error) {
	err = s.writer.QueryRowContext(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END,
		pg_snapshot_xmin(pg_current_snapshot())::text::bigint FROM events_id_seq`).Scan(&last, &xmin)
	if err != nil {
		err = fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	return last, xmin, err
}

// eventsXid takes a transaction ID in a transaction of its own, rolled
// back at once: an ID greater than that of every transaction running or
// ended before.
func (s *Store) eventsXid(ctx context.Context) (int64, error) {
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	var xid int64
	if err := sqlTx.QueryRowContext(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&xid); err != nil {
		return 0, fmt.Errorf("%s: event bound: %w", s.d.name, err)
	}
	return xid, nil
}
