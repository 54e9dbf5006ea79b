package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// tx is one transaction. It keeps the context of the Read or Write it
// belongs to and uses it for every query.
type tx struct {
	ctx context.Context
	// sqlTx is the transaction on SQLite. On PostgreSQL the transaction
	// runs on conn: begin is its BEGIN, sent with its first statement
	// (pipeline.go), and begun records that it was.
	sqlTx *sql.Tx
	conn  *sql.Conn
	begin string
	begun bool
	d     *dialect
	write bool
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
	// sessions holds the sessions read with tokens in a read transaction
	// (nil: no such session).
	sessions map[string]*casemgr.Session
}

var _ casemgr.Tx = (*tx)(nil)

// ErrReadOnly is returned by a Tx method that writes, called within Read.
var ErrReadOnly = errors.New("write in a read-only transaction")

func (t *tx) wrap(op string, err error) error {
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
	if t.d.dollar {
		return nil, nil
	}
	if st, ok := t.stmts[q]; ok {
		return st, nil
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
	q = t.d.sql(q)
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	if !t.pgStarted() {
		return t.firstExec(q, args)
	}
	return t.on().ExecContext(t.ctx, q, args...)
}

// queryer runs statements: the SQLite transaction or the PostgreSQL
// connection.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (t *tx) on() queryer {
	if t.sqlTx != nil {
		return t.sqlTx
	}
	return t.conn
}

// each runs a query written with ? placeholders and calls fn for every
// row.
func (t *tx) each(q string, args []any, fn func(scanner) error) error {
	q = t.d.sql(q)
	st, err := t.stmt(q)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	switch {
	case st != nil:
		rows, err = st.QueryContext(t.ctx, args...)
	case !t.pgStarted():
		return t.firstEach(q, args, fn)
	default:
		rows, err = t.on().QueryContext(t.ctx, q, args...)
	}
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
}

// queryRow runs a query of one row written with ? placeholders and scans it.
func (t *tx) queryRow(q string, args []any, dest ...any) error {
	q = t.d.sql(q)
	st, err := t.stmt(q)
	if err != nil {
		return err
	}
	if st != nil {
		return st.QueryRowContext(t.ctx, args...).Scan(dest...)
	}
	if !t.pgStarted() {
		return t.firstRow(q, args, dest)
	}
	return t.on().QueryRowContext(t.ctx, q, args...).Scan(dest...)
}

func (t *tx) exec(op, q string, args ...any) (sql.Result, error) {
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

// ---- Configuration ----

// Settings returns the server-wide settings; the zero Settings when never set.
func (t *tx) Settings() (casemgr.Settings, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil {
			return casemgr.Settings{}, err
		}
		return c.settings, nil
	}
	return t.dbSettings()
}

func (t *tx) dbSettings() (casemgr.Settings, error) {
	s, err := queryOne(t, "settings", func(r scanner) (casemgr.Settings, error) {
		var s casemgr.Settings
		err := r.Scan(&s.CustomerDepartmentalization)
		return s, err
	}, `SELECT customer_departmentalization FROM settings WHERE id = 1`)
	if err != nil || s == nil {
		return casemgr.Settings{}, err
	}
	return *s, nil
}

// SetSettings replaces the server-wide settings.
func (t *tx) SetSettings(s casemgr.Settings) error {
	if err := t.writable("set settings"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("set settings", `INSERT INTO settings (id, customer_departmentalization) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET customer_departmentalization = excluded.customer_departmentalization`,
		s.CustomerDepartmentalization)
	return err
}

var departments = newTable("departments", "name", "shared_with", "transfer_queue_id")

func scanDepartment(r scanner) (casemgr.Department, error) {
	var d casemgr.Department
	var shared string
	if err := r.Scan(&d.ID, &d.Name, &shared, &d.TransferQueue); err != nil {
		return d, err
	}
	var err error
	d.SharedWith, err = decList[casemgr.ID](shared, "department sharedWith")
	return d, err
}

// Department returns a department by ID.
func (t *tx) Department(id casemgr.ID) (*casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.department(id), err
	}
	return queryOne(t, "department", scanDepartment,
		`SELECT `+departments.all+` FROM departments WHERE id = ?`, id)
}

