// Package storetest holds the conformance suite that every store engine
// passes (Run), and helpers that give the project's tests a fresh, migrated
// store on SQLite or PostgreSQL.
//
// PostgreSQL tests read the server's URL from CASEMGR_TEST_POSTGRES, for
// example postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Without
// it they are skipped, unless CASEMGR_REQUIRE_POSTGRES=1 (as in CI), which
// turns the skip into a failure. The whole store suite, on both engines:
//
//	CASEMGR_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	CASEMGR_REQUIRE_POSTGRES=1 go test ./internal/store/...
//
// CASEMGR_TEST_GROUP_COMMIT=1 runs the SQLite stores of OpenSQLite with
// group commit on (sqlstore's SetGroupCommit).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
)

// Environment variables of the PostgreSQL tests.
const (
	// EnvPostgres names the PostgreSQL server the tests use.
	EnvPostgres = "CASEMGR_TEST_POSTGRES"
	// EnvRequirePostgres=1 makes a missing EnvPostgres a failure.
	EnvRequirePostgres = "CASEMGR_REQUIRE_POSTGRES"
	// EnvGroupCommit=1 turns group commit on in every SQLite store that
	// OpenSQLite returns, so that any test runs the writes that way too.
	EnvGroupCommit = "CASEMGR_TEST_GROUP_COMMIT"
)

// OpenSQLite returns a migrated store on a new SQLite file of the test's
// temporary directory, closed when the test ends.
func OpenSQLite(t testing.TB) store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "casemgr.db")
	if image, err := migratedSQLite(); err == nil {
		// A copy of a freshly migrated database: migrating is then a
		// no-op (every migration is recorded as applied).
		if err := os.WriteFile(path, image, 0o600); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
	}
	db := openMigrated(t, "sqlite://"+path)
	if os.Getenv(EnvGroupCommit) == "1" {
		if err := db.(interface{ SetGroupCommit(bool) error }).SetGroupCommit(true); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// migratedSQLite is the content of a freshly migrated SQLite database,
// made once per test process (in a directory removed at once), for
// OpenSQLite to copy.
var migratedSQLite = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "casemgr-storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "casemgr.db")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, errors.New("the write-ahead log outlived the store")
	}
	return os.ReadFile(path)
})

// OpenPostgres returns a migrated store on a schema of its own on the
// PostgreSQL server named by CASEMGR_TEST_POSTGRES, as a freshly migrated
// schema is: empty but for what the migrations put there. Migrating a schema
// costs most of a PostgreSQL test's time, so the schemas are kept in a pool:
// when the test ends its store is closed, and the schema is emptied and
// given to the next test; a schema whose structure the test changed is
// dropped instead (see pgPool). Without the variable the test is skipped
// (or fails when CASEMGR_REQUIRE_POSTGRES=1).
func OpenPostgres(t testing.TB) store.DB {
	t.Helper()
	dsn := postgresDSN(t)
	pool, err := poolFor(dsn)
	if err != nil {
		t.Fatalf("schema pool on %s: %v", EnvPostgres, err)
	}
	schema, err := pool.take()
	if err != nil {
		t.Fatalf("schema pool: %v", err)
	}
	// Registered before openMigrated's close, so it runs after it.
	t.Cleanup(func() { pool.give(t, schema) })
	return openMigrated(t, schemaURL(t, dsn, schema))
}

// PostgresSchema creates a new, empty schema with a random name on the
// server named by CASEMGR_TEST_POSTGRES and returns a URL whose connections
// use it (search_path); the schema is dropped when the test ends. Without the
// variable the test is skipped (or fails when CASEMGR_REQUIRE_POSTGRES=1).
// Tests that open stores themselves (several processes on one database, say)
// use it; others use OpenPostgres.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	dsn := postgresDSN(t)
	admin, err := adminDB(dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvPostgres, err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "casemgr_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The name is ours, random hex: nothing to quote.
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return schemaURL(t, dsn, schema)
}

// postgresDSN is CASEMGR_TEST_POSTGRES; without it the test is skipped, or
// fails when CASEMGR_REQUIRE_POSTGRES=1.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s is not set, and %s=1 requires the PostgreSQL tests to run", EnvPostgres, EnvRequirePostgres)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	return dsn
}

// schemaURL is dsn with its connections' search_path set to schema.
func schemaURL(t testing.TB, dsn, schema string) string {
	t.Helper()
	u, err := withSearchPath(dsn, schema)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	return u
}

// Each runs fn on a fresh store of each engine, as the subtests "sqlite" and
// "postgres".
func Each(t *testing.T, fn func(t *testing.T, db store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// openMigrated opens and migrates the store of url, closing it when the test
// ends (before a schema made for it is dropped: cleanups run last-in first).
func openMigrated(t testing.TB, url string) store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Logf("close store: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// adminDB is one small pool per server URL, shared by every test of the
// process, that creates and drops the test schemas.
var admins struct {
	sync.Mutex
	dbs map[string]*sql.DB
}

func adminDB(dsn string) (*sql.DB, error) {
	admins.Lock()
	defer admins.Unlock()
	if db, ok := admins.dbs[dsn]; ok {
		return db, nil
	}
	db, err := sql.Open("pgx", dsn) // the driver is registered by the store
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4) // one holds the schema pool's advisory lock
	if admins.dbs == nil {
		admins.dbs = map[string]*sql.DB{}
	}
	admins.dbs[dsn] = db
	return db, nil
}
