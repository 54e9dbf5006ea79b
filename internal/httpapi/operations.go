package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// checkRoot accepts a JSON body (root "") or an XML body whose root element
// is one of names.
func checkRoot(root string, names ...string) error {
	if root == "" {
		return nil
	}
	for _, n := range names {
		if root == n {
			return nil
		}
	}
	return errf(casemgr.CodeUnsupportedElement, "name", root)
}

// changeCustomer serves PATCH /core/casemgr/v3/activity/changecustomer.
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
	tree, root, _, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if err := checkRoot(root, "activities"); err != nil {
		return nil, err
	}
	body, err := asObj("", tree)
	if err != nil {
		return nil, err
	}
	list, ok := body.list("activity")
	if !ok {
		return nil, errf(casemgr.CodeMissingElement, "name", "activity")
	}
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

// pathIDs parses a comma-separated list of IDs from the path: more than 75
// is 400-107, a malformed one 400-108.
func pathIDs(raw string) ([]casemgr.ID, error) {
	parts := strings.Split(raw, ",")
	if len(parts) > casemgr.MaxActivities {
		return nil, errf(casemgr.CodeTooManyIDs, "max", itoa(casemgr.MaxActivities), "count", itoa(len(parts)))
	}
	ids := make([]casemgr.ID, 0, len(parts))
	for _, p := range parts {
		id, ok := casemgr.ParseID(strings.TrimSpace(p))
		if !ok {
			return nil, errf(casemgr.CodeInvalidID, "value", p)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

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

// customAttributes reads customAttributes.customAttribute[] with
// {attribName, attribValues: {attribValue: [{value}]}}.
func customAttributes(o *obj) (map[string][]string, error) {
	ca, err := o.object("customAttributes")
	if err != nil || ca == nil {
		return nil, err
	}
	list, _ := ca.list("customAttribute")
	if err := ca.done(); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for i, raw := range list {
		a, err := asObj(fmt.Sprintf("%s.customAttribute[%d]", ca.path, i), raw)
		if err != nil {
			return nil, err
		}
		name, err := a.str("attribName")
		if err != nil {
			return nil, err
		}
		if name == nil || *name == "" {
			return nil, errf(casemgr.CodeMissingElement, "name", a.sub("attribName"))
		}
		vals, err := a.object("attribValues")
		if err != nil {
			return nil, err
		}
		var values []string
		if vals != nil {
			vl, _ := vals.list("attribValue")
			for j, vraw := range vl {
				v, err := asObj(fmt.Sprintf("%s.attribValue[%d]", vals.path, j), vraw)
				if err != nil {
					return nil, err
				}
				s, err := v.str("value")
				if err != nil {
					return nil, err
				}
				if s == nil {
					return nil, errf(casemgr.CodeMissingElement, "name", v.sub("value"))
				}
				if err := v.done(); err != nil {
					return nil, err
				}
				values = append(values, *s)
			}
			if err := vals.done(); err != nil {
				return nil, err
			}
		}
		if err := a.done(); err != nil {
			return nil, err
		}
		out[*name] = append(out[*name], values...)
	}
	return out, nil
}

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
	if !ok {
		return req, errf(casemgr.CodeMissingElement, "name", "activity")
	}
	if err := body.done(); err != nil {
		return req, err
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
		if id == nil || lm == nil {
			return req, errf(casemgr.CodeLastModifiedRequired, "index", itoa(i))
		}
		t, perr := casemgr.ParseTime(*lm)
		if perr != nil {
			return req, errf(casemgr.CodeLastModifiedMalformed, "value", *lm)
		}
		if err := item.done(); err != nil {
			return req, err
		}
		req.Items = append(req.Items, casemgr.TransferItem{Activity: *id, LastModified: t})
	}
	return req, nil
}

// createCalltrack serves POST /core/casemgr/v3/activity/calltrack.
func (s *Server) createCalltrack(w http.ResponseWriter, r *http.Request) {
	req, err := s.parseCalltrack(w, r)
	var res casemgr.CreateResult
	if err == nil {
		res, err = s.Service.CreateCalltrack(r.Context(), ctxOf(r).actor, req)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/core/casemgr/v3/activity/"+casemgr.FormatID(res.Activity))
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) parseCalltrack(w http.ResponseWriter, r *http.Request) (casemgr.CalltrackRequest, error) {
	var req casemgr.CalltrackRequest
	if err := checkParams(r, "anonymousCustomer"); err != nil {
		return req, err
	}
	var err error
	if req.Anonymous, err = yesParam(r, "anonymousCustomer"); err != nil {
		return req, err
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		if len(key) > 255 {
			return req, errf(casemgr.CodeInvalidValue, "name", "Idempotency-Key", "value", key[:32]+"...")
		}
		req.IdempotencyKey = key
	}
	tree, root, raw, err := s.readBody(w, r)
	if err != nil {
		return req, err
	}
	sum := sha256.Sum256(raw)
	req.BodyHash = hex.EncodeToString(sum[:])
	if err := checkRoot(root, "activity"); err != nil {
		return req, err
	}
	body, err := asObj("", tree)
	if err != nil {
		return req, err
	}

	// value reads obj.key.value of an enumerated field.
	value := func(o *obj, key string, required bool) (*obj, string, error) {
		e, err := o.object(key)
		if err != nil {
			return nil, "", err
		}
		if e == nil {
			if required {
				return nil, "", errf(casemgr.CodeMissingElement, "name", o.sub(key)+".value")
			}
			return nil, "", nil
		}
		v, err := e.str("value")
		if err != nil {
			return nil, "", err
		}
		if v == nil && required {
			return nil, "", errf(casemgr.CodeMissingElement, "name", e.sub("value"))
		}
		if v == nil {
			return e, "", nil
		}
		return e, *v, nil
	}

	dept, err := body.object("department")
	if err != nil {
		return req, err
	}
	if dept == nil {
		return req, errf(casemgr.CodeDepartmentRequired)
	}
	name, err := dept.str("name")
	if err != nil {
		return req, err
	}
	if name != nil {
		req.Department = *name
	}
	if _, err := dept.str("id"); err != nil {
		return req, err
	}
	delete(dept.seen, "id")
	if err := dept.done(); err != nil {
		return req, err
	}

	typ, tv, err := value(body, "type", true)
	if err != nil {
		return req, err
	}
	req.Type = tv
	_, sv, err := value(typ, "subtype", true)
	if err != nil {
		return req, err
	}
	req.Subtype = sv
	if _, err := typ.str("displayValue"); err != nil {
		return req, err
	}
	if err := typ.done(); err != nil {
		return req, err
	}
	mode, mv, err := value(body, "mode", true)
	if err != nil {
		return req, err
	}
	req.Mode = mv
	if _, err := mode.str("displayValue"); err != nil {
		return req, err
	}
	if err := mode.done(); err != nil {
		return req, err
	}
	if req.Subject, err = body.str("subject"); err != nil {
		return req, err
	}
	if req.ContactPointData, err = body.str("contactPointData"); err != nil {
		return req, err
	}
	if req.Priority, err = body.str("priority"); err != nil {
		return req, err
	}
	if req.DueDate, err = body.str("dueDate"); err != nil {
		return req, err
	}

	payload, err := body.object("payload")
	if err != nil {
		return req, err
	}
	if payload != nil {
		ct, err := payload.object("calltrack")
		if err != nil {
			return req, err
		}
		if ct != nil {
			content, err := ct.object("content")
			if err != nil {
				return req, err
			}
			if content != nil {
				c := &casemgr.CalltrackContent{}
				if c.Text, err = content.str("text"); err != nil {
					return req, err
				}
				if c.HTML, err = content.str("html"); err != nil {
					return req, err
				}
				if err := content.done(); err != nil {
					return req, err
				}
				req.Content = c
			}
			if err := ct.done(); err != nil {
				return req, err
			}
		}
		if err := payload.done(); err != nil {
			return req, err
		}
	}

	cust, err := body.object("customer")
	if err != nil {
		return req, err
	}
	if cust != nil {
		if req.CustomerID, err = cust.id("id"); err != nil {
			return req, err
		}
		contacts, err := cust.object("contacts")
		if err != nil {
			return req, err
		}
		if contacts != nil {
			list, _ := contacts.list("contact")
			for i, raw := range list {
				c, err := asObj(fmt.Sprintf("%s.contact[%d]", contacts.path, i), raw)
				if err != nil {
					return req, err
				}
				id, err := c.id("id")
				if err != nil {
					return req, err
				}
				if id != nil {
					req.ContactIDs = append(req.ContactIDs, *id)
				}
				for _, kind := range casemgr.ContactPointKinds {
					points, _ := c.list(kind)
					for j, praw := range points {
						p, err := asObj(fmt.Sprintf("%s.%s[%d]", c.path, kind, j), praw)
						if err != nil {
							return req, err
						}
						pid, err := p.id("id")
						if err != nil {
							return req, err
						}
						if pid == nil {
							return req, errf(casemgr.CodeMissingElement, "name", p.sub("id"))
						}
						if err := p.done(); err != nil {
							return req, err
						}
						req.Points = append(req.Points, casemgr.PointRef{Kind: kind, ID: *pid})
					}
				}
				if err := c.done(); err != nil {
					return req, err
				}
			}
			if err := contacts.done(); err != nil {
				return req, err
			}
		}
		if err := cust.done(); err != nil {
			return req, err
		}
	}

	cs, err := body.object("case")
	if err != nil {
		return req, err
	}
	if cs != nil {
		if req.Case, err = cs.id("id"); err != nil {
			return req, err
		}
		if req.Case == nil {
			return req, errf(casemgr.CodeMissingElement, "name", "case.id")
		}
		if err := cs.done(); err != nil {
			return req, err
		}
	}

	att, err := body.object("attachments")
	if err != nil {
		return req, err
	}
	if att != nil {
		list, _ := att.list("attachment")
		for i, raw := range list {
			a, err := asObj(fmt.Sprintf("attachments.attachment[%d]", i), raw)
			if err != nil {
				return req, err
			}
			alt, err := a.str("altId")
			if err != nil {
				return req, err
			}
			if alt == nil || *alt == "" {
				return req, errf(casemgr.CodeMissingElement, "name", a.sub("altId"))
			}
			if err := a.done(); err != nil {
				return req, err
			}
			req.Attachments = append(req.Attachments, *alt)
		}
		if err := att.done(); err != nil {
			return req, err
		}
	}
	if req.CustomAttributes, err = customAttributes(body); err != nil {
		return req, err
	}

	status, err := body.object("status")
	if err != nil {
		return req, err
	}
	if status != nil {
		if _, err := status.str("value"); err != nil {
			return req, err
		}
		delete(status.seen, "value")
		assigned, err := status.object("assigned")
		if err != nil {
			return req, err
		}
		if assigned != nil {
			user, err := assigned.object("user")
			if err != nil {
				return req, err
			}
			if user != nil {
				if req.TargetID, err = user.id("id"); err != nil {
					return req, err
				}
				if req.TargetName, err = user.str("name"); err != nil {
					return req, err
				}
				attrs, err := customAttributes(user)
				if err != nil {
					return req, err
				}
				if attrs != nil {
					req.TargetAttrs = map[string]string{}
					keys := make([]string, 0, len(attrs))
					for k := range attrs {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						if len(attrs[k]) != 1 {
							return req, errf(casemgr.CodeInvalidValue, "name", "status.assigned.user.customAttributes."+k, "value", strings.Join(attrs[k], ","))
						}
						req.TargetAttrs[k] = attrs[k][0]
					}
				}
				if err := user.done(); err != nil {
					return req, err
				}
			}
			if err := assigned.done(); err != nil {
				return req, err
			}
		}
		if err := status.done(); err != nil {
			return req, err
		}
	}
	return req, body.done()
}
