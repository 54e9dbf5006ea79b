package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/casemgr/casemgr/api"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Every request the HTTP tests of this package make, and every answer, is
// checked against the published contract (api/openapi.yaml): the harness
// calls validateExchange, which is validateAgainstOpenAPI.
func init() { validateExchange = validateAgainstOpenAPI }

// contract is the parsed OpenAPI document and its router, built once.
var contract = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("parse api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	acceptNumbersWhereDocumented(doc)
	// The tests' servers listen on random ports: route by path alone, not
	// by the document's server URLs.
	doc.Servers = nil
	// XML bodies are decoded guided by the same schemas as JSON (the
	// mapping of docs/api.md, XML), so both forms are validated alike.
	openapi3filter.RegisterBodyDecoder("application/xml", xmlBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/xml", xmlBodyDecoder)
	return legacy.NewRouter(doc)
})

// acceptNumbersWhereDocumented widens the schemas marked
// x-casemgr-accepts-number to take a positive JSON number as well as the
// decimal string they declare: the contract publishes IDs as strings (the
// type every generator handles), and the server accepts numbers there too,
// which its tests exercise.
func acceptNumbersWhereDocumented(doc *openapi3.T) {
	for _, ref := range doc.Components.Schemas {
		s := ref.Value
		if s == nil || s.Extensions["x-casemgr-accepts-number"] != true {
			continue
		}
		s.Type = &openapi3.Types{openapi3.TypeString, openapi3.TypeInteger}
		s.Min = new(float64)
		*s.Min = 1
	}
}

// validateAgainstOpenAPI checks one exchange against api/openapi.yaml:
//
//   - the route and method are in the contract (an unknown path must be
//     answered 404-100);
//   - the answer (status, headers, body in JSON or XML) matches the
//     contract; an undocumented status fails;
//   - a request the contract refuses (parameters, headers, body, missing
//     bearer token) must have been refused by the server with a 4xx.
//
// req is the request as sent (its body may have been read); reqBody is the
// body that was sent.
func validateAgainstOpenAPI(t testing.TB, req *http.Request, reqBody string, res *response) {
	t.Helper()
	router, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := req.Clone(ctx)
	r.Body = io.NopCloser(strings.NewReader(reqBody))
	r.ContentLength = int64(len(reqBody))
	route, pathParams, routeErr := router.FindRoute(r)
	if res.Status == http.StatusNotFound && res.Code() == "404-100" &&
		(routeErr != nil || strings.HasSuffix(r.URL.Path, "/")) {
		// A path the contract does not have (the contract's router
		// forgives a trailing slash; the server does not), answered as
		// such.
		return
	}
	if routeErr != nil {
		t.Errorf("openapi: %s %s is not in the contract (%v) but was answered %d: %s", req.Method, req.URL, routeErr, res.Status, brief(string(res.Body)))
		return
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  bearerPresent,
			SkipSettingDefaults: true,
			MultiError:          true,
		},
	}
	if reqErr := openapi3filter.ValidateRequest(ctx, input); reqErr != nil && res.Status < 400 {
		t.Errorf("openapi: the server answered %d to a request the contract refuses: %s %s: %s", res.Status, req.Method, req.URL, shortErr(reqErr))
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 res.Status,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("openapi: the answer %d to %s %s does not match the contract: %s\nbody: %s", res.Status, req.Method, req.URL, shortErr(err), brief(string(res.Body)))
	}
}

// shortErr renders a validation error without the schema and value dumps
// kin-openapi appends, which drown the message.
func shortErr(err error) string {
	var parts []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, "Schema:") || strings.HasPrefix(line, "Value:") {
			break
		}
		parts = append(parts, line)
	}
	msg := strings.Join(parts, "\n")
	if len(msg) > 2000 {
		msg = msg[:2000] + "..."
	}
	return msg
}

// bearerPresent is the contract's view of authentication: a Bearer token is
// sent. Whether it is valid is the server's business.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && strings.TrimSpace(tok) != "" {
		return nil
	}
	return errors.New("no bearer token")
}

