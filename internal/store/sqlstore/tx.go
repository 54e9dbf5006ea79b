package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/jackc/pgx/v5"
)

// tx is one transaction. It keeps the context of the Read or Write it
// belongs to and uses it for every query.
type tx struct {
	ctx context.Context
	// sqlTx is the transaction on SQLite. On PostgreSQL the transaction
	// runs on conn: begin is its BEGIN, sent with its first statement
	// (pipeline.go), and begun records that it was.
	sqlTx *sql.Tx
	// beginRead begins a read transaction on SQLite, at its first
	// statement (SQLite's deferred BEGIN takes its snapshot there all the
	// same): a read of one statement may run it alone (eachAlone).
	beginRead func() (*sql.Tx, error)
	conn      *sql.Conn
	// pool is the pool conn is taken from, at the first statement
	// (connect); genericDB, in a Read, the pool of generic reads
	// (showing.go).
	pool      *sql.DB
	genericDB *sql.DB
	begin     string
	begun     bool
	// generic records that the transaction runs its statements' generic
	// plans (plans.go).
	generic bool
	// pending are the statements deferred to the next batch
	// (pipeline.go).
	pending []pendingStmt
	d       *dialect
	write   bool
	// stmts holds the statements bound to this transaction (SQLite), so
	// a loop of inserts or updates binds its statement once; prepared is
	// the pool's cache they come from.
	stmts    map[string]*sql.Stmt
	prepared *stmtCache
	// cache is the Store's copy of the configuration (config.go); nil
	// reads the database. cfg is the copy this transaction uses, once
	// checked; configDirty records a change of the configuration.
	cache       *configCache
	cfg         *configSnap
	configDirty bool
	// version is the version of the configuration, when versionKnown:
	// read with the activities to show (SQLite).
	version      int64
	versionKnown bool
	// readActs are the activities this write transaction read, by ID, as
	// the rows hold them until it writes them (on PostgreSQL those it
	// locked), so that UpdateActivities sets only the columns that changed
	// (activities.go).
	readActs map[casemgr.ID]*readActivity
	// wroteEvents records that the transaction wrote events (events.go).
	wroteEvents bool
	// addedWebhook records that the transaction registered a webhook
	// (Store.WebhooksAdded).
	addedWebhook bool
	// authDirty records that a session was revoked: every process drops
	// the authentications it keeps (AuthEpoch).
	authDirty bool
	// statements counts the statements run (Stats.Statements), and
	// writeStatements, in a write transaction, again
	// (Stats.WriteStatements).
	statements, writeStatements *atomic.Uint64
	// roundTrips counts the exchanges with PostgreSQL (Stats.RoundTrips).
	roundTrips *atomic.Uint64
	// shown holds the customers read with activities
	// (ActivitiesToShow) until CustomersShowing takes them.
	shown *shownCustomers
	// ended records that a read transaction ended with its batch
	// (ActivitiesToShow): any further statement is errReadAgain.
	ended bool
	// sessions holds the sessions read with tokens in a read transaction
	// (nil: no such session).
	sessions map[string]*casemgr.Session
}

var _ casemgr.Tx = (*tx)(nil)

// errReadAgain is the error of a statement after a read transaction
// ended early: Store.Read runs the read again.
var errReadAgain = errors.New("read after the end of the read transaction: run again")

// ErrReadOnly is returned by a Tx method that writes, called within Read.
var ErrReadOnly = errors.New("write in a read-only transaction")

func (t *tx) wrap(op string, err error) error {
	if pf, ok := err.(*pendingFailed); ok {
		return pf.err // a deferred statement's error, wrapped already
	}
	return fmt.Errorf("%s: %s: %w", t.d.name, op, err)
}

// writable refuses a write in a Read, before the database would.
func (t *tx) writable(op string) error {
	if !t.write {
		return t.wrap(op, ErrReadOnly)
	}
	return nil
}

