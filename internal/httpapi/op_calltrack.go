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

func (s *Server) parseCalltrack(w http.ResponseWriter, r *http.Request) (casemgr.CalltrackRequest, error) {
	var req casemgr.CalltrackRequest
	if err := checkParams(r, "anonymousCustomer"); err != nil {
		return req, err
	}
	var err error
	if req.Anonymous, err = yesParam(r, "anonymousCustomer"); err != nil {
		return req, err
	}
	key, err := headerText(r, "Idempotency-Key")
	if err != nil {
		return req, err
	}
	if key != "" {
		if len(key) > 255 {
			return req, errf(casemgr.CodeInvalidValue, "name", "Idempotency-Key", "value", key[:32]+"...")
		}
		req.IdempotencyKey = key
	}
	body, err := s.readObject(w, r, "activity")
	if err != nil {
		return req, err
	}

	// enum reads the enumerated field o.key, {"value", "displayValue"},
	// and the keys that more reads (the subtype of type). A missing field
	// or value is "": the domain refuses it under the field's own rule.
	enum := func(o *obj, key string, more func(e *obj) error) (string, error) {
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

	// department.name; a missing one is refused by the domain (400-250).
	dept, err := body.object("department")
	if err != nil {
		return req, err
	}
	if dept != nil {
		name, err := dept.str("name")
		if err != nil {
			return req, err
		}
		if err := dept.done(); err != nil {
			return req, err
		}
		if name != nil {
			req.Department = *name
		}
	}
	if req.Type, err = enum(body, "type", func(typ *obj) (err error) {
		req.Subtype, err = enum(typ, "subtype", nil)
		return err
	}); err != nil {
		return req, err
	}
	if req.Mode, err = enum(body, "mode", nil); err != nil {
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
						if err := p.done(); err != nil {
							return req, err
						}
						if pid == nil {
							return req, errf(casemgr.CodeMissingElement, "name", p.sub("id"))
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
		if err := cs.done(); err != nil {
			return req, err
		}
		if req.Case == nil {
			return req, errf(casemgr.CodeMissingElement, "name", "case.id")
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
			if err := a.done(); err != nil {
				return req, err
			}
			if alt == nil || *alt == "" {
				return req, errf(casemgr.CodeMissingElement, "name", a.sub("altId"))
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
	if err := body.done(); err != nil {
		return req, err
	}
	req.BodyHash = calltrackHash(req)
	return req, nil
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
