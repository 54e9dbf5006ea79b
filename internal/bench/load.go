package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/store"
)

// LoadOptions configure LoadWorld.
type LoadOptions struct {
	// Replace empties a database that holds a world first; without it a
	// database with data is refused.
	Replace bool
	// Progress reports the phases; nil reports nothing.
	Progress *Progress
}

// LoadStats tells what LoadWorld wrote and how long it took.
type LoadStats struct {
	Engine                                            string
	Customers, Contacts, Points, Cases, Activities    int64
	Config, Bulk, Indexes, Analyze, Total             time.Duration
	ActivitiesPerSecond                               float64
	BenchUsers                                        int
	Seed                                              uint64
	customersTime, casesTime, activitiesTime, syncIDs time.Duration
}

// LoadWorld generates the world of cfg straight into the database of dbURL:
// the schema is migrated, the configuration goes through the fixture loader
// (which checks it), and customers, contacts, contact points, cases and
// activities are bulk loaded in one transaction — PostgreSQL with COPY,
// SQLite with batched prepared inserts — with the secondary indexes of
// those tables dropped during the load and built again at its end. ID
// sequences are then moved past the loaded IDs (Tx.SyncIDs) and the
// planner's statistics refreshed.
func LoadWorld(ctx context.Context, dbURL string, cfg WorldConfig, opts LoadOptions) (*LoadStats, error) {
	start := time.Now()
	skel, err := NewSkeleton(cfg)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = st.Close() }()
	if err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	db, err := OpenDB(ctx, dbURL, 2)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()

	var empty bool
	if err := st.Read(ctx, func(tx casemgr.Tx) (err error) { empty, err = tx.Empty(); return err }); err != nil {
		return nil, err
	}
	if !empty {
		if !opts.Replace {
			return nil, errors.New("the database holds a world already; use --replace to replace it")
		}
		opts.Progress.Printf("emptying the database")
		if err := emptyWorld(ctx, db, st); err != nil {
			return nil, err
		}
	}

	stats := &LoadStats{Engine: db.Engine, BenchUsers: skel.cfg.BenchUsers, Seed: cfg.Seed}
	stats.Customers, stats.Contacts, stats.Points, stats.Cases, stats.Activities = skel.Counts()
	t := time.Now()
	doc, err := json.Marshal(ConfigFixture(skel.cfg))
	if err != nil {
		return nil, err
	}
	// The bench users log in all at once when a run starts: the lowest
	// bcrypt cost keeps that quick. These are load-test accounts.
	hash := func(s string) (string, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		return string(h), err
	}
	if err := fixture.Load(ctx, st, doc, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash, Now: skel.now}); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	stats.Config = time.Since(t)

	t = time.Now()
	if db.pg() {
		err = loadPostgres(ctx, db, skel, opts.Progress, stats)
	} else {
		err = loadSQLite(ctx, db, skel, opts.Progress, stats)
	}
	if err != nil {
		return nil, err
	}
	stats.Bulk = time.Since(t) - stats.Indexes

	t = time.Now()
	if err := st.Write(ctx, casemgr.Tx.SyncIDs); err != nil {
		return nil, fmt.Errorf("sync IDs: %w", err)
	}
	stats.syncIDs = time.Since(t)
	t = time.Now()
	opts.Progress.Printf("analyzing")
	// On PostgreSQL VACUUM too, as autovacuum does to a table after many
	// inserts: it marks the pages all-visible, so that counts answer from
	// an index alone (an index-only scan) as they do in a database in use.
	analyze := "ANALYZE"
	if db.pg() {
		analyze = "VACUUM (ANALYZE)"
	}
	if _, err := db.Write.ExecContext(ctx, analyze); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	stats.Analyze = time.Since(t)
	stats.Total = time.Since(start)
	if s := stats.activitiesTime.Seconds(); s > 0 {
		stats.ActivitiesPerSecond = float64(stats.Activities) / s
	}
	return stats, nil
}

// emptyWorld removes the world: TRUNCATE on PostgreSQL (DELETE of a million
// rows would leave them all dead), the store's DeleteWorld on SQLite.
func emptyWorld(ctx context.Context, db *DB, st store.DB) error {
	if db.pg() {
		_, err := db.Write.ExecContext(ctx, `TRUNCATE tokens, sessions, idempotency_records, history, attachments,
			case_relations, activities, cases, phone_keys, contact_points, contacts, customers, users, client_apps, queues,
			departments, calltrack_subtypes, attribute_defs, settings`)
		return err
	}
	return st.Write(ctx, casemgr.Tx.DeleteWorld)
}

