package sqlstore

import (
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// A read of activities by ID that shows their customers (GET
// /activity/{ids}) took, on PostgreSQL, a round trip for the activities
// (with the BEGIN), one for their customers and one for the ROLLBACK.
// ActivitiesToShow sends the two statements in one batch: the
// second finds the customers, contacts and contact points in the
// activities it names itself (customersOfActivitiesSQL). Both run in the
// read transaction's one snapshot (REPEATABLE READ), so the second sees
// the activities the first read. CustomersShowing then answers from those
// rows, once, when they hold everything it is asked for: exactly the
// customers, contacts and points its own statement would return, in the
// same order. The rows of customers the caller does not ask for (those of
// activities it may not see) are dropped unread by the caller.

// shownCustomers are the customers read with activities, with the
// customer, contact and contact point each activity names (at most 75
// activities: lists, not maps, are searched).
type shownCustomers struct {
	named [][3]casemgr.ID
	list  []casemgr.Customer
}

// names reports whether an activity names id as its customer (k 0),
// contact (1) or contact point (2).
func (s *shownCustomers) names(k int, id casemgr.ID) bool {
	for _, n := range s.named {
		if n[k] == id {
			return true
		}
	}
	return false
}

// ActivitiesToShow returns Activities(ids, false); on PostgreSQL, in a
// read transaction, it reads their customers in the same round trip for a
// later CustomersShowing when customers is set, and when last is set it
// ends the transaction in that round trip too (ROLLBACK): a statement
// after it makes Store.Read run the read again, with the transaction kept
// open.
func (t *tx) ActivitiesToShow(ids []casemgr.ID, customers, last bool) ([]casemgr.Activity, error) {
	end := last && t.ctx.Value(keepOpenKey{}) == nil
	if len(ids) == 0 || t.write || t.conn == nil || !customers && !end {
		return t.Activities(ids, false)
	}
	var acts []casemgr.Activity
	var custRows []customerJoinRow
	arg := t.d.ids(ids)
	sc := newActivityScan()
	qs := []batchQuery{{sql: t.byIDs(activities, false), args: []any{arg}, row: func(r scanner) error {
		row, err := sc.scan(r)
		if err == nil {
			acts = append(acts, row.Activity)
		}
		return err
	}}}
	if customers {
		qs = append(qs, batchQuery{sql: t.d.customersOfActivitiesSQL(), args: []any{arg, arg, arg, arg}, row: func(r scanner) error {
			x, err := scanCustomerRow(r)
			if err == nil {
				custRows = append(custRows, x)
			}
			return err
		}})
	}
	if err := t.batch(end, qs...); err != nil {
		return nil, t.wrap("activities to show", err)
	}
	if !customers {
		return acts, nil
	}
	s := &shownCustomers{named: make([][3]casemgr.ID, len(acts)), list: assembleCustomers(custRows)}
	for i := range acts {
		s.named[i] = [3]casemgr.ID{acts[i].Customer, acts[i].Contact, acts[i].ContactPoint}
	}
	t.shown = s
	return acts, nil
}

// serve returns what CustomersShowing(ids, contacts, points) would read,
// from the customers read with the activities; ok is false when they do
// not hold all of it.
func (s *shownCustomers) serve(ids, contacts, points []casemgr.ID) (list []casemgr.Customer, ok bool) {
	if s == nil {
		return nil, false
	}
	for k, list := range [3][]casemgr.ID{ids, contacts, points} {
		for _, id := range list {
			if !s.names(k, id) {
				return nil, false
			}
		}
	}
	for _, c := range s.list {
		if !slices.Contains(ids, c.ID) {
			continue
		}
		all := c.Contacts
		c.Contacts = nil
		for _, ct := range all {
			// A contact is shown when it is asked for or holds a point
			// asked for; those points are all among those read with it.
			allPoints := ct.ContactPoints
			ct.ContactPoints = nil
			for _, p := range allPoints {
				if slices.Contains(points, p.ID) {
					ct.ContactPoints = append(ct.ContactPoints, p)
				}
			}
			if slices.Contains(contacts, ct.ID) || ct.ContactPoints != nil {
				c.Contacts = append(c.Contacts, ct)
			}
		}
		list = append(list, c)
	}
	return list, true
}

// customersOfActivitiesSQL is customersShowingSQL (PostgreSQL) with the
// customers, contacts and contact points those of the activities of a list
// (each of the four parameters): the same plan of lookups by primary key.
func (d *dialect) customersOfActivitiesSQL() string {
	return `SELECT c.id, c.name, c.type, c.department_id, c.created, c.last_modified, c.details, c.custom_attributes,
		ct.id, ct.customer_id, ct.first_name, ct.last_name, ct.details,
		p.id, p.contact_id, p.customer_id, p.kind, p.type, p.value, p.value_key, p.attrs
		FROM customers c
		LEFT JOIN contacts ct ON ct.customer_id = c.id AND ct.id = ANY(ARRAY(SELECT contact_id FROM activities WHERE id = ANY(?))
			|| ARRAY(SELECT cp.contact_id FROM contact_points cp JOIN activities a ON cp.id = a.contact_point_id WHERE a.id = ANY(?)))
		LEFT JOIN contact_points p ON p.contact_id = ct.id AND p.id = ANY(ARRAY(SELECT contact_point_id FROM activities WHERE id = ANY(?)))
		WHERE c.id = ANY(ARRAY(SELECT customer_id FROM activities WHERE id = ANY(?))) ORDER BY c.id, ct.id, p.id`
}

// genericPlans makes the statements of the batch's read transaction run
// their prepared statement's generic plan. PostgreSQL otherwise plans the
// customers' statement (four subqueries on ID arrays, three joins) anew at
// every execution: about 0.4 ms of planning for 0.05-0.4 ms of execution,
// most of PostgreSQL's CPU per GET of one activity. Its generic plan is
// the same index lookups (TestHotQueriesUseIndexes checks the generic
// plans of the hot queries), planned once per connection. Only in a
// batch that begins and ends the transaction, so that no other statement
// runs under it; SET LOCAL ends with the transaction.
const genericPlans = "SET LOCAL plan_cache_mode = force_generic_plan"

// batchQuery is a statement of a batch: row is called for each of its rows.
type batchQuery struct {
	sql  string
	args []any
	row  func(scanner) error
}

// batch sends queries in one round trip (PostgreSQL), after the
// transaction's BEGIN when it has not begun, and reads their rows in turn;
// with end, a ROLLBACK follows them and the transaction has ended.
func (t *tx) batch(end bool, qs ...batchQuery) error {
	if t.ended {
		return errReadAgain
	}
	return t.pgx(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		begin := !t.begun
		if begin {
			b.Queue(t.begin)
			if end {
				b.Queue(genericPlans)
			}
		}
		for _, q := range qs {
			t.count()
			b.Queue(t.d.sql(q.sql), q.args...)
		}
		if end {
			b.Queue("rollback")
		}
		t.roundTrip()
		br := c.SendBatch(t.ctx, b)
		if begin {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("begin transaction: %w", err)
			}
			t.begun = true
			if end {
				if _, err := br.Exec(); err != nil {
					_ = br.Close()
					return fmt.Errorf("plan cache mode: %w", err)
				}
			}
		}
		err := func() error {
			for _, q := range qs {
				rows, err := br.Query()
				if err != nil {
					return err
				}
				for rows.Next() {
					if err := q.row(rows); err != nil {
						rows.Close()
						return err
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			if end {
				// Only once every statement succeeded: otherwise
				// the transaction is still to be rolled back.
				if _, err := br.Exec(); err != nil {
					return err
				}
				t.begun, t.ended = false, true
			}
			return nil
		}()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
