package sqlstore_test

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// A PostgreSQL Write that fails with a serialization failure or a deadlock
// runs again, from a clean transaction, a bounded number of times.
func TestPostgresWriteRetriesRaces(t *testing.T) {
	db := storetest.OpenPostgres(t)
	stats := db.(interface{ Stats() sqlstore.Stats })
	for _, code := range []string{"40001", "40P01"} {
		before := stats.Stats().WriteRetries
		var attempts int
		err := db.Write(t.Context(), func(tx casemgr.Tx) error {
			attempts++
			// The same ID every time: a leftover of an earlier
			// attempt would make this fail.
			if err := tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d" + code}); err != nil {
				return err
			}
			if attempts < 3 {
				return casemgr.Internal(fmt.Errorf("query: %w", &pgconn.PgError{Code: code}))
			}
			return nil
		})
		if err != nil || attempts != 3 {
			t.Errorf("%s: Write = %v after %d attempts; want success after 3", code, err, attempts)
		}
		if got := stats.Stats().WriteRetries - before; got != 2 {
			t.Errorf("%s: %d retries counted, want 2", code, got)
		}
		if err := db.Write(t.Context(), casemgr.Tx.DeleteWorld); err != nil {
			t.Fatal(err)
		}
	}

	var attempts int
	err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		attempts++
		return &pgconn.PgError{Code: "40001"}
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || attempts < 2 || attempts > 10 {
		t.Errorf("endless race: Write = %v after %d attempts; want the error after a few", err, attempts)
	}

	attempts = 0
	_ = db.Write(t.Context(), func(tx casemgr.Tx) error {
		attempts++
		return &pgconn.PgError{Code: "23505"}
	})
	if attempts != 1 {
		t.Errorf("a unique violation was retried: %d attempts", attempts)
	}
}

// Two writers that lock two activities in opposite orders, one row at a
// time, deadlock; PostgreSQL aborts one, and Write runs it again.
func TestPostgresDeadlockIsRetried(t *testing.T) {
	db := storetest.OpenPostgres(t)
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		return errors.Join(tx.InsertActivity(&casemgr.Activity{ID: 1}), tx.InsertActivity(&casemgr.Activity{ID: 2}))
	}); err != nil {
		t.Fatal(err)
	}
	var holding sync.WaitGroup
	holding.Add(2)
	var attempts atomic.Int32
	lock := func(first, second casemgr.ID) error {
		var once sync.Once
		return db.Write(t.Context(), func(tx casemgr.Tx) error {
			attempts.Add(1)
			a, err := tx.Activities([]casemgr.ID{first}, true)
			if err != nil {
				return err
			}
			// Only the first attempts wait for each other; a retry
			// goes straight on.
			once.Do(func() { holding.Done(); holding.Wait() })
			b, err := tx.Activities([]casemgr.ID{second}, true)
			if err != nil {
				return err
			}
			a[0].Subject += "x"
			b[0].Subject += "x"
			return tx.UpdateActivities([]*casemgr.Activity{&a[0], &b[0]})
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lock(1, 2) }()
	go func() { errs <- lock(2, 1) }()
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Write: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the deadlock was not resolved")
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts; want a deadlock and a retry", n)
	}
	if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
		list, err := tx.Activities([]casemgr.ID{1, 2}, false)
		for _, a := range list {
			if a.Subject != "xx" {
				t.Errorf("activity %d subject %q, want both writes", a.ID, a.Subject)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// The SQLite and PostgreSQL migrations define the same tables with the same
// columns: a migration written for one engine only fails here. The schemas
// compared are the live ones, as each engine reports them after migrating.
func TestMigrationsDefineTheSameTablesAndColumns(t *testing.T) {
	sqlite, err := sqlstore.Columns(t.Context(), storetest.OpenSQLite(t).(*sqlstore.Store))
	if err != nil {
		t.Fatal(err)
	}
	postgres, err := sqlstore.Columns(t.Context(), storetest.OpenPostgres(t).(*sqlstore.Store))
	if err != nil {
		t.Fatal(err)
	}
	if len(sqlite) < 10 {
		t.Fatalf("SQLite schema has %d tables; the catalogue query reads nothing", len(sqlite))
	}
	for _, table := range slices.Sorted(maps.Keys(sqlite)) {
		pg, ok := postgres[table]
		if !ok {
			t.Errorf("table %s: only in the SQLite migrations", table)
			continue
		}
		for _, col := range sqlite[table] {
			if !slices.Contains(pg, col) {
				t.Errorf("column %s.%s: only in the SQLite migrations", table, col)
			}
		}
		for _, col := range pg {
			if !slices.Contains(sqlite[table], col) {
				t.Errorf("column %s.%s: only in the PostgreSQL migrations", table, col)
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(postgres)) {
		if _, ok := sqlite[table]; !ok {
			t.Errorf("table %s: only in the PostgreSQL migrations", table)
		}
	}
}

// An idempotency record written before records kept the activity's ID (they
// kept the answer's status and URL) still replays the same activity after
// the migration.
func TestIdempotencyRecordsKeepTheirActivityAcrossTheMigration(t *testing.T) {
	open := map[string]func(t *testing.T) *sqlstore.Store{
		"sqlite": func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "old.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"postgres": func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.OpenPostgres(t.Context(), storetest.PostgresSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := open[engine](t)
			t.Cleanup(func() { _ = s.Close() })
			if err := sqlstore.MigrateBefore(t.Context(), s, 61); err != nil {
				t.Fatal(err)
			}
			if err := sqlstore.Exec(t.Context(), s, `INSERT INTO idempotency_records (actor, key, body_hash, status, location, created)
				VALUES (?, ?, ?, ?, ?, ?)`, "user:1001", "k-1", "h", 201, "/core/casemgr/v3/activity/3005", int64(1)); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			var rec *casemgr.IdempotencyRecord
			err := s.Read(t.Context(), func(tx casemgr.Tx) (err error) {
				rec, err = tx.IdempotencyRecord("user:1001", "k-1")
				return err
			})
			if err != nil || rec == nil || rec.Activity != 3005 || rec.BodyHash != "h" {
				t.Fatalf("record after the migration = %+v, %v; want activity 3005", rec, err)
			}
		})
	}
}
