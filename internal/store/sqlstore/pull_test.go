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

// A pull's candidates are kept as read, as the activities of the other
// moves are, so that its UpdateActivities writes only the columns the
// pull changes (an UPDATE rewrites the index entries of every column it
// sets), not the whole rows.
func TestPullKeepsItsCandidatesAsRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := t.Context()
		now := casemgr.Millis(time.Now())
		if err := db.Write(ctx, func(tx casemgr.Tx) error {
			for _, id := range []casemgr.ID{1, 2, 3} {
				if err := tx.InsertActivity(&casemgr.Activity{ID: id, Department: 1, Queue: 5, Type: casemgr.TypeEmail,
					Status: casemgr.StatusAwaitingAssignment, Created: now, LastModified: now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(ctx, func(tx casemgr.Tx) error {
			got, err := tx.PullCandidates(casemgr.PullFilter{Queues: []casemgr.ID{5}, Departments: []casemgr.ID{1},
				ExcludeTypes: []string{casemgr.TypeChat}, Limit: 2})
			if err != nil {
				return err
			}
			if len(got) != 2 || sqlstore.KeptActivities(tx) != 2 {
				return fmt.Errorf("%d candidates, %d kept as read; want 2 and 2", len(got), sqlstore.KeptActivities(tx))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
