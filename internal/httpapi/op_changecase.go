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
	if err := checkParams(r, "relateCase"); err != nil {
		return req, err
	}
	var err error
	if req.RelateCase, err = yesParam(r, "relateCase"); err != nil {
		return req, err
	}
	raw := r.PathValue("ids")
	if err := casemgr.CheckActivityLimit(strings.Count(raw, ",") + 1); err != nil {
		return req, err
	}
	if req.Activities, err = pathIDs(raw); err != nil {
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
	// {"case": {...}} and the unwrapped {...} are the same request.
	if body.has("case") {
		inner, err := body.object("case")
		if err != nil {
			return req, err
		}
		if inner == nil {
			return req, errf(casemgr.CodeInvalidValue, "name", "case", "value", "null")
		}
		if err := body.done(); err != nil {
			return req, err
		}
		body = inner
	}
	if body.has("id") {
		id, err := body.id("id")
		if err != nil {
			return req, err
		}
		if id == nil {
			return req, errf(casemgr.CodeMissingElement, "name", body.sub("id"))
		}
		req.TargetCase = *id
		// With an existing case no other element is allowed: an element
		// of a new case is that rule (400-226), anything else is simply
		// unsupported (400-104).
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
			return req, errf(casemgr.CodeUnsupportedElement, "name", body.sub(unknown[0]))
		}
		if len(known) > 0 {
			return req, errf(casemgr.CodeExistingCaseElements, "name", body.sub(known[0]))
		}
		return req, nil
	}
	n := &casemgr.NewCaseFields{}
	if n.Subject, err = body.str("subject"); err != nil {
		return req, err
	}
	if n.Description, err = body.str("description"); err != nil {
		return req, err
	}
	if n.Solution, err = body.str("solution"); err != nil {
		return req, err
	}
	if n.DueDate, err = body.str("dueDate"); err != nil {
		return req, err
	}
	sev, err := body.object("severity")
	if err != nil {
		return req, err
	}
	if sev != nil {
		v, err := sev.str("value")
		if err != nil {
			return req, err
		}
		if v == nil {
			return req, errf(casemgr.CodeMissingElement, "name", sev.sub("value"))
		}
		n.Severity = v
		if err := sev.done(); err != nil {
			return req, err
		}
	}
	if n.CustomAttributes, err = customAttributes(body); err != nil {
		return req, err
	}
	if err := body.done(); err != nil {
		return req, err
	}
	req.New = n
	return req, nil
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