// DepartmentByName returns a department by its exact name.
func (t *tx) DepartmentByName(name string) (*casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.departmentByName(name), err
	}
	return queryOne(t, "department by name", scanDepartment,
		`SELECT `+departments.all+` FROM departments WHERE name = ?`, name)
}

// Departments lists every department.
func (t *tx) Departments() ([]casemgr.Department, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.departments(), err
	}
	return t.dbDepartments()
}

func (t *tx) dbDepartments() ([]casemgr.Department, error) {
	return queryList(t, "departments", scanDepartment,
		`SELECT `+departments.all+` FROM departments ORDER BY id`)
}

// InsertDepartment stores a new department.
func (t *tx) InsertDepartment(d *casemgr.Department) error {
	if err := t.writable("insert department"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert department", departments, &d.ID, d.Name, encList(d.SharedWith), d.TransferQueue)
}

var queues = newTable("queues", "name", "department_id")

func scanQueue(r scanner) (casemgr.Queue, error) {
	var q casemgr.Queue
	err := r.Scan(&q.ID, &q.Name, &q.Department)
	return q, err
}

// Queue returns a queue by ID.
func (t *tx) Queue(id casemgr.ID) (*casemgr.Queue, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.queue(id), err
	}
	return queryOne(t, "queue", scanQueue, `SELECT `+queues.all+` FROM queues WHERE id = ?`, id)
}

// Queues lists every queue.
func (t *tx) Queues() ([]casemgr.Queue, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil || len(c.queues) == 0 {
			return nil, err
		}
		return slices.Clone(c.queues), nil
	}
	return t.dbQueues()
}

func (t *tx) dbQueues() ([]casemgr.Queue, error) {
	return queryList(t, "queues", scanQueue, `SELECT `+queues.all+` FROM queues ORDER BY id`)
}

// InsertQueue stores a new queue.
func (t *tx) InsertQueue(q *casemgr.Queue) error {
	if err := t.writable("insert queue"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert queue", queues, &q.ID, q.Name, q.Department)
}

var users = newTable("users", "name", "first_name", "last_name", "department_id",
	"foreign_departments", "licenses", "actions", "transfer_to", "pull_users", "pull_queues",
	"custom_attributes", "password_hash")

func scanUser(r scanner) (casemgr.User, error) {
	var u casemgr.User
	var foreign, licenses, actions, transferTo, pullUsers, pullQueues, attrs string
	if err := r.Scan(&u.ID, &u.Name, &u.FirstName, &u.LastName, &u.Department,
		&foreign, &licenses, &actions, &transferTo, &pullUsers, &pullQueues,
		&attrs, &u.PasswordHash); err != nil {
		return u, err
	}
	var errs [7]error
	u.ForeignDepartments, errs[0] = decList[casemgr.ID](foreign, "user foreignDepartments")
	u.Licenses, errs[1] = decList[string](licenses, "user licenses")
	u.Actions, errs[2] = decList[string](actions, "user actions")
	u.TransferTo, errs[3] = decList[casemgr.ID](transferTo, "user transferTo")
	u.PullUsers, errs[4] = decList[casemgr.ID](pullUsers, "user pullUsers")
	u.PullQueues, errs[5] = decList[casemgr.ID](pullQueues, "user pullQueues")
	u.CustomAttributes, errs[6] = decMap[string](attrs, "user customAttributes")
	return u, errors.Join(errs[:]...)
}

// User returns a user by ID.
func (t *tx) User(id casemgr.ID) (*casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.user(id), err
	}
	return queryOne(t, "user", scanUser, `SELECT `+users.all+` FROM users WHERE id = ?`, id)
}

// UserByName returns a user by login name (exact).
func (t *tx) UserByName(name string) (*casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.userByLogin(name), err
	}
	return queryOne(t, "user by name", scanUser, `SELECT `+users.all+` FROM users WHERE name = ?`, name)
}

// Users lists every user.
func (t *tx) Users() ([]casemgr.User, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.allUsers(), err
	}
	return t.dbUsers()
}

