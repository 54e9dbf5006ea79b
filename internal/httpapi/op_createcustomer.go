package httpapi

import (
	"fmt"
	"net/http"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// createCustomer serves POST /core/customermgr/v3/customer[/{customerType}]
// (docs/operations/create-customer.md): 201 with the Location of the new
// customer, no body.
func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	in, err := s.parseNewCustomer(w, r)
	var id casemgr.ID
	if err == nil {
		id, err = s.Service.CreateCustomer(r.Context(), ctxOf(r).actor, in)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", customerPath+casemgr.FormatID(id))
	w.WriteHeader(http.StatusCreated)
}

// pathCustomerTypes maps the customerType of the path to the type.
var pathCustomerTypes = map[string]string{"individual": "individual", "corp": "corporate", "corporate": "corporate", "group": "group"}

// parseNewCustomer reads the body of a created customer strictly: every
// element the operation does not know is 400-104, naming it.
func (s *Server) parseNewCustomer(w http.ResponseWriter, r *http.Request) (*casemgr.NewCustomer, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	in := &casemgr.NewCustomer{}
	if pt := r.PathValue("ids"); pt != "" {
		t, ok := pathCustomerTypes[pt]
		if !ok {
			return nil, errf(casemgr.CodeNoSuchRoute)
		}
		in.PathType = t
	}
	body, err := s.readObject(w, r, "customer")
	if err != nil {
		return nil, err
	}
	if in.Department, err = newCustomerDepartment(body); err != nil {
		return nil, err
	}
	if err := newCustomerType(body, in); err != nil {
		return nil, err
	}
	if err := customerElements(body, false, &in.Name, &in.Details, &in.Custom, &in.Contacts); err != nil {
		return nil, err
	}
	return in, body.done()
}

// newCustomerDepartment reads department.name.
func newCustomerDepartment(body *obj) (*string, error) {
	dept, err := body.object("department")
	if err != nil || dept == nil {
		return nil, err
	}
	name, err := dept.str("name")
	if err != nil {
		return nil, err
	}
	return name, dept.done()
}

// newCustomerType reads type: its value, and a group's type and region or
// a corporation's region.
func newCustomerType(body *obj, in *casemgr.NewCustomer) error {
	typ, err := body.object("type")
	if err != nil || typ == nil {
		return err
	}
	v, err := typ.str("value")
	if err != nil {
		return err
	}
	in.Type = deref(v)
	if _, err := typ.str("displayValue"); err != nil {
		return err
	}
	for _, kind := range []string{"group", "corporate"} {
		sub, err := typ.object(kind)
		if err != nil {
			return err
		}
		if sub == nil {
			continue
		}
		if kind == "group" {
			if in.GroupType, err = enumValue(sub, "type"); err != nil {
				return err
			}
		}
		if in.Region, err = enumValue(sub, "region"); err != nil {
			return err
		}
		if err := sub.done(); err != nil {
			return err
		}
	}
	return typ.done()
}

// customerElements reads the elements create and edit customer read
// alike, in this order: customerName, the details (customerDetails),
// customAttributes and contacts (withIDs: an edit's, with the ids of
// edited contacts and points).
func customerElements(body *obj, withIDs bool, name **string, details *map[string]string,
	custom *map[string][]string, contacts *[]casemgr.NewContact) (err error) {
	if *name, err = body.str("customerName"); err != nil {
		return err
	}
	if *details, err = customerDetails(body); err != nil {
		return err
	}
	if *custom, err = customAttributes(body); err != nil {
		return err
	}
	*contacts, err = newContacts(body, withIDs)
	return err
}

// enumValue reads an element that is either {"value": …} or a plain string.
func enumValue(o *obj, key string) (*string, error) {
	if v, ok := o.m[key].(string); ok {
		o.seen[key] = true
		return &v, nil
	}
	e, err := o.object(key)
	if err != nil || e == nil {
		return nil, err
	}
	v, err := e.str("value")
	if err != nil {
		return nil, err
	}
	if _, err := e.str("displayValue"); err != nil {
		return nil, err
	}
	if err := e.done(); err != nil {
		return nil, err
	}
	if v == nil {
		empty := ""
		return &empty, nil
	}
	return v, nil
}

// customerDetails reads the optional customer elements: role, howReferred,
// level and industry ({"value"}), pin, marketSegment and entitlements.
func customerDetails(o *obj) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range []string{"role", "howReferred", "level", "industry"} {
		v, err := enumValue(o, k)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = *v
		}
	}
	for _, k := range []string{"pin", "marketSegment", "entitlements"} {
		v, err := o.str(k)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out[k] = *v
		}
	}
	return out, nil
}

