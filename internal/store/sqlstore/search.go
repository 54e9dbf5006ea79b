package sqlstore

import (
	"math"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The searches of activities, cases and customers share their shape: the
// conditions of a filter joined with AND, a count of all matches, and one
// page of them in a sort order with ties broken by ID.

// search collects the conditions of a search and their parameters.
type search struct {
	where []string
	args  []any
}

// add adds a condition with its parameters.
func (s *search) add(cond string, vals ...any) {
	s.where = append(s.where, cond)
	s.args = append(s.args, vals...)
}

// timeRange adds the ends of a date range on col that are set.
func (s *search) timeRange(col string, r casemgr.TimeRange) {
	if r.From != nil {
		s.add(col+" >= ?", millis(*r.From))
		if r.To == nil {
			// An open range gets its end spelled out: SQLite's planner,
			// without statistics of the values, estimates a range bounded
			// on both sides as four times narrower, and then reads it
			// through the index on the column instead of scanning the
			// table in ID order. With one bound the choice tipped with the
			// width of a row (TestHotQueriesUseIndexes).
			s.add(col+" <= ?", int64(math.MaxInt64))
		}
	}
	if r.To != nil {
		s.add(col+" <= ?", millis(*r.To))
	}
}

// queries returns the count of the matches in from and the query of one
// page of them (its LIMIT and OFFSET the last two parameters, after args),
// selecting cols, ordered by col of the table alias (alias "" for none or
// "c."), and by ID in the same direction after col; rows without a due
// date sort last.
func (s *search) queries(cols, from, alias, col string, descending bool) (count, page string, args []any) {
	cond := ""
	if len(s.where) > 0 {
		cond = " WHERE " + strings.Join(s.where, " AND ")
	}
	dir := " ASC"
	if descending {
		dir = " DESC"
	}
	order := alias + col + dir
	if col == "due_date" {
		order += " NULLS LAST"
	}
	if col != "id" {
		order += ", " + alias + "id" + dir
	}
	return `SELECT COUNT(*) FROM ` + from + cond,
		`SELECT ` + cols + ` FROM ` + from + cond + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`, s.args
}

// searchPage runs the queries of a search: the count of all matches, then,
// unless the page starts past them, the page from offset, at most limit
// rows (0: no limit), each scanned by scan.
func searchPage[T any](t *tx, op string, scan func(scanner) (T, error), count, page string, args []any,
	offset, limit int) ([]T, int, error) {
	var total int
	if err := t.queryRow(count, args, &total); err != nil {
		return nil, 0, t.wrap(op, err)
	}
	offset = max(offset, 0)
	if total == 0 || offset >= total {
		return nil, total, nil
	}
	n := int64(math.MaxInt64)
	if limit > 0 {
		n = int64(limit)
	}
	list, err := queryList(t, op, scan, page, append(args, n, int64(offset))...)
	return list, total, err
}

// scanID scans a row of one ID.
func scanID(r scanner) (casemgr.ID, error) {
	var id casemgr.ID
	return id, r.Scan(&id)
}
