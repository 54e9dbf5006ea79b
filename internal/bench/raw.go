package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The raw transactions are each operation's own SQL, executed directly
// through the store's driver: no HTTP, no authentication, no rules. They
// read what the change needs, lock the rows (PostgreSQL), write the change
// with set-based statements and append the same history entries (the
// changed fields before and after, as JSON) that the operation appends. Their
// rate is the ceiling the operation is measured against.

// rawSQL holds the statements of the raw transactions. On SQLite they are
// prepared once per pool (modernc.org/sqlite parses a statement on every
// unprepared call); on PostgreSQL pgx prepares and caches them per
// connection by itself, so they are sent as text.
type rawSQL struct {
	db    *DB
	mu    sync.Mutex
	stmts map[*sql.DB]map[string]*sql.Stmt
	// pending are statements first prepared inside a transaction of the
	// one SQLite writer connection, to prepare on the pool once it ends.
	pending []string
}

func newRawSQL(db *DB) *rawSQL {
	return &rawSQL{db: db, stmts: map[*sql.DB]map[string]*sql.Stmt{}}
}

// stmt is a statement ready to run with its arguments.
type stmt interface {
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}

// textStmt runs a query as text, on a transaction or a pool.
type textStmt struct {
	q  string
	on interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		QueryRowContext(context.Context, string, ...any) *sql.Row
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	}
}

func (t textStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return t.on.QueryContext(ctx, t.q, args...)
}

func (t textStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return t.on.QueryRowContext(ctx, t.q, args...)
}

func (t textStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return t.on.ExecContext(ctx, t.q, args...)
}

// cached returns q prepared on pool, or nil.
func (r *rawSQL) cached(pool *sql.DB, q string) *sql.Stmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stmts[pool][q]
}

// prepare prepares q on pool, once.
func (r *rawSQL) prepare(ctx context.Context, pool *sql.DB, q string) (*sql.Stmt, error) {
	if st := r.cached(pool, q); st != nil {
		return st, nil
	}
	st, err := pool.PrepareContext(ctx, r.db.sql(q))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.stmts[pool][q]; old != nil {
		_ = st.Close()
		return old, nil
	}
	if r.stmts[pool] == nil {
		r.stmts[pool] = map[string]*sql.Stmt{}
	}
	r.stmts[pool][q] = st
	return st, nil
}

// stmt returns q, written with ? placeholders, to run on the reader pool.
func (r *rawSQL) stmt(ctx context.Context, pool *sql.DB, q string) (stmt, error) {
	if r.db.pg() {
		return textStmt{q: r.db.sql(q), on: pool}, nil
	}
	return r.prepare(ctx, pool, q)
}

// readStmt returns q, prepared before, to run in a read transaction tx of
// the reader pool.
func (r *rawSQL) readStmt(ctx context.Context, tx *sql.Tx, q string) stmt {
	if r.db.pg() {
		return textStmt{q: r.db.sql(q), on: tx}
	}
	if st := r.cached(r.db.Read, q); st != nil {
		return tx.StmtContext(ctx, st)
	}
	return textStmt{q: q, on: tx}
}

func (r *rawSQL) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.stmts {
		for _, st := range m {
			_ = st.Close()
		}
	}
	r.stmts = map[*sql.DB]map[string]*sql.Stmt{}
}

