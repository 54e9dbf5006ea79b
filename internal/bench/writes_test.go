package bench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// storeOnly hides every method of a Store beyond casemgr.Store: its
// operations read everything inside their write transactions.
type storeOnly struct{ casemgr.Store }

// TestWritesReadBeforeTheirTransaction counts the statements of the write
// transaction of a create-calltrack (customer by ID) and of a transfer of
// one activity, with the store as opened and with its OneWriter hidden. On
// SQLite the configuration and the named customer are read before the
// write transaction begins: two statements fewer in a creation's (the
// configuration version, the customer), one in a transfer's (the
// configuration version). On PostgreSQL nothing is read before.
func TestWritesReadBeforeTheirTransaction(t *testing.T) {
	saved := map[string][2]uint64{"sqlite": {2, 1}, "postgres": {0, 0}}
	urls := map[string]func() string{
		"sqlite":   func() string { return "sqlite://" + filepath.Join(t.TempDir(), "w.db") },
		"postgres": func() string { return storetest.PostgresSchema(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			e := newOperationsEnv(t, urls[engine](), 4)
			stats := e.st.(interface{ Stats() sqlstore.Stats })
			count := func(st casemgr.Store, op string) uint64 {
				e.svc = &casemgr.Service{Store: st}
				before := stats.Stats().WriteStatements
				if err := e.run(context.Background(), op); err != nil {
					t.Fatal(err)
				}
				return stats.Stats().WriteStatements - before
			}
			for i, op := range []string{"create-calltrack", "transfer-1"} {
				inside := count(storeOnly{e.st}, op)
				before := count(e.st, op)
				if inside-before != saved[engine][i] {
					t.Errorf("%s: %d statements in the write transaction, %d with every read inside: want %d fewer",
						op, before, inside, saved[engine][i])
				}
			}
		})
	}
}
