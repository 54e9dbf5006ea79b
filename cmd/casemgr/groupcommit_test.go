package main

import (
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// serve runs SQLite with group commit unless told not to
// (docs/performance.md, "Group commit on SQLite"); PostgreSQL has none:
// without the flag it serves as ever, with --group-commit=true it refuses
// to start.
func TestServeGroupCommitsOnSQLiteByDefault(t *testing.T) {
	groups := func(t *testing.T, db interface{ Stats() sqlstore.Stats }) uint64 {
		t.Helper()
		return db.Stats().GroupCommits
	}
	write := func(t *testing.T, db casemgr.Store) {
		t.Helper()
		if err := db.Write(t.Context(), func(casemgr.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("sqlite_default_on", func(t *testing.T) {
		db := storetest.OpenSQLite(t)
		if err := setGroupCommit(db, true, false); err != nil {
			t.Fatal(err)
		}
		write(t, db)
		if n := groups(t, db.(interface{ Stats() sqlstore.Stats })); n != 1 {
			t.Errorf("group commits after one write: %d, want 1", n)
		}
	})
	t.Run("sqlite_turned_off", func(t *testing.T) {
		db := storetest.OpenSQLite(t)
		if err := setGroupCommit(db, false, true); err != nil {
			t.Fatal(err)
		}
		write(t, db)
		if n := groups(t, db.(interface{ Stats() sqlstore.Stats })); n != 0 {
			t.Errorf("group commits with --group-commit=false: %d, want 0", n)
		}
	})
	t.Run("postgres_default", func(t *testing.T) {
		db := storetest.OpenPostgres(t)
		if err := setGroupCommit(db, true, false); err != nil {
			t.Fatalf("PostgreSQL without the flag: %v", err)
		}
		write(t, db)
		if n := groups(t, db.(interface{ Stats() sqlstore.Stats })); n != 0 {
			t.Errorf("group commits on PostgreSQL: %d, want 0", n)
		}
	})
	t.Run("postgres_asked", func(t *testing.T) {
		db := storetest.OpenPostgres(t)
		if err := setGroupCommit(db, true, true); err == nil {
			t.Fatal("--group-commit=true on PostgreSQL: no error")
		}
	})
}
