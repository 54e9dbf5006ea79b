package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/bench"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// BenchmarkHotPaths measures, on both engines and a generated world, the
// store calls behind every request: authenticating a token (token, session,
// user), reading an activity as GET /activity/{id} did and as it does now
// (get_activity_to_show), the configuration
// from the copy, a bulk request's responses, a 75-activity write with its
// history, and a creation.
func BenchmarkHotPaths(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			url := "sqlite://" + filepath.Join(b.TempDir(), "hot.db")
			if engine == "postgres" {
				url = storetest.PostgresSchema(b)
			}
			ctx := context.Background()
			cfg := bench.WorldConfig{Customers: 400, Cases: 1000, Activities: 3000, BenchUsers: 2, BulkCases: 3, Seed: 5}
			if _, err := bench.LoadWorld(ctx, url, cfg, bench.LoadOptions{}); err != nil {
				b.Fatal(err)
			}
			db, err := store.Open(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			benchHotPaths(b, db)
		})
	}
}

func benchHotPaths(b *testing.B, db store.DB) {
	ctx := context.Background()
	now := casemgr.Millis(time.Now())
	if err := db.Write(ctx, func(tx casemgr.Tx) error {
		if err := tx.InsertSession(&casemgr.Session{ID: "bench", User: bench.BenchUserID(1), Created: now, Expires: now.Add(time.Hour)}); err != nil {
			return err
		}
		return tx.InsertToken(&casemgr.Token{Hash: "bench-hash", Session: "bench", Kind: "access", Expires: now.Add(time.Hour)})
	}); err != nil {
		b.Fatal(err)
	}
	ids := make([]casemgr.ID, 75)
	for i := range ids {
		ids[i] = casemgr.ID(37*i + 11)
	}
	read := func(b *testing.B, fn func(tx casemgr.Tx) error) {
		for b.Loop() {
			if err := db.Read(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("authenticate", func(b *testing.B) {
		read(b, func(tx casemgr.Tx) error {
			tok, err := tx.Token("bench-hash")
			if err != nil || tok == nil {
				b.Fatalf("token: %v", err)
			}
			s, err := tx.Session(tok.Session)
			if err != nil || s == nil {
				b.Fatalf("session: %v", err)
			}
			u, err := tx.User(s.User)
			if err != nil || u == nil {
				b.Fatalf("user: %v", err)
			}
			return nil
		})
	})
	b.Run("get_activity", func(b *testing.B) {
		read(b, func(tx casemgr.Tx) error {
			acts, err := tx.Activities([]casemgr.ID{1234}, false)
			if err != nil || len(acts) != 1 {
				b.Fatalf("activity: %v", err)
			}
			if _, err := tx.Departments(); err != nil {
				return err
			}
			if _, err := tx.Queues(); err != nil {
				return err
			}
			if _, err := tx.User(acts[0].AssignedUser); err != nil {
				return err
			}
			_, err = tx.Customers([]casemgr.ID{acts[0].Customer})
			return err
		})
	})
	// What GET /activity/{id} reads today: the activity with its
	// customer, contact and point (ActivitiesToShow, the read ending
	// with it), the configuration from the copy, the customer as shown.
	b.Run("get_activity_to_show", func(b *testing.B) {
		read(b, func(tx casemgr.Tx) error {
			acts, err := tx.ActivitiesToShow([]casemgr.ID{1234}, true, true)
			if err != nil || len(acts) != 1 {
				b.Fatalf("activity: %v", err)
			}
			if _, err := tx.Departments(); err != nil {
				return err
			}
			if _, err := tx.User(acts[0].AssignedUser); err != nil {
				return err
			}
			_, err = tx.CustomersShowing(storetest.ShownBy(acts))
			return err
		})
	})
	b.Run("configuration", func(b *testing.B) {
		read(b, func(tx casemgr.Tx) error {
			if _, err := tx.DepartmentByName("Service"); err != nil {
				return err
			}
			if _, err := tx.CalltrackSubtypes(); err != nil {
				return err
			}
			_, err := tx.Settings()
			return err
		})
	})
	b.Run("responses_75", func(b *testing.B) {
		read(b, func(tx casemgr.Tx) error {
			_, err := tx.Responses(ids, false)
			return err
		})
	})
	b.Run("lock_update_history_75", func(b *testing.B) {
		for b.Loop() {
			if err := db.Write(ctx, func(tx casemgr.Tx) error {
				if _, err := tx.Responses(ids, false); err != nil {
					return err
				}
				acts, err := tx.Activities(ids, true)
				if err != nil {
					return err
				}
				ptrs := make([]*casemgr.Activity, len(acts))
				hist := make([]casemgr.HistoryEntry, len(acts))
				for i := range acts {
					acts[i].LastModified = casemgr.NextModified(acts[i].LastModified, time.Now())
					ptrs[i] = &acts[i]
					hist[i] = casemgr.HistoryEntry{Entity: "activity", EntityID: acts[i].ID, Action: "bench", Actor: "user:1001",
						At: now, Before: `{"a":1}`, After: `{"a":2}`}
				}
				if err := tx.UpdateActivities(ptrs); err != nil {
					return err
				}
				return tx.AppendHistory(hist)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("create_case_and_activity", func(b *testing.B) {
		for b.Loop() {
			if err := db.Write(ctx, func(tx casemgr.Tx) error {
				if _, err := tx.Customers([]casemgr.ID{42}); err != nil {
					return err
				}
				c := &casemgr.Case{Department: 1, Status: casemgr.CaseOpen, Customer: 42, Created: now, LastModified: now}
				if err := tx.InsertCase(c); err != nil {
					return err
				}
				a := &casemgr.Activity{Case: c.ID, Department: 1, Type: casemgr.TypeCalltrack, Status: casemgr.StatusAssigned,
					AssignedUser: bench.BenchUserID(1), Customer: 42, Created: now, LastModified: now}
				if err := tx.InsertActivity(a); err != nil {
					return err
				}
				return tx.AppendHistory([]casemgr.HistoryEntry{
					{Entity: "case", EntityID: c.ID, Action: "create", At: now, After: "{}"},
					{Entity: "activity", EntityID: a.ID, Action: "create", At: now, After: "{}"}})
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
