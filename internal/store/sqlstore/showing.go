package sqlstore

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// A read of activities by ID that shows their customers (GET
// /activity/{ids}) used to take two statements: the activities, then
// their customers with the contacts and points they name (on PostgreSQL
// in one batch, the second finding the activities again by their IDs).
// ActivitiesToShow reads both in one statement, activitiesToShowSQL: each
// activity's row joined to its customer, to the contact it names and the
// contact holding the point it names, and to that point. CustomersShowing
// then answers from those rows, once, when they hold everything it is
// asked for: exactly the customers, contacts and points its own statement
// would return, in the same order. The rows of customers the caller does
// not ask for (those of activities it may not see) are dropped unread by
// the caller.

// shownCustomers are the customers read with activities, with the
// contacts and contact points the activities name (at most 75
// activities: lists, not maps, are searched).
type shownCustomers struct {
	// customers are the customers the activities name.
	customers []casemgr.ID
	list      []casemgr.Customer
}

// ActivitiesToShow returns Activities(ids, false), in a read transaction
// with their customers when customers is set, for a later
// CustomersShowing, in the same statement. When last is set it ends the
// read with that statement: on PostgreSQL, when it is the read's first
// statement, it runs alone on the pool of generic reads, without a
// transaction (readEnding), and otherwise the ROLLBACK goes in its round
// trip; on SQLite, when it is the read's first statement, it runs alone,
// without a transaction (eachAlone). A statement after it makes
// Store.Read run the read again, with the transaction kept open.
func (t *tx) ActivitiesToShow(ids []casemgr.ID, customers, last bool) ([]casemgr.Activity, error) {
	end := last && t.pg() && t.ctx.Value(keepOpenKey{}) == nil
	switch {
	case len(ids) == 0 || t.write:
		return t.Activities(ids, false)
	case !customers && !t.pg():
		var acts []casemgr.Activity
		sc := newActivityScan()
		var version sql.NullInt64
		dest := append(slices.Clip(sc.dest), &version)
		each := t.each
		if last && t.alone() {
			each = t.eachAlone
		}
		err := each(activitiesByIDsUnnamed, []any{t.d.ids(ids)}, func(r scanner) error {
			if err := r.Scan(dest...); err != nil {
				return err
			}
			row, err := sc.decode()
			acts = append(acts, row.Activity)
			return err
		})
		if err != nil {
			return nil, t.wrap("activities", err)
		}
		t.versionRead(version)
		return acts, nil
	case !customers && !end:
		return t.Activities(ids, false)
	}
	var acts []casemgr.Activity
	if !customers {
		sc := newActivityScan()
		err := t.readEnding(end, batchQuery{sql: t.byIDs(activities, false), args: []any{t.d.ids(ids)}, row: func(r scanner) error {
			row, err := sc.scan(r)
			if err == nil {
				acts = append(acts, row.Activity)
			}
			return err
		}})
		if err != nil {
			return nil, t.wrap("activities to show", err)
		}
		return acts, nil
	}
	var custRows []customerJoinRow
	sc := newShownScan()
	row := func(r scanner) error {
		a, x, err := sc.scan(r)
		if err != nil {
			return err
		}
		// An activity has a row per contact and point shown (two
		// contacts when its point is held by another than its
		// contact): kept once (addShown).
		acts = addShown(acts, &a.Activity)
		if x != nil {
			custRows = append(custRows, *x)
		}
		return nil
	}
	var err error
	text, arg := t.d.activityToShowSQL(), any(ids[0])
	if len(ids) > 1 {
		text, arg = t.d.activitiesToShowSQL(), t.d.ids(ids)
	}
	if t.pg() {
		err = t.readEnding(end, batchQuery{sql: text, args: []any{arg}, row: row})
	} else {
		var version sql.NullInt64
		sc.dest = append(sc.dest, &version)
		each := t.each
		if last && t.alone() {
			each = t.eachAlone
		}
		err = each(text, []any{arg}, row)
		t.versionRead(version)
	}
	if err != nil {
		return nil, t.wrap("activities to show", err)
	}
	sortShown(acts)
	s := &shownCustomers{}
	for i := range acts {
		if c := acts[i].Customer; c != 0 && !slices.Contains(s.customers, c) {
			s.customers = append(s.customers, c)
		}
	}
	s.list = assembleCustomers(sortedShownRows(custRows))
	t.shown = s
	return acts, nil
}

