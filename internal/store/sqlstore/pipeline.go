package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL every statement costs a network round trip, and a
// transaction two more: BEGIN and COMMIT (or ROLLBACK). A transaction of
// the store runs on a pool connection (database/sql's Conn) instead of a
// database/sql Tx, so that its BEGIN travels with its first statement in
// one pipelined batch: one round trip fewer per transaction, a quarter to a
// third of a typical request's. The connection is taken from the pool at
// the first statement (connect): a transaction that runs no statement at
// all (everything it read came from the configuration copy) costs none,
// and a read of one statement on the pool of generic reads (showing.go)
// takes no connection of this pool.
//
// database/sql is not told about the transaction; should COMMIT or ROLLBACK
// not be sent (a cancelled context), pgx's stdlib driver refuses to hand
// out a connection still inside a transaction (ResetSession), so it is
// closed rather than reused.

// pgBegin is the BEGIN of a Read (REPEATABLE READ: one snapshot for every
// statement, as SQLite's read transactions have) or of a Write (READ
// COMMITTED with row locks taken by forUpdate reads).
func pgBegin(write bool) string {
	if write {
		return "begin isolation level read committed"
	}
	return "begin isolation level repeatable read read only"
}

// pgx returns the connection's pgx connection to fn, after sending the
// statements deferred so far (flush).
func (t *tx) pgx(fn func(c *pgx.Conn) error) error {
	return t.rawPgx(func(c *pgx.Conn) error {
		if err := t.flushOn(c); err != nil {
			return err
		}
		return fn(c)
	})
}

// connect takes the transaction's connection from its pool, at its first
// statement (PostgreSQL).
func (t *tx) connect() error {
	if t.conn != nil {
		return nil
	}
	conn, err := t.pool.Conn(t.ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t.conn = conn
	return nil
}

// rawPgx returns the connection's pgx connection to fn.
func (t *tx) rawPgx(fn func(c *pgx.Conn) error) error {
	if err := t.connect(); err != nil {
		return err
	}
	return onPgx(t.conn, fn)
}

// onPgx returns conn's pgx connection to fn.
func onPgx(conn *sql.Conn, fn func(c *pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return fn(sc.Conn())
	})
}

// Deferred statements. The last statements of a write transaction — the
// UPDATE of the activities it locked, the INSERTs of their history and
// events — return nothing the operation goes on with. They are not sent
// at once but kept (defer), and sent together, in one batch with the
// COMMIT or with whatever statement comes next (first). A pick of 75
// activities so sends its UPDATE, history, events and COMMIT in one round
// trip rather than four.
//
// A batch is one pipeline that ends with one Sync: when a statement of it
// fails, PostgreSQL skips the rest, the COMMIT with them, and the
// transaction is rolled back. The error a deferred statement meets is the
// one it would have returned at once (wrapped with its operation's name),
// and the transaction ends with it as it would have. Only what cannot fail
// once the statement succeeds is deferred with the COMMIT: the UPDATE of
// activities only when every row it writes is locked by the transaction
// (an UPDATE of rows not read checks that each exists, at once), so that
// it writes every row it names.

// pendingStmt is a deferred statement: read reads its results from the
// batch and returns its error, wrapped as the statement would have
// returned it at once.
type pendingStmt struct {
	sql  string
	args []any
	read func(br pgx.BatchResults) error
}

// canDefer reports whether a statement may be deferred: in a write
// transaction begun on PostgreSQL.
func (t *tx) canDefer() bool { return t.write && t.pg() && t.begun }

// deferExec defers a statement written with ? placeholders whose only
// result is its count of rows, which check checks (nil: none); its error
// is wrapped with op.
func (t *tx) deferExec(op, q string, check func(n int64) error, args ...any) {
	q = t.d.sql(q)
	t.count()
	t.pending = append(t.pending, pendingStmt{sql: q, args: args, read: func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err != nil {
			return t.wrap(op, err)
		}
		if check != nil {
			return check(tag.RowsAffected())
		}
		return nil
	}})
}

// deferQuery defers a query written with ? placeholders, whose rows fn
// reads when it has run, and done then (fn's and the statement's errors
// are wrapped with op; done's are returned as they are).
func (t *tx) deferQuery(op, q string, fn func(scanner) error, done func() error, args ...any) {
	q = t.d.sql(q)
	t.count()
	t.pending = append(t.pending, pendingStmt{sql: q, args: args, read: func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return t.wrap(op, err)
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return t.wrap(op, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.wrap(op, err)
		}
		return done()
	}})
}

// flushOn sends the deferred statements, if any, on c in one batch and
// reads their results in turn.
func (t *tx) flushOn(c *pgx.Conn) error {
	if len(t.pending) == 0 {
		return nil
	}
	list := t.pending
	t.pending = nil
	b := &pgx.Batch{}
	for _, p := range list {
		b.Queue(p.sql, p.args...)
	}
	t.roundTrip()
	br := c.SendBatch(t.ctx, b)
	err := readPending(br, list)
	if cerr := br.Close(); err == nil {
		err = cerr
	} else {
		// The deferred statement's own error, which the statement
		// that sent it returns as it is (wrap).
		err = &pendingFailed{err}
	}
	return err
}

// readPending reads the results of the deferred statements of a batch, up
// to the first error.
func readPending(br pgx.BatchResults, list []pendingStmt) error {
	for _, p := range list {
		if err := p.read(br); err != nil {
			return err
		}
	}
	return nil
}

// deferredEventsInsert begins the INSERTs of events (AppendHistory's),
// which exec defers after a deferred statement (their history's): their
// result is never read. Their IDs are then drawn in the batch of the
// COMMIT; the feed's bound (events.go) waits for them as for any.
const deferredEventsInsert = "INSERT INTO events "

