package httpapi

import (
	"io"
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// pull serves PATCH /core/casemgr/v3/activity/pull: no parameters, no
// body; 200 with the activities pulled, 204 when there was nothing to pull.
func (s *Server) pull(w http.ResponseWriter, r *http.Request) {
	ids, err := s.servePull(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(ids) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = map[string]any{"id": wireID(id), "link": linkTo("self", activityPath+wireID(id))}
	}
	writeTree(w, ctxOf(r), http.StatusOK, "", map[string]any{"activity": list})
}

func (s *Server) servePull(w http.ResponseWriter, r *http.Request) ([]casemgr.ID, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	return s.Service.Pull(r.Context(), ctxOf(r).actor, casemgr.PullRequest{HasBody: hasBody(w, r, s.maxBody())})
}

// hasBody reports whether a request came with a body: anything but white
// space, as readBody counts an empty body. One longer than limit is a body
// too.
func hasBody(w http.ResponseWriter, r *http.Request, limit int64) bool {
	if r.Body == nil || r.ContentLength == 0 {
		return false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	return err != nil || strings.TrimSpace(string(b)) != ""
}
