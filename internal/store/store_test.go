package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestSQLite runs the conformance suite on SQLite.
func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.DB { return storetest.OpenSQLite(t) })
}

// TestPostgres runs the conformance suite on PostgreSQL (skipped without
// CASEMGR_TEST_POSTGRES; failing instead when CASEMGR_REQUIRE_POSTGRES=1).
func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.PostgresSchema(t) // skip or fail once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.DB { return storetest.OpenPostgres(t) })
}

func TestOpenRefusesUnknownSchemes(t *testing.T) {
	for _, url := range []string{"mysql://root:secret@localhost/db", "data/casemgr.db", "file:///x.db"} {
		_, err := store.Open(t.Context(), url)
		if err == nil {
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "sqlite://") || !strings.Contains(msg, "postgres://") {
			t.Errorf("Open(%q): %v; want the accepted schemes named", url, err)
		}
		if strings.Contains(msg, "secret") {
			t.Errorf("Open(%q): the error shows the password: %v", url, err)
		}
	}
}

func TestOpenSQLitePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct{ url, file string }{
		{"sqlite://data/casemgr.db", filepath.Join(dir, "data", "casemgr.db")},
		{"sqlite://" + filepath.Join(dir, "abs", "deeper", "x.db"), filepath.Join(dir, "abs", "deeper", "x.db")},
		{"SQLITE://plain.db", filepath.Join(dir, "plain.db")},
	} {
		db, err := store.Open(t.Context(), c.url)
		if err != nil {
			t.Fatalf("Open(%q): %v", c.url, err)
		}
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate(%q): %v", c.url, err)
		}
		if db.Engine() != "sqlite" {
			t.Errorf("Open(%q).Engine() = %q", c.url, db.Engine())
		}
		db.Close()
		if _, err := os.Stat(c.file); err != nil {
			t.Errorf("Open(%q) made no %s: %v", c.url, c.file, err)
		}
	}
	if _, err := store.Open(t.Context(), "sqlite://"); err == nil {
		t.Error("Open of an empty SQLite path succeeded")
	}
}

// TestMigrateConcurrently migrates one new database from several stores (as
// several server processes starting at once would) on each engine.
func TestMigrateConcurrently(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "m.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresSchema(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := urls[engine](t)
			const n = 4
			dbs := make([]store.DB, n)
			for i := range dbs {
				db, err := store.Open(t.Context(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i, db := range dbs {
				wg.Go(func() { errs[i] = db.Migrate(context.Background()) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Migrate %d: %v", i, err)
				}
			}
			// Every store sees one schema; a write of one is read by another.
			if err := dbs[0].Write(t.Context(), func(tx casemgr.Tx) error {
				return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"})
			}); err != nil {
				t.Fatal(err)
			}
			if err := dbs[n-1].Read(t.Context(), func(tx casemgr.Tx) error {
				d, err := tx.Department(1)
				if err == nil && d == nil {
					t.Error("a store does not see another's write")
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Two stores on one SQLite file (as two server processes) serialize their
// writes through immediate transactions and the busy timeout: every
// read-modify-write succeeds, none is lost.
func TestSQLiteSharedFile(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "shared.db")
	var dbs [2]store.DB
	for i := range dbs {
		db, err := store.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		dbs[i] = db
	}
	if err := dbs[0].Write(t.Context(), func(tx casemgr.Tx) error {
		return tx.InsertActivity(&casemgr.Activity{ID: 1})
	}); err != nil {
		t.Fatal(err)
	}
	const each = 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for _, db := range dbs {
		for range each {
			wg.Go(func() {
				errs <- db.Write(t.Context(), func(tx casemgr.Tx) error {
					list, err := tx.Activities([]casemgr.ID{1}, true)
					if err != nil {
						return err
					}
					list[0].Subject += "x"
					time.Sleep(time.Millisecond) // let the other store's writer try meanwhile
					return tx.UpdateActivities([]*casemgr.Activity{&list[0]})
				})
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Write: %v", err)
		}
	}
	if err := dbs[1].Read(t.Context(), func(tx casemgr.Tx) error {
		list, err := tx.Activities([]casemgr.ID{1}, false)
		if err == nil && len(list[0].Subject) != 2*each {
			t.Errorf("%d of %d updates kept", len(list[0].Subject), 2*each)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStore measures the hot paths of the operations on each engine:
// loading and locking a full bulk request (75 activities), writing it back,
// and a search page.
func BenchmarkStore(b *testing.B) {
	engines := []struct {
		name string
		open func(testing.TB) store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.open(b)
			const n = 75
			list := make([]casemgr.ID, n)
			if err := db.Write(b.Context(), func(tx casemgr.Tx) error {
				for i := range 1000 {
					a := &casemgr.Activity{ID: casemgr.ID(i + 1), Case: casemgr.ID(2000 + i/10), Department: casemgr.ID(10 + i%3),
						Status: casemgr.StatusAssigned, Type: casemgr.TypeEmail, Subject: "subject",
						CustomAttributes: map[string][]string{"k": {"v"}}, Created: time.Now(), LastModified: time.Now()}
					if err := tx.InsertActivity(a); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			for i := range list {
				list[i] = casemgr.ID(i*13 + 1)
			}
			b.Run("read_75_activities", func(b *testing.B) {
				for b.Loop() {
					if err := db.Read(b.Context(), func(tx casemgr.Tx) error {
						_, err := tx.Activities(list, false)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("lock_and_update_75_activities", func(b *testing.B) {
				for b.Loop() {
					if err := db.Write(b.Context(), func(tx casemgr.Tx) error {
						acts, err := tx.Activities(list, true)
						if err != nil {
							return err
						}
						ptrs := make([]*casemgr.Activity, len(acts))
						for i := range acts {
							acts[i].LastModified = casemgr.NextModified(acts[i].LastModified, time.Now())
							ptrs[i] = &acts[i]
						}
						return tx.UpdateActivities(ptrs)
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("search_page_25", func(b *testing.B) {
				f := casemgr.ActivityFilter{Departments: []casemgr.ID{10, 11}, Statuses: []string{casemgr.StatusAssigned},
					Page: casemgr.Page{Sort: "lastModified", Descending: true, Offset: 100, Limit: 25}}
				for b.Loop() {
					if err := db.Read(b.Context(), func(tx casemgr.Tx) error {
						_, _, err := tx.SearchActivities(f)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
