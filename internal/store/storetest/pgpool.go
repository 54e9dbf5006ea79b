package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
)

// pgPool keeps the migrated schemas of one PostgreSQL server for reuse by
// the tests of one process. A test takes a schema (a new one is created and
// migrated when none is free) and gives it back when it ends; giving back
// empties every table, puts back the rows the migrations wrote and restarts
// every sequence, so the next test finds exactly what a fresh migration
// leaves. A schema whose structure differs from a freshly migrated one (a
// test that altered it) is dropped instead of reused.
//
// The schemas are named casemgr_pool_<owner>_<n>. The process holds a
// PostgreSQL advisory lock on its owner number for as long as it lives, so
// that a later process can tell the schemas of processes that have ended
// (their lock is free) and drop them.
type pgPool struct {
	dsn   string
	admin *sql.DB
	owner uint32
	lock  *sql.Conn // holds the owner's advisory lock

	mu       sync.Mutex
	free     []string
	made     int
	pristine *pristine // of the first schema, just migrated
}

// pristine is what a freshly migrated schema holds: its structure's
// signature and the rows the migrations wrote, per table, as JSON.
type pristine struct {
	signature string
	seeds     map[string]string
}

// poolLockClass is the first key of the pools' advisory locks (two-key
// form; the second is the owner number).
const poolLockClass = 0x63617365 // "case"

var pools struct {
	sync.Mutex
	byDSN map[string]*pgPool
}

// poolFor returns the process's pool for the server dsn, making it (and
// dropping the schemas of ended processes) on first use.
func poolFor(dsn string) (*pgPool, error) {
	pools.Lock()
	defer pools.Unlock()
	if p, ok := pools.byDSN[dsn]; ok {
		return p, nil
	}
	admin, err := adminDB(dsn)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := &pgPool{dsn: dsn, admin: admin}
	var b [4]byte
	_, _ = rand.Read(b[:])
	p.owner = binary.BigEndian.Uint32(b[:]) & 0x7fffffff
	if p.lock, err = admin.Conn(ctx); err != nil {
		return nil, err
	}
	if _, err := p.lock.ExecContext(ctx, `SELECT pg_advisory_lock($1, $2)`, poolLockClass, int32(p.owner)); err != nil {
		return nil, fmt.Errorf("lock the pool's owner number: %w", err)
	}
	p.dropEnded(ctx)
	if pools.byDSN == nil {
		pools.byDSN = map[string]*pgPool{}
	}
	pools.byDSN[dsn] = p
	return p, nil
}

