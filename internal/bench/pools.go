package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// batch is the set of activities one request of a bulk operation names,
// with what the operation needs to move it back and forth: every request
// changes the batch so that the next one is valid again (transfers swap
// between two departments, change-case between two cases, change-customer
// between two customers). A batch is used by one client at a time.
type batch struct {
	ids []int64 // in ID order
	// pick: the user who picked the batch last (0: none known).
	picker int64
	// change case: the two cases and the one the batch is in.
	caseA, caseB, cur int64
	// change customer: the two target customers, used in turn.
	targets [2]target
	next    int
}

// target is a customer that change-customer moves activities to, by the
// email contact point of its first contact.
type target struct{ customer, point int64 }

// pool hands batches to clients, one client per batch at a time.
type pool struct {
	ch   chan *batch
	size int
}

func newPool(list []*batch) *pool {
	p := &pool{ch: make(chan *batch, len(list)), size: len(list)}
	for _, b := range list {
		p.ch <- b
	}
	return p
}

// get takes a batch, waiting while every batch is in use.
func (p *pool) get(ctx context.Context) (*batch, error) {
	select {
	case b := <-p.ch:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pool) put(b *batch) { p.ch <- b }

// Workload is what the operations work on, found in the database before a
// run: the batches of the bulk operations, disjoint so that no two
// operations touch one activity, and the IDs that reads and creations pick
// from at random.
type Workload struct {
	Engine     string
	Activities int64 // the largest activity ID
	Cases      int64 // the largest case ID
	customers  []custRef
	// phones and emails are contact point values of customers the
	// customer searches look for, in the forms a caller gives them.
	phones, emails []string
	agents         []int64
	deptNames      map[int64]string
	service        int64 // the two departments transfers swap between
	billing        int64
	pools          map[string]*pool
	BatchCounts    map[string]int
}

type custRef struct {
	id   int64
	dept int64
}

// Changeable emails: what every bulk operation accepts.
const eligibleEmail = `a.type = 'email' AND a.mode IN ('inbound', 'composed')
	AND a.status IN ('assigned', 'awaiting_assignment') AND NOT a.pinned AND a.locked_by = 0 AND a.response_to = 0`

// bulkSubject starts the subject of every bulk case.
const bulkSubject = "Bulk case of customer "

// Discover finds the workload of a run in the world of db. singles is the
// number of batches of each single-activity operation.
func Discover(ctx context.Context, db *DB, singles int) (*Workload, error) {
	w := &Workload{Engine: db.Engine, deptNames: map[int64]string{}, pools: map[string]*pool{}, BatchCounts: map[string]int{}}
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM activities`).Scan(&w.Activities); err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if err := db.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM cases`).Scan(&w.Cases); err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if w.Activities == 0 {
		return nil, fmt.Errorf("discover: the database holds no activities; generate a world with 'casemgr bench world'")
	}
	if err := scanAll(ctx, db, `SELECT id, name FROM departments`, nil, func(r *sql.Rows) error {
		var id int64
		var name string
		if err := r.Scan(&id, &name); err != nil {
			return err
		}
		w.deptNames[id] = name
		switch name {
		case "Service":
			w.service = id
		case "Billing":
			w.billing = id
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if w.service == 0 || w.billing == 0 {
		return nil, fmt.Errorf("discover: the world has no Service and Billing departments; generate it with 'casemgr bench world'")
	}
	if err := scanAll(ctx, db, `SELECT id, department_id FROM customers ORDER BY id`, nil, func(r *sql.Rows) error {
		var c custRef
		err := r.Scan(&c.id, &c.dept)
		w.customers = append(w.customers, c)
		return err
	}); err != nil {
		return nil, err
	}
	if err := scanAll(ctx, db, `SELECT id FROM users WHERE name NOT LIKE 'bench-%' ORDER BY id`, nil, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		w.agents = append(w.agents, id)
		return err
	}); err != nil {
		return nil, err
	}
	// Phone numbers (their digits) and email addresses of up to 1000
	// customers spread over the world, for the customer searches.
	step := max(1, len(w.customers)/1000)
	var sample []int64
	for i := 0; i < len(w.customers); i += step {
		sample = append(sample, w.customers[i].id)
	}
	if err := scanAll(ctx, db, `SELECT kind, value_key FROM contact_points WHERE customer_id IN (`+idList(sample)+
		`) AND kind IN ('phone', 'email') ORDER BY id`, nil, func(r *sql.Rows) error {
		var kind, key string
		if err := r.Scan(&kind, &key); err != nil {
			return err
		}
		if kind == "phone" {
			w.phones = append(w.phones, key)
		} else {
			w.emails = append(w.emails, key)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	byDept := map[int64][]int64{}
	for _, c := range w.customers {
		byDept[c.dept] = append(byDept[c.dept], c.id)
	}
	rng := rand.New(rand.NewPCG(1, 2))

	// Bulk cases and their partners (the next case ID), a third for each
	// 75-activity operation.
	type bulkCase struct{ id, customer, dept int64 }
	var bulks []bulkCase
	if err := scanAll(ctx, db, `SELECT c.id, c.customer_id, cu.department_id FROM cases c JOIN customers cu ON cu.id = c.customer_id
		WHERE c.subject LIKE '`+bulkSubject+`%' ORDER BY c.id`, nil, func(r *sql.Rows) error {
		var b bulkCase
		err := r.Scan(&b.id, &b.customer, &b.dept)
		bulks = append(bulks, b)
		return err
	}); err != nil {
		return nil, err
	}
	bulkCases := map[int64]bool{}
	for _, b := range bulks {
		bulkCases[b.id], bulkCases[b.id+1] = true, true
	}
	var cc75, tr75, cu75 []*batch
	for k, b := range bulks {
		var ids []int64
		var where int64
		if err := scanAll(ctx, db, `SELECT a.id, a.case_id FROM activities a WHERE a.case_id IN (?, ?) AND `+eligibleEmail+` ORDER BY a.id`,
			[]any{b.id, b.id + 1}, func(r *sql.Rows) error {
				var id, c int64
				if err := r.Scan(&id, &c); err != nil {
					return err
				}
				if len(ids) < 75 {
					ids = append(ids, id)
					where = c
				}
				return nil
			}); err != nil {
			return nil, err
		}
		if len(ids) < 75 {
			continue // not a full batch any more
		}
		switch k % 3 {
		case 0:
			cc75 = append(cc75, &batch{ids: ids, caseA: b.id, caseB: b.id + 1, cur: where})
		case 1:
			tr75 = append(tr75, &batch{ids: ids})
		case 2:
			bt := &batch{ids: ids}
			if err := w.chooseTargets(ctx, db, rng, bt, byDept[b.dept]); err != nil {
				return nil, err
			}
			cu75 = append(cu75, bt)
		}
	}

	// Single activities from the rest of the world: transfers and
	// change-customer take emails of even and odd cases, change-case other
	// types, of even cases, that another even case of the customer can
	// take.
	notBulk := func(caseID int64) bool { return !bulkCases[caseID] }
	var tr1, cu1, cc1 []*batch
	if err := scanAll(ctx, db, `SELECT a.id, a.case_id FROM activities a WHERE `+eligibleEmail+`
		AND a.department_id IN (?, ?) AND a.case_id % 2 = 0 ORDER BY a.id LIMIT ?`,
		[]any{w.service, w.billing, singles + 2*len(bulks)}, func(r *sql.Rows) error {
			var id, c int64
			if err := r.Scan(&id, &c); err != nil {
				return err
			}
			if notBulk(c) && len(tr1) < singles {
				tr1 = append(tr1, &batch{ids: []int64{id}})
			}
			return nil
		}); err != nil {
		return nil, err
	}
	type single struct{ id, dept int64 }
	var cuCand []single
	if err := scanAll(ctx, db, `SELECT a.id, a.case_id, cu.department_id FROM activities a JOIN customers cu ON cu.id = a.customer_id
		WHERE `+eligibleEmail+` AND a.case_id % 2 = 1
		AND NOT EXISTS (SELECT 1 FROM activities r WHERE r.response_to = a.id AND r.response_to <> 0 AND r.status <> 'completed')
		ORDER BY a.id LIMIT ?`, []any{singles + 2*len(bulks)}, func(r *sql.Rows) error {
		var s single
		var c int64
		if err := r.Scan(&s.id, &c, &s.dept); err != nil {
			return err
		}
		if notBulk(c) && len(cuCand) < singles {
			cuCand = append(cuCand, s)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, s := range cuCand {
		bt := &batch{ids: []int64{s.id}}
		if err := w.chooseTargets(ctx, db, rng, bt, byDept[s.dept]); err != nil {
			return nil, err
		}
		cu1 = append(cu1, bt)
	}
	if err := scanAll(ctx, db, `SELECT a.id, a.case_id,
		(SELECT MIN(o.id) FROM cases o WHERE o.customer_id = c.customer_id AND o.id <> c.id AND o.id % 2 = 0 AND o.subject NOT LIKE '`+bulkSubject+`%')
		FROM activities a JOIN cases c ON c.id = a.case_id
		WHERE a.type IN ('call_track', 'task', 'chat', 'web') AND a.status IN ('assigned', 'awaiting_assignment')
		AND a.locked_by = 0 AND a.response_to = 0 AND a.case_id % 2 = 0 AND c.customer_id <> 0
		ORDER BY a.id LIMIT ?`, []any{8*singles + 2*len(bulks)}, func(r *sql.Rows) error {
		var id, c int64
		var other sql.NullInt64
		if err := r.Scan(&id, &c, &other); err != nil {
			return err
		}
		if other.Valid && notBulk(c) && notBulk(other.Int64) && len(cc1) < singles {
			cc1 = append(cc1, &batch{ids: []int64{id}, caseA: c, caseB: other.Int64, cur: c})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for name, list := range map[string][]*batch{
		"transfer-75": tr75, "changecase-75": cc75, "changecustomer-75": cu75,
		"transfer-1": tr1, "changecase-1": cc1, "changecustomer-1": cu1,
	} {
		w.pools[name] = newPool(list)
		w.BatchCounts[name] = len(list)
	}
	// The routing operations and complete-75 move the batches of
	// transfer-75 (routing.go, complete.go):
	// the same pool, so one client holds a batch at a time.
	for _, name := range []string{"transfer-queue-75", "pick-75", "complete-75"} {
		w.pools[name] = w.pools["transfer-75"]
		w.BatchCounts[name] = len(tr75)
	}
	return w, nil
}

// chooseTargets picks two customers of the department for a change-customer
// batch, neither the current customer of any activity of the batch.
func (w *Workload) chooseTargets(ctx context.Context, db *DB, rng *rand.Rand, b *batch, candidates []int64) error {
	current := map[int64]bool{}
	if err := scanAll(ctx, db, `SELECT customer_id FROM activities WHERE id IN (`+idList(b.ids)+`)`, nil, func(r *sql.Rows) error {
		var c int64
		err := r.Scan(&c)
		current[c] = true
		return err
	}); err != nil {
		return err
	}
	for i := 0; i < 2; {
		if len(candidates) < 3 {
			return fmt.Errorf("discover: too few customers in a department for change-customer targets")
		}
		c := candidates[rng.IntN(len(candidates))]
		if current[c] || (i == 1 && c == b.targets[0].customer) {
			continue
		}
		var point int64
		err := db.Read.QueryRowContext(ctx, `SELECT id FROM contact_points WHERE customer_id = `+strconv.FormatInt(c, 10)+
			` AND kind = 'email' ORDER BY id LIMIT 1`).Scan(&point)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		b.targets[i] = target{customer: c, point: point}
		i++
	}
	return nil
}

// idList renders IDs for an IN list. They are integers: nothing to quote.
func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// scanAll runs a query written with ? placeholders on the reader of either
// engine.
func scanAll(ctx context.Context, db *DB, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.Read.QueryContext(ctx, db.sql(query), args...)
	if err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("discover: %w", err)
		}
	}
	return rows.Err()
}

// sql returns a query written with ? placeholders in the engine's style.
func (d *DB) sql(q string) string {
	if d.pg() {
		return dollars(q)
	}
	return q
}

// dollars turns ? placeholders into $1, $2, ... (the queries of this
// package have no ? in literals).
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
