package httpapi

import (
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The attribute look-ups (configuration discovery): what a client needs to
// fill its forms — activity types and subtypes, languages, the custom
// attributes of cases, activities and customers, and the configured lists
// of customer details. Every look-up takes $attribute (required: 400-112),
// a comma list of the lists wanted or "all" (another value: 400-102), and
// answers {"attribute": [{"name", "value": [...]}], "resource": ...}, or 204
// when every list asked for is empty. Any authenticated caller may look.

// attributeRequest reads $attribute as a set of the lists named in known;
// "all" names every one.
func attributeRequest(r *http.Request, known ...string) (map[string]bool, error) {
	if err := checkParams(r, "$attribute"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if !q.Has("$attribute") {
		return nil, errf(casemgr.CodeMissingParam, "name", "$attribute")
	}
	want := map[string]bool{}
	for _, v := range strings.Split(q.Get("$attribute"), ",") {
		v = strings.TrimSpace(v)
		switch {
		case v == "all":
			for _, k := range known {
				want[k] = true
			}
		case containsStr(known, v):
			want[v] = true
		default:
			return nil, errf(casemgr.CodeUnsupportedParamValue, "name", "$attribute", "value", v)
		}
	}
	return want, nil
}

// writeAttributes answers the lists in order, leaving out empty ones; 204
// when none is left.
func writeAttributes(w http.ResponseWriter, rc *reqCtx, resource string, lists []any) {
	writeFound(w, rc, len(lists), "attributes", map[string]any{"attribute": lists, "resource": resource})
}

// customAttributeList renders custom attribute definitions as the "custom"
// list, nil when there are none.
func customAttributeList(defs []casemgr.AttributeDef) any {
	if len(defs) == 0 {
		return nil
	}
	values := make([]any, 0, len(defs))
	for _, d := range defs {
		m := map[string]any{"attribName": d.Name, "dataType": d.Type}
		if len(d.Values) > 0 {
			vals := make([]any, 0, len(d.Values))
			for _, v := range d.Values {
				vals = append(vals, map[string]any{"value": v})
			}
			m["attribValues"] = map[string]any{"attribValue": vals}
		}
		values = append(values, m)
	}
	return map[string]any{"name": "custom", "value": values}
}

// enumList renders values as enumerated fields of kind, nil when there
// are none. Configured lists (kind "") are shown as configured: they are
// the business's own words, not the product's, so nothing translates them.
func (r *rep) enumList(kind string, values []string) []any {
	if len(values) == 0 {
		return nil
	}
	out := make([]any, 0, len(values))
	for _, v := range values {
		if kind == "" {
			out = append(out, map[string]any{"value": v, "displayValue": v})
		} else {
			out = append(out, r.enum(kind, v))
		}
	}
	return out
}

// namedList renders a configured list {"name", "value"}, nil when it is
// empty.
func (r *rep) namedList(name string, values []string) any {
	if len(values) == 0 {
		return nil
	}
	return map[string]any{"name": name, "value": r.enumList("", values)}
}

// appendList appends a list unless it is nil.
func appendList(lists []any, l any) []any {
	if l == nil {
		return lists
	}
	return append(lists, l)
}

// activityAttributes serves GET /core/casemgr/v3/activity/attributes:
// $attribute type (the activity types with their subtypes; the calltrack
// subtypes are configuration), language (the configured activity
// languages), custom (the activity custom attributes), or all.
func (s *Server) activityAttributes(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	want, err := attributeRequest(r, "type", "language", "custom")
	if err != nil {
		return err
	}
	var calltrack, languages []string
	var defs []casemgr.AttributeDef
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) (err error) {
		if calltrack, err = tx.CalltrackSubtypes(); err != nil {
			return err
		}
		if languages, err = casemgr.ActivityLanguages(tx); err != nil {
			return err
		}
		defs, err = tx.AttributeDefs("activity")
		return err
	})
	if err != nil {
		return err
	}
	rp := &rep{locale: rc.locale}
	var lists []any
	if want["type"] {
		lists = append(lists, map[string]any{"name": "type", "value": rp.activityTypes(calltrack)})
	}
	if want["language"] {
		lists = appendList(lists, rp.namedList("language", languages))
	}
	if want["custom"] {
		lists = appendList(lists, customAttributeList(defs))
	}
	writeAttributes(w, rc, "activity", lists)
	return nil
}

