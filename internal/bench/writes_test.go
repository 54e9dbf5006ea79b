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
			e := newOperationsEnv(t, urls[engine]())
			stats := e.st.(interface{ Stats() sqlstore.Stats })
			count := func(st casemgr.Store, op func(svc *casemgr.Service)) uint64 {
				before := stats.Stats().WriteStatements
				op(&casemgr.Service{Store: st})
				return stats.Stats().WriteStatements - before
			}
			for i, op := range []func(*casemgr.Service){e.createOne(t), e.transferOne(t)} {
				inside := count(storeOnly{e.st}, op)
				before := count(e.st, op)
				if inside-before != saved[engine][i] {
					t.Errorf("operation %d: %d statements in the write transaction, %d with every read inside: want %d fewer",
						i, before, inside, saved[engine][i])
				}
			}
		})
	}
}

// createOne returns an operation creating a calltrack for a customer named
// by ID.
func (e *operationsEnv) createOne(t *testing.T) func(*casemgr.Service) {
	subject, text := "Counted call", "The caller asked about an invoice."
	cust := e.w.customers[0]
	return func(svc *casemgr.Service) {
		req := casemgr.CalltrackRequest{Department: e.w.deptNames[cust.dept], Type: casemgr.TypeCalltrack,
			Subtype: "General", Mode: "inbound", Subject: &subject,
			Content: &casemgr.CalltrackContent{Text: &text}, CustomerID: &cust.id}
		if _, err := svc.CreateCalltrack(context.Background(), e.actor, req); err != nil {
			t.Fatal(err)
		}
	}
}

// transferOne returns an operation transferring one activity to the other
// of two departments.
func (e *operationsEnv) transferOne(t *testing.T) func(*casemgr.Service) {
	ctx := context.Background()
	return func(svc *casemgr.Service) {
		bt, _ := e.w.pools["transfer-1"].get(ctx)
		defer e.w.pools["transfer-1"].put(bt)
		var items []casemgr.TransferItem
		target := e.w.service
		if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
			acts, err := tx.Activities(bt.ids, false)
			for _, a := range acts {
				items = append(items, casemgr.TransferItem{Activity: a.ID, LastModified: a.LastModified})
				if a.Department == e.w.service {
					target = e.w.billing
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Transfer(ctx, e.actor, casemgr.TransferRequest{Department: target, Items: items}); err != nil {
			t.Fatal(err)
		}
	}
}