// stmt returns q prepared for this transaction on SQLite: from the pool's
// cache of prepared statements (stmts.go), or prepared in the transaction.
// On PostgreSQL it returns nil: pgx keeps its own cache of prepared
// statements per connection, and preparing here would cost a round trip for
// every statement run once.
func (t *tx) stmt(q string) (*sql.Stmt, error) {
	if t.d.driverCachesStatements {
		return nil, nil
	}
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	if t.sqlTx == nil && t.beginRead != nil {
		sqlTx, err := t.beginRead()
		if err != nil {
			return nil, fmt.Errorf("begin transaction: %w", err)
		}
		t.sqlTx, t.beginRead = sqlTx, nil
	}
	var st *sql.Stmt
	if cached := t.prepared.get(q); cached != nil {
		st = t.sqlTx.StmtContext(t.ctx, cached)
	} else {
		var err error
		if st, err = t.sqlTx.PrepareContext(t.ctx, q); err != nil {
			return nil, err
		}
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st // closed by database/sql when the transaction ends
	return st, nil
}

// execSQL runs a statement written with ? placeholders.
func (t *tx) execSQL(q string, args ...any) (sql.Result, error) {
	if t.readActs != nil && strings.Contains(q, "activities") && !strings.HasPrefix(q, changedActivityUpdate) {
		// A statement of its own on activities: what was read may no
		// longer be what is stored.
		t.readActs = nil
	}
	if t.ended {
		return nil, errReadAgain
	}
	q = t.d.sql(q)
	t.count()
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	if t.batchFirst(q) {
		return t.firstExec(q, args)
	}
	t.roundTrip()
	return t.on().ExecContext(t.ctx, q, args...)
}

// count counts a statement in the Store's statistics.
func (t *tx) count() {
	if t.statements != nil {
		t.statements.Add(1)
	}
	if t.writeStatements != nil {
		t.writeStatements.Add(1)
	}
}

// roundTrip counts an exchange with PostgreSQL: a statement, a batch (a
// BEGIN with the first statement), a COMMIT or ROLLBACK.
func (t *tx) roundTrip() {
	if t.roundTrips != nil {
		t.roundTrips.Add(1)
	}
}

// queryer runs statements: the SQLite transaction or the PostgreSQL
// connection.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pg reports whether the transaction runs on a PostgreSQL connection
// (conn, taken from pool at its first statement) rather than a
// database/sql Tx.
func (t *tx) pg() bool { return t.pool != nil }

func (t *tx) on() queryer {
	if t.sqlTx != nil {
		return t.sqlTx
	}
	return t.conn
}

// each runs a query written with ? placeholders and calls fn for every
// row.
func (t *tx) each(q string, args []any, fn func(scanner) error) error {
	if t.ended {
		return errReadAgain
	}
	q = t.d.sql(q)
	t.count()
	st, err := t.stmt(q)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	switch {
	case st != nil:
		rows, err = st.QueryContext(t.ctx, args...)
	case t.batchFirst(q):
		return t.firstEach(q, args, fn)
	default:
		t.roundTrip()
		rows, err = t.on().QueryContext(t.ctx, q, args...)
	}
	return eachRow(rows, err, fn)
}

// eachRow calls fn on every row of rows (the result of a query that
// failed with err, or not) and closes them.
func eachRow(rows *sql.Rows, err error, fn func(scanner) error) error {
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// alone reports whether a read may run its next statement alone, outside
// a transaction, and end there (SQLite: nothing ran in it yet, and it is
// not a read run again to be kept open).
func (t *tx) alone() bool {
	return t.sqlTx == nil && t.beginRead != nil && t.ctx.Value(keepOpenKey{}) == nil
}

// eachAlone runs a query of a read as a statement of its own on SQLite,
// outside a transaction: one snapshot for the statement, without the
// BEGIN and ROLLBACK of a transaction around it. The read has ended then:
// any later statement is errReadAgain, and Store.Read runs the read again
// in a transaction kept open.
func (t *tx) eachAlone(q string, args []any, fn func(scanner) error) error {
	t.count()
	t.beginRead, t.ended = nil, true
	var rows *sql.Rows
	var err error
	if st := t.prepared.get(q); st != nil {
		rows, err = st.QueryContext(t.ctx, args...)
	} else {
		rows, err = t.prepared.pool.QueryContext(t.ctx, q, args...)
	}
	return eachRow(rows, err, fn)
}

// eachNative is each, but on a PostgreSQL transaction under way it reads
// the rows with pgx itself rather than through database/sql, which turns
// every column into an interface value before scanning it (the first
// statement of a transaction is read so already: firstEach).
func (t *tx) eachNative(q string, args []any, fn func(scanner) error) error {
	if !t.pg() || t.sqlTx != nil || t.batchFirst(t.d.sql(q)) {
		return t.each(q, args, fn)
	}
	q = t.d.sql(q)
	t.count()
	t.roundTrip()
	return t.pgx(func(c *pgx.Conn) error {
		rows, err := c.Query(t.ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// queryRow runs a query of one row written with ? placeholders and scans it.
func (t *tx) queryRow(q string, args []any, dest ...any) error {
	if t.ended {
		return errReadAgain
	}
	q = t.d.sql(q)
	t.count()
	st, err := t.stmt(q)
	if err != nil {
		return err
	}
	if st != nil {
		return st.QueryRowContext(t.ctx, args...).Scan(dest...)
	}
	if t.batchFirst(q) {
		return t.firstRow(q, args, dest)
	}
	t.roundTrip()
	return t.on().QueryRowContext(t.ctx, q, args...).Scan(dest...)
}

func (t *tx) exec(op, q string, args ...any) (sql.Result, error) {
	if strings.HasPrefix(q, deferredEventsInsert) && len(t.pending) > 0 {
		t.deferExec(op, q, nil, args...)
		return deferredResult{}, nil
	}
	r, err := t.execSQL(q, args...)
	if err != nil {
		return nil, t.wrap(op, err)
	}
	return r, nil
}

// scanner is a *sql.Rows, a *sql.Row or a pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryList runs a query and scans every row.
func queryList[T any](t *tx, op string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	var out []T
	if err := t.each(q, args, func(r scanner) error {
		v, err := scan(r)
		if err == nil {
			out = append(out, v)
		}
		return err
	}); err != nil {
		return nil, t.wrap(op, err)
	}
	return out, nil
}

// queryOne runs a query of at most one row; nil when there is none.
func queryOne[T any](t *tx, op string, scan func(scanner) (T, error), q string, args ...any) (*T, error) {
	list, err := queryList(t, op, scan, q, args...)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// table describes an entity table keyed by id, and the statements built from
// its columns, once.
type table struct {
	name   string
	cols   []string // without id
	all    string   // "id, c1, c2, ..." for SELECT
	insert string   // with a given id
	insNew string   // without id, returning the assigned one
	update string   // every column, by id
}

func newTable(name string, cols ...string) *table {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = c + " = ?"
	}
	list := strings.Join(cols, ", ")
	return &table{
		name:   name,
		cols:   cols,
		all:    "id, " + list,
		insert: "INSERT INTO " + name + " (id, " + list + ") VALUES (?, " + marks + ")",
		insNew: "INSERT INTO " + name + " (" + list + ") VALUES (" + marks + ") RETURNING id",
		update: "UPDATE " + name + " SET " + strings.Join(sets, ", ") + " WHERE id = ?",
	}
}

// insertRow inserts a row of tb. A zero *id asks the database for a new ID,
// which is stored into *id; any other is kept as given.
func (t *tx) insertRow(op string, tb *table, id *int64, vals ...any) error {
	if len(vals) != len(tb.cols) {
		return t.wrap(op, fmt.Errorf("%d values for %d columns of %s", len(vals), len(tb.cols), tb.name))
	}
	if *id == 0 {
		if err := t.queryRow(tb.insNew, vals, id); err != nil {
			return t.wrap(op, err)
		}
		return nil
	}
	_, err := t.exec(op, tb.insert, append([]any{*id}, vals...)...)
	return err
}

// updateRow writes every column of the row of tb with the given id, which
// must exist.
func (t *tx) updateRow(op string, tb *table, id int64, vals ...any) error {
	r, err := t.exec(op, tb.update, append(vals, id)...)
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil {
		return t.wrap(op, err)
	} else if n != 1 {
		return t.wrap(op, fmt.Errorf("%s %d does not exist", strings.TrimSuffix(tb.name, "s"), id))
	}
	return nil
}

// byIDs is the query of the rows of tb with the given IDs, in ID order,
// locked when lock is true and the engine has row locks.
func (t *tx) byIDs(tb *table, lock bool) string { return t.d.byIDs(tb, lock && t.write) }

// byIDs is the query of the rows of tb with the given IDs, in ID order,
// locked when lock is true and the engine has row locks.
func (d *dialect) byIDs(tb *table, lock bool) string {
	return "SELECT " + tb.all + " FROM " + tb.name + " WHERE " + d.in("id") + " ORDER BY id" + d.forUpdate(lock)
}
