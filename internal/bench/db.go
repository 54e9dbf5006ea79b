package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, as the store uses it
	_ "modernc.org/sqlite"             // the "sqlite" driver, as the store uses it
)

// Engines.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is a direct handle on the database of a casemgr URL, through the same
// drivers and settings as the store: the bulk loader and the raw
// transactions use it, without the store, the rules or HTTP.
type DB struct {
	Engine string
	// Write runs writes. On SQLite it has one connection whose
	// transactions BEGIN IMMEDIATE, as the store's writer: writers queue
	// in-process rather than retrying on SQLITE_BUSY.
	Write *sql.DB
	// Read runs reads; on PostgreSQL it is Write.
	Read *sql.DB
}

// OpenDB opens the database of a casemgr URL (sqlite://PATH or
// postgres://...). conns sizes the PostgreSQL pool and the SQLite reader
// pool.
func OpenDB(ctx context.Context, dbURL string, conns int) (*DB, error) {
	scheme, rest, ok := strings.Cut(dbURL, "://")
	if !ok {
		return nil, errors.New("database URL has no scheme; want sqlite://PATH or postgres://URL")
	}
	conns = max(conns, 1)
	switch strings.ToLower(scheme) {
	case "sqlite":
		path, extra, _ := strings.Cut(rest, "?")
		q, err := url.ParseQuery(extra)
		if err != nil {
			return nil, fmt.Errorf("sqlite URL parameters: %w", err)
		}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		wq := url.Values{}
		for k, v := range q {
			wq[k] = append([]string(nil), v...)
		}
		wq.Add("_pragma", "journal_mode(WAL)")
		wq.Set("_txlock", "immediate")
		w, err := sql.Open("sqlite", path+"?"+wq.Encode())
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		if err := w.PingContext(ctx); err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		q.Add("_pragma", "query_only(1)")
		r, err := sql.Open("sqlite", path+"?"+q.Encode())
		if err != nil {
			_ = w.Close()
			return nil, err
		}
		r.SetMaxOpenConns(conns)
		r.SetMaxIdleConns(conns)
		return &DB{Engine: SQLite, Write: w, Read: r}, nil
	case "postgres", "postgresql":
		u, err := url.Parse(dbURL)
		if err != nil {
			return nil, fmt.Errorf("postgres URL: %w", err)
		}
		q := u.Query()
		q.Del("pool_max_conns") // the store's own parameter, not the server's
		u.RawQuery = q.Encode()
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("postgres: connect: %w", err)
		}
		return &DB{Engine: Postgres, Write: db, Read: db}, nil
	}
	return nil, fmt.Errorf("unsupported database URL scheme %q", scheme)
}

// Close closes the handles.
func (d *DB) Close() error {
	err := d.Write.Close()
	if d.Read != d.Write {
		err = errors.Join(err, d.Read.Close())
	}
	return err
}

// pg reports whether the engine is PostgreSQL.
func (d *DB) pg() bool { return d.Engine == Postgres }

// historyMark is the number of the newest history entry (0: none).
func (d *DB) historyMark(ctx context.Context) (int64, error) {
	var seq int64
	err := d.Read.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM history`).Scan(&seq)
	return seq, err
}

// historyWritten measures the history entries numbered above mark, as the
// database holds them: the bytes of their rows (each text column's bytes
// as stored, 8 for each of the three numbers; the engine's row header and
// the index entries are not counted) and the number of activity entries,
// one per changed activity.
func (d *DB) historyWritten(ctx context.Context, mark int64) (bytes, activities int64, err error) {
	size := func(col string) string { return "length(CAST(" + col + " AS BLOB))" }
	if d.pg() {
		size = func(col string) string { return "octet_length(" + col + ")" }
	}
	row := size("entity") + " + " + size("action") + " + " + size("actor") + " + " + size("before_json") + " + " + size("after_json") + " + 24"
	err = d.Read.QueryRowContext(ctx, d.sql(`SELECT coalesce(sum(`+row+`), 0), coalesce(sum(CASE WHEN entity = 'activity' THEN 1 ELSE 0 END), 0)
		FROM history WHERE seq > ?`), mark).Scan(&bytes, &activities)
	return bytes, activities, err
}