// The bulk tables, in load order, with their columns.
var bulkTables = []struct {
	name string
	cols []string
}{
	{"customers", []string{"id", "name", "type", "department_id", "created", "last_modified"}},
	{"contacts", []string{"id", "customer_id", "first_name", "last_name"}},
	{"contact_points", []string{"id", "contact_id", "customer_id", "kind", "type", "value", "value_key", "attrs"}},
	{"phone_keys", []string{"digits", "contact_point_id", "customer_id"}},
	{"cases", []string{"id", "department_id", "status", "owner_id", "customer_id", "severity", "subject",
		"description", "solution", "due_date", "originating_channel", "custom_attributes", "created", "created_by",
		"last_modified", "last_modified_by", "last_closed"}},
	{"activities", []string{"id", "case_id", "department_id", "last_department_id", "queue_id", "type", "subtype",
		"mode", "status", "assigned_user_id", "locked_by", "lock_expires", "pinned", "response_to", "customer_id",
		"contact_id", "contact_point_id", "contact_point_data", "subject", "content_text", "content_html", "priority",
		"due_date", "custom_attributes", "created", "created_by", "last_modified", "last_modified_by"}},
}

func bulkTableNames() []string {
	names := make([]string, len(bulkTables))
	for i, t := range bulkTables {
		names[i] = t.name
	}
	return names
}

// rows returns the rows of a bulk table as the store encodes them: times
// in epoch milliseconds, lists and maps as JSON, a missing reference 0.
func (s *Skeleton) rows(table string) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		switch table {
		case "customers", "contacts", "contact_points", "phone_keys":
			for i := range s.customers {
				c := s.Customer(casemgr.ID(i + 1))
				switch table {
				case "customers":
					if !yield([]any{c.ID, c.Name, c.Type, c.Department, c.Created.UnixMilli(), c.LastModified.UnixMilli()}, nil) {
						return
					}
				case "contacts":
					for _, ct := range c.Contacts {
						if !yield([]any{ct.ID, ct.Customer, ct.FirstName, ct.LastName}, nil) {
							return
						}
					}
				case "phone_keys":
					// The digit forms the phone matcher finds a point
					// by, as the store writes them.
					for _, ct := range c.Contacts {
						for i := range ct.ContactPoints {
							p := &ct.ContactPoints[i]
							for _, k := range casemgr.PhoneKeys(p) {
								if !yield([]any{k, p.ID, p.Customer}, nil) {
									return
								}
							}
						}
					}
				default:
					for _, ct := range c.Contacts {
						for _, p := range ct.ContactPoints {
							if !yield([]any{p.ID, p.Contact, p.Customer, p.Kind, p.Type, p.Value,
								valueKey(p.Kind, p.Value), encMap(p.Attrs)}, nil) {
								return
							}
						}
					}
				}
			}
		case "cases":
			for i := range s.cases {
				c := s.Case(casemgr.ID(i + 1))
				if !yield([]any{c.ID, c.Department, c.Status, c.Owner, c.Customer, c.Severity, c.Subject,
					c.Description, c.Solution, millisPtr(c.DueDate), c.OriginatingChannel, encMap(c.CustomAttributes),
					c.Created.UnixMilli(), c.CreatedBy, c.LastModified.UnixMilli(), c.LastModifiedBy,
					millisPtr(c.LastClosed)}, nil) {
					return
				}
			}
		case "activities":
			stop := errors.New("stop")
			err := s.Activities(func(a *casemgr.Activity) error {
				if !yield(activityRow(a), nil) {
					return stop
				}
				return nil
			})
			if err != nil && !errors.Is(err, stop) {
				yield(nil, err)
			}
		}
	}
}

func activityRow(a *casemgr.Activity) []any {
	return []any{a.ID, a.Case, a.Department, a.LastDepartment, a.Queue, a.Type, a.Subtype,
		a.Mode, a.Status, a.AssignedUser, a.LockedBy, millisPtr(a.LockExpires), a.Pinned, a.ResponseTo, a.Customer,
		a.Contact, a.ContactPoint, a.ContactPointData, a.Subject, a.ContentText, a.ContentHTML, a.Priority,
		millisPtr(a.DueDate), encMap(a.CustomAttributes), a.Created.UnixMilli(), a.CreatedBy,
		a.LastModified.UnixMilli(), a.LastModifiedBy}
}

func (st *LoadStats) count(table string) int64 {
	switch table {
	case "customers":
		return st.Customers
	case "contacts":
		return st.Contacts
	case "contact_points":
		return st.Points
	case "phone_keys":
		return 0 // not counted ahead: the progress shows no total
	case "cases":
		return st.Cases
	}
	return st.Activities
}

func (st *LoadStats) timed(table string, d time.Duration) {
	switch table {
	case "customers", "contacts", "contact_points", "phone_keys":
		st.customersTime += d
	case "cases":
		st.casesTime += d
	default:
		st.activitiesTime += d
	}
}

// valueKey is the lookup form of a contact point value, as the store
// computes it: email addresses in lower case, phone numbers as their
// digits, others as given.
func valueKey(kind, value string) string {
	switch kind {
	case casemgr.KindEmail:
		return strings.ToLower(value)
	case casemgr.KindPhone:
		if d := casemgr.PhoneDigits(value); d != "" {
			return d
		}
	}
	return value
}

