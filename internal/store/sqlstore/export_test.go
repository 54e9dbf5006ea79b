package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// HasConfigCopy reports whether the store holds a copy of the
// configuration, for the tests of the cache.
func HasConfigCopy(s *Store) bool { return s.config.current() != nil }

// HotQuery is a query of a hot path as the store runs it, with realistic
// parameters, for the EXPLAIN tests.
type HotQuery struct {
	Name string
	SQL  string
	Args []any
	// RangeOnly marks a query whose only condition on a big table is a
	// range on a parameter: PostgreSQL's generic plan assumes the range
	// holds a third of the table and scans it, but a cached statement
	// keeps the custom plans (plan_cache_mode auto takes the generic plan
	// only when it is not costlier than they were), so only the plan for
	// the parameters is checked.
	RangeOnly bool
}

// HotQueries lists the queries of the hot paths on an engine ("sqlite" or
// "postgres"), in the engine's placeholder style. The IDs are those of a
// generated world (internal/bench) of at least 40000 activities.
func HotQueries(engine string) []HotQuery {
	d := sqliteDialect
	if engine == "postgres" {
		d = postgresDialect
	}
	var out []HotQuery
	add := func(name, q string, args ...any) {
		out = append(out, HotQuery{Name: name, SQL: d.sql(q), Args: args})
	}
	acts := d.ids([]int64{17, 2048, 20001, 33333, 39999})
	add("activities by id list", d.byIDs(activities, false), acts)
	add("activities by id list, locked", d.byIDs(activities, true), acts)
	add("activities of cases", d.caseActivitiesSQL(false), d.ids([]int64{12, 4321}))
	add("activities of cases, locked", d.caseActivitiesSQL(true), d.ids([]int64{12, 4321}))
	add("statuses of the activities of cases", d.caseActivityStatusesSQL(), d.ids([]int64{12, 4321}))
	add("customers of the activities of a case", d.caseActivityCustomersSQL(), d.ids([]int64{4321}))
	add("responses of activities", d.responsesSQL(false), acts)
	add("responses of activities, locked", d.responsesSQL(true), acts)
	add("activities with their responses", d.withResponsesSQL(), acts, acts, acts)
	if d.lockRows {
		add("activities with their responses, locked", d.lockedWithResponsesSQL(), acts, acts)
	}
	add("customers with contacts and points", d.customersSQL(), d.ids([]int64{7, 3210}))
	add("customers with the contacts and points activities show", d.customersShowingSQL(),
		d.ids([]int64{8, 3300}), d.ids([]int64{12, 4100}), d.ids([]int64{12, 4100}), d.ids([]int64{7, 3210}))
	add("customers without contacts", d.customerHeadsSQL(), d.ids([]int64{7, 3210}))
	add("departments of customers, of contact points' and of activities' customers", d.customerDepartmentsSQL(),
		d.ids([]int64{7, 3210}), d.ids([]int64{11, 7000}), acts)
	add("activities with their customers, contacts and points to show", d.activitiesToShowSQL(), acts)
	add("an activity with its customer, contact and point to show", d.activityToShowSQL(), int64(20001))
	if !d.arrayParams {
		add("activities by id list, columns unnamed", activitiesByIDsUnnamed, acts)
	}
	add("contacts by id list", d.byIDs(contacts, false), d.ids([]int64{7, 3210}))
	add("contacts by id list, locked", d.byIDs(contacts, true), d.ids([]int64{7, 3210}))
	add("contact points by id list", d.byIDs(contactPoints, false), d.ids([]int64{11, 7000}))
	add("contact points by id list, locked", d.byIDs(contactPoints, true), d.ids([]int64{11, 7000}))
	add("customers by id list", d.byIDs(customers, false), d.ids([]int64{7, 3210}))
	add("customers by id list, locked", d.byIDs(customers, true), d.ids([]int64{7, 3210}))
	add("contact points by value", contactPointsByValueSQL, "email", "ada.anders.12@example.com")
	add("cases by id list", d.byIDs(cases, false), d.ids([]int64{12, 4321}))
	add("cases by id list, locked", d.byIDs(cases, true), d.ids([]int64{12, 4321}))
	add("cases with their relations", d.casesSQL(false), d.ids([]int64{12, 4321}))
	add("cases with their relations, locked", d.casesSQL(true), d.ids([]int64{12, 4321}))
	// The UPDATEs of UpdateActivities and the INSERTs of history, whose
	// generic plans write transactions run (plans.go).
	add("activity updated by id", changedActivityUpdate+"status = ?, last_modified = ? WHERE id = ?",
		casemgr.StatusAssigned, int64(1700000000000), int64(2048))
	if d.batchWrites {
		ids := []int64{17, 2048, 20001}
		add("activities updated by id array", activitiesSetUpdate(1<<7|1<<9|1<<26), ids,
			[]string{"assigned", "assigned", "assigned"}, []int64{105, 105, 105}, []int64{1700000000000, 1700000000000, 1700000000000})
		add("history appended from arrays", historySetInsert, []string{"activity"}, []int64{17}, []string{"pick"}, []string{"user:105"},
			[]int64{1700000000000}, []string{"before"}, []string{"after"})
	}
	add("token with its session", tokenWithSessionSQL, "h777")
	add("live session of a user", userLoggedInSQL, int64(105), int64(1))
	add("history of an activity", historySQL, "activity", int64(1234))
	excluded := d.strs([]string{casemgr.TypeCalltrack, casemgr.TypeChat, casemgr.TypeWeb})
	depts := d.ids([]int64{1, 2, 3, 4, 5})
	add("pull candidates of one queue, locked", d.pullSQL(true, true), int64(11), depts, excluded, int64(5))
	add("pull candidates of queues, locked", d.pullSQL(true, false), d.ids([]int64{11, 52}), depts, excluded, int64(5))
	search := func(name string, f casemgr.ActivityFilter) {
		col := sortColumns[f.Sort]
		count, page, args := d.searchSQL(f, col)
		add("search "+name+" (count)", count, args...)
		add("search "+name+" (page)", page, append(args, int64(25), int64(0))...)
	}
	all := []casemgr.ID{1, 2, 3, 4, 5}
	search("by case", casemgr.ActivityFilter{Case: 1234, Departments: all})
	search("by customer", casemgr.ActivityFilter{Customer: 321, Departments: all})
	search("an agent's assigned work, newest first", casemgr.ActivityFilter{AssignedTo: 105,
		Statuses: []string{casemgr.StatusAssigned}, Page: casemgr.Page{Sort: "lastModified", Descending: true}, Departments: all})
	search("by case and status", casemgr.ActivityFilter{Case: 1234, Statuses: []string{casemgr.StatusAssigned}, Departments: all})
	// The poll of what changed since a moment (lastModifiedDate=[t,],
	// sorted by lastModified), by a user and by a client application.
	since := time.Now().Add(-time.Hour)
	search("what changed since, for a user", casemgr.ActivityFilter{LastModified: casemgr.TimeRange{From: &since},
		Page: casemgr.Page{Sort: "lastModified"}, Departments: all})
	search("what changed since, for a client", casemgr.ActivityFilter{LastModified: casemgr.TimeRange{From: &since},
		Page: casemgr.Page{Sort: "lastModified"}})
	out[len(out)-2].RangeOnly = true // the count
	search("created in a range", casemgr.ActivityFilter{Created: casemgr.TimeRange{From: &since}, Departments: all})

	// Customer search (screen-pop): by phone through the phone keys, by
	// email through the contact points' lookup values.
	add("contact points by phone", contactPointsByPhoneSQL, "4085550123")
	customerSearch := func(name string, f casemgr.CustomerFilter) {
		count, page, args := d.customerSearchSQL(f, customerSortColumns[f.Sort])
		add("customer search "+name+" (count)", count, args...)
		add("customer search "+name+" (page)", page, append(args, int64(25), int64(0))...)
	}
	customerSearch("by phone", casemgr.CustomerFilter{Phone: "14085550123", Departments: all})
	customerSearch("by phone, client", casemgr.CustomerFilter{Phone: "4085550123"})
	customerSearch("by email", casemgr.CustomerFilter{Email: "Ada.Anders.12@example.com", Departments: all})
	caseSearch := func(name string, f casemgr.CaseFilter) {
		count, page, args := d.caseSearchSQL(f, caseSortColumns[f.Sort])
		add("case search "+name+" (count)", count, args...)
		add("case search "+name+" (page)", page, append(args, int64(25), int64(0))...)
	}
	caseSearch("a customer's open cases", casemgr.CaseFilter{Customer: 321, Status: casemgr.CaseOpen, Departments: all})
	caseSearch("by the caller's phone", casemgr.CaseFilter{Phone: "4085550123", Status: casemgr.CaseOpen, Departments: all})
	caseSearch("by the caller's email", casemgr.CaseFilter{Email: "ada.anders.12@example.com", Departments: all})
	caseSearch("an owner's open cases", casemgr.CaseFilter{Owner: 105, Status: casemgr.CaseOpen, Page: casemgr.Page{Sort: "lastModified"}, Departments: all})
	customerSearch("by phone and type", casemgr.CustomerFilter{Phone: "4085550123", Type: "individual", Departments: all})
	return out
}

