package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

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
	tree, root, _, err := s.readBody(w, r)
	if err != nil {
		return req, err
	}
	if err := checkRoot(root, "activities"); err != nil {
		return req, err
	}
	body, err := asObj("", tree)
	if err != nil {
		return req, err
	}
	list, ok := body.list("activity")
	if err := body.done(); err != nil {
		return req, err
	}
	if !ok {
		return req, errf(casemgr.CodeMissingElement, "name", "activity")
	}
	for i, raw := range list {
		item, err := asObj(fmt.Sprintf("activity[%d]", i), raw)
		if err != nil {
			return req, err
		}
		id, err := item.id("id")
		if err != nil {
			return req, err
		}
		lm, err := item.str("lastModified")
		if err != nil {
			return req, err
		}
		if err := item.done(); err != nil {
			return req, err
		}
		if id == nil || lm == nil {
			return req, errf(casemgr.CodeLastModifiedRequired, "index", itoa(i))
		}
		// Not casemgr.ParseTime: it truncates to milliseconds, and a
		// lastModified that differs from the stored one in any digit
		// is stale.
		t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(*lm))
		if perr != nil {
			return req, errf(casemgr.CodeLastModifiedMalformed, "value", *lm)
		}
		req.Items = append(req.Items, casemgr.TransferItem{Activity: *id, LastModified: t})
	}
	return req, nil
}