// contactDetailKeys are the optional string elements of a contact.
var contactDetailKeys = []string{"lastName", "salutation", "middleName", "loginId", "jobTitle"}

// newContacts reads contacts.contact[]; withIDs reads the id of an edited
// contact or point too (edit customer), which a creation refuses (400-104).
func newContacts(body *obj, withIDs bool) ([]casemgr.NewContact, error) {
	cs, err := body.object("contacts")
	if err != nil || cs == nil {
		return nil, err
	}
	list, _ := cs.list("contact")
	if err := cs.done(); err != nil {
		return nil, err
	}
	var out []casemgr.NewContact
	for i, raw := range list {
		path := fmt.Sprintf("contacts.contact[%d]", i)
		o, err := asObj(path, raw)
		if err != nil {
			return nil, err
		}
		c := casemgr.NewContact{Path: path, Details: map[string]string{}}
		if withIDs {
			if c.ID, err = optionalID(o); err != nil {
				return nil, err
			}
		}
		if c.FirstName, err = o.str("firstName"); err != nil {
			return nil, err
		}
		for _, k := range contactDetailKeys {
			v, err := o.str(k)
			if err != nil {
				return nil, err
			}
			if v != nil {
				c.Details[k] = *v
			}
		}
		for _, kind := range casemgr.ContactPointKinds {
			points, _ := o.list(kind)
			for j, rawPoint := range points {
				p, err := newPoint(fmt.Sprintf("%s.%s[%d]", path, kind, j), kind, rawPoint, withIDs)
				if err != nil {
					return nil, err
				}
				c.Points = append(c.Points, p)
			}
		}
		if err := o.done(); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// pointStrings are the plain string elements of a contact point by kind,
// besides its value.
var pointStrings = map[string][]string{
	casemgr.KindPhone:  {"countryCode", "areaCode", "extension"},
	casemgr.KindPostal: {"address_2", "city", "state", "zip", "country", "region"},
}

// newPoint reads one contact point of a kind (with its id, withIDs).
func newPoint(path, kind string, raw any, withIDs bool) (casemgr.NewPoint, error) {
	p := casemgr.NewPoint{Path: path, Kind: kind, Attrs: map[string]string{}}
	o, err := asObj(path, raw)
	if err != nil {
		return p, err
	}
	if withIDs {
		if p.ID, err = optionalID(o); err != nil {
			return p, err
		}
	}
	if p.Value, err = o.str(pointValueField[kind]); err != nil {
		return p, err
	}
	if kind != casemgr.KindEmail && kind != casemgr.KindWebsite {
		if p.Type, err = enumValue(o, "type"); err != nil {
			return p, err
		}
	}
	for _, k := range pointStrings[kind] {
		v, err := o.str(k)
		if err != nil {
			return p, err
		}
		if v != nil {
			p.Attrs[k] = *v
		}
	}
	if pr, err := enumValue(o, "priority"); err != nil {
		return p, err
	} else if pr != nil {
		p.Attrs["priority"] = *pr
	}
	if kind == casemgr.KindPhone {
		av, err := o.object("availability")
		if err != nil {
			return p, err
		}
		if av != nil {
			for _, k := range []string{"days", "times"} {
				v, err := enumValue(av, k)
				if err != nil {
					return p, err
				}
				if v != nil {
					p.Attrs["availability."+k] = *v
				}
			}
			if err := av.done(); err != nil {
				return p, err
			}
		}
	}
	return p, o.done()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
