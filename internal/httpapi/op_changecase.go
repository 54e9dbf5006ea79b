package httpapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// changeCase serves PATCH /core/casemgr/v3/activity/{ids}/changecase.
func (s *Server) changeCase(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseChangeCase(w, r)
	var created casemgr.ID
	if err == nil {
		created, err = s.Service.ChangeCase(r.Context(), ctxOf(r).actor, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if created != 0 {
		w.Header().Set("Location", "/core/casemgr/v3/case/"+casemgr.FormatID(created))
		w.WriteHeader(http.StatusCreated)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseChangeCase reads the request: relateCase (only "yes"), the IDs of
// the path (one, or up to 75 comma-separated) and the body, a JSON or XML
// case, wrapped in "case" or not. A body with an id names an existing
// target case and may hold nothing else; any other body describes the new
// target case.
func (s *Server) parseChangeCase(w http.ResponseWriter, r *http.Request) (casemgr.ChangeCaseRequest, error) {
	var req casemgr.ChangeCaseRequest
	err := changeCaseQuery(r, &req)
	if err != nil {
		return req, err
	}
	tree, root, err := s.readRooted(w, r, "case")
	if err != nil {
		return req, err
	}
	body, err := changeCaseBody(tree, root != "")
	if err != nil {
		return req, err
	}
	if body, err = unwrapCase(body); err != nil {
		return req, err
	}
	if body.has("id") {
		req.TargetCase, err = existingTargetCase(body)
		return req, err
	}
	req.New, err = newTargetCase(body)
	return req, err
}

// changeCaseQuery reads relateCase and the activity IDs of the path.
func changeCaseQuery(r *http.Request, req *casemgr.ChangeCaseRequest) error {
	if err := checkParams(r, "relateCase"); err != nil {
		return err
	}
	var err error
	if req.RelateCase, err = yesParam(r, "relateCase"); err != nil {
		return err
	}
	raw := r.PathValue("ids")
	if err := casemgr.CheckActivityLimit(strings.Count(raw, ",") + 1); err != nil {
		return err
	}
	req.Activities, err = pathIDs(raw)
	return err
}

// unwrapCase returns the case of {"case": {...}}, the same request as the
// unwrapped {...}; an unwrapped body is returned as it is.
func unwrapCase(body *obj) (*obj, error) {
	if !body.has("case") {
		return body, nil
	}
	inner, err := body.object("case")
	if err != nil {
		return nil, err
	}
	if inner == nil {
		return nil, errf(casemgr.CodeInvalidValue, "name", "case", "value", "null")
	}
	if err := body.done(); err != nil {
		return nil, err
	}
	return inner, nil
}

// existingTargetCase reads the id of an existing target case. With an
// existing case no other element is allowed: an element of a new case is
// that rule (400-226), anything else is simply unsupported (400-104).
func existingTargetCase(body *obj) (casemgr.ID, error) {
	id, err := body.id("id")
	if err != nil {
		return 0, err
	}
	if id == nil {
		return 0, errf(casemgr.CodeMissingElement, "name", body.sub("id"))
	}
	var known, unknown []string
	for k := range body.m {
		switch {
		case k == "id":
		case changeCaseNewElements[k]:
			known = append(known, k)
		default:
			unknown = append(unknown, k)
		}
	}
	sort.Strings(known)
	sort.Strings(unknown)
	if len(unknown) > 0 {
		return *id, errf(casemgr.CodeUnsupportedElement, "name", body.sub(unknown[0]))
	}
	if len(known) > 0 {
		return *id, errf(casemgr.CodeExistingCaseElements, "name", body.sub(known[0]))
	}
	return *id, nil
}

// newTargetCase reads the elements of a new target case.
func newTargetCase(body *obj) (*casemgr.NewCaseFields, error) {
	n := &casemgr.NewCaseFields{}
	err := body.strs(strField{"subject", &n.Subject}, strField{"description", &n.Description},
		strField{"solution", &n.Solution}, strField{"dueDate", &n.DueDate})
	if err != nil {
		return nil, err
	}
	if n.Severity, err = caseSeverity(body); err != nil {
		return nil, err
	}
	if n.CustomAttributes, err = customAttributes(body); err != nil {
		return nil, err
	}
	if err := body.done(); err != nil {
		return nil, err
	}
	return n, nil
}

// caseSeverity reads severity.value, required when severity is sent.
func caseSeverity(body *obj) (*string, error) {
	sev, err := body.object("severity")
	if err != nil || sev == nil {
		return nil, err
	}
	v, err := sev.str("value")
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errf(casemgr.CodeMissingElement, "name", sev.sub("value"))
	}
	if err := sev.done(); err != nil {
		return nil, err
	}
	return v, nil
}

// changeCaseNewElements are the elements of a new target case.
var changeCaseNewElements = map[string]bool{
	"subject": true, "severity": true, "dueDate": true,
	"description": true, "solution": true, "customAttributes": true,
}

// changeCaseBody views the request tree as the case object; a body that is
// not an object (a list, a bare value) cannot be read as a case.
func changeCaseBody(tree any, isXML bool) (*obj, error) {
	switch x := tree.(type) {
	case map[string]any:
		return asObj("", x)
	case string:
		if isXML && strings.TrimSpace(x) == "" {
			return asObj("", x) // an empty XML <case/>: a new case
		}
	}
	return nil, errf(casemgr.CodeMalformedBody, "reason", "the body must be a case object")
}