// deferredResult is the sql.Result of a deferred statement: not known
// when the statement is deferred.
type deferredResult struct{}

func (deferredResult) LastInsertId() (int64, error) {
	return 0, errors.New("LastInsertId is not supported by PostgreSQL")
}
func (deferredResult) RowsAffected() (int64, error) {
	return 0, errors.New("the statement is deferred: its count of rows is not known yet")
}

// pendingFailed is the error of a deferred statement: returned by the
// statement that sent it (wrap does not wrap it again), or by end when it
// went with the COMMIT, which then did not run and the transaction is
// still to be rolled back.
type pendingFailed struct{ err error }

func (e *pendingFailed) Error() string { return e.err.Error() }
func (e *pendingFailed) Unwrap() error { return e.err }

// first sends q in one batch after what must go before it: the
// transaction's BEGIN when it has not begun (with, in a write transaction
// whose first statement's generic plan is checked, the SET LOCAL of
// generic plans: plans.go), the deferred statements, and the return to the
// default plans before a statement not checked that follows generic ones;
// use reads q's results.
func (t *tx) first(q string, args []any, use func(br pgx.BatchResults) error) error {
	return t.rawPgx(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		begin := !t.begun
		set := ""
		if begin {
			b.Queue(t.begin)
			if t.write && t.d.genericPlanned(q) {
				set = genericPlans
			}
		} else if t.generic && !t.d.genericPlanned(q) {
			set = defaultPlans
		}
		list := t.pending
		t.pending = nil
		for _, p := range list {
			b.Queue(p.sql, p.args...)
		}
		if set != "" {
			b.Queue(set)
		}
		b.Queue(q, args...)
		t.roundTrip()
		br := c.SendBatch(t.ctx, b)
		if begin {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("begin transaction: %w", err)
			}
			t.begun = true
		}
		if err := readPending(br, list); err != nil {
			_ = br.Close()
			return &pendingFailed{err}
		}
		if set != "" {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("plan cache mode: %w", err)
			}
			t.generic = set == genericPlans
		}
		err := use(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// batchFirst reports whether q goes through first: on PostgreSQL, before
// the transaction has begun, after deferred statements, or when the
// transaction's plans are to go back to the default for it.
func (t *tx) batchFirst(q string) bool {
	return t.pg() && (!t.begun || len(t.pending) > 0 || (t.generic && !t.d.genericPlanned(q)))
}

// pgResult is the sql.Result of a pipelined statement.
type pgResult int64

func (r pgResult) LastInsertId() (int64, error) {
	return 0, errors.New("LastInsertId is not supported by PostgreSQL")
}
func (r pgResult) RowsAffected() (int64, error) { return int64(r), nil }

// firstExec runs the first statement, an Exec.
func (t *tx) firstExec(q string, args []any) (sql.Result, error) {
	var res sql.Result
	err := t.first(q, args, func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		res = pgResult(tag.RowsAffected())
		return err
	})
	return res, err
}

// firstEach runs the first statement, a query, and calls fn for every row.
func (t *tx) firstEach(q string, args []any, fn func(scanner) error) error {
	return t.first(q, args, func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close() // pgx.Rows.Close returns nothing; rows.Err reports
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// firstRow runs the first statement, a query of one row, and scans it.
func (t *tx) firstRow(q string, args []any, dest []any) error {
	return t.first(q, args, func(br pgx.BatchResults) error {
		err := br.QueryRow().Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return sql.ErrNoRows
		}
		return err
	})
}

// errCommitRolledBack reports a COMMIT that PostgreSQL answered with
// ROLLBACK: a statement of the transaction had failed.
var errCommitRolledBack = errors.New("commit unexpectedly resulted in rollback")

// end commits or rolls back a transaction begun on the connection. A
// COMMIT goes in one batch after the deferred statements; should one of
// them fail, end returns a *pendingFailed and the transaction, not
// committed, is still to be rolled back. A ROLLBACK drops them unsent.
func (t *tx) end(commit bool) error {
	if !t.begun {
		return nil // no statement ran: nothing to end
	}
	list := t.pending
	t.pending = nil
	t.roundTrip()
	ctx := t.ctx
	if !commit {
		// A rollback is sent even when the request was cancelled.
		ctx = context.WithoutCancel(ctx)
		list = nil
	}
	return t.rawPgx(func(c *pgx.Conn) error {
		if !commit {
			t.begun = false
			_, err := c.Exec(ctx, "rollback")
			return err
		}
		if len(list) == 0 {
			t.begun = false
			tag, err := c.Exec(ctx, "commit")
			if err == nil && tag.String() != "COMMIT" {
				err = errCommitRolledBack
			}
			return err
		}
		b := &pgx.Batch{}
		for _, p := range list {
			b.Queue(p.sql, p.args...)
		}
		b.Queue("commit")
		br := c.SendBatch(ctx, b)
		if err := readPending(br, list); err != nil {
			_, cerr := br.Exec() // the COMMIT's result, if it ran
			_ = br.Close()
			var refused *pgconn.PgError
			if errors.As(err, &refused) && cerr != nil {
				// PostgreSQL refused a statement and skipped the rest
				// of the batch: the COMMIT did not run.
				return &pendingFailed{err}
			}
			// A check of what a statement did (none can fail, as
			// deferred) after the COMMIT ran, or the connection lost:
			// committed, or not known.
			t.begun = false
			return err
		}
		t.begun = false
		tag, err := br.Exec()
		if err == nil && tag.String() != "COMMIT" {
			err = errCommitRolledBack
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
