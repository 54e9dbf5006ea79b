// Package sqlstore is the one SQL implementation of casemgr.Store, over
// database/sql, for SQLite (modernc.org/sqlite, pure Go) and PostgreSQL
// (pgx). The queries are written once; a small dialect covers placeholders,
// row locks, list parameters and retryable errors.
//
// Conventions of the stored data: times are integer milliseconds since the
// Unix epoch and read back in UTC; a missing reference is 0; lists and maps
// are JSON text, and empty ones read back as nil.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"           // registers the "sqlite" driver
)

// Store is a casemgr.Store on SQLite or PostgreSQL.
type Store struct {
	d *dialect
	// closeOnce runs Close's work once; closeErr is what it returned.
	closeOnce sync.Once
	closeErr  error
	// writer runs Write. On SQLite it has a single connection whose
	// transactions BEGIN IMMEDIATE: writers queue in-process instead of
	// failing with SQLITE_BUSY and retrying.
	writer *sql.DB
	// reader runs Read. On SQLite it is a pool of query-only connections
	// that read in parallel with the writer (WAL); on PostgreSQL it is the
	// writer's pool.
	reader *sql.DB
	// generic is, on PostgreSQL, the pool of the reads of one statement
	// run without a transaction (readEnding, showing.go): its sessions
	// run every statement's generic plan and are read-only. Nil on
	// SQLite.
	generic *sql.DB
	// config is the copy of the configuration (config.go).
	config *configCache
	// stmts are the statements prepared on each SQLite pool (stmts.go).
	stmts map[*sql.DB]*stmtCache
	// writeRetries counts the Write transactions run again (Stats).
	writeRetries atomic.Uint64
	// events is the Store's part of the change feed (events.go).
	events eventFeed
	// statements counts the statements run in transactions, and
	// writeStatements those run in write transactions (Stats).
	statements, writeStatements atomic.Uint64
	// roundTrips counts the exchanges with PostgreSQL (Stats).
	roundTrips atomic.Uint64
	// readsAgain counts the Reads run again (Stats).
	readsAgain atomic.Uint64
	// group runs the Writes with group commit (groupcommit.go); nil
	// when it is off.
	group *groupCommitter
	// groups counts the transactions of group commit (Stats).
	groups atomic.Uint64
	// webhooksAdded counts the committed transactions that registered a
	// webhook (WebhooksAdded).
	webhooksAdded atomic.Uint64
	// ckpt checkpoints the write-ahead log off the writer's commits
	// (SQLite; checkpoint.go).
	ckpt *checkpointer
}

// Stats are counters of a Store since it was opened, read by the metrics
// endpoint.
type Stats struct {
	// WriteRetries counts the write transactions run again after a
	// serialization failure or a deadlock (PostgreSQL).
	WriteRetries uint64
	// ConfigHits counts the transactions served the in-memory copy of the
	// configuration; ConfigMisses those that read it from the database
	// into a new copy; ConfigInvalidations the times the copy was found or
	// made stale by a configuration change (config.go).
	ConfigHits, ConfigMisses, ConfigInvalidations uint64
	// Statements counts the SQL statements run in Read and Write
	// transactions (not BEGIN and COMMIT): what tests count to check that a
	// request reads a fixed number of times.
	Statements uint64
	// WriteStatements counts those of Statements run in Write
	// transactions: on SQLite, what holds back every other writer.
	WriteStatements uint64
	// RoundTrips counts, on PostgreSQL, the exchanges with the server of
	// Read and Write transactions: a statement, a batch (BEGIN with the
	// first statement, or several statements), a COMMIT or ROLLBACK. Zero
	// on SQLite, which runs in the process.
	RoundTrips uint64
	// ReadsAgain counts the Reads run a second time because they read on
	// after ending their transaction early (Store.Read).
	ReadsAgain uint64
	// GroupCommits counts the transactions that group commit ran (each
	// of one or more Writes).
	GroupCommits uint64
	// OwnEventNotices counts, on PostgreSQL, the notifications of
	// committed events this store heard from itself and did not act on:
	// its readers were woken when it committed.
	OwnEventNotices uint64
	// Checkpoints counts, on SQLite, the checkpoints of the write-ahead
	// log the Store's checkpointer ran (checkpoint.go); WriterCheckpoints
	// those of them run on the writer's connection, between two
	// transactions, to start the log again, which held the writes for
	// WriterCheckpointTime in all.
	Checkpoints, WriterCheckpoints uint64
	WriterCheckpointTime           time.Duration
}

