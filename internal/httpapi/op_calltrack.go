package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

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

// parseCalltrack reads the request: anonymousCustomer, the Idempotency-Key
// header and the body, section by section in the body's order.
func (s *Server) parseCalltrack(w http.ResponseWriter, r *http.Request) (casemgr.CalltrackRequest, error) {
	var req casemgr.CalltrackRequest
	if err := calltrackHeaders(r, &req); err != nil {
		return req, err
	}
	body, err := s.readObject(w, r, "activity")
	if err != nil {
		return req, err
	}
	for _, section := range calltrackSections {
		if err := section(body, &req); err != nil {
			return req, err
		}
	}
	if err := body.done(); err != nil {
		return req, err
	}
	req.BodyHash = calltrackHash(req)
	return req, nil
}

// calltrackSections read the body of a calltrack, in this order.
var calltrackSections = []func(body *obj, req *casemgr.CalltrackRequest) error{
	calltrackFields, calltrackPayload, calltrackCustomer, calltrackCase,
	calltrackAttachments, calltrackCustomAttributes, calltrackStatus,
}

// calltrackHeaders reads the query (anonymousCustomer) and the
// Idempotency-Key header.
func calltrackHeaders(r *http.Request, req *casemgr.CalltrackRequest) error {
	if err := checkParams(r, "anonymousCustomer"); err != nil {
		return err
	}
	var err error
	if req.Anonymous, err = yesParam(r, "anonymousCustomer"); err != nil {
		return err
	}
	key, err := headerText(r, "Idempotency-Key")
	if err != nil {
		return err
	}
	if key != "" {
		if len(key) > 255 {
			return errf(casemgr.CodeInvalidValue, "name", "Idempotency-Key", "value", key[:32]+"...")
		}
		req.IdempotencyKey = key
	}
	return nil
}

// calltrackEnum reads the enumerated field o.key, {"value",
// "displayValue"}, and the keys that more reads (the subtype of type). A
// missing field or value is "": the domain refuses it under the field's
// own rule.
func calltrackEnum(o *obj, key string, more func(e *obj) error) (string, error) {
	e, err := o.object(key)
	if err != nil || e == nil {
		return "", err
	}
	v, err := e.str("value")
	if err != nil {
		return "", err
	}
	if _, err := e.str("displayValue"); err != nil {
		return "", err
	}
	if more != nil {
		if err := more(e); err != nil {
			return "", err
		}
	}
	if err := e.done(); err != nil || v == nil {
		return "", err
	}
	return *v, nil
}

// calltrackFields reads department.name (a missing one is refused by the
// domain, 400-250), type and its subtype, mode, subject,
// contactPointData, priority and dueDate.
func calltrackFields(body *obj, req *casemgr.CalltrackRequest) error {
	dept, err := body.object("department")
	if err != nil {
		return err
	}
	if dept != nil {
		name, err := dept.str("name")
		if err != nil {
			return err
		}
		if err := dept.done(); err != nil {
			return err
		}
		if name != nil {
			req.Department = *name
		}
	}
	if req.Type, err = calltrackEnum(body, "type", func(typ *obj) (err error) {
		req.Subtype, err = calltrackEnum(typ, "subtype", nil)
		return err
	}); err != nil {
		return err
	}
	if req.Mode, err = calltrackEnum(body, "mode", nil); err != nil {
		return err
	}
	return body.strs(strField{"subject", &req.Subject}, strField{"contactPointData", &req.ContactPointData},
		strField{"priority", &req.Priority}, strField{"dueDate", &req.DueDate})
}

// calltrackPayload reads payload.calltrack.content.{text, html}.
func calltrackPayload(body *obj, req *casemgr.CalltrackRequest) error {
	payload, err := body.object("payload")
	if err != nil || payload == nil {
		return err
	}
	ct, err := payload.object("calltrack")
	if err != nil {
		return err
	}
	if ct != nil {
		content, err := ct.object("content")
		if err != nil {
			return err
		}
		if content != nil {
			c := &casemgr.CalltrackContent{}
			if c.Text, err = content.str("text"); err != nil {
				return err
			}
			if c.HTML, err = content.str("html"); err != nil {
				return err
			}
			if err := content.done(); err != nil {
				return err
			}
			req.Content = c
		}
		if err := ct.done(); err != nil {
			return err
		}
	}
	return payload.done()
}

// calltrackCustomer reads customer.id and customer.contacts.contact[].
func calltrackCustomer(body *obj, req *casemgr.CalltrackRequest) error {
	cust, err := body.object("customer")
	if err != nil || cust == nil {
		return err
	}
	if req.CustomerID, err = cust.id("id"); err != nil {
		return err
	}
	contacts, err := cust.object("contacts")
	if err != nil {
		return err
	}
	if contacts != nil {
		list, _ := contacts.list("contact")
		for i, raw := range list {
			if err := calltrackContact(fmt.Sprintf("%s.contact[%d]", contacts.path, i), raw, req); err != nil {
				return err
			}
		}
		if err := contacts.done(); err != nil {
			return err
		}
	}
	return cust.done()
}

