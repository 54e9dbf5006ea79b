package httpapi

import (
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// transfer serves PATCH /core/casemgr/v3/activity/transfer/department/{id}.
func (s *Server) transfer(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseTransfer(w, r)
	if err == nil {
		err = s.Service.Transfer(r.Context(), ctxOf(r).actor, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) parseTransfer(w http.ResponseWriter, r *http.Request) (casemgr.TransferRequest, error) {
	var req casemgr.TransferRequest
	if err := checkParams(r, "unpin", "reassign"); err != nil {
		return req, err
	}
	var err error
	if req.Unpin, err = yesParam(r, "unpin"); err != nil {
		return req, err
	}
	if req.Reassign, err = yesParam(r, "reassign"); err != nil {
		return req, err
	}
	dept, ok := casemgr.ParseID(r.PathValue("id"))
	if !ok {
		return req, errf(casemgr.CodeInvalidID, "value", r.PathValue("id"))
	}
	req.Department = dept
	req.Items, err = s.parseBulkBody(w, r)
	return req, err
}
