package httpapi

import (
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReadsByIDsUseAFixedNumberOfQueries counts the SQL statements of GET
// /activity/{ids} (sqlstore's Stats.Statements): one activity and five of
// three customers, with contacts, contact points and attachments, take the
// same number, and a projection without the customer takes fewer than the
// default representation.
func TestReadsByIDsUseAFixedNumberOfQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		// Authentication reads the database on every request, so that
		// every request counts the same statements for it.
		h.srv.Auth.AuthCacheBound = -1
		jenny := h.login("jenny")
		stats := db.(interface{ Stats() sqlstore.Stats })
		count := func(path string) uint64 {
			t.Helper()
			before := stats.Stats().Statements
			h.do("GET", path, jenny, "").expect(t, 200, "")
			return stats.Stats().Statements - before
		}
		const one, five = "/core/casemgr/v3/activity/3101", "/core/casemgr/v3/activity/3000,3001,3002,3101,3102"
		for _, attr := range []string{"", "?$attribute=all", "?$attribute=customer,attachments"} {
			n1, n5 := count(one+attr), count(five+attr)
			t.Logf("%q: %d statements for one activity, %d for five", attr, n1, n5)
			if n1 != n5 {
				t.Errorf("%q: %d statements for one activity, %d for five", attr, n1, n5)
			}
		}
		if full, bare := count(five), count(five+"?$attribute=id,subject"); bare >= full {
			t.Errorf("$attribute=id,subject: %d statements, the default representation %d", bare, full)
		}
	})
}
