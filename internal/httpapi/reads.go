package httpapi

import (
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The read endpoints (docs/api.md, Reading): activities, cases and customers by ID, the
// activity search, the activity attributes and an activity's history. Each
// runs in one read transaction; what the caller may not see answers as not
// found, so that a response never tells what exists elsewhere.

// notFound is 404-101 naming the missing IDs, one detail per ID.
func notFound(entity string, ids []string) error {
	e := casemgr.E(casemgr.CodeNotFound, "entity", entity, "ids", strings.Join(ids, ", "))
	for _, v := range ids {
		e.Details = append(e.Details, casemgr.Detail{Key: v, Code: casemgr.CodeNotFound,
			Args: map[string]string{"entity": entity, "ids": v}})
	}
	return e
}

// uniqueInOrder drops repeated IDs, keeping the order of their first
// mention, so a response lists each entity once in the order asked for.
func uniqueInOrder(ids []casemgr.ID) []casemgr.ID {
	seen := make(map[casemgr.ID]bool, len(ids))
	out := ids[:0:0]
	for _, v := range ids {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// getActivities serves GET /core/casemgr/v3/activity/{ids}: up to 75
// activities, in the order asked for, as {"activity": [...]}. An ID that
// does not exist or that the caller may not see is 404-101, naming every
// such ID.
func (s *Server) getActivities(w http.ResponseWriter, r *http.Request) error {
	// The default set itself, not a copy: a read only reads it
	// (TestReadsLeaveTheDefaultFieldsAsTheyAre).
	return readByIDs(s, w, r, "activity", activityFields, activitySummarySet,
		func(tx casemgr.Tx, ids []casemgr.ID, want fieldSet) ([]casemgr.Activity, error) {
			// The customers shown come with the activities (one
			// round trip on PostgreSQL); counting the attachments is
			// the only statement that may follow (the configuration
			// comes from the copy).
			return tx.ActivitiesToShow(ids, want["customer"], !want["attachments"])
		},
		func(actor casemgr.Actor, a *casemgr.Activity) (casemgr.ID, bool) { return a.ID, actor.SeesActivity(a) },
		func(l *lookup, list []casemgr.Activity, want fieldSet) ([]any, error) {
			return s.representActivities(r, l, list, want)
		})
}

// readByIDs serves the reads by the IDs of the path (activities, cases,
// customers): it reads the request, loads the entities in one read
// transaction, keeps those the caller sees in the order asked for (404-101
// naming every ID that does not exist or that the caller may not see), and
// answers {key: [...]} with each rendered.
func readByIDs[T any](s *Server, w http.ResponseWriter, r *http.Request, key string, fields []string, def fieldSet,
	load func(casemgr.Tx, []casemgr.ID, fieldSet) ([]T, error),
	visible func(casemgr.Actor, *T) (casemgr.ID, bool),
	render func(*lookup, []T, fieldSet) ([]any, error)) error {
	rc := ctxOf(r)
	want, ids, err := s.readByIDsRequest(r, fields, def)
	if err != nil {
		return err
	}
	var out []any
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		list, err := load(tx, ids, want)
		if err != nil {
			return err
		}
		l, err := newLookup(tx, rc.actor)
		if err != nil {
			return err
		}
		ordered, err := visibleInOrder(ids, list, key, func(e *T) (casemgr.ID, bool) { return visible(rc.actor, e) })
		if err != nil {
			return err
		}
		out, err = render(l, ordered, want)
		return err
	})
	if err != nil {
		return err
	}
	writeTree(w, rc, http.StatusOK, "", map[string]any{key: out})
	return nil
}

// readByIDsRequest reads the common request of the get-by-IDs endpoints:
// only $attribute as query parameter, and up to 75 IDs in the path.
func (s *Server) readByIDsRequest(r *http.Request, fields []string, def fieldSet) (fieldSet, []casemgr.ID, error) {
	if err := checkParams(r, "$attribute"); err != nil {
		return nil, nil, err
	}
	want, err := parseAttribute(r, fields, def)
	if err != nil {
		return nil, nil, err
	}
	ids, err := pathIDs(r.PathValue("ids"))
	if err != nil {
		return nil, nil, err
	}
	return want, uniqueInOrder(ids), nil
}

// representActivities renders activities with the names they show loaded
// for all of them at once.
func (s *Server) representActivities(r *http.Request, l *lookup, list []casemgr.Activity, want fieldSet) ([]any, error) {
	if err := l.prepareActivities(list, want); err != nil {
		return nil, err
	}
	rp := s.newRep(r, l)
	out := make([]any, 0, len(list))
	for i := range list {
		m, err := rp.activity(&list[i], want)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Search parameters of GET /core/casemgr/v3/activity.
var searchParams = []string{
	"caseID", "case", "status", "type", "mode", "department", "customerID", "customer", "assignedTo",
	"assignedUserName", "queueID", "queue", "createdDate", "lastModifiedDate", "custom.*",
	"$pagenum", "$pagesize", "$rangestart", "$rangesize", "$sort", "$order", "$attribute",
}

// Paging limits (egain-reference 6).
const (
	defaultPageSize = 25
	maxPageSize     = 75
)

// searchRequest is a parsed activity search.
type searchRequest struct {
	filter casemgr.ActivityFilter
	// departments are the departments asked for, by ID or name; nil
	// means any. They are resolved in the read transaction.
	departments []string
	// assignedUserName is the login name of the assigned user asked for.
	assignedUserName string
	// askedDepartments are the departments asked for, resolved; nil
	// means any.
	askedDepartments []casemgr.ID
	fields           fieldSet
	paging
}

// parseSearch reads the parameters of an activity search strictly.
func parseSearch(r *http.Request) (*searchRequest, error) {
	if err := checkParams(r, searchParams...); err != nil {
		return nil, err
	}
	q := searchQuery{r.URL.Query()}
	pg, err := parsePaging(q.Values)
	if err != nil {
		return nil, err
	}
	sr := &searchRequest{paging: pg}
	f := &sr.filter
	f.Offset, f.Limit, f.Descending = pg.offset, pg.size, pg.descending

	if q.Has("$sort") {
		switch v := q.Get("$sort"); v {
		case "id", "created", "lastModified", "priority", "dueDate":
			f.Sort = v
		case "createdDate", "lastModifiedDate":
			// The names v12 clients send.
			f.Sort = strings.TrimSuffix(v, "Date")
		default:
			return nil, q.bad("$sort")
		}
	}
	if f.Case, err = q.idAlias("case", "caseID"); err != nil {
		return nil, err
	}
	if f.Customer, err = q.idAlias("customer", "customerID"); err != nil {
		return nil, err
	}
	if f.Queue, err = q.idAlias("queue", "queueID"); err != nil {
		return nil, err
	}
	if sr.assignedUserName, err = q.text("assignedUserName"); err != nil {
		return nil, err
	}
	if f.Created, err = rangeParam(q.Values, "createdDate"); err != nil {
		return nil, err
	}
	if f.LastModified, err = rangeParam(q.Values, "lastModifiedDate"); err != nil {
		return nil, err
	}
	if f.Custom, err = customParams(q.Values); err != nil {
		return nil, err
	}
	if f.AssignedTo, err = q.id("assignedTo"); err != nil {
		return nil, err
	}
	if err := parseStatusesAndModes(q, f); err != nil {
		return nil, err
	}
	if sr.departments, err = q.list("department"); err != nil {
		return nil, err
	}
	if sr.fields, err = parseAttribute(r, activityFields, activitySummarySet); err != nil {
		return nil, err
	}
	return sr, nil
}

// parseStatusesAndModes reads the status filter (the activity statuses,
// and "open" for every status but completed), the type filter and the mode
// filter of an activity search.
func parseStatusesAndModes(q searchQuery, f *casemgr.ActivityFilter) error {
	statuses, err := q.list("status")
	if err != nil {
		return err
	}
	f.Statuses = statuses[:0:0]
	for _, v := range statuses {
		switch {
		case v == casemgr.CaseOpen:
			// Every status but completed.
			f.Open = true
		case containsStr(casemgr.ActivityStatuses, v):
			f.Statuses = append(f.Statuses, v)
		default:
			return errf(casemgr.CodeUnsupportedParamValue, "name", "status", "value", v)
		}
	}
	if f.Types, err = q.list("type"); err != nil {
		return err
	}
	modes, err := q.list("mode")
	if err != nil {
		return err
	}
	for _, v := range modes {
		m := strings.ToLower(v)
		if m != casemgr.ModeInbound && m != casemgr.ModeOutbound && m != casemgr.ModeComposed {
			return errf(casemgr.CodeUnsupportedParamValue, "name", "mode", "value", v)
		}
		f.Modes = append(f.Modes, m)
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resolve turns the names of the request into IDs inside the read
// transaction: departments by ID or name (a name matching none is 400-102),
// the assigned user by login name (none: found is false, nothing matches),
// and checks that every custom.<name> is an activity custom attribute.
func (sr *searchRequest) resolve(tx casemgr.Tx, l *lookup) (found bool, err error) {
	asked, err := departmentsByIDOrName(l, sr.departments)
	if err != nil {
		return false, err
	}
	sr.askedDepartments = asked
	if err := checkCustomFilters(tx, "activity", sr.filter.Custom); err != nil {
		return false, err
	}
	if sr.assignedUserName != "" {
		users, err := tx.Users()
		if err != nil {
			return false, err
		}
		u := userByLogin(users, sr.assignedUserName)
		if u == 0 || (sr.filter.AssignedTo != 0 && sr.filter.AssignedTo != u) {
			return false, nil
		}
		sr.filter.AssignedTo = u
	}
	return true, nil
}

// restrict narrows the search to the departments asked for that the actor
// sees (visible nil: all).
func (sr *searchRequest) restrict(visible []casemgr.ID) {
	sr.filter.Departments = intersectDepartments(sr.askedDepartments, visible)
}

// intersectDepartments returns the departments asked for (nil: any) that
// are visible (nil: all); nil means no restriction at all.
func intersectDepartments(asked, visible []casemgr.ID) []casemgr.ID {
	switch {
	case asked == nil:
		return visible
	case visible == nil:
		return asked
	}
	see := make(map[casemgr.ID]bool, len(visible))
	for _, d := range visible {
		see[d] = true
	}
	out := []casemgr.ID{}
	for _, d := range asked {
		if see[d] {
			out = append(out, d)
		}
	}
	return out
}

// searchActivities serves GET /core/casemgr/v3/activity: one page of the
// activities the caller sees that match every filter given (none: all), as
// {"activity": [...], "paginationInfo": {...}}; 204 when the page is empty.
func (s *Server) searchActivities(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	sr, err := parseSearch(r)
	if err != nil {
		return err
	}
	var out []any
	var total int
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		l, err := newLookup(tx, rc.actor)
		if err != nil {
			return err
		}
		found, err := sr.resolve(tx, l)
		if err != nil || !found {
			return err
		}
		sr.restrict(l.visibleDepartments())
		list, n, err := tx.SearchActivities(sr.filter)
		if err != nil {
			return err
		}
		total = n
		if len(list) == 0 {
			return nil
		}
		out, err = s.representActivities(r, l, list, sr.fields)
		return err
	})
	if err != nil {
		return err
	}
	writeFound(w, rc, len(out), "activities", map[string]any{
		"activity":       out,
		"paginationInfo": sr.pagination(r, total, len(out)),
	})
	return nil
}

// activityHistory serves GET /core/casemgr/v3/activity/{id}/history: the
// recorded changes of an activity, oldest first, each with the activity
// before and after it; 204 when there are none.
func (s *Server) activityHistory(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	actID, err := pathID(r)
	if err != nil {
		return err
	}
	var out []any
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		l, act, err := s.visibleActivity(tx, rc.actor, actID)
		if err != nil {
			return err
		}
		entries, err := tx.History("activity", actID)
		if err != nil || len(entries) == 0 {
			return err
		}
		// Snapshots are rendered like the activity itself, so that a
		// client compares them field by field.
		rp := s.newRep(r, l)
		want := activitySummary()
		want["customAttributes"] = true
		out, err = historyEntries(entries, *act,
			func(list []casemgr.Activity) error { return l.prepareActivities(list, want) },
			// A snapshot has no attachments to count; want excludes them.
			func(a *casemgr.Activity) (any, error) { return rp.activity(a, want) })
		return err
	})
	if err != nil {
		return err
	}
	writeFound(w, rc, len(out), "", map[string]any{"history": out})
	return nil
}

// pathID reads the {id} of a path that takes no query parameter: 400-108
// when it is not an ID.
func pathID(r *http.Request) (casemgr.ID, error) {
	if err := checkParams(r); err != nil {
		return 0, err
	}
	id, ok := casemgr.ParseID(r.PathValue("id"))
	if !ok {
		return 0, errf(casemgr.CodeInvalidID, "value", r.PathValue("id"))
	}
	return id, nil
}

// visibleActivity checks that an activity exists and that the actor sees
// it (404-101 otherwise), and returns it with a lookup for its
// representation.
func (s *Server) visibleActivity(tx casemgr.Tx, actor casemgr.Actor, actID casemgr.ID) (*lookup, *casemgr.Activity, error) {
	list, err := tx.Activities([]casemgr.ID{actID}, false)
	if err != nil {
		return nil, nil, err
	}
	l, err := newLookup(tx, actor)
	if err != nil {
		return nil, nil, err
	}
	if len(list) == 0 || !actor.SeesActivity(&list[0]) {
		return nil, nil, notFound("activity", []string{wireID(actID)})
	}
	return l, &list[0], nil
}

// getCases serves GET /core/casemgr/v3/case/{ids}: up to 75 cases as
// {"case": [...]}; a case the caller may not see (by its department) is not
// found.
func (s *Server) getCases(w http.ResponseWriter, r *http.Request) error {
	return readByIDs(s, w, r, "case", caseFields, allFields(caseFields),
		func(tx casemgr.Tx, ids []casemgr.ID, _ fieldSet) ([]casemgr.Case, error) { return tx.Cases(ids, false) },
		func(actor casemgr.Actor, c *casemgr.Case) (casemgr.ID, bool) { return c.ID, actor.SeesCase(c) },
		func(l *lookup, list []casemgr.Case, want fieldSet) ([]any, error) {
			if err := l.prepareCases(list); err != nil {
				return nil, err
			}
			rp := s.newRep(r, l)
			out := make([]any, 0, len(list))
			for i := range list {
				out = append(out, rp.caseRep(&list[i], want))
			}
			return out, nil
		})
}

// getCustomers serves GET /core/customermgr/v3/customer/{ids}: up to 75
// customers with their contacts and contact points as {"customer": [...]}.
// A user sees the customers of the departments they see, and customers of
// no department (everyone's).
func (s *Server) getCustomers(w http.ResponseWriter, r *http.Request) error {
	return readByIDs(s, w, r, "customer", customerFields, allFields(customerFields),
		func(tx casemgr.Tx, ids []casemgr.ID, _ fieldSet) ([]casemgr.Customer, error) {
			return tx.Customers(ids)
		},
		func(actor casemgr.Actor, c *casemgr.Customer) (casemgr.ID, bool) { return c.ID, actor.SeesCustomer(c) },
		func(l *lookup, list []casemgr.Customer, want fieldSet) ([]any, error) {
			rp := s.newRep(r, l)
			out := make([]any, 0, len(list))
			for i := range list {
				out = append(out, rp.customer(&list[i], want))
			}
			return out, nil
		})
}

// visibleInOrder returns the entities of list in the order of ids (an ID
// may be asked for once). Every ID that does not exist or that the caller
// may not see (visible reports it) makes a 404-101 naming all of them.
func visibleInOrder[T any](ids []casemgr.ID, list []T, entity string, visible func(*T) (casemgr.ID, bool)) ([]T, error) {
	byID := make(map[casemgr.ID]*T, len(list))
	for i := range list {
		if id, ok := visible(&list[i]); ok {
			byID[id] = &list[i]
		}
	}
	var missing []string
	ordered := make([]T, 0, len(ids))
	for _, v := range ids {
		if e := byID[v]; e != nil {
			ordered = append(ordered, *e)
		} else {
			missing = append(missing, wireID(v))
		}
	}
	if len(missing) > 0 {
		return nil, notFound(entity, missing)
	}
	return ordered, nil
}
