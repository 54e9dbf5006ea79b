package httpapi

import (
	"net/http"
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
	if n := strings.Count(raw, ",") + 1; n > casemgr.MaxActivities {
		return req, errf(casemgr.CodeTooManyActivities, "max", itoa(casemgr.MaxActivities), "count", itoa(n))
	}
	if req.Activities, err = pathIDs(raw); err != nil {
		return req, err
	}
	tree, root, _, err := s.readBody(w, r)
	if err != nil {
		return req, err
	}
	if err := checkRoot(root, "case"); err != nil {
		return req, err
	}
	body, err := asObj("", tree)
	if err != nil {
		return req, err
	}
	// {"case": {...}} and the unwrapped {...} are the same request.
	if body.has("case") {
		inner, err := body.object("case")
		if err != nil {
			return req, err
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
		for k := range body.m {
			if k != "id" {
				return req, errf(casemgr.CodeExistingCaseElements, "name", body.sub(k))
			}
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