// xmlBodyDecoder decodes an XML body into the JSON value it mirrors, using
// the schema to know which elements are lists, booleans or numbers. It also
// checks the root element against the schema's xml.name.
func xmlBodyDecoder(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	root, err := parseXMLNode(body)
	if err != nil {
		return nil, err
	}
	if schema != nil && schema.Value != nil && schema.Value.XML != nil && schema.Value.XML.Name != "" && root.name != schema.Value.XML.Name {
		return nil, fmt.Errorf("XML root element <%s>, want <%s>", root.name, schema.Value.XML.Name)
	}
	return root.value(schema), nil
}

// xmlNode is an element of a parsed XML document.
type xmlNode struct {
	name     string
	children []*xmlNode
	text     string
}

func parseXMLNode(r io.Reader) (*xmlNode, error) {
	dec := xml.NewDecoder(r)
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			for _, a := range t.Attr {
				n.children = append(n.children, &xmlNode{name: a.Name.Local, text: a.Value})
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, errors.New("more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// schemaView is what guides the decoding of one element: the properties
// of its schema (merged over oneOf/anyOf/allOf), the schema of other
// properties, and its types.
type schemaView struct {
	props    map[string]*openapi3.SchemaRef
	extra    *openapi3.SchemaRef
	types    []string
	items    *openapi3.SchemaRef
	required []string
}

func viewOf(ref *openapi3.SchemaRef) schemaView {
	v := schemaView{props: map[string]*openapi3.SchemaRef{}}
	var walk func(ref *openapi3.SchemaRef, depth int)
	walk = func(ref *openapi3.SchemaRef, depth int) {
		if ref == nil || ref.Value == nil || depth > 8 {
			return
		}
		s := ref.Value
		for name, p := range s.Properties {
			if _, ok := v.props[name]; !ok {
				v.props[name] = p
			}
		}
		if v.extra == nil && s.AdditionalProperties.Schema != nil {
			v.extra = s.AdditionalProperties.Schema
		}
		if len(v.types) == 0 && s.Type != nil {
			v.types = s.Type.Slice()
		}
		if v.items == nil {
			v.items = s.Items
		}
		v.required = append(v.required, s.Required...)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, alt := range group {
				walk(alt, depth+1)
			}
		}
	}
	walk(ref, 0)
	return v
}

func (v schemaView) is(t string) bool { return slices.Contains(v.types, t) }

// value converts an element to the JSON value its schema describes.
func (n *xmlNode) value(ref *openapi3.SchemaRef) any {
	v := viewOf(ref)
	if len(n.children) == 0 {
		text := n.text
		switch {
		case v.is("object") && strings.TrimSpace(text) == "":
			return map[string]any{}
		case v.is("string") || len(v.types) == 0:
			return text
		case v.is("boolean"):
			if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil {
				return b
			}
		case v.is("integer"):
			if i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil {
				return i
			}
		case v.is("number"):
			if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
				return f
			}
		}
		return text
	}
	obj := map[string]any{}
	for _, c := range n.children {
		prop := v.props[c.name]
		if prop == nil {
			prop = v.extra
		}
		pv := viewOf(prop)
		if pv.is("array") {
			list, _ := obj[c.name].([]any)
			obj[c.name] = append(list, c.value(pv.items))
			continue
		}
		if prev, dup := obj[c.name]; dup {
			// A repeated element where the schema wants one value:
			// keep both, so that validation reports it.
			if list, ok := prev.([]any); ok {
				obj[c.name] = append(list, c.value(prop))
			} else {
				obj[c.name] = []any{prev, c.value(prop)}
			}
			continue
		}
		obj[c.name] = c.value(prop)
	}
	// An empty list is no element at all in XML.
	for _, name := range v.required {
		if _, ok := obj[name]; !ok && viewOf(v.props[name]).is("array") {
			obj[name] = []any{}
		}
	}
	return obj
}

// TestOpenAPIDocumentIsValid pins that api/openapi.yaml parses, validates as
// OpenAPI 3.1, and builds a router.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	if _, err := contract(); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
}

