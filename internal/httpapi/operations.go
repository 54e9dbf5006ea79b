package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// readRooted reads the request body (readBody) and checks that an XML
// body's root element is root (checkRoot). It returns the tree and the root
// element ("" for JSON).
func (s *Server) readRooted(w http.ResponseWriter, r *http.Request, root string) (any, string, error) {
	tree, got, _, err := s.readBody(w, r)
	if err != nil {
		return nil, "", err
	}
	if err := checkRoot(got, root); err != nil {
		return nil, "", err
	}
	return tree, got, nil
}

// readObject reads a request body whose XML root element is root and
// views it as an object: the preamble of the operations' parsers.
func (s *Server) readObject(w http.ResponseWriter, r *http.Request, root string) (*obj, error) {
	tree, _, err := s.readRooted(w, r, root)
	if err != nil {
		return nil, err
	}
	return asObj("", tree)
}

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