// activityTypes renders the activity types with their subtypes.
func (r *rep) activityTypes(calltrack []string) []any {
	subtypes := map[string][]string{
		casemgr.TypeEmail:     {"general"},
		casemgr.TypeCalltrack: calltrack,
		casemgr.TypeSocial:    {"Twitter", "Facebook", "Instagram"},
	}
	var values []any
	for _, t := range []string{casemgr.TypeEmail, casemgr.TypeCalltrack, casemgr.TypeSocial,
		casemgr.TypeChat, casemgr.TypeWeb, casemgr.TypeTask} {
		v := r.enum("activityType", t)
		kind := "activitySubtype"
		if t == casemgr.TypeSocial {
			kind = "socialType"
		}
		if subs := r.enumList(kind, subtypes[t]); subs != nil {
			v.set("subtype", subs)
		}
		values = append(values, v)
	}
	return values
}

// caseAttributes serves GET /core/casemgr/v3/case/attributes: $attribute
// custom or all, the case custom attributes; 204 when none is configured.
func (s *Server) caseAttributes(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	want, err := attributeRequest(r, "custom")
	if err != nil {
		return err
	}
	var defs []casemgr.AttributeDef
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) (err error) {
		defs, err = tx.AttributeDefs("case")
		return err
	})
	if err != nil {
		return err
	}
	var lists []any
	if want["custom"] {
		lists = appendList(lists, customAttributeList(defs))
	}
	writeAttributes(w, rc, "case", lists)
	return nil
}

// customerAttributes serves GET /core/customermgr/v3/customer/attributes:
// $attribute a comma list of type (the group types and the regions of
// groups and corporations), country, industry, level, contacts (the
// contact types), custom (the customer custom attributes), or all.
func (s *Server) customerAttributes(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	want, err := attributeRequest(r, "type", "country", "industry", "level", "contacts", "custom")
	if err != nil {
		return err
	}
	lists := map[string][]string{}
	var defs []casemgr.AttributeDef
	err = s.store().Read(r.Context(), func(tx casemgr.Tx) error {
		for _, name := range casemgr.ValueListNames {
			v, err := casemgr.ValueList(tx, name)
			if err != nil {
				return err
			}
			lists[name] = v
		}
		var err error
		defs, err = tx.AttributeDefs("customer")
		return err
	})
	if err != nil {
		return err
	}
	rp := &rep{locale: rc.locale}
	var out []any
	if want["type"] {
		groupTypes := rp.enumList("", lists[casemgr.ListGroupTypes])
		regions := rp.enumList("", lists[casemgr.ListRegions])
		if groupTypes != nil || regions != nil {
			group := map[string]any{}
			if groupTypes != nil {
				group["type"] = groupTypes
			}
			if regions != nil {
				group["region"] = regions
			}
			var values []any
			for _, t := range casemgr.CustomerTypes {
				v := rp.enum("customerType", t)
				switch {
				case t == "group":
					v.set("group", group)
				case t == "corporate" && regions != nil:
					v.set("corporate", map[string]any{"region": regions})
				}
				values = append(values, v)
			}
			out = append(out, map[string]any{"name": "type", "value": values})
		}
	}
	if want["country"] {
		out = appendList(out, rp.namedList("country", lists[casemgr.ListCountries]))
	}
	if want["industry"] {
		out = appendList(out, rp.namedList("industry", lists[casemgr.ListIndustries]))
	}
	if want["level"] {
		out = appendList(out, rp.namedList("level", lists[casemgr.ListLevels]))
	}
	if want["contacts"] {
		out = appendList(out, rp.namedList("contacts", lists[casemgr.ListContactTypes]))
	}
	if want["custom"] {
		out = appendList(out, customAttributeList(defs))
	}
	writeAttributes(w, rc, "customer", out)
	return nil
}