// Stats returns the Store's counters.
func (s *Store) Stats() Stats {
	st := Stats{
		WriteRetries:        s.writeRetries.Load(),
		ConfigHits:          s.config.hits.Load(),
		ConfigMisses:        s.config.misses.Load(),
		ConfigInvalidations: s.config.invalidations.Load(),
		Statements:          s.statements.Load(),
		WriteStatements:     s.writeStatements.Load(),
		RoundTrips:          s.roundTrips.Load(),
		ReadsAgain:          s.readsAgain.Load(),
		GroupCommits:        s.groups.Load(),
		OwnEventNotices:     s.config.ownEvents.Load(),
	}
	if c := s.ckpt; c != nil {
		st.Checkpoints = c.passive.Load() + c.onWriter.Load()
		st.WriterCheckpoints = c.onWriter.Load()
		st.WriterCheckpointTime = time.Duration(c.onWriterNs.Load())
	}
	return st
}

// Pools returns the Store's connection pools by role, for their
// statistics: "writer" and "reader" on SQLite; "pool" on PostgreSQL, where
// both roles share one, and "generic", the reads of one statement
// (readEnding, showing.go).
func (s *Store) Pools() map[string]*sql.DB {
	if s.reader == s.writer {
		return map[string]*sql.DB{"pool": s.writer, "generic": s.generic}
	}
	return map[string]*sql.DB{"writer": s.writer, "reader": s.reader}
}

var _ casemgr.Store = (*Store)(nil)

// sqliteBusyTimeout is how long a SQLite connection waits for a lock held by
// another process before giving up.
const sqliteBusyTimeout = 10 * time.Second

// pingSQLite opens the first connection. Switching a new file to WAL while
// another process migrates it can answer SQLITE_BUSY at once (SQLite does
// not wait where waiting could deadlock), so a busy open is tried again
// until the busy timeout: two servers started at once on a new file both
// come up.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(20+rand.IntN(30)) * time.Millisecond):
		}
	}
}

// writerCacheKiB is the size of the page cache of SQLite's writer, in
// KiB (PRAGMA cache_size with a negative value): 32 MiB. At 10M
// activities it took transfer-75 from about 60 to about 100 requests/s
// for 50 MB more of the server's memory (docs/performance.md, "Every
// operation at 10M"); 16 MiB gained half of that, 64 MiB no more.
const writerCacheKiB = 32 << 10

