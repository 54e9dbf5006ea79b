package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL every statement costs a network round trip, and a
// transaction two more: BEGIN and COMMIT (or ROLLBACK). A transaction of
// the store runs on a pool connection (database/sql's Conn) instead of a
// database/sql Tx, so that its BEGIN travels with its first statement in
// one pipelined batch: one round trip fewer per transaction, a quarter to a
// third of a typical request's. A transaction that runs no statement at all
// (everything it read came from the configuration copy) costs none.
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

// pgx returns the connection's pgx connection to fn.
func (t *tx) pgx(fn func(c *pgx.Conn) error) error {
	return t.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		return fn(sc.Conn())
	})
}

// first sends the transaction's BEGIN and its first statement in one batch,
// with, in a write transaction whose first statement's generic plan is
// checked, the SET LOCAL of generic plans (plans.go); use reads the
// statement's results.
func (t *tx) first(q string, args []any, use func(br pgx.BatchResults) error) error {
	return t.pgx(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue(t.begin)
		generic := t.write && t.d.genericPlanned(q)
		if generic {
			b.Queue(genericPlans)
		}
		b.Queue(q, args...)
		t.roundTrip()
		br := c.SendBatch(t.ctx, b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("begin transaction: %w", err)
		}
		t.begun = true
		if generic {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("plan cache mode: %w", err)
			}
			t.generic = true
		}
		err := use(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// pgStarted reports whether statements go to the connection as they are:
// the transaction has begun (or this is SQLite's database/sql Tx).
func (t *tx) pgStarted() bool { return t.conn == nil || t.begun }

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

// end commits or rolls back a transaction begun on the connection.
func (t *tx) end(commit bool) error {
	if !t.begun {
		return nil // no statement ran: nothing to end
	}
	t.begun = false
	t.roundTrip()
	ctx := t.ctx
	if !commit {
		// A rollback is sent even when the request was cancelled.
		ctx = context.WithoutCancel(ctx)
	}
	return t.pgx(func(c *pgx.Conn) error {
		if !commit {
			_, err := c.Exec(ctx, "rollback")
			return err
		}
		tag, err := c.Exec(ctx, "commit")
		if err == nil && tag.String() != "COMMIT" {
			err = errCommitRolledBack
		}
		return err
	})
}
