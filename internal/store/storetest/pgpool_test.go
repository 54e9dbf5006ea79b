package storetest

import (
	"context"
	"database/sql"
	"testing"
)

// pooled takes a schema of the pool of the test server, with the admin
// connection to reach it.
func pooled(t *testing.T) (*pgPool, string) {
	t.Helper()
	p, err := poolFor(postgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := p.take()
	if err != nil {
		t.Fatal(err)
	}
	return p, schema
}

// A schema given back to the pool is, for the next test, what a fresh
// migration leaves: tables empty but for the migrations' rows (as the
// migrations wrote them), sequences restarted, structure unchanged.
func TestPooledSchemaIsGivenBackAsFreshlyMigrated(t *testing.T) {
	p, schema := pooled(t)
	ctx := context.Background()
	err := p.inSchema(ctx, schema, func(tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO departments (name) VALUES ('Sales'), ('Service')`,
			`INSERT INTO settings (id, customer_departmentalization) VALUES (1, TRUE)`,
			`UPDATE config_version SET version = version + 7`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p.give(t, schema)
	p.mu.Lock()
	reused := len(p.free) > 0 && p.free[len(p.free)-1] == schema
	p.mu.Unlock()
	if !reused {
		t.Fatalf("schema %s was not put back in the pool", schema)
	}
	if again, err := p.take(); err != nil || again != schema {
		t.Fatalf("take after give: %s, %v; want %s", again, err, schema)
	}
	defer p.give(t, schema)

	now, err := p.capture(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	if now.signature != p.pristine.signature {
		t.Error("the structure differs from a freshly migrated schema's")
	}
	if len(now.seeds) != len(p.pristine.seeds) {
		t.Errorf("tables with rows: %v, want %v", now.seeds, p.pristine.seeds)
	}
	for table, rows := range p.pristine.seeds {
		if now.seeds[table] != rows {
			t.Errorf("%s holds %s, want %s", table, now.seeds[table], rows)
		}
	}
	var id int64
	err = p.inSchema(ctx, schema, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO departments (name) VALUES ('Sales') RETURNING id`).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Errorf("the first department after a reset has id %d, want 1 (sequence restarted)", id)
	}
}

// A schema whose structure a test changed is dropped, never reused.
func TestPooledSchemaChangedByATestIsDropped(t *testing.T) {
	p, schema := pooled(t)
	ctx := context.Background()
	err := p.inSchema(ctx, schema, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `ALTER TABLE departments ADD COLUMN colour TEXT`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	p.give(t, schema)
	p.mu.Lock()
	for _, s := range p.free {
		if s == schema {
			t.Errorf("schema %s is back in the pool", schema)
		}
	}
	p.mu.Unlock()
	var exists bool
	if err := p.admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("schema %s still exists", schema)
	}
}