// in is the condition "col is one of a list parameter".
func (r *rawSQL) in(col string) string {
	if r.db.pg() {
		return col + " = ANY(?)"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// ids is the list parameter of in.
func (r *rawSQL) ids(ids []int64) any {
	if r.db.pg() {
		return ids
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// lock is FOR UPDATE on PostgreSQL; SQLite's write transaction is
// exclusive already.
func (r *rawSQL) lock() string {
	if r.db.pg() {
		return " FOR UPDATE"
	}
	return ""
}

// greatest is the larger of two values.
func (r *rawSQL) greatest(a, b string) string {
	if r.db.pg() {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "MAX(" + a + ", " + b + ")"
}

var activityCols = strings.Join(bulkTables[len(bulkTables)-1].cols, ", ")

func scanActivityRow(rows *sql.Rows) (casemgr.Activity, error) {
	var a casemgr.Activity
	var lockExpires, due sql.NullInt64
	var attrs string
	var created, modified int64
	if err := rows.Scan(&a.ID, &a.Case, &a.Department, &a.LastDepartment, &a.Queue,
		&a.Type, &a.Subtype, &a.Mode, &a.Status, &a.AssignedUser, &a.LockedBy, &lockExpires, &a.Pinned,
		&a.ResponseTo, &a.Customer, &a.Contact, &a.ContactPoint, &a.ContactPointData,
		&a.Subject, &a.ContentText, &a.ContentHTML, &a.Priority, &due, &attrs,
		&created, &a.CreatedBy, &modified, &a.LastModifiedBy); err != nil {
		return a, err
	}
	if lockExpires.Valid {
		t := time.UnixMilli(lockExpires.Int64).UTC()
		a.LockExpires = &t
	}
	if due.Valid {
		t := time.UnixMilli(due.Int64).UTC()
		a.DueDate = &t
	}
	a.Created, a.LastModified = time.UnixMilli(created).UTC(), time.UnixMilli(modified).UTC()
	if attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &a.CustomAttributes); err != nil {
			return a, err
		}
	}
	return a, nil
}

// queryActivities runs a query of whole activity rows.
func (r *rawSQL) queryActivities(ctx context.Context, q stmt, args ...any) ([]casemgr.Activity, error) {
	rows, err := q.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []casemgr.Activity
	for rows.Next() {
		a, err := scanActivityRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// write runs fn in a write transaction like the store's: READ COMMITTED on
// PostgreSQL, an immediate transaction of the one writer connection on
// SQLite.
func (r *rawSQL) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	opts := &sql.TxOptions{}
	if r.db.pg() {
		opts.Isolation = sql.LevelReadCommitted
	}
	tx, err := r.db.Write.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	err = tx.Commit()
	r.mu.Lock()
	pending := r.pending
	r.pending = nil
	r.mu.Unlock()
	for _, q := range pending {
		if _, perr := r.prepare(ctx, r.db.Write, q); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// txStmt returns q, written with ? placeholders, to run in tx. On SQLite a
// statement not prepared yet is prepared in tx (the pool's one connection
// is tx's) and on the pool after tx.
func (r *rawSQL) txStmt(ctx context.Context, tx *sql.Tx, q string) (stmt, error) {
	if r.db.pg() {
		return textStmt{q: r.db.sql(q), on: tx}, nil
	}
	if st := r.cached(r.db.Write, q); st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	r.mu.Lock()
	r.pending = append(r.pending, q)
	r.mu.Unlock()
	return tx.PrepareContext(ctx, q)
}

// rawActor is the actor the raw transactions record in history.
const rawActor = "user:1001"

// rawChange is the record of a change the raw transactions append to
// history, as the server records it: the changed fields before and after
// (before is nil for a creation).
func rawChange(entity string, id int64, action string, at time.Time, before, after any) (b, a string) {
	h := casemgr.NewHistoryEntry(entity, id, action, casemgr.Actor{User: &casemgr.User{ID: 1001}}, at, before, after)
	return h.Before, h.After
}

// appendHistory inserts history entries of activities in one statement.
func (r *rawSQL) appendHistory(ctx context.Context, tx *sql.Tx, action string, at time.Time, before, after []casemgr.Activity) error {
	ids := make([]int64, len(after))
	bs := make([]string, len(after))
	as := make([]string, len(after))
	for i := range after {
		ids[i] = after[i].ID
		bs[i], as[i] = rawChange("activity", after[i].ID, action, at, before[i], after[i])
	}
	if r.db.pg() {
		st, err := r.txStmt(ctx, tx, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
			SELECT 'activity', u.id, ?, ?, ?, u.b, u.a FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, b, a)`)
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, action, rawActor, at.UnixMilli(), ids, bs, as)
		return err
	}
	type entry struct {
		ID     int64  `json:"id"`
		Before string `json:"b"`
		After  string `json:"a"`
	}
	list := make([]entry, len(ids))
	for i := range ids {
		list[i] = entry{ids[i], bs[i], as[i]}
	}
	doc, _ := json.Marshal(list)
	st, err := r.txStmt(ctx, tx, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
		SELECT 'activity', json_extract(value, '$.id'), ?, ?, ?, json_extract(value, '$.b'), json_extract(value, '$.a')
		FROM json_each(?)`)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, action, rawActor, at.UnixMilli(), string(doc))
	return err
}

func rawGet(n int) func(context.Context, *env, *rand.Rand, recordFunc) {
	name := "get-" + strconv.Itoa(n)
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		t := time.Now()
		st, err := e.raw.stmt(ctx, e.db.Read, `SELECT `+activityCols+` FROM activities WHERE `+e.raw.in("id")+` ORDER BY id`)
		if err == nil {
			_, err = e.raw.queryActivities(ctx, st, e.raw.ids(randomIDs(rng, n, e.w.Activities)))
		}
		recordRaw(rec, name, t, err)
	}
}

// recordRaw records a raw transaction as a request that answered 200, or
// failed with err.
func recordRaw(rec recordFunc, name string, t time.Time, err error) {
	if err != nil {
		rec(name, t, 0, "", err)
		return
	}
	rec(name, t, 200, "", nil)
}

// rawPage is a search: the number of matches and one page of them, in one
// read transaction as the server runs it.
func rawPage(ctx context.Context, e *env, name, where, order string, arg any, t time.Time, rec recordFunc) {
	opts := &sql.TxOptions{ReadOnly: true}
	if e.db.pg() {
		opts.Isolation = sql.LevelRepeatableRead
	}
	err := func() error {
		// Prepared before the transaction takes a connection of the
		// pool.
		countQ, pageQ := `SELECT COUNT(*) FROM activities WHERE `+where,
			`SELECT `+activityCols+` FROM activities WHERE `+where+` ORDER BY `+order+` LIMIT 25`
		if !e.db.pg() {
			for _, q := range []string{countQ, pageQ} {
				if _, err := e.raw.prepare(ctx, e.db.Read, q); err != nil {
					return err
				}
			}
		}
		tx, err := e.db.Read.BeginTx(ctx, opts)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }() // a read: nothing to keep
		var n int
		if err := e.raw.readStmt(ctx, tx, countQ).QueryRowContext(ctx, arg).Scan(&n); err != nil {
			return err
		}
		_, err = e.raw.queryActivities(ctx, e.raw.readStmt(ctx, tx, pageQ), arg)
		return err
	}()
	recordRaw(rec, name, t, err)
}

func rawSearch(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
	rawPage(ctx, e, "search", "case_id = ?", "id", rng.Int64N(e.w.Cases)+1, time.Now(), rec)
}

func rawSearchAssigned(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
	agent := e.w.agents[rng.IntN(len(e.w.agents))]
	rawPage(ctx, e, "search-assigned", "assigned_user_id = ? AND status = 'assigned'", "last_modified DESC, id DESC", agent, time.Now(), rec)
}

// rawCreate reads the customer's department and first contact, inserts the
// case, the activity and their two history entries: four statements.
func rawCreate(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
	cust := e.w.customers[rng.IntN(len(e.w.customers))]
	t := time.Now()
	now := casemgr.Millis(t)
	err := e.raw.write(ctx, func(tx *sql.Tx) error {
		st, err := e.raw.txStmt(ctx, tx, `SELECT department_id,
			COALESCE((SELECT MIN(id) FROM contacts WHERE customer_id = ?), 0) FROM customers WHERE id = ?`)
		if err != nil {
			return err
		}
		c := casemgr.Case{Customer: cust.id, Status: casemgr.CaseOpen, Owner: 1001, Subject: "Bench call",
			OriginatingChannel: casemgr.TypeCalltrack, Created: now, CreatedBy: 1001, LastModified: now, LastModifiedBy: 1001}
		a := casemgr.Activity{Customer: cust.id, Type: casemgr.TypeCalltrack, Subtype: "General", Mode: casemgr.ModeInbound,
			Status: casemgr.StatusAssigned, AssignedUser: 1001, Subject: "Bench call",
			ContentText: "The caller asked about an invoice.", ContentHTML: "<p>The caller asked about an invoice.</p>",
			Priority: "3", Created: now, CreatedBy: 1001, LastModified: now, LastModifiedBy: 1001}
		if err := st.QueryRowContext(ctx, cust.id, cust.id).Scan(&c.Department, &a.Contact); err != nil {
			return err
		}
		a.Department = c.Department
		ins, err := e.raw.txStmt(ctx, tx, `INSERT INTO cases (department_id, status, owner_id, customer_id, severity, subject,
			description, solution, due_date, originating_channel, custom_attributes, created, created_by, last_modified,
			last_modified_by, last_closed) VALUES (?, ?, ?, ?, '', ?, '', '', NULL, ?, '{}', ?, ?, ?, ?, NULL) RETURNING id`)
		if err != nil {
			return err
		}
		if err := ins.QueryRowContext(ctx, c.Department, c.Status, c.Owner, c.Customer, c.Subject, c.OriginatingChannel,
			now.UnixMilli(), c.CreatedBy, now.UnixMilli(), c.LastModifiedBy).Scan(&c.ID); err != nil {
			return err
		}
		a.Case = c.ID
		row := activityRow(&a)[1:]
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(row)), ", ")
		insA, err := e.raw.txStmt(ctx, tx, `INSERT INTO activities (`+strings.TrimPrefix(activityCols, "id, ")+`) VALUES (`+marks+`) RETURNING id`)
		if err != nil {
			return err
		}
		if err := insA.QueryRowContext(ctx, row...).Scan(&a.ID); err != nil {
			return err
		}
		_, cj := rawChange("case", c.ID, "create", now, nil, c)
		_, aj := rawChange("activity", a.ID, "create", now, nil, a)
		hist, err := e.raw.txStmt(ctx, tx, `INSERT INTO history (entity, entity_id, action, actor, at, before_json, after_json)
			VALUES ('case', ?, 'create', ?, ?, '', ?), ('activity', ?, 'create', ?, ?, '', ?)`)
		if err != nil {
			return err
		}
		_, err = hist.ExecContext(ctx, c.ID, rawActor, now.UnixMilli(), cj, a.ID, rawActor, now.UnixMilli(), aj)
		return err
	})
	recordRaw(rec, "create", t, err)
}

// lockBatch reads and locks the activities of a batch.
func (r *rawSQL) lockBatch(ctx context.Context, tx *sql.Tx, ids []int64) ([]casemgr.Activity, error) {
	st, err := r.txStmt(ctx, tx, `SELECT `+activityCols+` FROM activities WHERE `+r.in("id")+` ORDER BY id`+r.lock())
	if err != nil {
		return nil, err
	}
	acts, err := r.queryActivities(ctx, st, r.ids(ids))
	if err == nil && len(acts) != len(ids) {
		err = errors.New("activities of the batch are missing")
	}
	return acts, err
}

// nextModified applies the lastModified rule to copies of the activities.
func nextModified(acts []casemgr.Activity, now time.Time, change func(a *casemgr.Activity)) []casemgr.Activity {
	after := make([]casemgr.Activity, len(acts))
	for i, a := range acts {
		change(&a)
		a.LastModified = casemgr.NextModified(a.LastModified, now)
		a.LastModifiedBy = 1001
		after[i] = a
	}
	return after
}

// rawTransfer is transfer-1's and transfer-75's own SQL: the batch moves
// to the inbox of the other of the two departments.
func rawTransfer(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return rawFetched(name, nil, func(ctx context.Context, e *env, b *batch, seen map[int64]int64) error {
		now := casemgr.Millis(time.Now())
		return e.raw.write(ctx, func(tx *sql.Tx) error {
			acts, err := e.raw.lockFresh(ctx, tx, b, seen)
			if err != nil {
				return err
			}
			target := e.w.service
			if acts[0].Department == e.w.service {
				target = e.w.billing
			}
			queue := inboxQueue(target)
			after := nextModified(acts, now, func(a *casemgr.Activity) {
				a.LastDepartment, a.Department, a.Queue = a.Department, target, queue
				a.Status, a.AssignedUser, a.Pinned, a.LockedBy, a.LockExpires = casemgr.StatusAwaitingAssignment, 0, false, 0, nil
			})
			st, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET last_department_id = department_id, department_id = ?,
				queue_id = ?, status = 'awaiting_assignment', assigned_user_id = 0, pinned = FALSE, locked_by = 0,
				lock_expires = NULL, last_modified = `+e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001
				WHERE `+e.raw.in("id"))
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, target, queue, now.UnixMilli(), e.raw.ids(b.ids)); err != nil {
				return err
			}
			return e.raw.appendHistory(ctx, tx, "transfer", now, acts, after)
		})
	})
}