// addShown adds the activity of a row of activitiesToShowSQL to acts,
// unless it is there already. On PostgreSQL the statement has no ORDER BY
// (activitiesToShowSQL), so the rows of one activity need not come one
// after the other, nor the activities in ID order (sortShown).
func addShown(acts []casemgr.Activity, a *casemgr.Activity) []casemgr.Activity {
	for i := len(acts) - 1; i >= 0; i-- {
		if acts[i].ID == a.ID {
			return acts
		}
	}
	return append(acts, *a)
}

// sortShown puts the activities read with activitiesToShowSQL in ID order,
// the order of Activities.
func sortShown(acts []casemgr.Activity) {
	for i := 1; i < len(acts); i++ {
		if acts[i-1].ID > acts[i].ID {
			sort.Slice(acts, func(i, j int) bool { return acts[i].ID < acts[j].ID })
			return
		}
	}
}

// shownScan scans the rows of activitiesToShowSQL.
type shownScan struct {
	act  *activityScan
	cust *customerRowScan
	dest []any
}

func newShownScan() *shownScan {
	s := &shownScan{act: newActivityScan(), cust: newCustomerRowScan()}
	s.dest = append(slices.Clip(s.act.dest), s.cust.dest...)
	return s
}

// scan reads one row: the activity, and its customer with a contact and
// point (nil when the activity has no customer).
func (s *shownScan) scan(r scanner) (readActivity, *customerJoinRow, error) {
	if err := r.Scan(s.dest...); err != nil {
		return readActivity{}, nil, err
	}
	a, err := s.act.decode()
	if err != nil {
		return a, nil, err
	}
	x, err := s.cust.row()
	return a, x, err
}

// sortedShownRows orders the rows of the activities' customers as
// customersShowingSQL orders its own (customer, contact, point; a contact
// before its points), once each.
func sortedShownRows(rows []customerJoinRow) []customerJoinRow {
	key := func(x *customerJoinRow) [3]casemgr.ID {
		k := [3]casemgr.ID{x.c.ID, 0, 0}
		if x.ct != nil {
			k[1] = x.ct.ID
		}
		if x.p != nil {
			k[2] = x.p.ID
		}
		return k
	}
	slices.SortStableFunc(rows, func(a, b customerJoinRow) int {
		ka, kb := key(&a), key(&b)
		for i := range ka {
			if ka[i] != kb[i] {
				return cmp.Compare(ka[i], kb[i])
			}
		}
		return 0
	})
	return slices.CompactFunc(rows, func(a, b customerJoinRow) bool { return key(&a) == key(&b) })
}

