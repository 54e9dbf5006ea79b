package httpapi

import (
	"fmt"
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// changeCustomer serves PATCH /core/casemgr/v3/activity/changecustomer: the
// body {"activity": [{"id", "customer": {"contacts": {"contact": [{"<kind>":
// [{"id"}]}]}}}]} (XML: <activities><activity>…) names, for each activity,
// the one contact point of the target customer. 204 on success.
func (s *Server) changeCustomer(w http.ResponseWriter, r *http.Request) {
	items, err := s.parseChangeCustomer(w, r)
	if err == nil {
		err = s.Service.ChangeCustomer(r.Context(), ctxOf(r).actor, items)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) parseChangeCustomer(w http.ResponseWriter, r *http.Request) ([]casemgr.ChangeCustomerItem, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	body, err := s.readObject(w, r, "activities")
	if err != nil {
		return nil, err
	}
	// A body without activities ({}, {"activity": []}, <activities/>)
	// breaks the rule "at least one activity" (400-201, in the domain),
	// not the shape of the body.
	list, _ := body.list("activity")
	if err := body.done(); err != nil {
		return nil, err
	}
	var items []casemgr.ChangeCustomerItem
	for i, raw := range list {
		item, err := asObj(fmt.Sprintf("activity[%d]", i), raw)
		if err != nil {
			return nil, err
		}
		id, err := item.id("id")
		if err != nil {
			return nil, err
		}
		if id == nil {
			return nil, errf(casemgr.CodeMissingElement, "name", item.sub("id"))
		}
		it := casemgr.ChangeCustomerItem{Activity: *id}
		cust, err := item.object("customer")
		if err != nil {
			return nil, err
		}
		if cust != nil {
			if it.Points, err = contactPointRefs(cust); err != nil {
				return nil, err
			}
			if err := cust.done(); err != nil {
				return nil, err
			}
		}
		if err := item.done(); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// contactPointRefs reads customer.contacts.contact[].{kind}[].id.
func contactPointRefs(cust *obj) ([]casemgr.PointRef, error) {
	contacts, err := cust.object("contacts")
	if err != nil || contacts == nil {
		return nil, err
	}
	list, _ := contacts.list("contact")
	if err := contacts.done(); err != nil {
		return nil, err
	}
	var refs []casemgr.PointRef
	for i, raw := range list {
		c, err := asObj(fmt.Sprintf("%s.contact[%d]", contacts.path, i), raw)
		if err != nil {
			return nil, err
		}
		for _, kind := range casemgr.ContactPointKinds {
			points, _ := c.list(kind)
			for j, praw := range points {
				p, err := asObj(fmt.Sprintf("%s.%s[%d]", c.path, kind, j), praw)
				if err != nil {
					return nil, err
				}
				id, err := p.id("id")
				if err != nil {
					return nil, err
				}
				if id == nil {
					return nil, errf(casemgr.CodeMissingElement, "name", p.sub("id"))
				}
				if err := p.done(); err != nil {
					return nil, err
				}
				refs = append(refs, casemgr.PointRef{Kind: kind, ID: *id})
			}
		}
		if err := c.done(); err != nil {
			return nil, err
		}
	}
	return refs, nil
}
