package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

func openURL(t *testing.T, url string) store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func deptByName(t *testing.T, db casemgr.Store, name string) *casemgr.Department {
	t.Helper()
	var d *casemgr.Department
	if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) {
		d, err = tx.DepartmentByName(name)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// The configuration is served from a copy that follows every change: made
// by the process itself at once, made by another process on the same
// database at once on SQLite and as soon as its notification arrives on
// PostgreSQL; a transaction that changes it reads its own changes; and what
// the copy hands out may be changed by the caller.
func TestConfigurationCopyFollowsChanges(t *testing.T) {
	urls := map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db"),
		"postgres": storetest.PostgresSchema(t),
	}
	for engine, url := range urls {
		t.Run(engine, func(t *testing.T) {
			a, b := openURL(t, url), openURL(t, url)
			insert := func(db casemgr.Store, d casemgr.Department) {
				t.Helper()
				if err := db.Write(t.Context(), func(tx casemgr.Tx) error { return tx.InsertDepartment(&d) }); err != nil {
					t.Fatal(err)
				}
			}
			insert(a, casemgr.Department{ID: 1, Name: "One"})
			if d := deptByName(t, a, "One"); d == nil || d.ID != 1 {
				t.Fatalf("the process's own change is not seen: %+v", d)
			}
			// Wait until the PostgreSQL store listens, so the copy is
			// in use.
			deadline := time.Now().Add(10 * time.Second)
			for !sqlstore.HasConfigCopy(a.(*sqlstore.Store)) {
				if time.Now().After(deadline) {
					t.Fatal("the store never kept a copy of the configuration")
				}
				deptByName(t, a, "One")
				time.Sleep(10 * time.Millisecond)
			}

			// Another process's change.
			insert(b, casemgr.Department{ID: 2, Name: "Two", SharedWith: []casemgr.ID{1}})
			seen := deptByName(t, a, "Two")
			if engine == "postgres" {
				for seen == nil && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
					seen = deptByName(t, a, "Two")
				}
			}
			if seen == nil || seen.ID != 2 {
				t.Fatalf("another process's change is not seen: %+v", seen)
			}

			// A transaction that changes the configuration reads its
			// own changes, and a rolled back change is not seen.
			err := a.Write(t.Context(), func(tx casemgr.Tx) error {
				if err := tx.InsertDepartment(&casemgr.Department{ID: 3, Name: "Three"}); err != nil {
					return err
				}
				d, err := tx.DepartmentByName("Three")
				if err != nil {
					return err
				}
				if d == nil {
					t.Error("a transaction does not see the department it inserted")
				}
				return casemgr.E(casemgr.CodeNotFound) // roll back
			})
			if !casemgr.IsCode(err, casemgr.CodeNotFound) {
				t.Fatalf("Write = %v", err)
			}
			if d := deptByName(t, a, "Three"); d != nil {
				t.Errorf("a rolled back department is seen: %+v", d)
			}

			// Copies handed out are the caller's.
			d := deptByName(t, a, "Two")
			d.SharedWith[0] = 99
			d.Name = "changed"
			if again := deptByName(t, a, "Two"); again == nil || again.SharedWith[0] != 1 {
				t.Errorf("changing a department read changed the copy: %+v", again)
			}
		})
	}
}

// A read of activities to show reads the configuration's version with the
// activities on SQLite (no statement of its own): a change another
// process made before the read is seen by it all the same, with or
// without the customers, as it is by any read (on PostgreSQL once its
// notification arrives).
func TestConfigurationReadWithActivitiesFollowsChanges(t *testing.T) {
	urls := map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db"),
		"postgres": storetest.PostgresSchema(t),
	}
	for engine, url := range urls {
		t.Run(engine, func(t *testing.T) {
			a, b := openURL(t, url), openURL(t, url)
			now := casemgr.Millis(time.Now())
			if err := b.Write(t.Context(), func(tx casemgr.Tx) error {
				if err := tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "One"}); err != nil {
					return err
				}
				return tx.InsertActivity(&casemgr.Activity{ID: 7, Department: 1, Type: casemgr.TypeTask, Created: now, LastModified: now})
			}); err != nil {
				t.Fatal(err)
			}
			names := func(customers bool) []string {
				t.Helper()
				var out []string
				if err := a.Read(t.Context(), func(tx casemgr.Tx) error {
					out = nil
					acts, err := tx.ActivitiesToShow([]casemgr.ID{7}, customers, true)
					if err != nil || len(acts) != 1 {
						t.Fatalf("activities %v, %v", acts, err)
					}
					list, err := tx.Departments()
					for _, d := range list {
						out = append(out, d.Name)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return out
			}
			deadline := time.Now().Add(10 * time.Second)
			for !sqlstore.HasConfigCopy(a.(*sqlstore.Store)) {
				if time.Now().After(deadline) {
					t.Fatal("the store never kept a copy of the configuration")
				}
				names(true)
				time.Sleep(10 * time.Millisecond)
			}
			for i, customers := range []bool{true, false, true} {
				name := fmt.Sprintf("Dept %d", i)
				if err := b.Write(t.Context(), func(tx casemgr.Tx) error {
					return tx.InsertDepartment(&casemgr.Department{ID: casemgr.ID(10 + i), Name: name})
				}); err != nil {
					t.Fatal(err)
				}
				got := names(customers)
				for engine == "postgres" && !slices.Contains(got, name) && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
					got = names(customers)
				}
				if !slices.Contains(got, name) {
					t.Fatalf("customers %v: departments %v after %q was added", customers, got, name)
				}
			}
		})
	}
}