// OpenSQLite opens (creating if needed) the SQLite database at path. The path
// may carry extra modernc.org/sqlite DSN parameters after a '?'. The parent
// directory is created when missing. The schema is not migrated.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	path, extra, _ := strings.Cut(path, "?")
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		// The reader and writer pools would each see their own database.
		return nil, errors.New("sqlite: in-memory databases are not supported; use a file (for example under a temporary directory)")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: create directory of database: %w", err)
		}
	}
	extraQ, err := url.ParseQuery(extra)
	if err != nil {
		return nil, fmt.Errorf("sqlite: parameters of database URL: %w", err)
	}
	// common are the parameters of every connection, then pragmas, then
	// the URL's own parameters, which may override them.
	common := func(pragmas ...string) url.Values {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10)+")")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		for _, p := range pragmas {
			q.Add("_pragma", p)
		}
		for k, vs := range extraQ {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		return q
	}
	// No checkpoint inside the writer's commits: the Store's checkpointer
	// runs them on its own connection (checkpoint.go). A URL with
	// _pragma=wal_autocheckpoint(1000) has SQLite's automatic checkpoint
	// back (the checkpointer runs as well; the driver runs the pragmas in
	// lexicographic order, so the URL's comes after this one in any case).
	wq := common("wal_autocheckpoint(0)")
	wq.Add("_pragma", "journal_mode(WAL)")
	// The sub-journal (the pages a savepoint or a statement may have to
	// roll back) in memory: with group commit every Write runs in a
	// savepoint, and a transaction's sub-journal past 64 KiB would be
	// written to a temporary file, a pwrite per page.
	wq.Add("_pragma", "temp_store(MEMORY)")
	// The writer's page cache holds writerCacheKiB, the readers
	// keep SQLite's 2 MB: a move of 75 activities in a large database
	// dirties a page for each activity and each of its index entries,
	// which in 2 MB were read in again and spilled to the log before the
	// commit.
	wq.Add("_pragma", "cache_size(-"+strconv.Itoa(writerCacheKiB)+")")
	wq.Set("_txlock", "immediate")
	rq := common()
	rq.Add("_pragma", "query_only(1)")

	writer, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// Connect the writer first: it switches the file to WAL before any
	// reader opens it.
	if err := pingSQLite(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	// The checkpointer's connection: neither query-only (a checkpoint
	// writes the database) nor the writer's.
	ckptDB, err := sql.Open("sqlite", path+"?"+common().Encode())
	if err != nil {
		_ = writer.Close()
		_ = reader.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	ckptDB.SetMaxOpenConns(1)
	ckptDB.SetMaxIdleConns(1)
	ckptDB.SetConnMaxLifetime(0)
	ckptDB.SetConnMaxIdleTime(0)
	return &Store{d: sqliteDialect, writer: writer, reader: reader, config: &configCache{},
		stmts: map[*sql.DB]*stmtCache{writer: newStmtCache(writer), reader: newStmtCache(reader)},
		ckpt:  newCheckpointer(ckptDB, writer)}, nil
}

// defaultPostgresConns is the pool size of one server process; several
// processes share one database, so it stays well below max_connections.
const defaultPostgresConns = 10

// genericConns is the size of the pool of generic reads for a pool of n
// connections: half of it, at least two. Its connections are held for
// one statement's round trip, not for a transaction, and a Read that
// runs there takes no connection of the main pool. A process holds at
// most n + genericConns(n) + 2 connections (the configuration's load
// and listening connections): 17 by default.
func genericConns(n int) int { return max(2, (n+1)/2) }

// OpenPostgres connects to PostgreSQL. dsn is a postgres:// URL as pgx reads
// it; unknown parameters are sent as run-time parameters (search_path=...).
// The parameter pool_max_conns, read here and not sent, sizes the pool
// (default 10) and the pool of generic reads (genericConns: half). The
// schema is not migrated.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	conns := defaultPostgresConns
	if u, err := url.Parse(dsn); err == nil {
		q := u.Query()
		if v := q.Get("pool_max_conns"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("postgres: pool_max_conns %q is not a positive integer", v)
			}
			conns = n
			q.Del("pool_max_conns")
			u.RawQuery = q.Encode()
			dsn = u.String()
		}
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	// The configuration copy is read on a connection of its own and kept
	// fresh by a listening connection (config.go).
	loadDB, err := sql.Open("pgx", dsn)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	loadDB.SetMaxOpenConns(1)
	loadDB.SetMaxIdleConns(1)
	loadDB.SetConnMaxIdleTime(5 * time.Minute)
	listenCtx, stop := context.WithCancel(context.Background())
	cache := &configCache{loadDB: loadDB, stop: stop, done: make(chan struct{}), self: storeName()}
	generic, err := openGenericPool(dsn, genericConns(conns))
	if err != nil {
		_ = db.Close()
		_ = loadDB.Close()
		return nil, err
	}
	st := &Store{d: postgresDialect, writer: db, reader: db, generic: generic, config: cache}
	cache.onEvents = st.events.eventsCommitted
	go cache.listen(listenCtx, dsn)
	return st, nil
}

