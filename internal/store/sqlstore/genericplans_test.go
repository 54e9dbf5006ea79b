package sqlstore_test

import (
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReadOfActivitiesToShowRunsGenericPlans checks that on PostgreSQL the
// customers' statement of a GET of activities (ActivitiesToShow, in a
// batch that begins and ends its read transaction) runs its generic plan,
// not a plan made anew at every execution: planning it cost more
// PostgreSQL CPU than running it.
func TestReadOfActivitiesToShowRunsGenericPlans(t *testing.T) {
	db := storetest.OpenPostgres(t)
	ids := []casemgr.ID{1, 2, 3}
	for try := 0; try < 100; try++ {
		for i := 0; i < 8; i++ { // more than the five custom plans PostgreSQL's auto mode tries first
			if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
				_, err := tx.ActivitiesToShow(ids, true, true)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		var generic, custom int64
		var found bool
		if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) {
			generic, custom, found, err = sqlstore.PreparedPlansOfCustomersShown(tx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !found {
			continue // another connection of the pool: read again
		}
		if generic == 0 || custom != 0 {
			t.Fatalf("the customers' statement ran %d generic and %d custom plans, want only generic ones", generic, custom)
		}
		return
	}
	t.Fatal("no connection read by the test had prepared the customers' statement")
}