// calltrackContact reads one contact of the customer: its id and the ids
// of its points, by kind.
func calltrackContact(path string, raw any, req *casemgr.CalltrackRequest) error {
	c, err := asObj(path, raw)
	if err != nil {
		return err
	}
	id, err := c.id("id")
	if err != nil {
		return err
	}
	if id != nil {
		req.ContactIDs = append(req.ContactIDs, *id)
	}
	for _, kind := range casemgr.ContactPointKinds {
		points, _ := c.list(kind)
		for j, praw := range points {
			p, err := asObj(fmt.Sprintf("%s.%s[%d]", c.path, kind, j), praw)
			if err != nil {
				return err
			}
			pid, err := p.id("id")
			if err != nil {
				return err
			}
			if err := p.done(); err != nil {
				return err
			}
			if pid == nil {
				return errf(casemgr.CodeMissingElement, "name", p.sub("id"))
			}
			req.Points = append(req.Points, casemgr.PointRef{Kind: kind, ID: *pid})
		}
	}
	return c.done()
}

// calltrackCase reads case.id, required when case is sent.
func calltrackCase(body *obj, req *casemgr.CalltrackRequest) error {
	cs, err := body.object("case")
	if err != nil || cs == nil {
		return err
	}
	if req.Case, err = cs.id("id"); err != nil {
		return err
	}
	if err := cs.done(); err != nil {
		return err
	}
	if req.Case == nil {
		return errf(casemgr.CodeMissingElement, "name", "case.id")
	}
	return nil
}

// calltrackAttachments reads attachments.attachment[].altId, each
// required and not empty.
func calltrackAttachments(body *obj, req *casemgr.CalltrackRequest) error {
	att, err := body.object("attachments")
	if err != nil || att == nil {
		return err
	}
	list, _ := att.list("attachment")
	for i, raw := range list {
		a, err := asObj(fmt.Sprintf("attachments.attachment[%d]", i), raw)
		if err != nil {
			return err
		}
		alt, err := a.str("altId")
		if err != nil {
			return err
		}
		if err := a.done(); err != nil {
			return err
		}
		if alt == nil || *alt == "" {
			return errf(casemgr.CodeMissingElement, "name", a.sub("altId"))
		}
		req.Attachments = append(req.Attachments, *alt)
	}
	return att.done()
}

// calltrackCustomAttributes reads the activity's customAttributes.
func calltrackCustomAttributes(body *obj, req *casemgr.CalltrackRequest) (err error) {
	req.CustomAttributes, err = customAttributes(body)
	return err
}

// calltrackStatus reads status.assigned.user: the target user's id, name
// and customAttributes.
func calltrackStatus(body *obj, req *casemgr.CalltrackRequest) error {
	status, err := body.object("status")
	if err != nil || status == nil {
		return err
	}
	assigned, err := status.object("assigned")
	if err != nil {
		return err
	}
	if assigned != nil {
		user, err := assigned.object("user")
		if err != nil {
			return err
		}
		if user != nil {
			if err := calltrackTargetUser(user, req); err != nil {
				return err
			}
		}
		if err := assigned.done(); err != nil {
			return err
		}
	}
	return status.done()
}

// calltrackTargetUser reads status.assigned.user: id, name and
// customAttributes, each of one value.
func calltrackTargetUser(user *obj, req *casemgr.CalltrackRequest) error {
	var err error
	if req.TargetID, err = user.id("id"); err != nil {
		return err
	}
	if req.TargetName, err = user.str("name"); err != nil {
		return err
	}
	attrs, err := customAttributes(user)
	if err != nil {
		return err
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
				return errf(casemgr.CodeInvalidValue, "name", "status.assigned.user.customAttributes."+k, "value", strings.Join(attrs[k], ","))
			}
			req.TargetAttrs[k] = attrs[k][0]
		}
	}
	return user.done()
}

// calltrackHash identifies a request for its idempotency key: the hash of
// everything the request asks for (the body's elements and the query), so
// that a retry is recognised whether it is sent as JSON or XML, with any
// spacing, and a request that asks for something else is not.
func calltrackHash(req casemgr.CalltrackRequest) string {
	// The request is marshalled without IdempotencyKey and BodyHash: the
	// outer fields of the same names hide them and, nil, are left out.
	// Maps are marshalled in key order.
	b, err := json.Marshal(struct {
		casemgr.CalltrackRequest
		IdempotencyKey *struct{} `json:",omitempty"`
		BodyHash       *struct{} `json:",omitempty"`
	}{CalltrackRequest: req})
	if err != nil {
		panic(err) // strings, IDs, maps and slices always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
