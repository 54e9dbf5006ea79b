package sqlstore

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect holds what differs between the engines. The queries themselves are
// written once, with ? placeholders, and pass through dialect.sql.
type dialect struct {
	name string
	// dollar: placeholders are $1, $2, ... rather than ?.
	dollar bool
	// lockRows: SELECT ... FOR UPDATE locks rows. SQLite has no row locks;
	// its write transactions are serialized instead.
	lockRows bool

	rebound sync.Map // query with ? -> query with $n
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", dollar: true, lockRows: true}
)

// sql returns q in the engine's placeholder style. Rebinding is cached: the
// set of distinct queries is small and fixed by the code.
func (d *dialect) sql(q string) string {
	if !d.dollar {
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
	if d.dollar {
		return col + " = ANY(?)"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// ids is the parameter for in() of a list of IDs.
func (d *dialect) ids(ids []int64) any {
	if d.dollar {
		if ids == nil {
			return []int64{}
		}
		return ids
	}
	b, _ := json.Marshal(ids) // cannot fail for []int64
	return string(b)
}

// strs is the parameter for in() of a list of strings.
func (d *dialect) strs(list []string) any {
	if d.dollar {
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

// retryable reports whether a transaction failed only because it raced
// another one (PostgreSQL serialization failure or deadlock), so running it
// again may succeed.
func (d *dialect) retryable(err error) bool {
	if !d.dollar {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}
