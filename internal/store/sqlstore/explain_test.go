package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/bench"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// bigTables are the tables that grow with the world: a hot query must never
// read one of them whole.
var bigTables = map[string]bool{"activities": true, "cases": true, "customers": true, "contacts": true,
	"contact_points": true, "phone_keys": true, "tokens": true, "sessions": true, "history": true}

// worldTables are the big tables that a generated world fills; tokens,
// sessions and history grow with use instead.
var worldTables = map[string]bool{"activities": true, "cases": true, "customers": true, "contacts": true,
	"contact_points": true, "phone_keys": true}

// explainWorldEnv names a database holding a world made by 'casemgr bench
// world' (at least 40000 activities, e.g. the 10M world of
// docs/performance.md) to check the plans against instead of a generated
// one. That world is only read; its tokens, sessions and history are what
// use left there, so only the world's own tables are checked for scans.
const explainWorldEnv = "CASEMGR_EXPLAIN_WORLD"

// explainDB opens the database of engine to explain the hot queries in: the
// world of explainWorldEnv when it is set (and of that engine; the engine's
// subtest is skipped otherwise), a generated one (explainWorld) otherwise.
// It returns the tables no plan may scan.
func explainDB(t *testing.T, engine string, generate func() string) (*bench.DB, map[string]bool) {
	t.Helper()
	url := os.Getenv(explainWorldEnv)
	if url == "" {
		return explainWorld(t, generate()), bigTables
	}
	if strings.HasPrefix(url, "sqlite:") != (engine == "sqlite") {
		t.Skipf("%s holds a world of the other engine", explainWorldEnv)
	}
	db, err := bench.OpenDB(t.Context(), url, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, worldTables
}

// explainWorld fills the database of url with a generated world of 40000
// activities, 50000 sessions (of 20000 users) with their tokens and 100000
// history entries, and refreshes the planner's statistics, so that its
// choices are those of a real database: on a table of a few rows a full
// scan is the right plan.
func explainWorld(t *testing.T, url string) *bench.DB {
	t.Helper()
	ctx := t.Context()
	cfg := bench.WorldConfig{Customers: 4000, Cases: 10000, Activities: 40000, BenchUsers: 4, BulkCases: 3, Seed: 3}
	if _, err := bench.LoadWorld(ctx, url, cfg, bench.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := bench.OpenDB(ctx, url, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	series := func(n int) string {
		if db.Engine == bench.Postgres {
			return fmt.Sprintf("generate_series(1, %d) AS g(x)", n)
		}
		return fmt.Sprintf("(WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %d) SELECT x FROM s) g", n)
	}
	for _, q := range []string{
		`INSERT INTO sessions (id, user_id, client_id, created, expires) SELECT 's' || x, 101 + x % 20000, '', 0, 9999999999999 FROM ` + series(50000),
		`INSERT INTO tokens (hash, session_id, kind, expires) SELECT 'h' || x, 's' || x, 'access', 9999999999999 FROM ` + series(50000),
		`INSERT INTO history (entity, entity_id, action, actor, at) SELECT 'activity', x % 40000, 'transfer', 'user:1', 0 FROM ` + series(100000),
		`ANALYZE`,
	} {
		if _, err := db.Write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return db
}

// The queries of the hot paths read the big tables through their indexes,
// on both engines: no sequential scan of activities, cases, customers,
// contacts, contact points, tokens, sessions or history. On PostgreSQL both
// the plan for the parameters at hand and the generic plan that a cached
// prepared statement may switch to are checked.
func TestHotQueriesUseIndexes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db, big := explainDB(t, "sqlite", func() string { return "sqlite://" + filepath.Join(t.TempDir(), "explain.db") })
		for _, q := range sqlstore.HotQueries("sqlite") {
			plan := sqlitePlan(t, db, q)
			for _, step := range plan {
				// "SCAN t" reads t whole (its rows or one of its
				// indexes); "SEARCH t USING ..." does not.
				f := strings.Fields(step)
				if len(f) >= 2 && f[0] == "SCAN" && big[f[1]] {
					t.Errorf("%s scans %s:\n%s\n%s", q.Name, f[1], q.SQL, strings.Join(plan, "\n"))
				}
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		db, big := explainDB(t, "postgres", func() string { return storetest.PostgresSchema(t) })
		ctx := t.Context()
		// One connection, so the session setting below holds for every
		// statement.
		conn, err := db.Read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for i, q := range sqlstore.HotQueries("postgres") {
			var raw string
			if err := conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...).Scan(&raw); err != nil {
				t.Fatalf("%s: %v", q.Name, err)
			}
			checkPostgresPlan(t, big, q.Name+" (plan for its parameters)", q.SQL, raw)
			if q.RangeOnly {
				continue
			}

			name := fmt.Sprintf("hot%d", i)
			if _, err := conn.ExecContext(ctx, "PREPARE "+name+" AS "+q.SQL); err != nil {
				t.Fatalf("%s: prepare: %v", q.Name, err)
			}
			if err := generic(ctx, conn, name, q.Args, &raw); err != nil {
				t.Fatalf("%s: %v", q.Name, err)
			}
			checkPostgresPlan(t, big, q.Name+" (generic plan)", q.SQL, raw)
		}
	})
}

// sqlitePlan returns the steps of SQLite's plan of q, one line each.
func sqlitePlan(t *testing.T, db *bench.DB, q sqlstore.HotQuery) []string {
	t.Helper()
	rows, err := db.Read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
	if err != nil {
		t.Fatalf("%s: %v", q.Name, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q.Name, err)
	}
	return plan
}

// generic explains the generic plan of a prepared statement.
func generic(ctx context.Context, conn *sql.Conn, name string, args []any, raw *string) error {
	lits := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int64:
			lits[i] = fmt.Sprint(v)
		case string:
			lits[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		case []int64:
			parts := make([]string, len(v))
			for j, x := range v {
				parts[j] = fmt.Sprint(x)
			}
			lits[i] = "'{" + strings.Join(parts, ",") + "}'"
		case []string:
			lits[i] = "'{" + strings.Join(v, ",") + "}'"
		default:
			return fmt.Errorf("no literal for %T", a)
		}
	}
	if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "RESET plan_cache_mode") //nolint:errcheck // the connection is the test's
	exec := "EXECUTE " + name
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	return conn.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+exec).Scan(raw)
}