func (t *tx) dbUsers() ([]casemgr.User, error) {
	return queryList(t, "users", scanUser, `SELECT `+users.all+` FROM users ORDER BY id`)
}

// InsertUser stores a new user.
func (t *tx) InsertUser(u *casemgr.User) error {
	if err := t.writable("insert user"); err != nil {
		return err
	}
	t.configChanged()
	return t.insertRow("insert user", users, &u.ID, u.Name, u.FirstName, u.LastName, u.Department,
		encList(u.ForeignDepartments), encList(u.Licenses), encList(u.Actions), encList(u.TransferTo),
		encList(u.PullUsers), encList(u.PullQueues), encMap(u.CustomAttributes), u.PasswordHash)
}

func scanClientApp(r scanner) (casemgr.ClientApp, error) {
	var c casemgr.ClientApp
	err := r.Scan(&c.ClientID, &c.Name, &c.SecretHash)
	return c, err
}

// ClientApp returns a client application by its client ID.
func (t *tx) ClientApp(clientID string) (*casemgr.ClientApp, error) {
	if c, err := t.config(); err != nil || c != nil {
		return c.clientApp(clientID), err
	}
	return queryOne(t, "client app", scanClientApp,
		`SELECT client_id, name, secret_hash FROM client_apps WHERE client_id = ?`, clientID)
}

func (t *tx) dbClientApps() ([]casemgr.ClientApp, error) {
	return queryList(t, "client apps", scanClientApp, `SELECT client_id, name, secret_hash FROM client_apps ORDER BY client_id`)
}

// InsertClientApp stores a new client application.
func (t *tx) InsertClientApp(c *casemgr.ClientApp) error {
	if err := t.writable("insert client app"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("insert client app", `INSERT INTO client_apps (client_id, name, secret_hash) VALUES (?, ?, ?)`,
		c.ClientID, c.Name, c.SecretHash)
	return err
}

// CalltrackSubtypes lists the calltrack subtypes in the order they were added.
func (t *tx) CalltrackSubtypes() ([]string, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil || len(c.subtypes) == 0 {
			return nil, err
		}
		return slices.Clone(c.subtypes), nil
	}
	return t.dbCalltrackSubtypes()
}

func (t *tx) dbCalltrackSubtypes() ([]string, error) {
	return queryList(t, "calltrack subtypes", func(r scanner) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	}, `SELECT name FROM calltrack_subtypes ORDER BY seq`)
}

// AddCalltrackSubtype adds a calltrack subtype; adding one that exists
// changes nothing.
func (t *tx) AddCalltrackSubtype(name string) error {
	if err := t.writable("add calltrack subtype"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("add calltrack subtype",
		`INSERT INTO calltrack_subtypes (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name)
	return err
}

// AttributeDefs lists the custom attribute definitions of an object ("case",
// "activity" or "user"; "" for all), in the order they were added.
func (t *tx) AttributeDefs(object string) ([]casemgr.AttributeDef, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil {
			return nil, err
		}
		return c.attributeDefs(object), nil
	}
	return t.dbAttributeDefs(object)
}

func (t *tx) dbAttributeDefs(object string) ([]casemgr.AttributeDef, error) {
	return queryList(t, "attribute defs", func(r scanner) (casemgr.AttributeDef, error) {
		var a casemgr.AttributeDef
		var vals string
		if err := r.Scan(&a.Object, &a.Name, &a.Type, &vals, &a.Unique); err != nil {
			return a, err
		}
		var err error
		a.Values, err = decList[string](vals, "attribute values")
		return a, err
	}, `SELECT object, name, type, vals, is_unique FROM attribute_defs WHERE object = ? OR ? = '' ORDER BY seq`,
		object, object)
}

// InsertAttributeDef stores a custom attribute definition; its object and
// name must be new.
func (t *tx) InsertAttributeDef(a *casemgr.AttributeDef) error {
	if err := t.writable("insert attribute def"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("insert attribute def",
		`INSERT INTO attribute_defs (object, name, type, vals, is_unique) VALUES (?, ?, ?, ?, ?)`,
		a.Object, a.Name, a.Type, encList(a.Values), a.Unique)
	return err
}