// TestOpenAPITypesGeneratorsHandle pins the shapes code generators need:
// every schema has at most one type (IDs are strings on the wire; the
// server's acceptance of numbers is the x-casemgr-accepts-number mark, not
// a second type), and every pattern is written in the common subset of
// RE2 and ECMA-262 (no inline flags such as (?i:...)).
func TestOpenAPITypesGeneratorsHandle(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Schemas["IdInput"].Value.Type.Slice(); !slices.Equal(got, []string{"string"}) {
		t.Errorf("IdInput has type %v, want [string]", got)
	}
	if len(doc.Servers) == 0 {
		t.Error("the document has no servers")
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Type != nil && len(s.Type.Slice()) > 1 {
			t.Errorf("%s: several types %v", where, s.Type.Slice())
		}
		if strings.Contains(s.Pattern, "(?") {
			t.Errorf("%s: pattern %q uses an inline flag or group form that ECMA-262 lacks", where, s.Pattern)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		walk(where+"{}", s.AdditionalProperties.Schema)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for i, alt := range group {
				walk(fmt.Sprintf("%s/%d", where, i), alt)
			}
		}
	}
	for name, ref := range doc.Components.Schemas {
		walk(name, ref)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				walk(method+" "+path+" "+p.Value.Name, p.Value.Schema)
			}
		}
	}
	for name, p := range doc.Components.Parameters {
		walk("parameter "+name, p.Value.Schema)
	}
	if len(seen) < 50 {
		t.Errorf("walked only %d schemas", len(seen))
	}
}

// TestOpenAPICoversEveryRoute pins that every route of routes.go is in the
// contract with its method, and nothing else is.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	var routes []string
	for _, line := range strings.Split(src, "\n") {
		i := strings.Index(line, `mux.Handle`)
		if i < 0 {
			continue
		}
		q := strings.Index(line[i:], `"`)
		if q < 0 {
			continue
		}
		rest := line[i+q+1:]
		pattern, _, _ := strings.Cut(rest, `"`)
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			continue // the catch-all
		}
		routes = append(routes, method+" "+path)
	}
	if len(routes) < 15 {
		t.Fatalf("found only %d routes in routes.go: %v", len(routes), routes)
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc[method+" "+path] = true
		}
	}
	for _, r := range routes {
		if !inDoc[r] {
			t.Errorf("route %s is not in api/openapi.yaml", r)
		}
		delete(inDoc, r)
	}
	for r := range inDoc {
		t.Errorf("api/openapi.yaml documents %s, which routes.go does not serve", r)
	}
}

// TestOpenAPIErrorResponses pins that every error response of the contract
// carries the error body (or, on the token endpoints, the RFC 6749 body).
func TestOpenAPIErrorResponses(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				code, err := strconv.Atoi(status)
				if err != nil {
					t.Errorf("%s %s: response %q is not a status", method, path, status)
					continue
				}
				if code < 400 || (path == "/readyz" && code == 503) {
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil {
					t.Errorf("%s %s %d: no JSON error body", method, path, code)
					continue
				}
				ref := mt.Schema.Ref
				if ref != "#/components/schemas/Error" && ref != "#/components/schemas/OAuthError" {
					t.Errorf("%s %s %d: error body is %q", method, path, code, ref)
				}
				if ref == "#/components/schemas/Error" && resp.Value.Content.Get("application/xml") == nil {
					t.Errorf("%s %s %d: no XML error body", method, path, code)
				}
			}
		}
	}
}

// TestXMLBodyDecoder pins the XML-to-JSON mapping the contract validation
// uses.
func TestXMLBodyDecoder(t *testing.T) {
	if _, err := contract(); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["ActivityList"]
	body := `<?xml version="1.0"?><activities><activity><id>1</id><link><rel>self</rel><href>/x</href></link><pinned>true</pinned>` +
		`<attachments><count>2</count><link><rel>attachment</rel><href>/y</href></link></attachments></activity></activities>`
	v, err := xmlBodyDecoder(bytes.NewReader([]byte(body)), nil, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `map[activity:[map[attachments:map[count:2 link:[map[href:/y rel:attachment]]] id:1 link:[map[href:/x rel:self]] pinned:true]]]`
	if got := fmt.Sprint(v); got != want {
		t.Errorf("decoded %s\nwant    %s", got, want)
	}
	if err := schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("decoded value does not validate: %v", err)
	}
	if _, err := xmlBodyDecoder(strings.NewReader(`<activity><id>1</id></activity>`), nil, schema, nil); err == nil {
		t.Error("a wrong root element was accepted")
	}
}