// Columns lists the columns of every table of the store's schema, by table
// name, for the schema parity test. It reads the live schema from the
// engine's own catalogue, not from the migrations' text.
func Columns(ctx context.Context, s *Store) (map[string][]string, error) {
	q := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	if s.d.name == "sqlite" {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := s.writer.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		out[table] = append(out[table], col)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out, rows.Err()
}

// MigrateBefore applies the migrations numbered below version, for tests of
// what a migration does to the rows written before it.
func MigrateBefore(ctx context.Context, s *Store, version int64) error {
	list, err := migrations(s.d.name)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(m migration) bool { return m.version >= version })
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = sqlTx.Rollback() }()
	if err := s.migrate(ctx, sqlTx, list); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// Exec runs a statement written with ? placeholders, for tests that write
// rows of an older schema.
func Exec(ctx context.Context, s *Store, q string, args ...any) error {
	_, err := s.writer.ExecContext(ctx, s.d.sql(q), args...)
	return err
}

// GroupQueued returns the number of Writes waiting for group commit.
func GroupQueued(s *Store) int { return len(s.group.queue) }

// GenericReadPlans reports, on a connection of the pool of generic reads
// (PostgreSQL: showing.go), how many generic and custom plans the prepared
// statements of activitiesToShowSQL and activityToShowSQL have run, and
// the session's plan_cache_mode; found is false when the connection has
// prepared neither.
func (s *Store) GenericReadPlans(ctx context.Context) (generic, custom int64, mode string, found bool, err error) {
	err = s.generic.QueryRowContext(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0),
			current_setting('plan_cache_mode')
		FROM pg_prepared_statements WHERE statement = ANY($1)`, []string{postgresDialect.sql(postgresDialect.activitiesToShowSQL()),
		postgresDialect.sql(postgresDialect.activityToShowSQL())}).Scan(&generic, &custom, &mode)
	return generic, custom, mode, generic+custom > 0, err
}

// SetGenericReadConns sizes the pool of generic reads (PostgreSQL).
func (s *Store) SetGenericReadConns(n int) {
	s.generic.SetMaxOpenConns(n)
	s.generic.SetMaxIdleConns(n)
}

// Listening reports whether the store hears the notifications of other
// stores (PostgreSQL).
func (s *Store) Listening() bool { return s.config.listening.Load() }

// GenericPlannedStatements lists the statements (other than UPDATEs of
// activities and INSERTs) that write transactions run with their generic
// plans on PostgreSQL, as sent.
func GenericPlannedStatements() []string { return postgresDialect.genericStatementList() }

// PostgresStatement returns a statement of the store as sent to PostgreSQL,
// by a name the tests use.
func PostgresStatement(name string) string {
	d := postgresDialect
	switch name {
	case "activities locked":
		return d.sql(d.byIDs(activities, true))
	case "responses":
		return d.sql(d.responsesSQL(false))
	case "pull of one queue, locked":
		return d.sql(d.pullSQL(true, true))
	case "update of activities":
		return changedActivityUpdate
	case "insert of history":
		return "INSERT INTO history "
	}
	panic("no statement " + name)
}

// PreparedPlans reports, on the connection of in (PostgreSQL), how many
// generic and custom plans the prepared statements whose text is q (with
// prefix, that begins with q) have run; found is false when the
// connection has not prepared one.
func PreparedPlans(in casemgr.Tx, q string, prefix bool) (generic, custom int64, found bool, err error) {
	t := in.(*tx)
	cond := "statement = $1"
	if prefix {
		cond = "starts_with(statement, $1)"
	}
	err = t.pgx(func(c *pgx.Conn) error {
		return c.QueryRow(t.ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
			FROM pg_prepared_statements WHERE `+cond, q).Scan(&generic, &custom)
	})
	return generic, custom, generic+custom > 0, err
}

// KeptActivities returns how many activities a write transaction keeps as
// read (readActs): those UpdateActivities writes as the columns that
// changed rather than whole.
func KeptActivities(in casemgr.Tx) int { return len(in.(*tx).readActs) }
