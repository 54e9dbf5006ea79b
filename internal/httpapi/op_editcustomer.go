package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// editCustomer serves PATCH /core/customermgr/v3/customer[/{id}]
// (docs/operations/edit-customer.md): 204, no body.
func (s *Server) editCustomer(w http.ResponseWriter, r *http.Request) {
	in, err := s.parseCustomerEdit(w, r)
	if err == nil {
		err = s.Service.EditCustomer(r.Context(), ctxOf(r).actor, in)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseCustomerEdit reads the body of a customer edit strictly, with the
// readers of create customer: every element the operation does not know
// (type and department among them) is 400-104, naming it.
func (s *Server) parseCustomerEdit(w http.ResponseWriter, r *http.Request) (*casemgr.CustomerEdit, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	in := &casemgr.CustomerEdit{}
	if raw := r.PathValue("ids"); raw != "" {
		id, ok := casemgr.ParseID(strings.TrimSpace(raw))
		if !ok {
			return nil, errf(casemgr.CodeInvalidID, "value", raw)
		}
		in.PathID = id
	}
	body, err := s.readObject(w, r, "customer")
	if err != nil {
		return nil, err
	}
	if in.ID, err = body.id("id"); err != nil {
		return nil, err
	}
	if lm, err := body.str("lastModified"); err != nil {
		return nil, err
	} else if lm != nil {
		// Not casemgr.ParseTime: it truncates to milliseconds, and a
		// lastModified that differs from the stored one in any digit is
		// stale.
		t, perr := time.Parse(time.RFC3339Nano, strings.TrimSpace(*lm))
		if perr != nil {
			return nil, errf(casemgr.CodeInvalidValue, "name", "lastModified", "value", *lm)
		}
		in.LastModified = &t
	}
	if err := customerElements(body, true, &in.Name, &in.Details, &in.Custom, &in.Contacts); err != nil {
		return nil, err
	}
	return in, body.done()
}

// optionalID reads the id of an edited contact or point: 0 when not sent.
func optionalID(o *obj) (casemgr.ID, error) {
	id, err := o.id("id")
	if err != nil || id == nil {
		return 0, err
	}
	return *id, nil
}
