package httpapi

import (
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Search cases (the open cases of a caller): GET /core/casemgr/v3/case with
// filters that combine with AND (docs/operations/search-cases.md). Every
// customer's cases.link leads here.

// caseSearchParams are the parameters of a case search; department only
// from a client application.
var caseSearchParams = []string{
	"status", "customer", "email", "phone", "custom.*", "owner", "department",
	"$attribute", "$sort", "$order", "$pagenum", "$pagesize", "$rangestart", "$rangesize",
}

// caseSearchAttributes are the values $attribute takes in a case search
// (eGain's caseLookup), besides custom.<name>; each adds a field to the
// summary every case shows.
var caseSearchAttributes = map[string]string{
	"created": "created", "originatingChannel": "originatingChannel", "description": "description",
	"solution": "solution", "relatedCases": "relatedCases", "lastClosed": "lastClosed",
	// Kept by eGain, not by casemgr: accepted, nothing to show.
	"userLastWorked": "", "notes": "",
}

// caseSummary are the fields every case of a search shows when $attribute
// names further ones.
var caseSummary = []string{"id", "link", "activities", "department", "status", "owner", "customer",
	"severity", "subject", "dueDate", "lastModified", "lastModifiedBy"}

// caseSearch is a parsed case search.
type caseSearch struct {
	filter     casemgr.CaseFilter
	department string
	owner      string
	fields     fieldSet
	paging
}

// parseCaseSearch reads a case search strictly.
func parseCaseSearch(r *http.Request, actor casemgr.Actor) (*caseSearch, error) {
	q, pg, err := parseSearchQuery(r, actor, caseSearchParams)
	if err != nil {
		return nil, err
	}
	cs := &caseSearch{paging: pg}
	f := &cs.filter
	f.Offset, f.Limit, f.Descending = pg.offset, pg.size, pg.descending
	if f.Sort, err = q.sort("id", "created", "lastModified", "dueDate"); err != nil {
		return nil, err
	}
	if q.Has("status") {
		if f.Status = q.Get("status"); f.Status != casemgr.CaseOpen && f.Status != casemgr.CaseClosed {
			return nil, q.bad("status")
		}
	}
	if q.Has("customer") {
		var ok bool
		if f.Customer, ok = casemgr.ParseID(strings.TrimSpace(q.Get("customer"))); !ok {
			return nil, q.bad("customer")
		}
	}
	if f.Phone, err = q.phone(); err != nil {
		return nil, err
	}
	if f.Email, err = q.text("email"); err != nil {
		return nil, err
	}
	if cs.owner, err = q.text("owner"); err != nil {
		return nil, err
	}
	if f.Custom, err = customParams(q.Values); err != nil {
		return nil, err
	}
	if cs.department, err = q.text("department"); err != nil {
		return nil, err
	}
	if cs.fields, err = caseSearchFields(q.Get("$attribute"), q.Has("$attribute")); err != nil {
		return nil, err
	}
	return cs, nil
}

// caseSearchFields reads $attribute of a case search: without it every
// field; "all" every field; otherwise the summary and the fields named.
func caseSearchFields(raw string, given bool) (fieldSet, error) {
	if !given || strings.EqualFold(strings.TrimSpace(raw), "all") {
		return allFields(caseFields), nil
	}
	set := allFields(caseSummary)
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		field, ok := caseSearchAttributes[name]
		switch {
		case strings.HasPrefix(name, "custom.") && len(name) > len("custom."):
			// The representation shows every custom attribute at once.
			set["customAttributes"] = true
		case !ok:
			return nil, errf(casemgr.CodeUnsupportedParamValue, "name", "$attribute", "value", name)
		case field != "":
			set[field] = true
		}
	}
	return set, nil
}

// ownerOf resolves the owner filter: a user ID, or a login name when not
// all digits (case-insensitive). found is false when no such user exists.
func ownerOf(tx casemgr.Tx, owner string) (id casemgr.ID, found bool, err error) {
	if id, ok := casemgr.ParseID(owner); ok {
		return id, true, nil
	}
	users, err := tx.Users()
	if err != nil {
		return 0, false, err
	}
	id = userByLogin(users, owner)
	return id, id != 0, nil
}

// searchCases serves GET /core/casemgr/v3/case: one page of the cases the
// caller sees matching every filter, as {"link", "case", "paginationInfo"};
// 204 when none matches.
func (s *Server) searchCases(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	cs, err := parseCaseSearch(r, rc.actor)
	if err != nil {
		return err
	}
	var out []any
	var total int
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		if err := clientSendsDepartment(rc.actor, cs.department, true); err != nil {
			return err
		}
		l, err := newLookup(tx, rc.actor)
		if err != nil {
			return err
		}
		if cs.filter.Departments, err = searchDepartments(l, cs.department, true); err != nil {
			return err
		}
		if err := checkCustomFilters(tx, "case", cs.filter.Custom); err != nil {
			return err
		}
		if err := casemgr.MayLookUp(rc.actor); err != nil {
			return err
		}
		if cs.owner != "" {
			var found bool
			if cs.filter.Owner, found, err = ownerOf(tx, cs.owner); err != nil {
				return err
			}
			cs.filter.NoOwner = !found
		}
		ids, n, err := tx.SearchCases(cs.filter)
		total = n
		if err != nil || len(ids) == 0 {
			return err
		}
		list, err := tx.Cases(ids, false)
		if err != nil {
			return err
		}
		byID := make(map[casemgr.ID]int, len(list))
		for i := range list {
			byID[list[i].ID] = i
		}
		ordered := make([]casemgr.Case, 0, len(ids))
		for _, id := range ids {
			if i, ok := byID[id]; ok {
				ordered = append(ordered, list[i])
			}
		}
		if err := l.prepareCases(ordered); err != nil {
			return err
		}
		rp := s.newRep(r, l)
		for i := range ordered {
			out = append(out, rp.caseRep(&ordered[i], cs.fields))
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeFound(w, rc, len(out), "cases", map[string]any{
		"link":           linkTo("self", r.URL.RequestURI()),
		"case":           out,
		"paginationInfo": cs.pagination(r, total, len(out)),
	})
	return nil
}