func encMap[V any](m map[string]V) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // maps of strings and string lists cannot fail
	return string(b)
}

func millisPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// copySource feeds pgx's COPY from a row sequence.
type copySource struct {
	next  func() ([]any, error, bool)
	row   []any
	err   error
	count int64
	p     *Progress
}

func (c *copySource) Next() bool {
	row, err, ok := c.next()
	if !ok || err != nil {
		c.err = err
		return false
	}
	c.row = row
	c.count++
	if c.count%4096 == 0 {
		c.p.Add(4096)
	}
	return true
}

func (c *copySource) Values() ([]any, error) { return c.row, nil }
func (c *copySource) Err() error             { return c.err }

// loadPostgres COPYs the bulk tables in one transaction, on one connection
// of the store's driver.
func loadPostgres(ctx context.Context, db *DB, s *Skeleton, p *Progress, stats *LoadStats) error {
	conn, err := db.Write.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '512MB'"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = current_schema() AND i.tablename = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c
				WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
			bulkTableNames())
		if err != nil {
			return err
		}
		type index struct{ name, def string }
		indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
			var x index
			err := r.Scan(&x.name, &x.def)
			return x, err
		})
		if err != nil {
			return fmt.Errorf("list indexes: %w", err)
		}
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{ix.name}.Sanitize()); err != nil {
				return err
			}
		}
		for _, t := range bulkTables {
			start := time.Now()
			p.Start(t.name, stats.count(t.name))
			next, stop := iter.Pull2(s.rows(t.name))
			src := &copySource{next: func() ([]any, error, bool) {
				row, err, ok := next()
				return row, err, ok
			}, p: p}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
			stop()
			if err == nil {
				err = src.err
			}
			if err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
			p.Add(n % 4096)
			p.Done()
			stats.timed(t.name, time.Since(start))
		}
		start := time.Now()
		p.Start("indexes", int64(len(indexes)))
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, ix.def); err != nil {
				return fmt.Errorf("index %s: %w", ix.name, err)
			}
			p.Add(1)
		}
		p.Done()
		stats.Indexes = time.Since(start)
		return tx.Commit(ctx)
	})
}

// sqliteBatch is the number of rows of one multi-row INSERT on SQLite: few
// statements to run, well below the limit of 32766 parameters.
const sqliteBatch = 64

// loadSQLite inserts the bulk tables in one immediate transaction of the
// writer connection, with multi-row prepared INSERTs.
func loadSQLite(ctx context.Context, db *DB, s *Skeleton, p *Progress, stats *LoadStats) error {
	// The writer pool has one connection: these settings hold for the
	// transaction below. A large page cache keeps the index builds in
	// memory.
	if _, err := db.Write.ExecContext(ctx, "PRAGMA cache_size = -524288"); err != nil {
		return err
	}
	defer db.Write.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000") //nolint:errcheck // best effort
	tx, err := db.Write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	marks := make([]string, len(bulkTableNames()))
	for i := range marks {
		marks[i] = "'" + bulkTableNames()[i] + "'"
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN (`+strings.Join(marks, ", ")+`)`)
	if err != nil {
		return err
	}
	type index struct{ name, def string }
	var indexes []index
	for rows.Next() {
		var x index
		if err := rows.Scan(&x.name, &x.def); err != nil {
			_ = rows.Close()
			return err
		}
		indexes = append(indexes, x)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return err
		}
	}
	for _, t := range bulkTables {
		start := time.Now()
		p.Start(t.name, stats.count(t.name))
		if err := insertSQLite(ctx, tx, t.name, t.cols, s.rows(t.name), p); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		p.Done()
		stats.timed(t.name, time.Since(start))
	}
	start := time.Now()
	p.Start("indexes", int64(len(indexes)))
	for _, ix := range indexes {
		if _, err := tx.ExecContext(ctx, ix.def); err != nil {
			return fmt.Errorf("index %s: %w", ix.name, err)
		}
		p.Add(1)
	}
	p.Done()
	stats.Indexes = time.Since(start)
	return tx.Commit()
}

func insertSQLite(ctx context.Context, tx *sql.Tx, table string, cols []string, rows iter.Seq2[[]any, error], p *Progress) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	prefix := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	full, err := tx.PrepareContext(ctx, prefix+strings.TrimSuffix(strings.Repeat(one+", ", sqliteBatch), ", "))
	if err != nil {
		return err
	}
	defer func() { _ = full.Close() }()
	args := make([]any, 0, sqliteBatch*len(cols))
	n := 0
	for row, err := range rows {
		if err != nil {
			return err
		}
		args = append(args, row...)
		n++
		if n == sqliteBatch {
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			p.Add(int64(n))
			args, n = args[:0], 0
		}
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, prefix+strings.TrimSuffix(strings.Repeat(one+", ", n), ", "), args...); err != nil {
			return err
		}
		p.Add(int64(n))
	}
	return nil
}
