package httpapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/strictjson"
)

// A request body, JSON or XML, is decoded into one generic tree: objects
// are map[string]any, lists []any, scalars string (numbers keep their
// literal text) or bool. One strict reader (obj, below) then walks the tree
// for every operation, so JSON and XML bodies obey the same rules.

// maxDepth bounds the nesting of a body, JSON or XML: the operations' bodies
// nest a handful of levels, and a bound keeps a hostile document from
// costing deep recursion.
const maxDepth = 32

// decodeJSON decodes a JSON body into a tree strictly (internal/strictjson):
// a key repeated in one object is refused as an XML element repeated where
// one value belongs is (400-152), a string no engine stores (a NUL, invalid
// UTF-8, which a plain decode would silently replace) is 400-152 naming it,
// and nesting beyond maxDepth is 400-103.
func decodeJSON(body []byte) (any, error) {
	v, err := strictjson.Decode(body, maxDepth)
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return v, err
	}
	name := casemgr.Printable(pathOr(se.Path))
	switch se.Kind {
	case strictjson.Text:
		return nil, casemgr.E(casemgr.CodeInvalidValue, "name", name, "value", brief(se.Value))
	case strictjson.Repeated:
		return nil, casemgr.E(casemgr.CodeInvalidValue, "name", name, "value", "a repeated key")
	case strictjson.TooDeep:
		return nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "the JSON document is nested too deeply")
	}
	return nil, casemgr.E(casemgr.CodeMalformedBody, "reason", se.Reason)
}

// decodeXML decodes an XML body into a tree and returns the name of its root
// element. Child elements become keys, a repeated element a list, attributes
// keys too (eGain's v12 wrote id as an attribute), and an element holding
// only text a string.
func decodeXML(body []byte) (string, any, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "the XML document has no root element")
			}
			return "", nil, xmlError("", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			v, err := xmlElement(dec, se, "", 0)
			if err != nil {
				return "", nil, err
			}
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return "", nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "invalid XML: "+err.Error())
				}
				switch t := tok.(type) {
				case xml.StartElement:
					return "", nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "more than one root element")
				case xml.CharData:
					if len(bytes.TrimSpace(t)) > 0 {
						return "", nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "text after the root element")
					}
				}
			}
			return se.Name.Local, v, nil
		}
	}
}

func xmlElement(dec *xml.Decoder, start xml.StartElement, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "the XML document is nested too deeply")
	}
	obj := map[string]any{}
	add := func(name string, v any) {
		if prev, ok := obj[name]; ok {
			if list, ok := prev.(xmlList); ok {
				obj[name] = append(list, v)
			} else {
				obj[name] = xmlList{prev, v}
			}
			return
		}
		obj[name] = v
	}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Space != "" {
			continue
		}
		add(a.Name.Local, a.Value)
	}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, xmlError(path, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			sub := t.Name.Local
			if path != "" {
				sub = path + "." + sub
			}
			v, err := xmlElement(dec, t, sub, depth+1)
			if err != nil {
				return nil, err
			}
			add(t.Name.Local, v)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if len(obj) == 0 {
				return text.String(), nil
			}
			if strings.TrimSpace(text.String()) != "" {
				return nil, casemgr.E(casemgr.CodeMalformedBody, "reason", "element <"+start.Name.Local+"> mixes text and elements")
			}
			for k, v := range obj {
				if l, ok := v.(xmlList); ok {
					obj[k] = []any(l)
				}
			}
			return obj, nil
		}
	}
}

// xmlError reports an XML syntax error inside the element at path. A
// character no engine stores (a NUL, invalid UTF-8) is refused as an invalid
// value of that element, as the JSON form of the same value is; anything
// else is a malformed body.
func xmlError(path string, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) && (strings.HasPrefix(se.Msg, "illegal character code ") || se.Msg == "invalid UTF-8") {
		return casemgr.E(casemgr.CodeInvalidValue, "name", pathOr(path), "value", strings.TrimPrefix(se.Msg, "illegal character code "))
	}
	return casemgr.E(casemgr.CodeMalformedBody, "reason", "invalid XML: "+err.Error())
}

// xmlList marks a list built from repeated elements while decoding.
type xmlList []any

// obj reads one object of a request tree strictly: every key must be read
// by the operation, and done reports the first key that was not as an
// unsupported element (400-104) naming its path.
type obj struct {
	path string
	m    map[string]any
	seen map[string]bool
}

// asObj views v as an object at path. An empty XML element ("") is an
// empty object.
func asObj(path string, v any) (*obj, error) {
	switch x := v.(type) {
	case map[string]any:
		return &obj{path: path, m: x, seen: map[string]bool{}}, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return &obj{path: path, m: map[string]any{}, seen: map[string]bool{}}, nil
		}
	}
	return nil, casemgr.E(casemgr.CodeInvalidValue, "name", pathOr(path), "value", brief(v))
}

func pathOr(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

func (o *obj) sub(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

// has reports whether key is present.
func (o *obj) has(key string) bool {
	_, ok := o.m[key]
	return ok
}

// raw returns the value of key and marks it read.
func (o *obj) raw(key string) (any, bool) {
	v, ok := o.m[key]
	o.seen[key] = true
	return v, ok
}

// str reads an optional string. Numbers are accepted as their literal text.
func (o *obj) str(key string) (*string, error) {
	v, ok := o.raw(key)
	if !ok || v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return &x, nil
	}
	return nil, casemgr.E(casemgr.CodeInvalidValue, "name", o.sub(key), "value", brief(v))
}

// strField names an optional string element and where strs reads it to.
type strField struct {
	key string
	to  **string
}

// strs reads the optional strings of fields, in their order.
func (o *obj) strs(fields ...strField) error {
	for _, f := range fields {
		v, err := o.str(f.key)
		if err != nil {
			return err
		}
		*f.to = v
	}
	return nil
}

// object reads an optional nested object.
func (o *obj) object(key string) (*obj, error) {
	v, ok := o.raw(key)
	if !ok || v == nil {
		return nil, nil
	}
	return asObj(o.sub(key), v)
}

// list reads an optional list; a single value (one XML element) is a list
// of one.
func (o *obj) list(key string) ([]any, bool) {
	v, ok := o.raw(key)
	if !ok || v == nil {
		return nil, ok
	}
	if l, ok := v.([]any); ok {
		return l, true
	}
	return []any{v}, true
}

// id reads an optional ID.
func (o *obj) id(key string) (*casemgr.ID, error) {
	s, err := o.str(key)
	if err != nil || s == nil {
		return nil, err
	}
	id, ok := casemgr.ParseID(strings.TrimSpace(*s))
	if !ok {
		return nil, casemgr.E(casemgr.CodeInvalidValue, "name", o.sub(key), "value", *s)
	}
	return &id, nil
}

// done fails with 400-104 when the object holds a key that was not read.
func (o *obj) done() error {
	var extra []string
	for k := range o.m {
		if !o.seen[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return casemgr.E(casemgr.CodeUnsupportedElement, "name", o.sub(extra[0]))
}

// brief renders a value for an error message.
func brief(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 64 {
			cut := 64
			for cut > 60 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			return casemgr.Printable(x[:cut]) + "..."
		}
		return casemgr.Printable(x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}