// serve returns what CustomersShowing(ids, contacts, points) would read,
// from the customers read with the activities; ok is false when they do
// not hold all of it: a customer no activity names, or a contact or point
// not found under the customer of the activity that names it (its own
// statement would find a contact of any of the customers asked for).
func (s *shownCustomers) serve(ids, contacts, points []casemgr.ID) (list []casemgr.Customer, ok bool) {
	if s == nil {
		return nil, false
	}
	for _, id := range ids {
		if !slices.Contains(s.customers, id) {
			return nil, false
		}
	}
	for _, id := range contacts {
		if !s.holds(id, 0) {
			return nil, false
		}
	}
	for _, id := range points {
		if !s.holds(0, id) {
			return nil, false
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

// holds reports whether the customers read hold the contact (a nonzero
// contact) or the contact point (a nonzero point).
func (s *shownCustomers) holds(contact, point casemgr.ID) bool {
	for i := range s.list {
		for j := range s.list[i].Contacts {
			ct := &s.list[i].Contacts[j]
			if contact != 0 && ct.ID == contact {
				return true
			}
			for k := range ct.ContactPoints {
				if point != 0 && ct.ContactPoints[k].ID == point {
					return true
				}
			}
		}
	}
	return false
}

// activitiesToShowSQL reads the activities of a list, in ID order, each
// with the columns of customersSQL for its customer, its contact and the
// contact holding its contact point (with that point): a row per such
// contact (with NULLs where there is none). Every table is read by
// primary key (TestHotQueriesUseIndexes); on PostgreSQL the contacts of
// an activity are one array, as in contactsOrOwnersOf. On PostgreSQL the
// rows come in no particular order: the ORDER BY made its generic plan
// end in an incremental sort, about a tenth of PostgreSQL's instructions
// per read of one activity (docs/performance.md); ActivitiesToShow puts
// the activities in ID order (sortShown) and CustomersShowing's rows are
// sorted apart (sortedShownRows). SQLite keeps its ORDER BY.
func (d *dialect) activitiesToShowSQL() string {
	if d.arrayParams {
		return activitiesToShowArrays
	}
	return activitiesToShowJSON
}

// activityToShowSQL is activitiesToShowSQL for one activity, whose ID is
// the parameter itself (an int64) rather than a list: GET /activity/{id},
// the commonest read, then skips the list's unpacking (SQLite's json_each
// and the IN list it fills; PostgreSQL's scalar-array condition). Measured
// on one connection of a 1M world, three rounds of random reads: 7-14 %
// less CPU per read on either engine (docs/performance.md, "One ID, not a
// list"). TestShowingActivitiesIsOneStatement checks that it still
// brings everything CustomersShowing asks for.
func (d *dialect) activityToShowSQL() string {
	if d.arrayParams {
		return activityToShowArrays
	}
	return activityToShowJSON
}

// The text of activitiesToShowSQL and activityToShowSQL, built once: with
// array parameters (PostgreSQL) and with JSON lists (SQLite); and on
// SQLite the query of activities by ID with its columns unnamed, for a
// read that shows no customer.
var (
	activitiesToShowArrays = postgresDialect.buildActivitiesToShowSQL(false)
	activitiesToShowJSON   = sqliteDialect.buildActivitiesToShowSQL(false)
	activityToShowArrays   = postgresDialect.buildActivitiesToShowSQL(true)
	activityToShowJSON     = sqliteDialect.buildActivitiesToShowSQL(true)
	activitiesByIDsUnnamed = "SELECT " + unnamedColumns(activities.all+", "+configVersionSQL) + " FROM activities WHERE " +
		sqliteDialect.in("id") + " ORDER BY id"
)

// configVersionSQL is the version of the configuration (config.go), as a
// column of the reads of activities to show on SQLite: the transaction
// then knows it without a statement of its own (versionRead).
const configVersionSQL = `(SELECT version FROM config_version WHERE id = 1)`

// shownCustomerColumns are the columns of a customer that the read of
// activities to show selects, in the order of customerRowScan.
const shownCustomerColumns = "id, name, type, department_id, created, last_modified, details, custom_attributes"

// shownPointColumns are the columns of a contact point that the read of
// activities to show selects, in the order of customerRowScan.
const shownPointColumns = "id, contact_id, customer_id, kind, type, value, value_key, attrs"

// prefixed qualifies each column of a list with a table's alias.
func prefixed(alias, cols string) string {
	return alias + "." + strings.ReplaceAll(cols, ", ", ", "+alias+".")
}

func (d *dialect) buildActivitiesToShowSQL(one bool) string {
	contact := `ct.id IN (a.contact_id, (SELECT h.contact_id FROM contact_points h WHERE h.id = a.contact_point_id))`
	if d.arrayParams {
		contact = `ct.id = ANY(ARRAY[a.contact_id, (SELECT h.contact_id FROM contact_points h WHERE h.id = a.contact_point_id)])`
	}
	contacts := `LEFT JOIN contacts ct ON ct.customer_id = c.id AND ` + contact + `
		LEFT JOIN contact_points p ON p.contact_id = ct.id AND p.id = a.contact_point_id`
	point := prefixed("p", shownPointColumns)
	order := ` ORDER BY a.id, ct.id, p.id`
	where := d.in("a.id")
	if one {
		// One activity: its point is read once, as h, before the
		// contacts, and shown on the row of the contact holding it (p
		// is h there): one index lookup fewer than the subquery and p,
		// 3-8 % of PostgreSQL's CPU per read (measured on one connection
		// of a 1M world; docs/performance.md, "One ID, not a list"). A
		// list keeps the subquery: its generic plan looks each point up
		// by its key whatever the list's length.
		where = "a.id = ?"
		contacts = `LEFT JOIN contact_points h ON h.id = a.contact_point_id
		LEFT JOIN contacts ct ON ct.customer_id = c.id AND ct.id IN (a.contact_id, h.contact_id)`
		cols := strings.Split(shownPointColumns, ", ")
		for i, col := range cols {
			cols[i] = "CASE WHEN h.contact_id = ct.id THEN h." + col + " END"
		}
		point = strings.Join(cols, ", ")
		order = ` ORDER BY a.id, ct.id`
	}
	cols := prefixed("a", activities.all) + `,
		` + prefixed("c", shownCustomerColumns) + `,
		ct.id, ct.customer_id, ct.first_name, ct.last_name, ct.details,
		` + point
	if d.arrayParams {
		order = ""
	} else {
		cols = unnamedColumns(cols + ", " + configVersionSQL)
	}
	// On PostgreSQL the customer is a subquery per activity that cannot be
	// pulled up into the join (OFFSET 0): the generic plan, made without
	// knowing how many IDs the array holds, otherwise hash-joins a small
	// customers table read whole (1 000 customers: a sequential scan per
	// GET of one activity, about ten times the index lookup).
	customer := `LEFT JOIN customers c ON c.id = a.customer_id`
	if d.arrayParams {
		customer = `LEFT JOIN LATERAL (SELECT ` + shownCustomerColumns + `
			FROM customers WHERE id = a.customer_id OFFSET 0) c ON true`
	}
	return `SELECT ` + cols + `
		FROM activities a
		` + customer + `
		` + contacts + `
		WHERE ` + where + order
}

// genericPlans makes the statements of the batch's read transaction run
// their prepared statement's generic plan. PostgreSQL otherwise plans the
// statement of the activities with their customers (three joins and a
// subquery) anew at every execution: the customers' statement it replaced
// took about 0.4 ms of planning for 0.05-0.4 ms of execution, most of
// PostgreSQL's CPU per GET of one activity. Its generic plan is
// the same index lookups (TestHotQueriesUseIndexes checks the generic
// plans of the hot queries), planned once per connection. Only in a
// batch that begins and ends the transaction, so that no other statement
// runs under it; SET LOCAL ends with the transaction. (Such a read runs
// alone on the pool of generic reads, below, when it can; the batch is
// for a read already begun, or without that pool.)
const genericPlans = "SET LOCAL plan_cache_mode = force_generic_plan"

// Generic reads (PostgreSQL). A read that ends with its first statement
// (ActivitiesToShow with last set, as GET /activity/{ids} reads) needs no
// transaction: one statement sees one snapshot, and the configuration
// comes from the copy, which does not depend on the snapshot (config.go).
// It runs alone, on a connection of the pool of generic reads (Store.generic),
// whose sessions run the generic plan of every prepared statement: the
// one statement's Bind, Execute and Sync, in one round trip, where a
// transaction sent BEGIN, SET LOCAL plan_cache_mode, the statement and
// ROLLBACK. Only the statements whose generic plan TestHotQueriesUseIndexes
// checks run there (genericStatements); any other, or a read already
// begun, goes through the transaction's batch. A statement after it makes
// Store.Read run the read again, in a transaction kept open to the end,
// as after the batch that ended the transaction.

// readEnding runs q and, with end, ends the read with it: alone on the
// pool of generic reads when the read has run nothing yet and q's generic
// plan is checked, otherwise in the transaction's batch (batch).
func (t *tx) readEnding(end bool, q batchQuery) error {
	if !end || t.genericDB == nil || t.begun || t.ended || len(t.pending) > 0 {
		return t.batch(end, q)
	}
	text := t.d.sql(q.sql)
	if _, ok := genericStatements()[text]; !ok {
		return t.batch(end, q)
	}
	t.count()
	t.roundTrip()
	t.ended = true
	conn, err := t.genericDB.Conn(t.ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	return onPgx(conn, func(c *pgx.Conn) error {
		rows, err := c.Query(t.ctx, text, q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := q.row(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

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

// unnamedColumns writes each column of a list as an expression without a
// name (+col AS ""): modernc.org/sqlite copies the name and declared type
// of every column of every query into Go strings, two allocations per
// column per query, where an unnamed expression has neither. The unary
// plus changes no value.
func unnamedColumns(list string) string {
	cols := strings.Split(list, ",")
	for i, c := range cols {
		cols[i] = "+" + strings.TrimSpace(c) + ` AS ""`
	}
	return strings.Join(cols, ", ")
}