// openGenericPool opens the pool of generic reads (readEnding,
// showing.go) on dsn: of at most n connections, whose sessions run the
// generic plan of every prepared statement (plan_cache_mode) and refuse
// to write (default_transaction_read_only).
func openGenericPool(dsn string, n int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// Engine names the engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name }

// OneWriter reports whether write transactions run one at a time (SQLite):
// casemgr.OneWriter.
func (s *Store) OneWriter() bool { return s.reader != s.writer }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", s.d.name, err)
	}
	if s.reader != s.writer {
		if err := s.reader.PingContext(ctx); err != nil {
			return fmt.Errorf("%s: ping: %w", s.d.name, err)
		}
	}
	return nil
}

// Close releases the database. Closing again returns what the first Close
// returned and changes nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	if s.group != nil {
		s.group.close()
	}
	err := s.config.close()
	if s.ckpt != nil {
		err = errors.Join(err, s.ckpt.close())
	}
	for _, c := range s.stmts {
		c.close()
	}
	err = errors.Join(err, s.writer.Close())
	if s.generic != nil {
		err = errors.Join(err, s.generic.Close())
	}
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// beforeCommit records, in t, the changes of t that other transactions
// and processes learn of by the database.
func (t *tx) beforeCommit() error {
	if t.configDirty {
		return t.markConfigVersion()
	}
	if t.authDirty {
		return t.markAuthChange()
	}
	return nil
}

// afterCommit drops what the process keeps of what t changed.
func (s *Store) afterCommit(t *tx) {
	if s.ckpt != nil {
		s.ckpt.committed()
	}
	if t.configDirty {
		s.config.invalidate()
	}
	if t.authDirty {
		s.config.authGen.Add(1)
	}
	if t.addedWebhook {
		s.webhooksAdded.Add(1)
	}
}

// WebhooksAdded counts the transactions of this Store that registered a
// webhook and committed. The deliveries (internal/webhook) skip the round
// a commit would wake while they know of no webhook and this number has
// not changed.
func (s *Store) WebhooksAdded() uint64 { return s.webhooksAdded.Load() }

// AuthEpoch returns a number that changes whenever a session is revoked or
// the configuration (users, their permissions, client applications)
// changes, in this process at once and, on PostgreSQL, in every process
// that shares the database as soon as its notification arrives; ok is
// false while such changes by other processes cannot be heard of (the
// listening connection is down). The authentication cache (internal/auth)
// drops what it keeps when the number changes. SQLite has no
// notifications: changes by other processes on one file are seen only by
// the cache's age bound.
func (s *Store) AuthEpoch() (epoch uint64, ok bool) {
	c := s.config
	epoch = c.gen.Load() + c.authGen.Load()
	if s.d.listenNotify {
		return epoch, c.listening.Load()
	}
	return epoch, true
}

// Read runs fn in a read-only transaction. On PostgreSQL it is REPEATABLE
// READ, so every query of fn sees one snapshot (as SQLite's read
// transactions do).
//
// A Read whose fn said it would read nothing more (ActivitiesToShow
// with last set) may end with that batch; should fn read anything more all
// the same, it is run again from the start, in a transaction kept open to
// the end (Stats.ReadsAgain).
func (s *Store) Read(ctx context.Context, fn func(casemgr.Tx) error) error {
	// On PostgreSQL the options are pgBegin's.
	err := s.run(ctx, s.reader, &sql.TxOptions{ReadOnly: true}, false, fn)
	if errors.Is(err, errReadAgain) {
		s.readsAgain.Add(1)
		err = s.run(context.WithValue(ctx, keepOpenKey{}, true), s.reader, &sql.TxOptions{ReadOnly: true}, false, fn)
	}
	return err
}

// keepOpenKey marks the context of a Read run again: its transaction is not
// ended early.
type keepOpenKey struct{}

// maxWriteAttempts bounds the transparent retries of a Write that lost a race
// (PostgreSQL serialization failure or deadlock).
const maxWriteAttempts = 5

