package httpapi

import (
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// changeCaseCustomer serves PATCH /core/casemgr/v3/case/{ids}/changecustomer
// with {"customer": {"id": "1001"}} (or wrapped in "case", as eGain's
// case.customer.id).
func (s *Server) changeCaseCustomer(w http.ResponseWriter, r *http.Request) {
	ids, customer, err := s.parseCaseCustomer(w, r)
	if err == nil {
		err = s.Service.ChangeCaseCustomer(r.Context(), ctxOf(r).actor, ids, customer)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) parseCaseCustomer(w http.ResponseWriter, r *http.Request) ([]casemgr.ID, casemgr.ID, error) {
	if err := checkParams(r); err != nil {
		return nil, 0, err
	}
	ids, err := pathIDs(r.PathValue("ids"))
	if err != nil {
		return nil, 0, err
	}
	body, err := s.readObject(w, r, "case")
	if err != nil {
		return nil, 0, err
	}
	if body.has("case") {
		inner, err := body.object("case")
		if err != nil {
			return nil, 0, err
		}
		if err := body.done(); err != nil {
			return nil, 0, err
		}
		if inner == nil {
			return nil, 0, errf(casemgr.CodeMissingElement, "name", "case.customer.id")
		}
		body = inner
	}
	cust, err := body.object("customer")
	if err != nil {
		return nil, 0, err
	}
	if err := body.done(); err != nil {
		return nil, 0, err
	}
	if cust == nil {
		return nil, 0, errf(casemgr.CodeMissingElement, "name", body.sub("customer")+".id")
	}
	id, err := cust.id("id")
	if err != nil {
		return nil, 0, err
	}
	if err := cust.done(); err != nil {
		return nil, 0, err
	}
	if id == nil {
		return nil, 0, errf(casemgr.CodeMissingElement, "name", cust.sub("id"))
	}
	return ids, *id, nil
}
