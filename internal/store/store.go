// Package store opens the casemgr database named by a URL: SQLite (the
// embedded default) or PostgreSQL (for several server processes sharing one
// database). Both engines are served by one SQL implementation,
// internal/store/sqlstore, and pass one conformance suite,
// internal/store/storetest.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
)

// DB is a casemgr.Store with its schema migrations.
type DB interface {
	casemgr.Store
	// Migrate brings the schema up to date. It is idempotent and safe when
	// several processes migrate one database at once.
	Migrate(ctx context.Context) error
}

var _ DB = (*sqlstore.Store)(nil)

// Open opens the database named by url, without migrating it:
//
//	sqlite://PATH                  a SQLite file; PATH is relative (sqlite://data/casemgr.db)
//	                               or absolute (sqlite:///var/lib/casemgr.db); its directory
//	                               is created when missing
//	postgres://... postgresql://...  a PostgreSQL connection URL as libpq/pgx read it;
//	                               pool_max_conns=N sizes the connection pool (default 10)
//	                               and, at half that (at least 2), the pool of reads of one
//	                               statement without a transaction (sqlstore, showing.go)
func Open(ctx context.Context, url string) (DB, error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return nil, errors.New("store: database URL has no scheme; want sqlite://PATH, postgres://URL or postgresql://URL")
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		return sqlstore.OpenSQLite(ctx, rest)
	case "postgres", "postgresql":
		return sqlstore.OpenPostgres(ctx, url)
	}
	// Name only the scheme: the rest may hold a password.
	return nil, fmt.Errorf("store: unsupported database URL scheme %q; want sqlite://PATH, postgres://URL or postgresql://URL", scheme)
}
