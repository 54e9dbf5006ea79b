package httpapi

import (
	"net/http"
	"sort"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The directory reads: the departments a caller works with and the signed-in
// user. eGain leaves both to its administration API; a client such as the
// web console needs them to fill a transfer form and to ask for "my work",
// so casemgr answers them on its own two small routes.

// departmentRelation names why a caller is shown a department.
const (
	relationHome    = "home"    // the user's home department
	relationForeign = "foreign" // a department where the user is a foreign user
	relationShared  = "shared"  // shared with a department the user works in: a transfer target
	relationAll     = "all"     // a client application is shown every department
)

// listDepartments serves GET /core/casemgr/v3/department: the departments
// the caller works in (home and foreign) and those shared with one of them,
// which are the departments it may name in a transfer, as
// {"department": [{"id", "name", "relation", "transferWorkflow"}]} ordered by
// ID. A department neither the caller works in nor shared with one of them
// is left out, so a user of an isolated department learns no other
// department's name; a client application sees every department.
func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := checkParams(r); err != nil {
		return err
	}
	var list []casemgr.Department
	err := s.store().Read(r.Context(), func(tx casemgr.Tx) (err error) {
		list, err = tx.Departments()
		return err
	})
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	out := []any{}
	for i := range list {
		rel := departmentRelationOf(rc.actor, &list[i])
		if rel == "" {
			continue
		}
		out = append(out, map[string]any{
			"id":               casemgr.FormatID(list[i].ID),
			"name":             list[i].Name,
			"relation":         rel,
			"transferWorkflow": list[i].HasTransferWorkflow(),
		})
	}
	writeTree(w, rc, http.StatusOK, "departments", map[string]any{"department": out})
	return nil
}

// departmentRelationOf says why the actor is shown department d, or "" when
// it is not: home, foreign, shared (d is shared with a department the user
// works in, so the user may transfer activities there) or all (a client).
func departmentRelationOf(actor casemgr.Actor, d *casemgr.Department) string {
	u := actor.User
	switch {
	case u == nil:
		return relationAll
	case u.Department == d.ID:
		return relationHome
	case actor.WorksIn(d.ID):
		return relationForeign
	}
	for _, own := range append([]casemgr.ID{u.Department}, u.ForeignDepartments...) {
		if d.SharedWithDept(own) {
			return relationShared
		}
	}
	return ""
}

// currentUser serves GET /core/casemgr/v3/user/me: the signed-in user as
// {"user": [{"id", "name", "firstName", "lastName", "department",
// "foreignDepartments", "licenses", "actions"}]}. It tells a client which
// user its token speaks for (for example to search the activities assigned
// to them). A client application token is no user: 404-101.
func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := checkParams(r); err != nil {
		return err
	}
	u := rc.actor.User
	if u == nil {
		return notFound("user", []string{"me"})
	}
	var depts []casemgr.Department
	err := s.store().Read(r.Context(), func(tx casemgr.Tx) (err error) {
		depts, err = tx.Departments()
		return err
	})
	if err != nil {
		return err
	}
	names := make(map[casemgr.ID]string, len(depts))
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	dept := func(id casemgr.ID) map[string]any {
		return map[string]any{"id": casemgr.FormatID(id), "name": names[id]}
	}
	m := map[string]any{
		"id":         casemgr.FormatID(u.ID),
		"name":       u.Name,
		"department": dept(u.Department),
	}
	if u.FirstName != "" {
		m["firstName"] = u.FirstName
	}
	if u.LastName != "" {
		m["lastName"] = u.LastName
	}
	if len(u.ForeignDepartments) > 0 {
		list := make([]any, 0, len(u.ForeignDepartments))
		for _, id := range u.ForeignDepartments {
			list = append(list, dept(id))
		}
		m["foreignDepartments"] = map[string]any{"department": list}
	}
	m["licenses"] = map[string]any{"license": stringsAsAny(u.Licenses)}
	m["actions"] = map[string]any{"action": stringsAsAny(u.Actions)}
	writeTree(w, rc, http.StatusOK, "users", map[string]any{"user": []any{m}})
	return nil
}

// stringsAsAny turns a list of strings into a tree list (never nil, so an
// empty list is sent as []).
func stringsAsAny(list []string) []any {
	out := make([]any, 0, len(list))
	for _, s := range list {
		out = append(out, s)
	}
	return out
}