// dropEnded drops the pool schemas of processes that have ended: those
// whose owner's advisory lock is free. Failures are left for a later run.
func (p *pgPool) dropEnded(ctx context.Context) {
	rows, err := p.lock.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'casemgr\_pool\_%'`)
	if err != nil {
		return
	}
	byOwner := map[uint32][]string{}
	for rows.Next() {
		var name string
		var owner uint32
		var n int
		if rows.Scan(&name) == nil {
			if _, err := fmt.Sscanf(name, "casemgr_pool_%08x_%d", &owner, &n); err == nil && owner != p.owner {
				byOwner[owner] = append(byOwner[owner], name)
			}
		}
	}
	rows.Close()
	for owner, names := range byOwner {
		var free bool
		if p.lock.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, poolLockClass, int32(owner)).Scan(&free) != nil || !free {
			continue
		}
		for _, name := range names {
			_, _ = p.lock.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+name+" CASCADE")
		}
		_, _ = p.lock.ExecContext(ctx, `SELECT pg_advisory_unlock($1, $2)`, poolLockClass, int32(owner))
	}
}

// take returns a free schema, or a new one freshly migrated.
func (p *pgPool) take() (string, error) {
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		name := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return name, nil
	}
	p.made++
	name := fmt.Sprintf("casemgr_pool_%08x_%d", p.owner, p.made)
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := p.admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", fmt.Errorf("create schema %s: %w", name, err)
	}
	if err := p.migrate(ctx, name); err != nil {
		p.drop(name)
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pristine == nil {
		pr, err := p.capture(ctx, name)
		if err != nil {
			p.drop(name)
			return "", err
		}
		p.pristine = pr
	}
	return name, nil
}

// migrate runs the migrations on schema.
func (p *pgPool) migrate(ctx context.Context, schema string) error {
	u, err := withSearchPath(p.dsn, schema)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, u)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// give takes a schema back when its test has ended: emptied for reuse, or
// dropped when it cannot be.
func (p *pgPool) give(t testing.TB, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.reset(ctx, schema); err != nil {
		t.Logf("schema %s is dropped, not reused: %v", schema, err)
		p.drop(schema)
		return
	}
	p.mu.Lock()
	p.free = append(p.free, schema)
	p.mu.Unlock()
}

func (p *pgPool) drop(schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, _ = p.admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
}

// signatureSQL describes a schema's structure (run with search_path set to
// it, so that no name in it is qualified by the schema's own).
const signatureSQL = `SELECT coalesce(md5(string_agg(x, E'\n' ORDER BY x)), '') FROM (
  SELECT c.relkind::text || ' ' || c.relname AS x FROM pg_class c WHERE c.relnamespace = $1::text::regnamespace
  UNION ALL
  SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
         || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = $1::text::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::text::regnamespace
  UNION ALL
  SELECT 'index ' || indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = $1::text::regnamespace
  UNION ALL
  SELECT 'trigger ' || t.tgname || ' ' || t.tgenabled::text || ' ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = $1::text::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p WHERE p.pronamespace = $1::text::regnamespace
) s`

// inSchema runs fn in one transaction whose search_path is schema.
func (p *pgPool) inSchema(ctx context.Context, schema string, fn func(tx *sql.Tx) error) error {
	tx, err := p.admin.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL search_path TO "+schema); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// tables lists schema's tables, but the record of applied migrations.
func tables(ctx context.Context, tx *sql.Tx, schema string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations' ORDER BY tablename`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// capture reads a freshly migrated schema's pristine state.
func (p *pgPool) capture(ctx context.Context, schema string) (*pristine, error) {
	pr := &pristine{seeds: map[string]string{}}
	err := p.inSchema(ctx, schema, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, signatureSQL, schema).Scan(&pr.signature); err != nil {
			return fmt.Errorf("signature: %w", err)
		}
		names, err := tables(ctx, tx, schema)
		if err != nil {
			return err
		}
		for _, n := range names {
			var rows sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT json_agg(t)::text FROM `+quoteIdent(n)+` t`).Scan(&rows); err != nil {
				return fmt.Errorf("seed rows of %s: %w", n, err)
			}
			if rows.Valid {
				pr.seeds[n] = rows.String
			}
		}
		return nil
	})
	return pr, err
}

// reset empties schema back to its pristine state, in one transaction.
func (p *pgPool) reset(ctx context.Context, schema string) error {
	p.mu.Lock()
	pr := p.pristine
	p.mu.Unlock()
	if pr == nil {
		return errors.New("no pristine state")
	}
	return p.inSchema(ctx, schema, func(tx *sql.Tx) error {
		var sig string
		if err := tx.QueryRowContext(ctx, signatureSQL, schema).Scan(&sig); err != nil {
			return fmt.Errorf("signature: %w", err)
		}
		if sig != pr.signature {
			return errors.New("the test changed the schema's structure")
		}
		// Replica mode skips foreign keys and triggers (the append-only
		// history's, say) while the tables are emptied.
		if _, err := tx.ExecContext(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return err
		}
		names, err := tables(ctx, tx, schema)
		if err != nil {
			return err
		}
		stmts := make([]string, 0, len(names))
		for _, n := range names {
			stmts = append(stmts, "DELETE FROM "+quoteIdent(n))
		}
		if _, err := tx.ExecContext(ctx, strings.Join(stmts, ";\n")); err != nil {
			return fmt.Errorf("empty the tables: %w", err)
		}
		for n, rows := range pr.seeds {
			q := `INSERT INTO ` + quoteIdent(n) + ` SELECT * FROM json_populate_recordset(NULL::` + quoteIdent(n) + `, $1::json)`
			if _, err := tx.ExecContext(ctx, q, rows); err != nil {
				return fmt.Errorf("put back the rows of %s: %w", n, err)
			}
		}
		_, err = tx.ExecContext(ctx, `SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) FROM pg_sequences WHERE schemaname = $1`, schema)
		return err
	})
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// withSearchPath is dsn with its connections' search_path set to schema.
func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
