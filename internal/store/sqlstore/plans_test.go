package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Every statement that write transactions run with its generic plan is
// one of the hot queries, whose generic plans TestHotQueriesUseIndexes
// checks for scans of the big tables.
func TestGenericPlannedStatementsAreExplained(t *testing.T) {
	hot := map[string]sqlstore.HotQuery{}
	for _, q := range sqlstore.HotQueries("postgres") {
		hot[q.SQL] = q
	}
	for _, q := range sqlstore.GenericPlannedStatements() {
		if h, ok := hot[q]; !ok || h.RangeOnly {
			t.Errorf("runs its generic plan but is not a hot query whose generic plan is checked:\n%s", q)
		}
	}
}

// preparedPlans reads, on a connection of db, the generic and custom plans
// run by the prepared statements of q (prefix: beginning with q), trying
// until it reads a connection that prepared one.
func preparedPlans(t *testing.T, db store.DB, q string, prefix bool) (generic, custom int64) {
	t.Helper()
	for try := 0; try < 100; try++ {
		var found bool
		if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) {
			generic, custom, found, err = sqlstore.PreparedPlans(tx, q, prefix)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if found {
			return generic, custom
		}
	}
	t.Fatalf("no connection read by the test had prepared %s", q)
	return 0, 0
}

// A write transaction on PostgreSQL runs the generic plans of its
// statements when they are all checked ones — a pick's: the responses of
// the activities, the activities locked, their UPDATE by ID and the
// history of the change — rather than planning each anew at every
// execution; a statement not checked that follows (a pull's candidates, a
// range whose generic plan may scan) is planned for its parameters, as
// before.
func TestWritesRunGenericPlansOfCheckedStatements(t *testing.T) {
	db := storetest.OpenPostgres(t)
	ctx := t.Context()
	now := casemgr.Millis(time.Now())
	ids := []casemgr.ID{1, 2, 3}
	if err := db.Write(ctx, func(tx casemgr.Tx) error {
		for _, id := range []casemgr.ID{1, 2, 3, 4, 5} { // 4 and 5 for the pull
			if err := tx.InsertActivity(&casemgr.Activity{ID: id, Department: 1, Queue: 5, Type: casemgr.TypeEmail,
				Status: casemgr.StatusAwaitingAssignment, Created: now, LastModified: now}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pick := func(user casemgr.ID) error {
		return db.Write(ctx, func(tx casemgr.Tx) error {
			if _, err := tx.Responses(ids, false); err != nil {
				return err
			}
			acts, err := tx.Activities(ids, true)
			if err != nil {
				return err
			}
			var list []*casemgr.Activity
			var entries []casemgr.HistoryEntry
			for i := range acts {
				a := &acts[i]
				a.AssignedUser, a.Status = user, casemgr.StatusAssigned
				list = append(list, a)
				entries = append(entries, casemgr.HistoryEntry{Entity: "activity", EntityID: a.ID, Action: "pick",
					Actor: fmt.Sprint("user:", user), At: now, Before: "{}", After: "{}"})
			}
			if err := tx.UpdateActivities(list); err != nil {
				return err
			}
			return tx.AppendHistory(entries)
		})
	}
	for i := range 8 { // more than the five custom plans of plan_cache_mode auto
		if err := pick(casemgr.ID(100 + i%2)); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct {
		name   string
		prefix bool
	}{{"responses", false}, {"activities locked", false}, {"update of activities", true}, {"insert of history", true}} {
		generic, custom := preparedPlans(t, db, sqlstore.PostgresStatement(s.name), s.prefix)
		if generic == 0 || custom != 0 {
			t.Errorf("%s: %d generic and %d custom plans, want only generic ones", s.name, generic, custom)
		}
	}

	// A pull's candidates after a checked statement: planned for the
	// parameters (auto plans its first five executions so), the return to
	// the default plans in the pull's round trip (three: BEGIN with the
	// locked read, the pull, the COMMIT).
	stats := db.(interface{ Stats() sqlstore.Stats })
	for range 3 {
		before := stats.Stats().RoundTrips
		if err := db.Write(ctx, func(tx casemgr.Tx) error {
			if _, err := tx.Activities(ids, true); err != nil {
				return err
			}
			got, err := tx.PullCandidates(casemgr.PullFilter{Queues: []casemgr.ID{5}, Departments: []casemgr.ID{1}, Limit: 2})
			if err == nil && len(got) != 2 {
				err = fmt.Errorf("%d candidates, want 2", len(got))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if trips := stats.Stats().RoundTrips - before; trips != 3 {
			t.Errorf("a pull after a locked read: %d round trips, want 3", trips)
		}
	}
	if generic, custom := preparedPlans(t, db, sqlstore.PostgresStatement("pull of one queue, locked"), false); generic != 0 || custom == 0 {
		t.Errorf("pull candidates: %d generic and %d custom plans, want only custom ones", generic, custom)
	}
}
