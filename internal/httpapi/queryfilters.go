package httpapi

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The query filters the searches share: date ranges, custom.<name>
// filters, departments by ID or name, users by login name (docs/api.md,
// "Searches").

// rangeParam reads a date range parameter: "[start,end]" in square
// brackets, both ends inclusive, dates as everywhere in the API; one end
// may be empty but the comma stays. Both ends empty, no brackets or a bad
// date are 400-102. An absent parameter is no restriction.
func rangeParam(q url.Values, name string) (casemgr.TimeRange, error) {
	var r casemgr.TimeRange
	if !q.Has(name) {
		return r, nil
	}
	raw := q.Get(name)
	bad := errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", raw)
	v := strings.TrimSpace(raw)
	inner, ok := strings.CutPrefix(v, "[")
	if !ok {
		return r, bad
	}
	if inner, ok = strings.CutSuffix(inner, "]"); !ok {
		return r, bad
	}
	from, to, ok := strings.Cut(inner, ",")
	if !ok || strings.Contains(to, ",") {
		return r, bad
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if from == "" && to == "" {
		return r, bad
	}
	for _, end := range []struct {
		s    string
		into **time.Time
	}{{from, &r.From}, {to, &r.To}} {
		if end.s == "" {
			continue
		}
		t, err := casemgr.ParseTime(end.s)
		if err != nil {
			return r, bad
		}
		*end.into = &t
	}
	if r.From != nil && r.To != nil && r.To.Before(*r.From) {
		return r, bad
	}
	return r, nil
}

// customParams reads the custom.<name>=value filters, sorted by name.
func customParams(q url.Values) ([]casemgr.AttributeFilter, error) {
	var out []casemgr.AttributeFilter
	for key := range q {
		name, ok := strings.CutPrefix(key, "custom.")
		if !ok {
			continue
		}
		out = append(out, casemgr.AttributeFilter{Name: name, Value: q.Get(key)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// checkCustomFilters refuses (400-102) a custom.<name> filter whose name is
// not a custom attribute of the object.
func checkCustomFilters(tx casemgr.Tx, object string, filters []casemgr.AttributeFilter) error {
	if len(filters) == 0 {
		return nil
	}
	defs, err := tx.AttributeDefs(object)
	if err != nil {
		return err
	}
	for _, f := range filters {
		known := false
		for _, d := range defs {
			known = known || d.Name == f.Name
		}
		if !known {
			return errf(casemgr.CodeUnsupportedParamValue, "name", "custom."+f.Name, "value", f.Value)
		}
	}
	return nil
}

// departmentsByIDOrName resolves a department filter: each item an ID or a
// name matched case-insensitively; an item naming no department is
// 400-102. A nil list (no filter) stays nil.
func departmentsByIDOrName(l *lookup, items []string) ([]casemgr.ID, error) {
	if items == nil {
		return nil, nil
	}
	out := []casemgr.ID{}
	for _, v := range items {
		if id, ok := casemgr.ParseID(v); ok {
			// An ID need not exist: an unknown one matches nothing, as
			// before names were accepted.
			out = append(out, id)
			continue
		}
		id := departmentByName(l, v)
		if id == 0 {
			return nil, errf(casemgr.CodeUnsupportedParamValue, "name", "department", "value", v)
		}
		out = append(out, id)
	}
	return out, nil
}

// departmentByName finds a department by name, case-insensitively; 0 when
// none.
func departmentByName(l *lookup, name string) casemgr.ID {
	var found casemgr.ID
	for id, d := range l.depts {
		if strings.EqualFold(d.Name, name) && (found == 0 || id < found) {
			found = id
		}
	}
	return found
}

// userByLogin finds a user by login name, case-insensitively; 0 when none.
func userByLogin(users []casemgr.User, name string) casemgr.ID {
	for _, u := range users {
		if strings.EqualFold(u.Name, name) {
			return u.ID
		}
	}
	return 0
}

// paging is the page a search answers: $pagenum/$pagesize (default 1/25,
// size 1–75) or $rangestart/$rangesize, never both (400-106), and $order
// (asc or desc, which needs $sort: 400-109).
type paging struct {
	// ranged is true for $rangestart/$rangesize paging.
	ranged bool
	// page and size are $pagenum/$pagesize, or $rangestart/$rangesize.
	page, size int
	// offset is the number of matches before the page.
	offset     int
	descending bool
}

// parsePaging reads the paging and order parameters of a search.
func parsePaging(q url.Values) (paging, error) {
	pageMode := q.Has("$pagenum") || q.Has("$pagesize")
	rangeMode := q.Has("$rangestart") || q.Has("$rangesize")
	if pageMode && rangeMode {
		return paging{}, errf(casemgr.CodePagingMixed)
	}
	if q.Has("$order") && !q.Has("$sort") {
		return paging{}, errf(casemgr.CodeOrderWithoutSort)
	}
	pg := paging{ranged: rangeMode, page: 1, size: defaultPageSize}
	// intParam reads a positive number no larger than limit.
	intParam := func(name string, limit int64, into *int) error {
		if !q.Has(name) {
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 32)
		if err != nil || n < 1 || n > limit {
			return errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", q.Get(name))
		}
		*into = int(n)
		return nil
	}
	first, size := "$pagenum", "$pagesize"
	if rangeMode {
		first, size = "$rangestart", "$rangesize"
	}
	if err := intParam(first, 1<<31-1, &pg.page); err != nil {
		return pg, err
	}
	if err := intParam(size, maxPageSize, &pg.size); err != nil {
		return pg, err
	}
	if rangeMode {
		pg.offset = pg.page - 1
	} else {
		pg.offset = (pg.page - 1) * pg.size
	}
	if q.Has("$order") {
		switch strings.ToLower(q.Get("$order")) {
		case "asc":
		case "desc":
			pg.descending = true
		default:
			return pg, errf(casemgr.CodeUnsupportedParamValue, "name", "$order", "value", q.Get("$order"))
		}
	}
	return pg, nil
}

// pagination describes the page: the number of all matches, the page (or
// range) and links to the previous and next ones when they exist.
func (pg *paging) pagination(r *http.Request, total, shown int) map[string]any {
	firstName, sizeName := "$pagenum", "$pagesize"
	if pg.ranged {
		firstName, sizeName = "$rangestart", "$rangesize"
	}
	info := map[string]any{"count": total, firstName[1:]: pg.page, sizeName[1:]: pg.size}
	href := func(first int) string {
		q := r.URL.Query()
		q.Set(firstName, strconv.Itoa(first))
		q.Set(sizeName, strconv.Itoa(pg.size))
		// $ and , are allowed in a query; keeping them makes links
		// readable.
		return r.URL.Path + "?" + strings.NewReplacer("%24", "$", "%2C", ",").Replace(q.Encode())
	}
	var ls []any
	if pg.offset > 0 {
		prev := pg.page - 1
		if pg.ranged {
			prev = max(1, pg.page-pg.size)
		}
		ls = append(ls, map[string]any{"rel": "prev", "href": href(prev)})
	}
	if pg.offset+shown < total {
		next := pg.page + 1
		if pg.ranged {
			next = pg.page + shown
		}
		ls = append(ls, map[string]any{"rel": "next", "href": href(next)})
	}
	if len(ls) > 0 {
		info["link"] = ls
	}
	return info
}
