package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var cases = newTable("cases", "department_id", "status", "owner_id", "customer_id", "severity",
	"subject", "description", "solution", "due_date", "originating_channel", "custom_attributes",
	"created", "created_by", "last_modified", "last_modified_by", "last_closed")

func scanCase(r scanner) (casemgr.Case, error) {
	var c casemgr.Case
	var due, closed sql.NullInt64
	var attrs string
	var created, modified int64
	if err := r.Scan(&c.ID, &c.Department, &c.Status, &c.Owner, &c.Customer, &c.Severity,
		&c.Subject, &c.Description, &c.Solution, &due, &c.OriginatingChannel, &attrs,
		&created, &c.CreatedBy, &modified, &c.LastModifiedBy, &closed); err != nil {
		return c, err
	}
	c.DueDate, c.LastClosed = fromNullMillis(due), fromNullMillis(closed)
	c.Created, c.LastModified = fromMillis(created), fromMillis(modified)
	var err error
	c.CustomAttributes, err = decMap[[]string](attrs, "case customAttributes")
	return c, err
}

func caseValues(c *casemgr.Case) []any {
	return []any{c.Department, c.Status, c.Owner, c.Customer, c.Severity,
		c.Subject, c.Description, c.Solution, millisPtr(c.DueDate), c.OriginatingChannel,
		encMap(c.CustomAttributes), millis(c.Created), c.CreatedBy, millis(c.LastModified),
		c.LastModifiedBy, millisPtr(c.LastClosed)}
}

// Cases returns the cases with the given IDs in ID order, each with its
// related cases (sorted), locking them when forUpdate is set in a Write:
// one query (a row per relation).
func (t *tx) Cases(ids []casemgr.ID, forUpdate bool) ([]casemgr.Case, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	type row struct {
		c       casemgr.Case
		related sql.NullInt64
	}
	rows, err := queryList(t, "cases", func(r scanner) (row, error) {
		var x row
		var err error
		x.c, err = scanCase(relatedScanner{r, &x.related})
		return x, err
	}, t.d.casesSQL(forUpdate && t.write), t.d.ids(ids))
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var list []casemgr.Case
	for _, x := range rows {
		if n := len(list); n == 0 || list[n-1].ID != x.c.ID {
			list = append(list, x.c)
		}
		if x.related.Valid {
			c := &list[len(list)-1]
			c.RelatedCases = append(c.RelatedCases, x.related.Int64)
		}
	}
	return list, nil
}

// casesSQL is the query of cases by ID with their related cases (a row
// per relation), the cases locked when lock is set and the engine has row
// locks.
func (d *dialect) casesSQL(lock bool) string {
	forUpdate := ""
	if lock && d.lockRows {
		forUpdate = " FOR UPDATE OF c" // not the relations: they are only ever added
	}
	return `SELECT c.` + strings.ReplaceAll(cases.all, ", ", ", c.") + `, r.related_id FROM cases c LEFT JOIN case_relations r ON r.case_id = c.id
		WHERE ` + d.in("c.id") + ` ORDER BY c.id, r.related_id` + forUpdate
}

// relatedScanner scans a case row followed by one more column.
type relatedScanner struct {
	r    scanner
	last any
}

func (s relatedScanner) Scan(dest ...any) error { return s.r.Scan(append(dest, s.last)...) }

// InsertCase stores a new case; a zero ID is assigned and written back. Its
// RelatedCases are related to it, both ways.
func (t *tx) InsertCase(c *casemgr.Case) error {
	const op = "insert case"
	if err := t.writable(op); err != nil {
		return err
	}
	if err := t.insertRow(op, cases, &c.ID, caseValues(c)...); err != nil {
		return err
	}
	return t.relate(op, c.ID, c.RelatedCases)
}

// UpdateCase writes every field of an existing case. Cases in RelatedCases
// that are not related yet are related (both ways); relations are never
// removed here, so a stale RelatedCases cannot undo a RelateCases.
func (t *tx) UpdateCase(c *casemgr.Case) error {
	const op = "update case"
	if err := t.writable(op); err != nil {
		return err
	}
	if err := t.updateRow(op, cases, c.ID, caseValues(c)...); err != nil {
		return err
	}
	return t.relate(op, c.ID, c.RelatedCases)
}

// RelateCases records that a and b are related, both ways; relating related
// cases (or a case to itself) changes nothing.
func (t *tx) RelateCases(a, b casemgr.ID) error {
	const op = "relate cases"
	if err := t.writable(op); err != nil {
		return err
	}
	return t.relate(op, a, []casemgr.ID{b})
}

func (t *tx) relate(op string, a casemgr.ID, others []casemgr.ID) error {
	for _, b := range others {
		if b == a || b == 0 {
			continue
		}
		if _, err := t.exec(op, `INSERT INTO case_relations (case_id, related_id) VALUES (?, ?), (?, ?)
			ON CONFLICT (case_id, related_id) DO NOTHING`, a, b, b, a); err != nil {
			return err
		}
	}
	return nil
}

// caseSortColumns maps the sorts of CaseFilter to columns; only these are
// ever put into the ORDER BY of a case search.
var caseSortColumns = map[string]string{"": "id", "id": "id", "created": "created",
	"lastModified": "last_modified", "dueDate": "due_date"}

// SearchCases returns the IDs of one page of the cases matching f and the
// number of all matches. Cases without a due date sort after those with
// one; ties are broken by ID in the sort's direction.
func (t *tx) SearchCases(f casemgr.CaseFilter) ([]casemgr.ID, int, error) {
	const op = "search cases"
	col, ok := caseSortColumns[f.Sort]
	if !ok {
		return nil, 0, t.wrap(op, fmt.Errorf("unknown sort %q", f.Sort))
	}
	if f.NoOwner || (f.Departments != nil && len(f.Departments) == 0) {
		return nil, 0, nil
	}
	count, page, args := t.d.caseSearchSQL(f, col)
	return searchPage(t, op, scanID, count, page, args, f.Offset, f.Limit)
}

// caseSearchSQL returns the count and page queries of a case search with
// their parameters (the page's LIMIT and OFFSET last).
func (d *dialect) caseSearchSQL(f casemgr.CaseFilter, col string) (count, page string, args []any) {
	var s search
	add := s.add
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Customer != 0 {
		add(`customer_id = ?`, f.Customer)
	}
	if f.Phone != "" {
		add(`customer_id IN (SELECT customer_id FROM phone_keys WHERE digits = ?)`, f.Phone)
	}
	if f.Email != "" {
		add(`customer_id IN (SELECT customer_id FROM contact_points WHERE kind = ? AND value_key = ?)`,
			casemgr.KindEmail, valueKey(casemgr.KindEmail, f.Email))
	}
	if f.Owner != 0 {
		add(`owner_id = ?`, f.Owner)
	}
	for _, a := range f.Custom {
		add(d.customAttributeHas("custom_attributes"), a.Name, a.Value)
	}
	if f.Departments != nil {
		add(d.in("department_id"), d.ids(f.Departments))
	}
	return s.queries("id", "cases", "", col, f.Descending)
}