func rawChangeCase(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) { rawChangeCaseOf(ctx, e, name, b, rec) })
	}
}

// rawChangeCaseOf moves batch b to the other of its two cases.
func rawChangeCaseOf(ctx context.Context, e *env, name string, b *batch, rec recordFunc) {
	dst := b.other()
	t := time.Now()
	now := casemgr.Millis(t)
	err := e.raw.write(ctx, func(tx *sql.Tx) error {
		acts, err := e.raw.lockBatch(ctx, tx, b.ids)
		if err != nil {
			return err
		}
		if err := e.raw.lockCases(ctx, tx, []int64{min(b.caseA, b.caseB), max(b.caseA, b.caseB)}); err != nil {
			return err
		}
		after := nextModified(acts, now, func(a *casemgr.Activity) { a.Case = dst })
		up, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET case_id = ?, last_modified = `+
			e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001 WHERE `+e.raw.in("id"))
		if err != nil {
			return err
		}
		if _, err := up.ExecContext(ctx, dst, now.UnixMilli(), e.raw.ids(b.ids)); err != nil {
			return err
		}
		upc, err := e.raw.txStmt(ctx, tx, `UPDATE cases SET status = 'open', last_modified = `+
			e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001 WHERE id = ?`)
		if err != nil {
			return err
		}
		if _, err := upc.ExecContext(ctx, now.UnixMilli(), dst); err != nil {
			return err
		}
		return e.raw.appendHistory(ctx, tx, "changecase", now, acts, after)
	})
	if err == nil {
		b.cur = dst
	}
	recordRaw(rec, name, t, err)
}

func rawChangeCustomer(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		withBatch(ctx, e, name, func(b *batch) { rawChangeCustomerOf(ctx, e, name, b, rec) })
	}
}

// rawChangeCustomerOf gives batch b the next of its two target customers.
func rawChangeCustomerOf(ctx context.Context, e *env, name string, b *batch, rec recordFunc) {
	tg := b.targets[b.next]
	t := time.Now()
	now := casemgr.Millis(t)
	err := e.raw.write(ctx, func(tx *sql.Tx) error {
		acts, err := e.raw.lockBatch(ctx, tx, b.ids)
		if err != nil {
			return err
		}
		pt, err := e.raw.txStmt(ctx, tx, `SELECT contact_id, customer_id FROM contact_points WHERE id = ?`)
		if err != nil {
			return err
		}
		var contact, customer int64
		if err := pt.QueryRowContext(ctx, tg.point).Scan(&contact, &customer); err != nil {
			return err
		}
		after := nextModified(acts, now, func(a *casemgr.Activity) {
			a.Customer, a.Contact, a.ContactPoint = customer, contact, tg.point
		})
		up, err := e.raw.txStmt(ctx, tx, `UPDATE activities SET customer_id = ?, contact_id = ?, contact_point_id = ?,
			last_modified = `+e.raw.greatest("last_modified + 1", "?")+`, last_modified_by = 1001 WHERE `+e.raw.in("id"))
		if err != nil {
			return err
		}
		if _, err := up.ExecContext(ctx, customer, contact, tg.point, now.UnixMilli(), e.raw.ids(b.ids)); err != nil {
			return err
		}
		return e.raw.appendHistory(ctx, tx, "changecustomer", now, acts, after)
	})
	b.next = 1 - b.next
	recordRaw(rec, name, t, err)
}

// rawCustomerSearch counts and reads the page of the customers whose phone
// keys (customer-phone) or email lookup values (customer-email) hold a
// sampled value, in one read transaction: the store's two queries.
func rawCustomerSearch(name string) func(context.Context, *env, *rand.Rand, recordFunc) {
	return func(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
		cond, values := `c.id IN (SELECT customer_id FROM phone_keys WHERE digits = ?)`, e.w.phones
		if name == "customer-email" {
			cond, values = `c.id IN (SELECT customer_id FROM contact_points WHERE kind = 'email' AND value_key = ?)`, e.w.emails
		}
		t := time.Now()
		if len(values) == 0 {
			recordRaw(rec, name, t, fmt.Errorf("the world has no customers to search"))
			return
		}
		arg := values[rng.IntN(len(values))]
		countQ, pageQ := `SELECT COUNT(*) FROM customers c WHERE `+cond, `SELECT c.id FROM customers c WHERE `+cond+` ORDER BY c.id LIMIT 25`
		err := func() error {
			if !e.db.pg() {
				for _, q := range []string{countQ, pageQ} {
					if _, err := e.raw.prepare(ctx, e.db.Read, q); err != nil {
						return err
					}
				}
			}
			tx, err := e.db.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				return err
			}
			defer tx.Rollback() //nolint:errcheck // a read: nothing to keep
			var n int
			if err := e.raw.readStmt(ctx, tx, countQ).QueryRowContext(ctx, arg).Scan(&n); err != nil {
				return err
			}
			rows, err := e.raw.readStmt(ctx, tx, pageQ).QueryContext(ctx, arg)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}()
		recordRaw(rec, name, t, err)
	}
}

// rawPoll reads the first page of what changed in the last hour, oldest
// change first.
func rawPoll(ctx context.Context, e *env, rng *rand.Rand, rec recordFunc) {
	t := time.Now()
	rawPage(ctx, e, "poll", "last_modified >= ?", "last_modified, id", t.Add(-time.Hour).UnixMilli(), t, rec)
}
