package httpapi

import (
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/i18n"
)

// complete serves PATCH /core/casemgr/v3/activity/complete: 200 with each
// activity's case status after the call (XML root <activities>).
func (s *Server) complete(w http.ResponseWriter, r *http.Request) {
	var done []casemgr.CompletedActivity
	err := checkParams(r)
	if err == nil {
		var req casemgr.CompleteRequest
		if req.Items, err = s.parseBulkBody(w, r); err == nil {
			done, err = s.Service.Complete(r.Context(), ctxOf(r).actor, req)
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := ctxOf(r)
	list := make([]any, len(done))
	for i, d := range done {
		a := map[string]any{"id": wireID(d.Activity), "link": linkTo("self", activityPath+wireID(d.Activity))}
		if d.Case != 0 {
			a["case"] = map[string]any{"id": wireID(d.Case), "link": linkTo("case", casePath+wireID(d.Case)),
				"status": map[string]any{"value": d.CaseStatus, "displayValue": i18n.Display(rc.locale, "caseStatus", d.CaseStatus)}}
		}
		list[i] = a
	}
	writeTree(w, rc, http.StatusOK, "", map[string]any{"activity": list})
}
