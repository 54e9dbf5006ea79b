package sqlstore_test

import (
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The reads of a case's activities that closing a case and a change of
// customer make (the statuses and the customers of its activities) run
// their generic plans in a PostgreSQL write transaction like the locked
// reads before them: no round trip back to the default plans. A write
// that locks activities and then asks both takes four round trips: BEGIN
// with the first statement, the two reads, the COMMIT.
func TestReadsOfACaseActivitiesKeepGenericPlans(t *testing.T) {
	db := storetest.OpenPostgres(t)
	stats := db.(interface{ Stats() sqlstore.Stats })
	before := stats.Stats().RoundTrips
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		if _, err := tx.Activities([]casemgr.ID{1, 2}, true); err != nil {
			return err
		}
		if _, err := tx.CaseActivityStatuses([]casemgr.ID{10, 11}); err != nil {
			return err
		}
		_, err := tx.CaseActivityCustomers(10)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n := stats.Stats().RoundTrips - before; n != 4 {
		t.Errorf("%d round trips, want 4", n)
	}
}