// checkPostgresPlan fails the test when the plan reads a big table with a
// sequential scan.
func checkPostgresPlan(t *testing.T, big map[string]bool, name, query, raw string) {
	t.Helper()
	plan := postgresPlan(t, name, raw)
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.NodeType == "Seq Scan" && big[n.Relation] {
			t.Errorf("%s scans %s sequentially:\n%s\n%s", name, n.Relation, query, raw)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plan)
}

// postgresPlan reads the top node of a plan of EXPLAIN (FORMAT JSON).
func postgresPlan(t *testing.T, name, raw string) planNode {
	t.Helper()
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) == 0 {
		t.Fatalf("%s: unreadable plan %s: %v", name, raw, err)
	}
	return plans[0].Plan
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// TestReadOfActivitiesToShowLooksCustomersUpInSmallWorlds: on PostgreSQL
// the generic plans of the reads of activities with what they show (of a
// list, and of one activity) look each activity's customer, contacts and
// point up by their IDs in a small world too (10 000
// activities, 1 000 customers), where a plan made without knowing the
// number of IDs would otherwise read the customers whole for a hash join
// at every GET.
func TestReadOfActivitiesToShowLooksCustomersUpInSmallWorlds(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := t.Context()
	cfg := bench.WorldConfig{Customers: 1000, Cases: 2000, Activities: 10000, BenchUsers: 4, BulkCases: 3, Seed: 3}
	if _, err := bench.LoadWorld(ctx, url, cfg, bench.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := bench.OpenDB(ctx, url, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	// The statement of a list (one ID in it) and that of one activity,
	// which GET /activity/{id} runs.
	args := map[string]any{
		"activities with their customers, contacts and points to show": []int64{517},
		"an activity with its customer, contact and point to show":     int64(517),
	}
	checked := 0
	for _, q := range sqlstore.HotQueries("postgres") {
		arg, ok := args[q.Name]
		if !ok {
			continue
		}
		name := fmt.Sprintf("shown%d", checked)
		if _, err := conn.ExecContext(ctx, "PREPARE "+name+" AS "+q.SQL); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := generic(ctx, conn, name, []any{arg}, &raw); err != nil {
			t.Fatal(err)
		}
		checkPostgresPlan(t, bigTables, q.Name+" (generic plan, 1 000 customers)", q.SQL, raw)
		checked++
	}
	if checked != len(args) {
		t.Fatalf("%d of the %d reads of activities to show are among the hot queries", checked, len(args))
	}
}

// countedFromIndexes are the searches whose matches grow with the world
// (an agent holds more work, more changes a day): their count, which
// paginationInfo carries, must read an index alone, not every matching
// row; and the page of an agent's work must come in the order of its
// index, not from a sort of every match.
var countedFromIndexes = []string{
	"search an agent's assigned work, newest first (count)",
	"search what changed since, for a user (count)",
	"search what changed since, for a client (count)",
	"case search an owner's open cases (count)",
}

// orderedByIndex are the pages of those searches that come in their
// index's order.
var orderedByIndex = map[string]bool{
	"search an agent's assigned work, newest first (page)": true,
	"case search an owner's open cases (page)":             true,
}

// TestSearchesThatGrowWithTheWorldCountFromAnIndex: the counts of an
// agent's assigned work, of what changed since and of an owner's open
// cases read one index and no row (SQLite: a covering index; PostgreSQL:
// an index-only scan, which needs a vacuumed table as well), and
// an agent's work newest first and an owner's cases by lastModified are
// read in their index's order. At 10M activities, counting an agent's
// 40 000 assigned activities row by row took 0.2 s on SQLite and 1 s on
// PostgreSQL; from the index, 3 and 15 ms (docs/performance.md).
func TestSearchesThatGrowWithTheWorldCountFromAnIndex(t *testing.T) {
	want := maps.Clone(orderedByIndex)
	for _, n := range countedFromIndexes {
		want[n] = true
	}
	t.Run("sqlite", func(t *testing.T) {
		db, _ := explainDB(t, "sqlite", func() string { return "sqlite://" + filepath.Join(t.TempDir(), "explain.db") })
		seen := 0
		for _, q := range sqlstore.HotQueries("sqlite") {
			if !want[q.Name] {
				continue
			}
			seen++
			text := strings.Join(sqlitePlan(t, db, q), "\n")
			if orderedByIndex[q.Name] {
				if strings.Contains(text, "USE TEMP B-TREE FOR ORDER BY") {
					t.Errorf("%s sorts every match:\n%s\n%s", q.Name, q.SQL, text)
				}
				continue
			}
			if !strings.Contains(text, "USING COVERING INDEX") || strings.Contains(text, "USING INDEX") {
				t.Errorf("%s reads the rows it counts:\n%s\n%s", q.Name, q.SQL, text)
			}
		}
		if seen != len(want) {
			t.Fatalf("%d of the %d searches are among the hot queries", seen, len(want))
		}
	})
	t.Run("postgres", func(t *testing.T) {
		db, _ := explainDB(t, "postgres", func() string { return storetest.PostgresSchema(t) })
		// Whether PostgreSQL answers from the index alone depends on the
		// table's visibility map too, which VACUUM (bench world, or
		// autovacuum) sets, and which the snapshots of concurrent tests
		// on the same server keep it from setting. Without bitmap scans
		// the planner shows whether the index can: an index-only scan
		// when it holds every column the count reads, an index scan
		// reading the rows otherwise.
		conn, err := db.Read.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(t.Context(), "SET enable_bitmapscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(context.WithoutCancel(t.Context()), "RESET enable_bitmapscan") //nolint:errcheck // the connection is the test's
		seen := 0
		for _, q := range sqlstore.HotQueries("postgres") {
			if !want[q.Name] {
				continue
			}
			seen++
			var raw string
			if err := conn.QueryRowContext(t.Context(), "EXPLAIN (FORMAT JSON) "+q.SQL, q.Args...).Scan(&raw); err != nil {
				t.Fatalf("%s: %v", q.Name, err)
			}
			plan := postgresPlan(t, q.Name, raw)
			var nodes []string
			var walk func(n planNode)
			walk = func(n planNode) {
				if n.Relation == "activities" || n.Relation == "cases" || n.NodeType == "Sort" {
					nodes = append(nodes, n.NodeType)
				}
				for _, c := range n.Plans {
					walk(c)
				}
			}
			walk(plan)
			if orderedByIndex[q.Name] {
				if slices.Contains(nodes, "Sort") || !slices.Contains(nodes, "Index Scan") {
					t.Errorf("%s does not read in its index's order (%v):\n%s\n%s", q.Name, nodes, q.SQL, raw)
				}
				continue
			}
			if len(nodes) != 1 || nodes[0] != "Index Only Scan" {
				t.Errorf("%s reads the rows it counts (%v):\n%s\n%s", q.Name, nodes, q.SQL, raw)
			}
		}
		if seen != len(want) {
			t.Fatalf("%d of the %d searches are among the hot queries", seen, len(want))
		}
	})
}
