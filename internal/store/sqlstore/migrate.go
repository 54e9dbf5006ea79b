package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The migrations of each engine: numbered files NNNN_name.sql, applied in
// order, each once, in one transaction with the record of it.
//
//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int64
	name    string
	sql     string
}

// migrations lists the embedded migrations of an engine in version order.
func migrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var list []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		list = append(list, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	for i := 1; i < len(list); i++ {
		if list[i].version == list[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", list[i-1].name, list[i].name)
		}
	}
	return list, nil
}

// Migrate applies the migrations not applied yet, recording each in
// schema_migrations. Running it again changes nothing. Processes migrating
// one database at once take turns: on PostgreSQL through a transaction-level
// advisory lock (per schema), on SQLite through the immediate write
// transaction.
func (s *Store) Migrate(ctx context.Context) error {
	list, err := migrations(s.d.name)
	if err != nil {
		return fmt.Errorf("%s: %w", s.d.name, err)
	}
	sqlTx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: migrate: begin: %w", s.d.name, err)
	}
	defer func() { _ = sqlTx.Rollback() }() // a no-op after Commit
	if err := s.migrate(ctx, sqlTx, list); err != nil {
		return fmt.Errorf("%s: migrate: %w", s.d.name, err)
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("%s: migrate: commit: %w", s.d.name, err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context, sqlTx *sql.Tx, list []migration) error {
	if s.d.advisoryLocks {
		// The second key is the schema, so tests migrating their own
		// schemas in parallel don't wait for each other.
		if _, err := sqlTx.ExecContext(ctx,
			`SELECT pg_advisory_xact_lock(hashtext('casemgr.migrate'), hashtext(coalesce(current_schema(), '')))`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := sqlTx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY,
		name    TEXT NOT NULL,
		applied BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := sqlTx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for _, m := range list {
		if applied[m.version] {
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply %s: %w", m.name, err)
		}
		if step := migrationSteps[m.version]; step != nil {
			if err := step(ctx, s.d, sqlTx); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
		}
		if _, err := sqlTx.ExecContext(ctx, s.d.sql(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`),
			m.version, m.name, millis(time.Now())); err != nil {
			return fmt.Errorf("record %s: %w", m.name, err)
		}
	}
	return nil
}

// migrationSteps are the parts of migrations that SQL alone cannot do the
// same way on both engines, run in Go right after the migration's SQL, in
// its transaction.
var migrationSteps = map[int64]func(ctx context.Context, d *dialect, sqlTx *sql.Tx) error{
	32: fillPhoneKeys,
}

// fillPhoneKeys writes the phone keys (casemgr.PhoneKeys) of the phone
// contact points stored before migration 32 created their table.
func fillPhoneKeys(ctx context.Context, d *dialect, sqlTx *sql.Tx) error {
	rows, err := sqlTx.QueryContext(ctx, d.sql(`SELECT id, customer_id, value, attrs FROM contact_points WHERE kind = ?`), casemgr.KindPhone)
	if err != nil {
		return err
	}
	var points []casemgr.ContactPoint
	for rows.Next() {
		p := casemgr.ContactPoint{Kind: casemgr.KindPhone}
		var attrs string
		if err := rows.Scan(&p.ID, &p.Customer, &p.Value, &attrs); err != nil {
			rows.Close()
			return err
		}
		if p.Attrs, err = decMap[string](attrs, "contact point attrs"); err != nil {
			rows.Close()
			return err
		}
		points = append(points, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	insert := d.sql(`INSERT INTO phone_keys (digits, contact_point_id, customer_id) VALUES (?, ?, ?)`)
	for i := range points {
		for _, k := range casemgr.PhoneKeys(&points[i]) {
			if _, err := sqlTx.ExecContext(ctx, insert, k, points[i].ID, points[i].Customer); err != nil {
				return err
			}
		}
	}
	return nil
}
