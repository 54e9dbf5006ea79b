package httpapi

import (
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// transferToUser serves PATCH /core/casemgr/v3/activity/transfer/user/{id}.
func (s *Server) transferToUser(w http.ResponseWriter, r *http.Request) {
	var req casemgr.TransferToUserRequest
	err := s.parseMove(w, r, true, &req.User, &req.Unpin, &req.Items)
	if err == nil {
		err = s.Service.TransferToUser(r.Context(), ctxOf(r).actor, req)
	}
	s.answerNoContent(w, r, err)
}

// transferToQueue serves PATCH /core/casemgr/v3/activity/transfer/queue/{id}.
func (s *Server) transferToQueue(w http.ResponseWriter, r *http.Request) {
	var req casemgr.TransferToQueueRequest
	err := s.parseMove(w, r, true, &req.Queue, &req.Unpin, &req.Items)
	if err == nil {
		err = s.Service.TransferToQueue(r.Context(), ctxOf(r).actor, req)
	}
	s.answerNoContent(w, r, err)
}

// pick serves PATCH /core/casemgr/v3/activity/pick.
func (s *Server) pick(w http.ResponseWriter, r *http.Request) {
	var req casemgr.PickRequest
	err := s.parseMove(w, r, false, nil, &req.Unpin, &req.Items)
	if err == nil {
		err = s.Service.Pick(r.Context(), ctxOf(r).actor, req)
	}
	s.answerNoContent(w, r, err)
}

// parseMove reads what the moves of a bulk body share: the query parameter
// unpin (yes only), the {id} of the path when the route has one, and the
// bulk body.
func (s *Server) parseMove(w http.ResponseWriter, r *http.Request, hasID bool, id *casemgr.ID, unpin *bool, items *[]casemgr.BulkItem) error {
	if err := checkParams(r, "unpin"); err != nil {
		return err
	}
	var err error
	if *unpin, err = yesParam(r, "unpin"); err != nil {
		return err
	}
	if hasID {
		v, ok := casemgr.ParseID(r.PathValue("id"))
		if !ok {
			return errf(casemgr.CodeInvalidID, "value", r.PathValue("id"))
		}
		*id = v
	}
	*items, err = s.parseBulkBody(w, r)
	return err
}

// answerNoContent answers 204 with no body, or the error.
func (s *Server) answerNoContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