// rtRecorder is a testing.TB that records errors instead of failing, to
// test the validator itself.
type rtRecorder struct {
	testing.TB
	errs []string
}

func (r *rtRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *rtRecorder) Helper() {}

// TestOpenAPIValidatorCatchesDrift pins that the validator fails answers and
// requests that leave the contract.
func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	self := `"link":[{"rel":"self","href":"/core/casemgr/v3/activity/3000"}]`
	for _, tc := range []struct {
		name, method, target, reqBody string
		status                        int
		contentType, body             string
		fails                         bool
	}{
		{"conforming answer", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/json",
			`{"activity":[{"id":"3000",` + self + `,"pinned":false}]}`, false},
		{"conforming XML answer", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/xml",
			`<activities><activity><id>3000</id><link><rel>self</rel><href>/a</href></link><pinned>false</pinned></activity></activities>`, false},
		{"unknown field", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/json",
			`{"activity":[{"id":"3000",` + self + `,"colour":"red"}]}`, true},
		{"number where a string is due", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/json",
			`{"activity":[{"id":3000,` + self + `}]}`, true},
		{"XML root of the wrong name", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/xml",
			`<activity><activity><id>3000</id><link><rel>self</rel><href>/a</href></link></activity></activity>`, true},
		{"XML boolean that is not one", "GET", "/core/casemgr/v3/activity/3000", "", 200, "application/xml",
			`<activities><activity><id>3000</id><link><rel>self</rel><href>/a</href></link><pinned>maybe</pinned></activity></activities>`, true},
		{"undocumented status", "GET", "/core/casemgr/v3/activity/3000", "", 409, "application/json",
			`{"code":"409-101","developerMessage":"x"}`, true},
		{"error without code", "GET", "/core/casemgr/v3/activity/3000", "", 404, "application/json",
			`{"developerMessage":"x"}`, true},
		{"refused request answered 4xx", "GET", "/core/casemgr/v3/activity/3000?$attribute=", "", 400, "application/json",
			`{"code":"400-102","developerMessage":"x"}`, false},
		{"refused request answered 2xx", "GET", "/core/casemgr/v3/activity?$pagesize=500", "", 204, "", "", true},
		{"body element the contract refuses answered 2xx", "PATCH", "/core/casemgr/v3/activity/changecustomer",
			`{"activity":[{"id":"3000","colour":"red"}]}`, 204, "", "", true},
		{"ID given as a JSON number, which the server accepts", "PATCH", "/core/casemgr/v3/activity/changecustomer",
			`{"activity":[{"id":3000}]}`, 204, "", "", false},
		{"ID given as a negative JSON number answered 2xx", "PATCH", "/core/casemgr/v3/activity/changecustomer",
			`{"activity":[{"id":-3}]}`, 204, "", "", true},
		{"unknown path answered 404-100", "GET", "/nowhere", "", 404, "application/json",
			`{"code":"404-100","developerMessage":"x"}`, false},
		{"unknown path answered 200", "GET", "/nowhere", "", 200, "application/json", `{}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader
			if tc.reqBody != "" {
				rd = strings.NewReader(tc.reqBody)
			}
			req, err := http.NewRequest(tc.method, tc.target, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer x")
			if tc.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res := &response{Status: tc.status, Header: http.Header{}, Body: []byte(tc.body)}
			if tc.contentType != "" {
				res.Header.Set("Content-Type", tc.contentType)
			}
			rec := &rtRecorder{TB: t}
			validateAgainstOpenAPI(rec, req, tc.reqBody, res)
			if failed := len(rec.errs) > 0; failed != tc.fails {
				t.Errorf("validator failed = %v, want %v: %v", failed, tc.fails, rec.errs)
			}
		})
	}
}

// TestOpenAPIOtherEndpoints exercises, through the contract validator, the
// endpoints the other tests of this package reach only directly: tokens,
// revocation, logout, health, the document itself and the administration.
func TestOpenAPIOtherEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		const form = "application/x-www-form-urlencoded"
		post := func(path, body string) *response {
			return h.do("POST", path, "", body, "Content-Type", form)
		}
		const tokenPath, revokePath = "/core/authmgr/v3/oauth2/token", "/core/authmgr/v3/oauth2/revoke"

		t.Run("tokens", func(t *testing.T) {
			res := post(tokenPath, "grant_type=password&username=jenny&password=pw-jenny")
			res.expect(t, 200, "")
			refresh := atString(res.JSON(t), "refresh_token")
			post(tokenPath, "grant_type=refresh_token&refresh_token="+refresh).expect(t, 200, "")
			post(tokenPath, "grant_type=client_credentials&client_id=bridge&client_secret=bridge-secret").expect(t, 200, "")
			post(tokenPath, "grant_type=client_credentials&client_id=bridge&client_secret=wrong").expect(t, 401, "")
			post(tokenPath, "grant_type=magic").expect(t, 400, "")
			post(tokenPath, "grant_type=password&username=jenny&password=wrong").expect(t, 400, "")
		})

		t.Run("revoke_and_logout", func(t *testing.T) {
			res := post(tokenPath, "grant_type=password&username=frank&password=pw-frank")
			res.expect(t, 200, "")
			post(revokePath, "token="+atString(res.JSON(t), "access_token")).expect(t, 200, "")
			post(revokePath, "token=unknown").expect(t, 200, "")
			post(revokePath, "").expect(t, 400, "")

			res = post(tokenPath, "grant_type=password&username=mia&password=pw-mia")
			access := atString(res.JSON(t), "access_token")
			h.do("DELETE", "/core/authmgr/v3/user/logout", access, "").expect(t, 204, "")
			h.do("DELETE", "/core/authmgr/v3/user/logout", access, "").expect(t, 401, "401-101")
			h.do("DELETE", "/core/authmgr/v3/user/logout", "", "").expect(t, 401, "401-104")
		})

		t.Run("health_and_document", func(t *testing.T) {
			h.do("GET", "/healthz", "", "").expect(t, 200, "")
			h.do("GET", "/readyz", "", "").expect(t, 200, "")
			res := h.do("GET", "/core/casemgr/v3/openapi.yaml", "", "")
			res.expect(t, 200, "")
			if !bytes.Equal(res.Body, api.OpenAPI) {
				t.Error("the served document is not api/openapi.yaml")
			}
		})

		t.Run("document_in_json_is_the_yaml_document", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/openapi.json", "", "")
			res.expect(t, 200, "")
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			fromJSON, err := openapi3.NewLoader().LoadFromData(res.Body)
			if err != nil {
				t.Fatalf("the JSON document does not load: %v", err)
			}
			fromYAML, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := fromJSON.MarshalJSON()
			b, _ := fromYAML.MarshalJSON()
			if !bytes.Equal(a, b) {
				t.Error("the JSON document differs from api/openapi.yaml")
			}
			if len(fromJSON.Paths.Map()) < 15 || fromJSON.Components.Schemas["IdInput"] == nil {
				t.Errorf("the JSON document lacks paths or schemas: %d paths", len(fromJSON.Paths.Map()))
			}
		})

		t.Run("unknown_path", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/nothing", h.client(), "").expect(t, 404, "404-100")
		})

		t.Run("administration", func(t *testing.T) {
			world := string(baseWorld(t))
			h.do("PUT", "/admin/v1/fixtures", "wrong", world).expect(t, 401, "401-101")
			h.do("PUT", "/admin/v1/fixtures", adminToken, world).expect(t, 204, "")
			h.do("POST", "/admin/v1/fixtures", adminToken, world).expect(t, 409, "409-104")
			h.do("POST", "/admin/v1/fixtures", adminToken, `{"departments": "none"}`).expect(t, 400, "400-301")
			h.do("POST", "/admin/v1/fixtures", adminToken, `{"departments": [{"id": "x", "name": "X"}]}`).expect(t, 400, "400-301")
			h.do("POST", "/admin/v1/fixtures", adminToken,
				`{"departments": [{"id": "90", "name": "Extra"}], "queues": [{"id": "900", "name": "Extra inbox", "department": "90"}]}`).
				expect(t, 204, "")
		})
	})
}
