package bench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// benchWorld is small enough to generate for every benchmark run, with two
// batches of each 75-activity operation.
var benchWorld = WorldConfig{Customers: 300, Cases: 600, Activities: 2000, BenchUsers: 2, BulkCases: 6, Seed: 11}

// operationsEnv is a generated world opened through the store, with the
// workload found in it and a bench user as the actor.
type operationsEnv struct {
	st    store.DB
	db    *DB
	svc   *casemgr.Service
	w     *Workload
	actor casemgr.Actor
}

func newOperationsEnv(b testing.TB, url string) *operationsEnv {
	b.Helper()
	ctx := context.Background()
	if _, err := LoadWorld(ctx, url, benchWorld, LoadOptions{}); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db, err := OpenDB(ctx, url, 2)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	w, err := Discover(ctx, db, 4)
	if err != nil {
		b.Fatal(err)
	}
	var u *casemgr.User
	if err := st.Read(ctx, func(tx casemgr.Tx) (err error) { u, err = tx.UserByName(BenchUserName(1)); return err }); err != nil || u == nil {
		b.Fatalf("bench user: %v", err)
	}
	return &operationsEnv{st: st, db: db, svc: &casemgr.Service{Store: st}, w: w, actor: casemgr.UserActor(u)}
}

// BenchmarkOperations measures the operations through the domain (every
// rule, one transaction each), without HTTP, on both engines: what a
// request costs once parsed and authenticated.
func BenchmarkOperations(b *testing.B) {
	urls := map[string]func() string{
		"sqlite":   func() string { return "sqlite://" + filepath.Join(b.TempDir(), "bench.db") },
		"postgres": func() string { return storetest.PostgresSchema(b) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			e := newOperationsEnv(b, urls[engine]())
			ctx := context.Background()
			for _, name := range []string{"transfer-1", "transfer-75"} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						bt, _ := e.w.pools[name].get(ctx)
						var items []casemgr.TransferItem
						var dept casemgr.ID
						if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
							acts, err := tx.Activities(bt.ids, false)
							for _, a := range acts {
								items = append(items, casemgr.TransferItem{Activity: a.ID, LastModified: a.LastModified})
								dept = a.Department
							}
							return err
						}); err != nil {
							b.Fatal(err)
						}
						target := e.w.service
						if dept == e.w.service {
							target = e.w.billing
						}
						if err := e.svc.Transfer(ctx, e.actor, casemgr.TransferRequest{Department: target, Items: items}); err != nil {
							b.Fatal(err)
						}
						e.w.pools[name].put(bt)
					}
				})
			}
			for _, name := range []string{"changecase-1", "changecase-75"} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						bt, _ := e.w.pools[name].get(ctx)
						dst := bt.other()
						if _, err := e.svc.ChangeCase(ctx, e.actor, casemgr.ChangeCaseRequest{Activities: bt.ids, TargetCase: dst}); err != nil {
							b.Fatal(err)
						}
						bt.cur = dst
						e.w.pools[name].put(bt)
					}
				})
			}
			for _, name := range []string{"changecustomer-1", "changecustomer-75"} {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						bt, _ := e.w.pools[name].get(ctx)
						tg := bt.targets[bt.next]
						items := make([]casemgr.ChangeCustomerItem, len(bt.ids))
						for i, id := range bt.ids {
							items[i] = casemgr.ChangeCustomerItem{Activity: id, Points: []casemgr.PointRef{{Kind: casemgr.KindEmail, ID: tg.point}}}
						}
						if err := e.svc.ChangeCustomer(ctx, e.actor, items); err != nil {
							b.Fatal(err)
						}
						bt.next = 1 - bt.next
						e.w.pools[name].put(bt)
					}
				})
			}
			b.Run("complete-75", func(b *testing.B) { benchComplete(b, e) })
			b.Run("create-calltrack", func(b *testing.B) {
				subject := "Bench call"
				text := "The caller asked about an invoice."
				for b.Loop() {
					cust := e.w.customers[int(time.Now().UnixNano())%len(e.w.customers)]
					id := cust.id
					req := casemgr.CalltrackRequest{Department: e.w.deptNames[cust.dept], Type: casemgr.TypeCalltrack,
						Subtype: "General", Mode: "inbound", Subject: &subject,
						Content: &casemgr.CalltrackContent{Text: &text}, CustomerID: &id}
					if _, err := e.svc.CreateCalltrack(ctx, e.actor, req); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// benchComplete completes a batch of 75 activities as the bench user,
// after reopening it for that user and reading its lastModified (neither
// timed).
func benchComplete(b *testing.B, e *operationsEnv) {
	ctx := context.Background()
	p := e.w.pools["complete-75"]
	for b.Loop() {
		b.StopTimer()
		bt, _ := p.get(ctx)
		if err := reopenBatch(ctx, e.db, bt, e.actor.UserID()); err != nil {
			b.Fatal(err)
		}
		var items []casemgr.BulkItem
		if err := e.st.Read(ctx, func(tx casemgr.Tx) error {
			acts, err := tx.Activities(bt.ids, false)
			for _, a := range acts {
				items = append(items, casemgr.BulkItem{Activity: a.ID, LastModified: a.LastModified})
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		done, err := e.svc.Complete(ctx, e.actor, casemgr.CompleteRequest{Items: items})
		if err != nil {
			b.Fatal(err)
		}
		if len(done) != 75 {
			b.Fatalf("completed %d activities, want 75", len(done))
		}
		p.put(bt)
	}
}