// Write runs fn in a read-write transaction (PostgreSQL: READ COMMITTED with
// row locks taken by forUpdate reads; SQLite: one immediate write transaction
// at a time). Nothing fn wrote is kept when it returns an error or panics;
// the panic goes on after the rollback. On PostgreSQL a transaction that
// failed with a serialization failure or a deadlock is run again, so fn must
// be safe to run more than once. fn must not call Write itself: on SQLite the
// one writer connection is taken, and the inner Write would wait for it
// until ctx ends.
func (s *Store) Write(ctx context.Context, fn func(casemgr.Tx) error) error {
	if s.group != nil {
		return s.group.write(ctx, fn)
	}
	opts := &sql.TxOptions{} // on PostgreSQL, pgBegin's
	for attempt := 1; ; attempt++ {
		err := s.run(ctx, s.writer, opts, true, fn)
		if err == nil || attempt == maxWriteAttempts || !s.d.retryable(err) {
			return err
		}
		// Back off a little, at random, so the racing transactions
		// don't meet again at once.
		wait := time.Duration(attempt) * time.Duration(5+rand.IntN(20)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		s.writeRetries.Add(1)
	}
}

// run runs fn in one transaction of db and commits it when fn succeeds in a
// write transaction. On PostgreSQL the transaction runs on a connection of
// the pool and begins with its first statement (pipeline.go).
func (s *Store) run(ctx context.Context, db *sql.DB, opts *sql.TxOptions, write bool, fn func(casemgr.Tx) error) error {
	t := &tx{ctx: ctx, d: s.d, write: write, cache: s.config, prepared: s.stmts[db], statements: &s.statements}
	if write {
		t.writeStatements = &s.writeStatements
	}
	if s.d.lazyBegin {
		// The connection is taken at the first statement (connect),
		// if any: a read of one statement on the pool of generic reads
		// takes none.
		t.roundTrips = &s.roundTrips
		t.pool, t.begin = db, pgBegin(write)
		if !write {
			t.genericDB = s.generic
		}
		defer func() {
			if t.conn != nil {
				_ = t.conn.Close()
			}
		}()
	} else if !write {
		// Begun at its first statement, if any (tx.stmt).
		t.beginRead = func() (*sql.Tx, error) { return db.BeginTx(ctx, opts) }
	} else {
		sqlTx, err := db.BeginTx(ctx, opts)
		if err != nil {
			return fmt.Errorf("%s: begin transaction: %w", s.d.name, err)
		}
		t.sqlTx = sqlTx
	}
	rollback := func() error {
		if t.sqlTx != nil {
			return t.sqlTx.Rollback()
		}
		return t.end(false)
	}
	finished := false
	// The deferred rollback also runs while a panic of fn unwinds, which
	// then goes on: the transaction never outlives fn. Statements first
	// prepared in it are then prepared on the pool, whose connection is
	// free again.
	defer func() {
		if !finished {
			_ = rollback()
		}
		if t.prepared != nil {
			t.prepared.preparePending(ctx)
		}
	}()
	if err := fn(t); err != nil {
		if pf, ok := err.(*pendingFailed); ok {
			return pf.err // a deferred statement's, as it would have been at once
		}
		return err // fn's own error, unwrapped: it may carry a casemgr code
	}
	if err := t.beforeCommit(); err != nil {
		return err
	}
	finished = true
	if !write {
		// Nothing to keep; rolling back ends a read transaction cheaply.
		if err := rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			return fmt.Errorf("%s: end read transaction: %w", s.d.name, err)
		}
		return nil
	}
	var err error
	if t.sqlTx != nil {
		err = t.sqlTx.Commit()
	} else {
		err = t.end(true)
	}
	if pf, ok := err.(*pendingFailed); ok {
		// A statement deferred to the COMMIT failed: the COMMIT did
		// not run. The transaction is rolled back, and the statement's
		// error returned as it would have been at once.
		finished = false
		return pf.err
	}
	if err != nil {
		// Whether it committed is unknown: assume it did.
		s.afterCommit(t)
		return fmt.Errorf("%s: commit: %w", s.d.name, err)
	}
	s.afterCommit(t)
	if t.wroteEvents {
		s.committedEvents()
	}
	return nil
}
