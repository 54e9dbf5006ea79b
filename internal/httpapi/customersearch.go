package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Search customers (screen-pop): GET /core/customermgr/v3/customer with
// filters that combine with AND (docs/operations/search-customers.md).

// customerSearchParams are the parameters of a customer search; department
// only from a client application.
var customerSearchParams = []string{
	"phone", "email", "custom.*", "facebookId", "twitterId", "instagramId", "appleOpaqueId", "youTubeId",
	"created", "type", "customerName", "activity", "department",
	"$attribute", "$sort", "$order", "$pagenum", "$pagesize", "$rangestart", "$rangesize",
}

// socialParams map the social ID parameters to the network of the social
// contact point they match.
var socialParams = []struct{ param, network string }{
	{"facebookId", "Facebook"}, {"twitterId", "Twitter"}, {"instagramId", "Instagram"},
	{"appleOpaqueId", "Apple"}, {"youTubeId", "YouTube"},
}

// customerSearch is a parsed customer search.
type customerSearch struct {
	filter casemgr.CustomerFilter
	// department is the department a client application asked for, by
	// ID or name ("" when none).
	department string
	fields     fieldSet
	paging
}

// atLeastOneFilter (SC1, CS1): a search names at least one filter, a
// parameter not starting with "$"; otherwise 400-112.
func atLeastOneFilter(q url.Values) error {
	for name := range q {
		if !strings.HasPrefix(name, "$") {
			return nil
		}
	}
	return errf(casemgr.CodeMissingParam, "name", "filter")
}

// departmentOnlyFromClient (SC11, CS2): department is a parameter of client
// applications; a user sending it is 400-101.
func departmentOnlyFromClient(actor casemgr.Actor, q url.Values) error {
	if !actor.IsClient() && q.Has("department") {
		return errf(casemgr.CodeUnsupportedParam, "name", "department")
	}
	return nil
}

// searchQuery is the query of a search: of activities (parseSearch), or of
// cases or customers (parseSearchQuery).
type searchQuery struct{ url.Values }

// parseSearchQuery reads what the case and customer searches share: only
// the parameters of the search, department only from a client application,
// at least one filter, and the paging.
func parseSearchQuery(r *http.Request, actor casemgr.Actor, params []string) (searchQuery, paging, error) {
	if err := checkParams(r, params...); err != nil {
		return searchQuery{}, paging{}, err
	}
	q := r.URL.Query()
	if err := departmentOnlyFromClient(actor, q); err != nil {
		return searchQuery{}, paging{}, err
	}
	if err := atLeastOneFilter(q); err != nil {
		return searchQuery{}, paging{}, err
	}
	pg, err := parsePaging(q)
	return searchQuery{q}, pg, err
}

// bad is 400-102 naming the parameter and the value sent.
func (q searchQuery) bad(name string) error {
	return errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", q.Get(name))
}

// sort reads $sort, one of allowed; "" when it is not sent.
func (q searchQuery) sort(allowed ...string) (string, error) {
	if !q.Has("$sort") {
		return "", nil
	}
	if v := q.Get("$sort"); containsStr(allowed, v) {
		return v, nil
	}
	return "", q.bad("$sort")
}

// text reads a parameter that is not blank when sent, trimmed; "" when it
// is not sent.
func (q searchQuery) text(name string) (string, error) {
	if !q.Has(name) {
		return "", nil
	}
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return "", q.bad(name)
	}
	return v, nil
}

// id reads a parameter holding one ID; 0 when it is not sent.
func (q searchQuery) id(name string) (casemgr.ID, error) {
	if !q.Has(name) {
		return 0, nil
	}
	v, ok := casemgr.ParseID(strings.TrimSpace(q.Get(name)))
	if !ok {
		return 0, q.bad(name)
	}
	return v, nil
}

// idAlias reads an ID sent under name or under its alias (caseID for
// case, ...); both at once are 400-102.
func (q searchQuery) idAlias(name, alias string) (casemgr.ID, error) {
	if q.Has(alias) && q.Has(name) {
		return 0, errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", alias+" and "+name+" together")
	}
	if q.Has(alias) {
		return q.id(alias)
	}
	return q.id(name)
}

// list reads a comma list of values, none blank; nil when it is not sent.
func (q searchQuery) list(name string) ([]string, error) {
	if !q.Has(name) {
		return nil, nil
	}
	var out []string
	for _, v := range strings.Split(q.Get(name), ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, q.bad(name)
		}
		out = append(out, v)
	}
	return out, nil
}

// phone reads the phone filter as the digits it matches; "" when it is
// not sent.
func (q searchQuery) phone() (string, error) {
	if !q.Has("phone") {
		return "", nil
	}
	v, ok := casemgr.PhoneQuery(strings.TrimSpace(q.Get("phone")))
	if !ok {
		return "", q.bad("phone")
	}
	return v, nil
}

