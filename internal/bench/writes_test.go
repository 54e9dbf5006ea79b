package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// storeOnly hides every method of a Store beyond casemgr.Store: its
// operations read everything inside their write transactions.
type storeOnly struct{ casemgr.Store }

// waitListening waits until a PostgreSQL store hears the notifications of
// configuration changes: until then, and at the moment it starts to, its
// transactions read the configuration from the database rather than from
// its copy, and would count statements and round trips that a store
// serving requests does not run. SQLite's store reports that at once.
func waitListening(t *testing.T, st casemgr.Store) {
	t.Helper()
	es, ok := st.(interface{ AuthEpoch() (uint64, bool) })
	if !ok {
		t.Fatal("the store does not tell whether it hears notifications")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, live := es.AuthEpoch(); live {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the store did not hear notifications within 10 s")
		}
	}
}

// TestWritesReadBeforeTheirTransaction counts the statements of the write
// transaction of a create-calltrack (customer by ID) and of the
// single-activity transfer, change of case and change of customer, with
// the store as opened and with its OneWriter hidden. On SQLite what no
// write can change is read before the write transaction begins: in a
// creation's, the configuration version and the customer; in a
// transfer's, the configuration version; in a change of customer's, the
// configuration version and the customers of the contact point and of
// the activity (two queries). On PostgreSQL nothing is read before.
//
// It also pins the statements left in each write transaction: an
// activity and its responses are read in one statement (on PostgreSQL
// locked in one pass), and a creation's two history entries in one
// INSERT, its two events in another (as PostgreSQL batches them).
func TestWritesReadBeforeTheirTransaction(t *testing.T) {
	ops := []string{"create-calltrack", "transfer-1", "changecase-1", "changecustomer-1"}
	saved := map[string][]uint64{"sqlite": {2, 1, 0, 3}, "postgres": {0, 0, 0, 0}}
	left := map[string][]uint64{"sqlite": {4, 4, 6, 7}, "postgres": {5, 4, 6, 9}}
	// Each takes the subtest's t, so that a skipped PostgreSQL skips only
	// its own subtest.
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "w.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresSchema(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			e := newOperationsEnv(t, urls[engine](t), 4)
			waitListening(t, e.st)
			stats := e.st.(interface{ Stats() sqlstore.Stats })
			count := func(st casemgr.Store, op string) uint64 {
				e.svc = &casemgr.Service{Store: st}
				before := stats.Stats().WriteStatements
				if err := e.run(context.Background(), op); err != nil {
					t.Fatal(err)
				}
				return stats.Stats().WriteStatements - before
			}
			for i, op := range ops {
				inside := count(storeOnly{e.st}, op)
				before := count(e.st, op)
				if inside-before != saved[engine][i] {
					t.Errorf("%s: %d statements in the write transaction, %d with every read inside: want %d fewer",
						op, before, inside, saved[engine][i])
				}
				if before != left[engine][i] {
					t.Errorf("%s: %d statements in the write transaction, want %d", op, before, left[engine][i])
				}
			}
		})
	}
}

// TestWriteRoundTrips pins the round trips to PostgreSQL of each
// operation as the benchmarks run it (Stats.RoundTrips): the client's read
// of the batch where the operation has one (BEGIN with the statement, then
// the ROLLBACK: two), and the write transaction (BEGIN with its first
// statement, each further statement, the COMMIT).
func TestWriteRoundTrips(t *testing.T) {
	want := map[string]uint64{"create-calltrack": 4, "transfer-1": 4, "changecase-1": 4, "changecustomer-1": 7,
		"transfer-queue-75": 4, "pick-75": 4}
	e := newOperationsEnv(t, storetest.PostgresSchema(t), 4)
	waitListening(t, e.st)
	stats := e.st.(interface{ Stats() sqlstore.Stats })
	for _, op := range []string{"create-calltrack", "transfer-1", "changecase-1", "changecustomer-1", "transfer-queue-75", "pick-75"} {
		before := stats.Stats().RoundTrips
		if err := e.run(context.Background(), op); err != nil {
			t.Fatal(err)
		}
		if got := stats.Stats().RoundTrips - before; got != want[op] {
			t.Errorf("%s: %d round trips, want %d", op, got, want[op])
		}
	}
}
