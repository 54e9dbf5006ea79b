package sqlstore

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect says what an engine can do. The queries themselves are written
// once, with ? placeholders, and pass through dialect.sql; the code asks for
// a capability by its name (can the engine lock rows? take an array?), never
// which engine it runs on, as river's drivers do.
type dialect struct {
	name string
	// numberedParams: placeholders are $1, $2, ... rather than ?.
	numberedParams bool
	// arrayParams: a list travels as one array parameter (= ANY(?));
	// otherwise as a JSON array the query reads with json_each.
	arrayParams bool
	// lockRows: SELECT ... FOR UPDATE locks rows. SQLite has no row locks;
	// its write transactions are serialized instead.
	lockRows bool
	// batchWrites: many rows are written by one statement over arrays of
	// their values (UPDATE ... FROM unnest), which saves a round trip per row
	// where each costs one.
	batchWrites bool
	// driverCachesStatements: the driver prepares and caches statements per
	// connection itself (pgx), so sqlstore keeps no prepared statements.
	driverCachesStatements bool
	// lazyBegin: a transaction holds a connection and sends its BEGIN with
	// its first statement (pipeline.go), one round trip fewer.
	lazyBegin bool
	// advisoryLocks: migrations take an advisory lock, so that two servers
	// starting together do not migrate one schema twice.
	advisoryLocks bool
	// listenNotify: the engine tells other connections that the
	// configuration changed (LISTEN/NOTIFY), so a copy of it can be kept in
	// memory between transactions (config.go).
	listenNotify bool
	// sequences: IDs come from sequences, which must be moved past the IDs a
	// fixture document gave out; SQLite's next rowid follows MAX(id) itself.
	sequences bool
	// jsonb: JSON columns are queried with jsonb operators (@>); otherwise
	// their values are read with json_each.
	jsonb bool

	rebound sync.Map // query with ? -> query with $n
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", numberedParams: true, arrayParams: true, lockRows: true,
		batchWrites: true, driverCachesStatements: true, lazyBegin: true, advisoryLocks: true, listenNotify: true, sequences: true, jsonb: true}
)

// sql returns q in the engine's placeholder style. Rebinding is cached: the
// set of distinct queries is small and fixed by the code.
func (d *dialect) sql(q string) string {
	if !d.numberedParams {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	r := rebind(q)
	d.rebound.Store(q, r)
	return r
}

// rebind turns ? placeholders into $1, $2, ..., leaving string literals alone.
func rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// in returns a condition "col is one of the values of one parameter". One
// parameter, whatever the number of values, keeps the query text fixed so the
// engines reuse its plan: SQLite reads a JSON array with json_each, PostgreSQL
// takes an array.
func (d *dialect) in(col string) string {
	if d.arrayParams {
		return col + " = ANY(?)"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// ids is the parameter for in() of a list of IDs.
func (d *dialect) ids(ids []int64) any {
	if d.arrayParams {
		if ids == nil {
			return []int64{}
		}
		return ids
	}
	// The JSON array, written directly: what json.Marshal writes for
	// []int64, without its allocations.
	if ids == nil {
		return "null"
	}
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// strs is the parameter for in() of a list of strings.
func (d *dialect) strs(list []string) any {
	if d.arrayParams {
		if list == nil {
			return []string{}
		}
		return list
	}
	b, _ := json.Marshal(list) // cannot fail for []string
	return string(b)
}

// forUpdate returns the locking clause of a SELECT in a transaction that may
// write: PostgreSQL locks the rows it returns (in the ORDER BY id of the
// query, so bulk operations lock in a stable order and cannot deadlock).
func (d *dialect) forUpdate(lock bool) string {
	if lock && d.lockRows {
		return " FOR UPDATE"
	}
	return ""
}

// forUpdateSkipLocked is forUpdate that passes over the rows another
// transaction holds locked rather than waiting for them: concurrent pulls
// each take other rows. SQLite, with one writer at a time, needs none.
func (d *dialect) forUpdateSkipLocked(lock bool) string {
	if lock && d.lockRows {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// retryable reports whether a transaction failed only because it raced
// another one (PostgreSQL serialization failure or deadlock), so running it
// again may succeed. SQLite serializes its writers and never fails so.
func (d *dialect) retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}