// parseCustomerSearch reads a customer search strictly.
func parseCustomerSearch(r *http.Request, actor casemgr.Actor) (*customerSearch, error) {
	q, pg, err := parseSearchQuery(r, actor, customerSearchParams)
	if err != nil {
		return nil, err
	}
	cs := &customerSearch{paging: pg}
	f := &cs.filter
	f.Offset, f.Limit, f.Descending = pg.offset, pg.size, pg.descending
	if f.Sort, err = q.sort("id", "type", "customerName"); err != nil {
		return nil, err
	}
	if q.Has("activity") {
		// eGain's JSON activity filter is recognised, not supported (SC10).
		return nil, q.bad("activity")
	}
	if f.Phone, err = q.phone(); err != nil {
		return nil, err
	}
	if f.Email, err = q.text("email"); err != nil {
		return nil, err
	}
	for _, s := range socialParams {
		if q.Has(s.param) {
			v, err := q.text(s.param)
			if err != nil {
				return nil, err
			}
			f.Social = append(f.Social, casemgr.SocialFilter{Type: s.network, ID: v})
		}
	}
	if q.Has("customerName") {
		if f.NameContains = q.Get("customerName"); strings.TrimSpace(f.NameContains) == "" {
			return nil, q.bad("customerName")
		}
	}
	if q.Has("type") {
		if f.Type = q.Get("type"); !containsStr(casemgr.CustomerTypes, f.Type) {
			return nil, q.bad("type")
		}
	}
	if f.Created, err = rangeParam(q.Values, "created"); err != nil {
		return nil, err
	}
	if f.Custom, err = customParams(q.Values); err != nil {
		return nil, err
	}
	if cs.department, err = q.text("department"); err != nil {
		return nil, err
	}
	if cs.fields, err = parseAttribute(r, customerFields, allFields(customerFields)); err != nil {
		return nil, err
	}
	return cs, nil
}

// clientSendsDepartment (SC12, CS2): a client application names the
// department it searches when required (customers: with customer
// departmentalization on; cases: always); otherwise 400-112.
func clientSendsDepartment(actor casemgr.Actor, department string, required bool) error {
	if actor.IsClient() && required && department == "" {
		return errf(casemgr.CodeMissingParam, "name", "department")
	}
	return nil
}

// searchDepartments resolves the departments a search is restricted to:
// those the actor sees (visibility, docs/api.md), narrowed to the
// department a client application named (by ID or case-insensitive name;
// none such: 400-102). nil means no restriction.
func searchDepartments(l *lookup, department string, departmentalized bool) ([]casemgr.ID, error) {
	var asked []casemgr.ID
	if department != "" {
		var err error
		if asked, err = departmentsByIDOrName(l, []string{department}); err != nil {
			return nil, err
		}
		if l.depts[asked[0]] == nil {
			return nil, errf(casemgr.CodeUnsupportedParamValue, "name", "department", "value", department)
		}
	}
	if !departmentalized {
		return asked, nil
	}
	return intersectDepartments(asked, l.visibleDepartments()), nil
}

// searchCustomers serves GET /core/customermgr/v3/customer: one page of the
// customers the caller sees matching every filter, as {"link", "customer",
// "paginationInfo"}; 204 when none matches.
func (s *Server) searchCustomers(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	cs, err := parseCustomerSearch(r, rc.actor)
	if err != nil {
		return err
	}
	var out []any
	var total int
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		settings, err := tx.Settings()
		if err != nil {
			return err
		}
		if err := clientSendsDepartment(rc.actor, cs.department, settings.CustomerDepartmentalization); err != nil {
			return err
		}
		l, err := newLookup(tx, rc.actor)
		if err != nil {
			return err
		}
		if cs.filter.Departments, err = searchDepartments(l, cs.department, settings.CustomerDepartmentalization); err != nil {
			return err
		}
		if err := checkCustomFilters(tx, "customer", cs.filter.Custom); err != nil {
			return err
		}
		if err := casemgr.MayLookUp(rc.actor); err != nil {
			return err
		}
		ids, n, err := tx.SearchCustomers(cs.filter)
		if err != nil || len(ids) == 0 {
			total = n
			return err
		}
		total = n
		list, err := tx.Customers(ids)
		if err != nil {
			return err
		}
		byID := make(map[casemgr.ID]*casemgr.Customer, len(list))
		for i := range list {
			byID[list[i].ID] = &list[i]
		}
		rp := s.newRep(r, l)
		for _, id := range ids {
			if c := byID[id]; c != nil {
				out = append(out, rp.customer(c, cs.fields))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeFound(w, rc, len(out), "customers", map[string]any{
		"link":           linkTo("self", r.URL.RequestURI()),
		"customer":       out,
		"paginationInfo": cs.pagination(r, total, len(out)),
	})
	return nil
}
