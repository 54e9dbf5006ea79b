package sqlstore_test

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// deferredWorld holds activities 1 and 2, awaiting assignment, and no
// history.
func deferredWorld(t *testing.T) (store.DB, time.Time) {
	db := storetest.OpenPostgres(t)
	now := casemgr.Millis(time.Now())
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		for _, id := range []casemgr.ID{1, 2} {
			if err := tx.InsertActivity(&casemgr.Activity{ID: id, Department: 1, Queue: 5, Type: casemgr.TypeEmail,
				Status: casemgr.StatusAwaitingAssignment, Created: now, LastModified: now}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return db, now
}

// pickInto is a pick of activities 1 and 2 for user 7 in tx: locked read,
// UPDATE, history and events, the last three deferred on PostgreSQL.
func pickInto(tx casemgr.Tx, now time.Time, after string) ([]casemgr.HistoryEntry, error) {
	acts, err := tx.Activities([]casemgr.ID{1, 2}, true)
	if err != nil {
		return nil, err
	}
	var list []*casemgr.Activity
	var entries []casemgr.HistoryEntry
	for i := range acts {
		a := &acts[i]
		a.Status, a.AssignedUser = casemgr.StatusAssigned, 7
		list = append(list, a)
		entries = append(entries, casemgr.HistoryEntry{Entity: "activity", EntityID: a.ID, Action: "pick",
			Actor: "user:7", At: now, Before: "{}", After: after})
	}
	if err := tx.UpdateActivities(list); err != nil {
		return nil, err
	}
	return entries, tx.AppendHistory(entries)
}

// unchanged fails the test unless activities 1 and 2 are still awaiting
// assignment with no history and no event.
func unchanged(t *testing.T, db store.DB) {
	t.Helper()
	if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
		acts, err := tx.Activities([]casemgr.ID{1, 2}, false)
		if err != nil {
			return err
		}
		for _, a := range acts {
			if a.Status != casemgr.StatusAwaitingAssignment || a.AssignedUser != 0 {
				t.Errorf("activity %d changed: %s, user %d", a.ID, a.Status, a.AssignedUser)
			}
			h, err := tx.History("activity", a.ID)
			if err != nil {
				return err
			}
			if len(h) != 0 {
				t.Errorf("activity %d has %d history entries", a.ID, len(h))
			}
		}
		events, err := tx.Events(casemgr.EventQuery{After: 0, Through: 1 << 62})
		if len(events) != 0 {
			t.Errorf("%d events written", len(events))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// The statements a write defers on PostgreSQL (the UPDATE of what it
// locked, history, events: sent with the COMMIT) write what they write at
// once, history numbered in order; and when one fails, the Write returns
// the error it returns at once and nothing of the transaction is kept —
// sent with the COMMIT or before a statement that follows.
func TestDeferredWritesAreAllOrNothing(t *testing.T) {
	// A NUL in a text is refused by PostgreSQL: the history's INSERT
	// fails.
	const bad = "{\"a\":\"\x00\"}"
	t.Run("refused", func(t *testing.T) {
		db, now := deferredWorld(t)
		// The error of the history's INSERT sent at once: as the first
		// statement of its transaction nothing is deferred.
		want := db.Write(t.Context(), func(tx casemgr.Tx) error {
			return tx.AppendHistory([]casemgr.HistoryEntry{{Entity: "activity", EntityID: 1, Action: "pick",
				Actor: "user:7", At: now, Before: "{}", After: bad}})
		})
		if want == nil {
			t.Fatal("a history entry with a NUL was written")
		}
		got := db.Write(t.Context(), func(tx casemgr.Tx) error {
			_, err := pickInto(tx, now, bad)
			return err
		})
		if got == nil || got.Error() != want.Error() {
			t.Errorf("deferred to the COMMIT: %v, want %v", got, want)
		}
		unchanged(t, db)
		// A statement after them sends them first, and returns their
		// error.
		got = db.Write(t.Context(), func(tx casemgr.Tx) error {
			if _, err := pickInto(tx, now, bad); err != nil {
				return err
			}
			_, err := tx.Activities([]casemgr.ID{2}, false)
			return err
		})
		if got == nil || got.Error() != want.Error() {
			t.Errorf("deferred to the next statement: %v, want %v", got, want)
		}
		unchanged(t, db)
	})
	t.Run("written", func(t *testing.T) {
		db, now := deferredWorld(t)
		var entries []casemgr.HistoryEntry
		if err := db.Write(t.Context(), func(tx casemgr.Tx) (err error) {
			entries, err = pickInto(tx, now, "{}")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Seq <= 0 || entries[1].Seq <= entries[0].Seq {
			t.Errorf("history numbered %+v", entries)
		}
		if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
			acts, err := tx.Activities([]casemgr.ID{1, 2}, false)
			if err != nil {
				return err
			}
			for i, a := range acts {
				h, err := tx.History("activity", a.ID)
				if err != nil {
					return err
				}
				if a.Status != casemgr.StatusAssigned || a.AssignedUser != 7 || len(h) != 1 || h[0].Seq != entries[i].Seq {
					t.Errorf("activity %d: %s, user %d, history %+v", a.ID, a.Status, a.AssignedUser, h)
				}
			}
			events, err := tx.Events(casemgr.EventQuery{After: 0, Through: 1 << 62})
			if len(events) != 2 {
				t.Errorf("%d events, want 2", len(events))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
