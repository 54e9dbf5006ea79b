package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The department-isolation sweep: every route of the router (Server.routes,
// recorded by routemux.go) × every demo user and client application ×
// objects the actor may not see (activities, cases and customers of
// departments that are neither the user's home nor a foreign department;
// uploads of another actor) → the answer for a missing object, byte for
// byte, and nothing changed. A route without a sweep case fails the test:
// whoever adds a route adds its case to sweepCases.

// sweepMissing are IDs that exist nowhere in the demo world.
const (
	sweepMissingID  = "999991"
	sweepMissingAlt = "00000000-0000-4000-8000-000000000000"
)

// sweepPoint is a contact point of the demo world.
type sweepPoint struct{ id, kind, value string }

// sweepCustomer is a customer of the demo world with its contacts and
// contact points.
type sweepCustomer struct {
	id, dept, name string
	contacts       []string
	points         []sweepPoint
}

// sweepData is what the sweep needs of the demo world, read from
// fixtures/demo.json.
type sweepData struct {
	depts     map[string]string // id → name
	acts      map[string]string // activity id → department
	actCase   map[string]string
	cases     map[string]string // case id → department
	caseOpen  map[string]bool
	customers []sweepCustomer
	users     []sweepUserDoc
	clients   [][2]string // clientId, secret
	actOrder  []string
	caseOrder []string
}

type sweepUserDoc struct {
	ID, Name, Department string
	Foreign              []string
}

func loadSweepData(t testing.TB) *sweepData {
	t.Helper()
	var doc struct {
		Departments []struct{ ID, Name string }
		Users       []struct {
			ID, Name, Department string
			ForeignDepartments   []string `json:"foreignDepartments"`
		}
		ClientApplications []struct {
			ClientID     string `json:"clientId"`
			ClientSecret string `json:"clientSecret"`
		} `json:"clientApplications"`
		Customers []struct {
			ID, Department string
			CustomerName   string `json:"customerName"`
			Contacts       []map[string]json.RawMessage
		}
		Cases      []struct{ ID, Department, Status string }
		Activities []struct{ ID, Department, Case string }
	}
	if err := json.Unmarshal(fixtures.Demo, &doc); err != nil {
		t.Fatal(err)
	}
	d := &sweepData{depts: map[string]string{}, acts: map[string]string{}, actCase: map[string]string{},
		cases: map[string]string{}, caseOpen: map[string]bool{}}
	for _, x := range doc.Departments {
		d.depts[x.ID] = x.Name
	}
	for _, u := range doc.Users {
		d.users = append(d.users, sweepUserDoc{ID: u.ID, Name: u.Name, Department: u.Department, Foreign: u.ForeignDepartments})
	}
	for _, c := range doc.ClientApplications {
		d.clients = append(d.clients, [2]string{c.ClientID, c.ClientSecret})
	}
	for _, c := range doc.Cases {
		d.cases[c.ID], d.caseOpen[c.ID] = c.Department, c.Status == "open"
		d.caseOrder = append(d.caseOrder, c.ID)
	}
	for _, a := range doc.Activities {
		d.acts[a.ID], d.actCase[a.ID] = a.Department, a.Case
		d.actOrder = append(d.actOrder, a.ID)
	}
	valueKey := map[string]string{"email": "emailAddress", "phone": "phoneNo", "social": "socialId", "postal": "address_1", "website": "url"}
	for _, c := range doc.Customers {
		sc := sweepCustomer{id: c.ID, dept: c.Department, name: c.CustomerName}
		for _, contact := range c.Contacts {
			var id string
			_ = json.Unmarshal(contact["id"], &id)
			sc.contacts = append(sc.contacts, id)
			for kind, vk := range valueKey {
				var points []map[string]any
				_ = json.Unmarshal(contact[kind], &points)
				for _, p := range points {
					v, _ := p[vk].(string)
					sc.points = append(sc.points, sweepPoint{id: fmt.Sprint(p["id"]), kind: kind, value: v})
				}
			}
		}
		sort.Slice(sc.points, func(i, j int) bool { return sc.points[i].id < sc.points[j].id })
		d.customers = append(d.customers, sc)
	}
	return d
}

// sweepActor is one caller of the sweep: a demo user or client application.
type sweepActor struct {
	name   string // "mike", "client:crm-bridge"
	token  string
	user   *sweepUserDoc
	upload string // the altId of this actor's own upload
}

// sees reports whether the actor sees a department (the rule under test,
// restated from the user's fixture entry).
func (a *sweepActor) sees(dept string) bool {
	if a.user == nil {
		return true
	}
	if a.user.Department == dept {
		return true
	}
	for _, f := range a.user.Foreign {
		if f == dept {
			return true
		}
	}
	return false
}

// sweep is one engine's sweep: the harness, the demo world's data, the
// actors and the attachments placed in every department.
type sweep struct {
	h        *harness
	d        *sweepData
	actors   []*sweepActor
	attached map[string][2]string // department → {activity, altId of one of its attachments}
	attacher string               // the user who uploaded the attached files
	events   []string             // departments of the events written (sweepEvents)
}

// invisible lists, for each department the actor does not see, up to n IDs
// of list (keyed by department), spread over the list: the first, the last
// and evenly between. n ≤ 0 means all.
func (sw *sweep) invisible(a *sweepActor, order []string, deptOf map[string]string, n int) []string {
	byDept := map[string][]string{}
	for _, id := range order {
		if d := deptOf[id]; !a.sees(d) {
			byDept[d] = append(byDept[d], id)
		}
	}
	var out []string
	for _, d := range sortedKeys(byDept) {
		ids := byDept[d]
		if n <= 0 || len(ids) <= n {
			out = append(out, ids...)
			continue
		}
		for i := 0; i < n; i++ {
			out = append(out, ids[i*(len(ids)-1)/(n-1)])
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// invisibleCustomers lists up to n customers per department the actor
// does not see.
func (sw *sweep) invisibleCustomers(a *sweepActor, n int) []sweepCustomer {
	count := map[string]int{}
	var out []sweepCustomer
	for _, c := range sw.d.customers {
		if !a.sees(c.dept) && (n <= 0 || count[c.dept] < n) {
			count[c.dept]++
			out = append(out, c)
		}
	}
	return out
}

// visibleActivity returns an activity the actor sees, preferably of its
// home department.
func (sw *sweep) visibleActivity(a *sweepActor) string {
	for _, id := range sw.d.actOrder {
		if a.user == nil || sw.d.acts[id] == a.user.Department {
			return id
		}
	}
	return ""
}

// visibleOpenCase returns an open case of the actor's home department.
func (sw *sweep) visibleOpenCase(a *sweepActor) string {
	for _, id := range sw.d.caseOrder {
		if sw.d.caseOpen[id] && (a.user == nil || sw.d.cases[id] == a.user.Department) {
			return id
		}
	}
	return ""
}

// homeCustomer returns a customer of the actor's home department (of
// Service for a client application).
func (sw *sweep) homeCustomer(a *sweepActor) sweepCustomer {
	dept := "10"
	if a.user != nil {
		dept = a.user.Department
	}
	for _, c := range sw.d.customers {
		if c.dept == dept {
			return c
		}
	}
	return sweepCustomer{}
}

// snapshot renders what a refused request must not change: every
// activity, case and customer, and the attachments of the sweep, in a few
// queries (every change of an operation moves one of these; history is
// written only with them).
func (sw *sweep) snapshot(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	err := sw.h.db.Read(context.Background(), func(tx casemgr.Tx) error {
		acts, _, err := tx.SearchActivities(casemgr.ActivityFilter{Page: casemgr.Page{Limit: 100000}})
		if err != nil {
			return err
		}
		var ids []casemgr.ID
		for id := casemgr.ID(2000); id < 2300; id++ {
			ids = append(ids, id)
		}
		cases, err := tx.Cases(ids, false)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for id := casemgr.ID(500); id < 700; id++ {
			ids = append(ids, id)
		}
		custs, err := tx.Customers(ids)
		if err != nil {
			return err
		}
		var alts []string
		for _, a := range sw.actors {
			alts = append(alts, a.upload)
		}
		for _, x := range sw.attached {
			alts = append(alts, x[1])
		}
		sort.Strings(alts)
		atts, err := tx.Attachments(alts, false)
		if err != nil {
			return err
		}
		for _, v := range []any{acts, cases, custs, atts} {
			j, _ := json.Marshal(v)
			b.Write(j)
			b.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return b.String()
}

// do sends a request as the harness does, without checking it against the
// OpenAPI document (the contract tests do that; the sweep sends thousands).
func (sw *sweep) do(method, path, token, body string) *response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	sw.h.h.ServeHTTP(rec, req)
	return &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// call is one request of the sweep.
type call struct {
	method, path, body string
}

// same sends the request naming an invisible object and the same request
// naming a missing one, and fails unless both answers are the same byte
// for byte (the IDs aside) and a refusal: the not-found answer of the
// route, or a permission refusal (403) that a missing object gets too.
func (sw *sweep) same(t *testing.T, a *sweepActor, inv call, invID string, missing call, missingID string, notFound ...string) {
	t.Helper()
	ri := sw.do(inv.method, inv.path, a.token, inv.body)
	rm := sw.do(missing.method, missing.path, a.token, missing.body)
	if ri.Status < 300 && ri.Status != http.StatusNoContent {
		t.Fatalf("%s: %s %s answers %d for an object it may not see: %s", a.name, inv.method, inv.path, ri.Status, ri.Body)
	}
	a1 := strings.ReplaceAll(string(ri.Body), invID, "{id}")
	a2 := strings.ReplaceAll(string(rm.Body), missingID, "{id}")
	if ri.Status != rm.Status || a1 != a2 {
		t.Fatalf("%s: %s %s %s answers differently for an invisible object (%s) and a missing one (%s):\ninvisible %d %s\nmissing   %d %s",
			a.name, inv.method, inv.path, inv.body, invID, missingID, ri.Status, ri.Body, rm.Status, rm.Body)
	}
	code := ri.Code()
	ok := ri.Status == http.StatusNoContent && len(notFound) == 0 || strings.HasPrefix(code, "403-")
	for _, c := range notFound {
		ok = ok || code == c
	}
	if !ok {
		t.Fatalf("%s: %s %s answers %d %s, want not found (%v): %s", a.name, inv.method, inv.path, ri.Status, code, notFound, ri.Body)
	}
}

// readIDs checks a get-by-IDs route: every invisible ID in chunks of 75
// is 404-101 naming exactly those IDs, and a sample answers as a missing
// ID.
func (sw *sweep) readIDs(t *testing.T, a *sweepActor, base string, all, sample []string) {
	t.Helper()
	for i := 0; i < len(all); i += 75 {
		chunk := all[i:min(i+75, len(all))]
		res := sw.do("GET", base+strings.Join(chunk, ","), a.token, "")
		res.expect(t, 404, "404-101")
		var e struct{ Details []struct{ Key string } }
		_ = json.Unmarshal(res.Body, &e)
		if len(e.Details) != len(chunk) {
			t.Fatalf("%s: GET %s of %d invisible IDs names %d of them: %s", a.name, base, len(chunk), len(e.Details), res.Body)
		}
	}
	for _, id := range sample {
		sw.same(t, a, call{"GET", base + id, ""}, id, call{"GET", base + sweepMissingID, ""}, sweepMissingID, "404-101")
	}
}

// sweepCase sweeps one route for one actor.
type sweepCase func(t *testing.T, sw *sweep, a *sweepActor)

// exempted holds the reasons of the exempt routes, by pattern.
var exempted = map[string]string{}

// exempt marks a route that names no activity, case, customer or upload:
// nothing of a department can leak through it. The reason says why; the
// route is not called.
func exempt(reason string) sweepCase {
	return func(t *testing.T, sw *sweep, a *sweepActor) {}
}

func init() {
	for p, reason := range map[string]string{
		"GET /healthz":                                       "process health, no data",
		"GET /readyz":                                        "database health, no data",
		"POST /core/authmgr/v3/oauth2/token":                 "authentication: issues the caller's own tokens",
		"POST /core/authmgr/v3/oauth2/revoke":                "authentication: revokes the caller's own tokens",
		"DELETE /core/authmgr/v3/user/logout":                "authentication: ends the caller's own session",
		"POST /core/authmgr/v4/oauth2/v2.0/onbehalfof/token": "authentication: issues a client's token on behalf of a user",
		"POST /core/authmgr/v3/oauth2/v2.0/onbehalfof/token": "authentication: issues a client's token on behalf of a user",
		"GET /core/authmgr/v3/metadata/deployment":           "authentication metadata: where to get tokens, no data",
		"GET /core/authmgr/v3/metadata/tenant/{tenantId}":    "authentication metadata: where to get tokens, no data",
		"POST /core/casemgr/v3/attachment":                   "an upload names no existing object; its ownership is swept on GET /attachment/{altId} and create-calltrack",
		"GET /core/casemgr/v3/activity/attributes":           "configuration: activity types, subtypes and attribute definitions",
		"GET /core/casemgr/v3/case/attributes":               "configuration: case attribute definitions",
		"GET /core/customermgr/v3/customer/attributes":       "configuration: customer attribute definitions",
		"GET /core/casemgr/v3/openapi.yaml":                  "the published API document",
		"GET /core/casemgr/v3/openapi.json":                  "the published API document",
		"GET /core/casemgr/v3/department":                    "departments are not departmental data: any department may be named as a transfer target",
		"GET /core/casemgr/v3/user/me":                       "the caller's own user",
		"/console/":                                          "static files of the web console",
		"/console":                                           "the web console's entry",
		"/docs/":                                             "static API reference page",
		"/":                                                  "no route: 404-100 or 405-100",
		"POST /core/customermgr/v3/customer": "a creation names no existing object; a department the user does not work in is 403-107 " +
			"before the email-uniqueness rule looks at other customers, and that rule looks only in the new customer's department " +
			"(TestCC3DepartmentIsRequiredAndExists, TestCC10EmailAddressIsNotInUse)",
		"POST /core/customermgr/v3/customer/{ids}": "the creation with the customer type in the path: as POST /customer",
	} {
		exempted[p] = reason
		sweepCases[p] = exempt(reason)
	}
}

// notForCallers marks a route that no user or client application token
// opens: the answer must be a refusal.
func notForCallers(method, path string) sweepCase {
	return func(t *testing.T, sw *sweep, a *sweepActor) {
		res := sw.do(method, path, a.token, "")
		if res.Status < 400 {
			t.Fatalf("%s: %s %s answers %d to a caller's token", a.name, method, path, res.Status)
		}
	}
}

// sweepSample is how many objects of each invisible department a
// single-object request names (the first, the last and between); the
// get-by-IDs routes name all of them.
const sweepSample = 3

// sweepCases holds one case per route pattern of Handler.
var sweepCases = map[string]sweepCase{

	"GET /core/casemgr/v3/events": func(t *testing.T, sw *sweep, a *sweepActor) {
		// Every event's department as a client application reads them
		// (the sweep's writes of other routes have events too, and
		// sweepEvents adds one in every department); the actor reads
		// exactly those of the departments it sees, and of none.
		sweepEvents(t, sw)
		read := func(token string) []string {
			var depts []string
			for cursor, n := "", 0; n < 100; n++ {
				q := "?$pagesize=500"
				if cursor != "" {
					q += "&after=" + cursor
				}
				res := sw.do("GET", "/core/casemgr/v3/events"+q, token, "")
				res.expect(t, 200, "")
				body := res.JSON(t)
				list, _ := body["event"].([]any)
				for _, e := range list {
					depts = append(depts, atString(e, "department.id"))
				}
				cursor = atString(body, "cursor")
				if len(list) < 500 {
					break
				}
			}
			return depts
		}
		var all []string
		for _, c := range sw.actors {
			if c.user == nil {
				all = read(c.token)
				break
			}
		}
		var seen []string
		for _, dept := range all {
			if dept == "" || a.sees(dept) {
				seen = append(seen, dept)
			}
		}
		if got := read(a.token); strings.Join(got, ",") != strings.Join(seen, ",") {
			t.Fatalf("%s reads events of departments %v, want %v", a.name, got, seen)
		}
	},

	"GET /core/casemgr/v3/activity/{ids}": func(t *testing.T, sw *sweep, a *sweepActor) {
		sw.readIDs(t, a, "/core/casemgr/v3/activity/", sw.invisible(a, sw.d.actOrder, sw.d.acts, 0),
			sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample))
		// What the actor sees shows nothing of customers it does not see.
		var visible []string
		for _, id := range sw.d.actOrder {
			if a.sees(sw.d.acts[id]) {
				visible = append(visible, id)
			}
		}
		for i := 0; i < len(visible); i += 75 {
			res := sw.do("GET", "/core/casemgr/v3/activity/"+strings.Join(visible[i:min(i+75, len(visible))], ",")+"?$attribute=all", a.token, "")
			res.expect(t, 200, "")
			for _, c := range sw.invisibleCustomers(a, 0) {
				if strings.Contains(string(res.Body), `"`+c.name+`"`) {
					t.Fatalf("%s: a visible activity shows customer %s (%s) of a department it does not see", a.name, c.id, c.name)
				}
			}
		}
	},
	"GET /core/casemgr/v3/activity/{id}/history": func(t *testing.T, sw *sweep, a *sweepActor) {
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity/" + id + "/history", ""}, id,
				call{"GET", "/core/casemgr/v3/activity/" + sweepMissingID + "/history", ""}, sweepMissingID, "404-101")
		}
	},
	"GET /core/casemgr/v3/activity/{id}/attachment": func(t *testing.T, sw *sweep, a *sweepActor) {
		ids := sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample)
		for dept, x := range sw.attached {
			if !a.sees(dept) {
				ids = append(ids, x[0])
			}
		}
		for _, id := range ids {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity/" + id + "/attachment", ""}, id,
				call{"GET", "/core/casemgr/v3/activity/" + sweepMissingID + "/attachment", ""}, sweepMissingID, "404-101")
		}
	},
	"GET /core/casemgr/v3/activity/{id}/attachment/{attachmentId}": func(t *testing.T, sw *sweep, a *sweepActor) {
		mine := sw.visibleActivity(a)
		for _, dept := range sortedKeys(sw.attached) {
			x := sw.attached[dept]
			if a.sees(dept) {
				continue
			}
			// The invisible activity's own attachment: the activity is
			// not found.
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity/" + x[0] + "/attachment/" + x[1], ""}, x[0],
				call{"GET", "/core/casemgr/v3/activity/" + sweepMissingID + "/attachment/" + x[1], ""}, sweepMissingID, "404-101")
			// Its attachment through an activity the actor sees: the
			// attachment is not found.
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity/" + mine + "/attachment/" + x[1], ""}, x[1],
				call{"GET", "/core/casemgr/v3/activity/" + mine + "/attachment/" + sweepMissingAlt, ""}, sweepMissingAlt, "404-101")
		}
	},
	"GET /core/casemgr/v3/activity": func(t *testing.T, sw *sweep, a *sweepActor) {
		// Every page of every activity lists none the actor may not see.
		invisible := map[string]bool{}
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, 0) {
			invisible[id] = true
		}
		for page := 1; ; page++ {
			res := sw.do("GET", fmt.Sprintf("/core/casemgr/v3/activity?$pagesize=75&$pagenum=%d", page), a.token, "")
			if res.Status == http.StatusNoContent {
				break
			}
			res.expect(t, 200, "")
			for _, id := range rtIDs(t, res, "activity") {
				if invisible[id] {
					t.Fatalf("%s: the activity search lists %s of a department it does not see", a.name, id)
				}
			}
		}
		// Filters naming what the actor may not see find nothing, as
		// filters naming nothing.
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample) {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity?case=" + id, ""}, id,
				call{"GET", "/core/casemgr/v3/activity?case=" + sweepMissingID, ""}, sweepMissingID)
		}
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/activity?customerID=" + c.id, ""}, c.id,
				call{"GET", "/core/casemgr/v3/activity?customerID=" + sweepMissingID, ""}, sweepMissingID)
		}
		for _, dept := range sortedKeys(sw.d.depts) {
			if !a.sees(dept) {
				if res := sw.do("GET", "/core/casemgr/v3/activity?department="+dept, a.token, ""); res.Status != http.StatusNoContent {
					t.Fatalf("%s: a search of department %s it does not see answers %d: %s", a.name, dept, res.Status, res.Body)
				}
			}
		}
	},
	"GET /core/casemgr/v3/case": func(t *testing.T, sw *sweep, a *sweepActor) {
		if a.user == nil {
			return // a client application sees every case (and names a department)
		}
		invisible := map[string]bool{}
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, 0) {
			invisible[id] = true
		}
		for _, status := range []string{"open", "closed"} {
			for page := 1; ; page++ {
				res := sw.do("GET", fmt.Sprintf("/core/casemgr/v3/case?status=%s&$pagesize=75&$pagenum=%d", status, page), a.token, "")
				if res.Status != http.StatusOK {
					if res.Status >= 300 && res.Status != http.StatusNoContent && !strings.HasPrefix(res.Code(), "403-") {
						t.Fatalf("%s: case search answers %d: %s", a.name, res.Status, res.Body)
					}
					break
				}
				for _, id := range rtIDs(t, res, "case") {
					if invisible[id] {
						t.Fatalf("%s: the case search lists %s of a department it does not see", a.name, id)
					}
				}
			}
		}
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/case?customer=" + c.id, ""}, c.id,
				call{"GET", "/core/casemgr/v3/case?customer=" + sweepMissingID, ""}, sweepMissingID)
			for _, p := range c.points {
				if p.kind == "email" {
					sw.same(t, a, call{"GET", "/core/casemgr/v3/case?email=" + url.QueryEscape(p.value), ""}, url.QueryEscape(p.value),
						call{"GET", "/core/casemgr/v3/case?email=nobody%40example.org", ""}, "nobody%40example.org")
				}
			}
		}
	},
	"POST /core/customermgr/v3/customer":       sweepCreateCustomer("/core/customermgr/v3/customer", `"type": {"value": "individual"}, `),
	"POST /core/customermgr/v3/customer/{ids}": sweepCreateCustomer("/core/customermgr/v3/customer/individual", `"type": {"value": "individual"}, `),
	"PATCH /core/customermgr/v3/customer": func(t *testing.T, sw *sweep, a *sweepActor) {
		// An invisible customer answers as a missing one (400-322); so do
		// an invisible customer's contact (400-325) and point (400-327)
		// named in an edit of a customer the actor sees.
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sw.same(t, a, call{"PATCH", "/core/customermgr/v3/customer", `{"id": "` + c.id + `", "pin": "1"}`}, c.id,
				call{"PATCH", "/core/customermgr/v3/customer", `{"id": "` + sweepMissingID + `", "pin": "1"}`}, sweepMissingID, "400-322")
		}
		home := sw.homeCustomer(a)
		if home.id == "" || len(home.contacts) == 0 {
			return
		}
		// One customer per department keeps this sweep cheap: each
		// request is a write transaction.
		for _, c := range sw.invisibleCustomers(a, 1) {
			contact := func(id string) string {
				return `{"id": "` + home.id + `", "contacts": {"contact": [{"id": "` + id + `", "firstName": "Sweep"}]}}`
			}
			for _, ct := range c.contacts {
				sw.same(t, a, call{"PATCH", "/core/customermgr/v3/customer", contact(ct)}, ct,
					call{"PATCH", "/core/customermgr/v3/customer", contact(sweepMissingID)}, sweepMissingID, "400-325")
			}
			for _, p := range c.points {
				point := func(id string) string {
					return `{"id": "` + home.id + `", "contacts": {"contact": [{"id": "` + home.contacts[0] + `", "` + p.kind +
						`": [{"id": "` + id + `", "` + pointValueField[p.kind] + `": "sweep.edit@example.org"}]}]}}`
				}
				sw.same(t, a, call{"PATCH", "/core/customermgr/v3/customer", point(p.id)}, p.id,
					call{"PATCH", "/core/customermgr/v3/customer", point(sweepMissingID)}, sweepMissingID, "400-327")
			}
		}
	},
	"PATCH /core/customermgr/v3/customer/{ids}": func(t *testing.T, sw *sweep, a *sweepActor) {
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sw.same(t, a, call{"PATCH", "/core/customermgr/v3/customer/" + c.id, `{"pin": "1"}`}, c.id,
				call{"PATCH", "/core/customermgr/v3/customer/" + sweepMissingID, `{"pin": "1"}`}, sweepMissingID, "404-101")
		}
	},
	"GET /core/casemgr/v3/case/{id}/history": func(t *testing.T, sw *sweep, a *sweepActor) {
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample) {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/case/" + id + "/history", ""}, id,
				call{"GET", "/core/casemgr/v3/case/" + sweepMissingID + "/history", ""}, sweepMissingID, "404-101")
		}
	},
	"GET /core/casemgr/v3/case/{ids}": func(t *testing.T, sw *sweep, a *sweepActor) {
		sw.readIDs(t, a, "/core/casemgr/v3/case/", sw.invisible(a, sw.d.caseOrder, sw.d.cases, 0),
			sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample))
	},
	"GET /core/customermgr/v3/customer/{ids}": func(t *testing.T, sw *sweep, a *sweepActor) {
		var all, sample []string
		for _, c := range sw.invisibleCustomers(a, 0) {
			all = append(all, c.id)
		}
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sample = append(sample, c.id)
		}
		sw.readIDs(t, a, "/core/customermgr/v3/customer/", all, sample)
	},
	"GET /core/customermgr/v3/customer": func(t *testing.T, sw *sweep, a *sweepActor) {
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			sw.same(t, a, call{"GET", "/core/customermgr/v3/customer?customerName=" + url.QueryEscape(c.name), ""}, url.QueryEscape(c.name),
				call{"GET", "/core/customermgr/v3/customer?customerName=Nobody", ""}, "Nobody")
			for _, p := range c.points {
				switch p.kind {
				case "email":
					sw.same(t, a, call{"GET", "/core/customermgr/v3/customer?email=" + url.QueryEscape(p.value), ""}, url.QueryEscape(p.value),
						call{"GET", "/core/customermgr/v3/customer?email=nobody%40example.org", ""}, "nobody%40example.org")
				case "phone":
					sw.same(t, a, call{"GET", "/core/customermgr/v3/customer?phone=" + p.value, ""}, p.value,
						call{"GET", "/core/customermgr/v3/customer?phone=1999999999", ""}, "1999999999")
				}
			}
		}
	},
	"PATCH /core/casemgr/v3/case/{ids}/changecustomer": func(t *testing.T, sw *sweep, a *sweepActor) {
		target := sw.homeCustomer(a).id
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample) {
			body := `{"customer": {"id": "` + target + `"}}`
			sw.same(t, a, call{"PATCH", "/core/casemgr/v3/case/" + id + "/changecustomer", body}, id,
				call{"PATCH", "/core/casemgr/v3/case/" + sweepMissingID + "/changecustomer", body}, sweepMissingID, "404-101")
		}
		open := sw.visibleOpenCase(a)
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			path := "/core/casemgr/v3/case/" + open + "/changecustomer"
			sw.same(t, a, call{"PATCH", path, `{"customer": {"id": "` + c.id + `"}}`}, c.id,
				call{"PATCH", path, `{"customer": {"id": "` + sweepMissingID + `"}}`}, sweepMissingID, "400-258")
		}
	},
	"PATCH /core/casemgr/v3/activity/changecustomer": func(t *testing.T, sw *sweep, a *sweepActor) {
		item := func(act, kind, point string) string {
			return `{"activity": [{"id": "` + act + `", "customer": {"contacts": {"contact": [{"` + kind + `": [{"id": "` + point + `"}]}]}}}]}`
		}
		home := sw.homeCustomer(a)
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			p := home.points[0]
			sw.same(t, a, call{"PATCH", "/core/casemgr/v3/activity/changecustomer", item(id, p.kind, p.id)}, id,
				call{"PATCH", "/core/casemgr/v3/activity/changecustomer", item(sweepMissingID, p.kind, p.id)}, sweepMissingID, "400-203")
		}
		mine := sw.visibleActivity(a)
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			p := c.points[0]
			sw.same(t, a, call{"PATCH", "/core/casemgr/v3/activity/changecustomer", item(mine, p.kind, p.id)}, p.id,
				call{"PATCH", "/core/casemgr/v3/activity/changecustomer", item(mine, p.kind, sweepMissingID)}, sweepMissingID, "400-211")
		}
	},
	"PATCH /core/casemgr/v3/activity/{ids}/changecase": func(t *testing.T, sw *sweep, a *sweepActor) {
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			sw.same(t, a, call{"PATCH", "/core/casemgr/v3/activity/" + id + "/changecase", `{}`}, id,
				call{"PATCH", "/core/casemgr/v3/activity/" + sweepMissingID + "/changecase", `{}`}, sweepMissingID, "404-101")
		}
		path := "/core/casemgr/v3/activity/" + sw.visibleActivity(a) + "/changecase"
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample) {
			sw.same(t, a, call{"PATCH", path, `{"id": "` + id + `"}`}, id,
				call{"PATCH", path, `{"id": "` + sweepMissingID + `"}`}, sweepMissingID, "400-223")
		}
	},
	"PATCH /core/casemgr/v3/activity/transfer/department/{id}": func(t *testing.T, sw *sweep, a *sweepActor) {
		target := "10"
		if a.user != nil {
			target = a.user.Department
		}
		path := "/core/casemgr/v3/activity/transfer/department/" + target
		item := func(id, stamp string) string {
			return `{"activity": [{"id": "` + id + `", "lastModified": "` + stamp + `"}]}`
		}
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			n, _ := casemgr.ParseID(id)
			// With the activity's true lastModified, and with a stale one.
			for _, stamp := range []string{sw.h.stamp(n), "2020-01-01T00:00:00.000Z"} {
				sw.same(t, a, call{"PATCH", path, item(id, stamp)}, id, call{"PATCH", path, item(sweepMissingID, stamp)}, sweepMissingID, "400-203")
			}
		}
	},
	"PATCH /core/casemgr/v3/activity/pull": sweepPull,
	"PATCH /core/casemgr/v3/activity/complete": func(t *testing.T, sw *sweep, a *sweepActor) {
		item := func(id, stamp string) string {
			return `{"activity": [{"id": "` + id + `", "lastModified": "` + stamp + `"}]}`
		}
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			n, _ := casemgr.ParseID(id)
			for _, stamp := range []string{sw.h.stamp(n), "2020-01-01T00:00:00.000Z"} {
				sw.same(t, a, call{"PATCH", "/core/casemgr/v3/activity/complete", item(id, stamp)}, id,
					call{"PATCH", "/core/casemgr/v3/activity/complete", item(sweepMissingID, stamp)}, sweepMissingID, "400-203")
			}
		}
	},
	"PATCH /core/casemgr/v3/activity": func(t *testing.T, sw *sweep, a *sweepActor) {
		item := func(id, stamp string) string {
			return `{"activity": [{"id": "` + id + `", "lastModified": "` + stamp + `", "priority": "2"}]}`
		}
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			n, _ := casemgr.ParseID(id)
			for _, stamp := range []string{sw.h.stamp(n), "2020-01-01T00:00:00.000Z"} {
				sw.same(t, a, call{"PATCH", "/core/casemgr/v3/activity", item(id, stamp)}, id,
					call{"PATCH", "/core/casemgr/v3/activity", item(sweepMissingID, stamp)}, sweepMissingID, "400-203")
			}
		}
	},
	"PATCH /core/casemgr/v3/activity/transfer/user/{id}":  sweepBulk("/core/casemgr/v3/activity/transfer/user/1009"),
	"PATCH /core/casemgr/v3/activity/transfer/queue/{id}": sweepBulk("/core/casemgr/v3/activity/transfer/queue/100"),
	"PATCH /core/casemgr/v3/activity/pick":                sweepBulk("/core/casemgr/v3/activity/pick"),
	"POST /core/casemgr/v3/activity/calltrack": func(t *testing.T, sw *sweep, a *sweepActor) {
		base := map[string]any{"customer": map[string]any{"id": sw.homeCustomer(a).id}}
		if a.user != nil {
			base["department"] = map[string]any{"name": sw.d.depts[a.user.Department]}
		} else {
			base["status"] = map[string]any{"assigned": map[string]any{"user": map[string]any{"id": "1003"}}}
		}
		body := func(edits ...any) string {
			var all []any
			for k, v := range base {
				all = append(all, k, v)
			}
			return ctBody(append(all, edits...)...)
		}
		post := func(inv, missing string, invID, missingID string, code string) {
			sw.same(t, a, call{"POST", ctPath, inv}, invID, call{"POST", ctPath, missing}, missingID, code)
		}
		for _, id := range sw.invisible(a, sw.d.caseOrder, sw.d.cases, sweepSample) {
			post(body("case", map[string]any{"id": id}), body("case", map[string]any{"id": sweepMissingID}), id, sweepMissingID, "400-263")
		}
		for _, c := range sw.invisibleCustomers(a, sweepSample) {
			post(body("customer", map[string]any{"id": c.id}), body("customer", map[string]any{"id": sweepMissingID}), c.id, sweepMissingID, "400-258")
			contact := func(id string) map[string]any {
				return map[string]any{"contacts": map[string]any{"contact": []any{map[string]any{"id": id}}}}
			}
			post(body("customer", contact(c.contacts[0])), body("customer", contact(sweepMissingID)), c.contacts[0], sweepMissingID, "400-258")
			p := c.points[0]
			point := func(id string) map[string]any {
				return map[string]any{"contacts": map[string]any{"contact": []any{map[string]any{p.kind: []any{map[string]any{"id": id}}}}}}
			}
			post(body("customer", point(p.id)), body("customer", point(sweepMissingID)), p.id, sweepMissingID, "400-258")
			for _, q := range c.points {
				if q.kind == "email" {
					post(body("customer", ctDelete{}, "contactPointData", q.value), body("customer", ctDelete{}, "contactPointData", "nobody@example.org"),
						q.value, "nobody@example.org", "400-260")
					break
				}
			}
		}
		att := func(alt string) map[string]any {
			return map[string]any{"attachment": []any{map[string]any{"altId": alt}}}
		}
		for _, other := range sw.actors {
			if other != a {
				post(body("attachments", att(other.upload)), body("attachments", att(sweepMissingAlt)), other.upload, sweepMissingAlt, "400-273")
			}
		}
	},
	"GET /core/casemgr/v3/attachment/{altId}": func(t *testing.T, sw *sweep, a *sweepActor) {
		others := []string{}
		for _, other := range sw.actors {
			if other != a {
				others = append(others, other.upload)
			}
		}
		if a.name != sw.attacher {
			for _, x := range sw.attached {
				others = append(others, x[1])
			}
		}
		for _, alt := range others {
			sw.same(t, a, call{"GET", "/core/casemgr/v3/attachment/" + alt, ""}, alt,
				call{"GET", "/core/casemgr/v3/attachment/" + sweepMissingAlt, ""}, sweepMissingAlt, "404-101")
		}
	},
	"PUT /admin/v1/fixtures":  notForCallers("PUT", "/admin/v1/fixtures"),
	"POST /admin/v1/fixtures": notForCallers("POST", "/admin/v1/fixtures"),
	"GET /admin/v1/fixtures":  notForCallers("GET", "/admin/v1/fixtures"),
	"/debug/pprof/":           notForCallers("GET", "/debug/pprof/"),
}

// sweepCreateCustomer is the case of create-customer (path and the type
// element its body needs): a user creating a customer in a department they
// do not see is refused (403, department access, or the action the user
// lacks), and nothing is created. Departments themselves are not hidden;
// the uniqueness of an address is checked only in the department the user
// works in, after this refusal.
func sweepCreateCustomer(path, typ string) sweepCase {
	return func(t *testing.T, sw *sweep, a *sweepActor) {
		if a.user == nil {
			return // a client application creates customers anywhere
		}
		for _, dept := range sortedKeys(sw.d.depts) {
			if a.sees(dept) {
				continue
			}
			body := `{"department": {"name": "` + sw.d.depts[dept] + `"}, ` + typ +
				`"contacts": {"contact": [{"firstName": "Sweep", "lastName": "Isolation", "email": [{"emailAddress": "sweep.isolation@example.org"}]}]}}`
			res := sw.do("POST", path, a.token, body)
			if res.Status != http.StatusForbidden {
				t.Fatalf("%s: creating a customer in department %s it does not see answers %d: %s", a.name, dept, res.Status, res.Body)
			}
		}
	}
}

// newSweep loads the demo world, logs every demo user and client
// application in, lets each upload a file, and attaches a file to an
// activity of every department.
// sweepEvents writes, once per sweep, one event in every department and
// one of a customer of no department (history is not in the sweep's
// snapshot), and returns their departments ("" for none) in feed order.
func sweepEvents(t *testing.T, sw *sweep) []string {
	t.Helper()
	if sw.events != nil {
		return sw.events
	}
	var entries []casemgr.HistoryEntry
	for _, dept := range sortedKeys(sw.d.depts) {
		id, _ := casemgr.ParseID(dept)
		entries = append(entries, casemgr.HistoryEntry{Entity: "case", EntityID: 1, Action: "sweep", Actor: "client:sweep",
			At: time.Now(), EventType: casemgr.EventCaseChanged, Department: id})
		sw.events = append(sw.events, dept)
	}
	entries = append(entries, casemgr.HistoryEntry{Entity: "customer", EntityID: 1, Action: "sweep", Actor: "client:sweep",
		At: time.Now(), EventType: casemgr.EventCustomerChanged})
	sw.events = append(sw.events, "")
	if err := sw.h.db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AppendHistory(entries) }); err != nil {
		t.Fatal(err)
	}
	// On PostgreSQL the events show once the feed's bound passes them.
	var last int64
	err := sw.h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) { _, last, err = tx.EventHorizon(); return err })
	for deadline := time.Now().Add(30 * time.Second); err == nil; time.Sleep(10 * time.Millisecond) {
		var cursor int64
		_, cursor, err = casemgr.ReadEvents(context.Background(), sw.h.db, casemgr.EventQuery{Limit: 1000})
		if cursor >= last || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return sw.events
}

func newSweep(t *testing.T, db store.DB) *sweep {
	h := demoHarness(t, db)
	sw := &sweep{h: h, d: loadSweepData(t), attached: map[string][2]string{}}
	for i := range sw.d.users {
		u := &sw.d.users[i]
		sw.actors = append(sw.actors, &sweepActor{name: u.Name, token: h.demoLogin(u.Name), user: u})
	}
	for _, c := range sw.d.clients {
		sw.actors = append(sw.actors, &sweepActor{name: "client:" + c[0], token: h.demoClient(c[0], c[1])})
	}
	upload := func(token string) string {
		res := h.do("POST", uploadPath+"?name=sweep.txt", token, "sweep bytes", "Content-Type", "text/plain")
		res.expect(t, 201, "")
		return atString(res.JSON(t), "attachment.0.altId")
	}
	for _, a := range sw.actors {
		a.upload = upload(a.token)
	}
	// One attachment on the first activity of each department, uploaded by
	// sam (who sees every department) and attached as create-calltrack
	// would.
	sw.attacher = "sam"
	sam := h.demoLogin("sam")
	for _, id := range sw.d.actOrder {
		dept := sw.d.acts[id]
		if _, done := sw.attached[dept]; done {
			continue
		}
		alt := upload(sam)
		n, _ := casemgr.ParseID(id)
		err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AttachAttachments([]string{alt}, n) })
		if err != nil {
			t.Fatal(err)
		}
		sw.attached[dept] = [2]string{id, alt}
	}
	return sw
}

func TestIsolationSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		started := time.Now()
		sw := newSweep(t, db)
		// Every route of the router has a case, and every case a route.
		routes := sw.h.srv.routes
		if len(routes) == 0 {
			t.Fatal("the router recorded no routes")
		}
		routed := map[string]bool{}
		for _, p := range routes {
			routed[p] = true
			if sweepCases[p] == nil {
				t.Errorf("route %q has no department-isolation sweep case: add one to sweepCases in isolation_sweep_test.go", p)
			}
		}
		for p := range sweepCases {
			if !routed[p] {
				t.Errorf("sweep case %q names no route of the router: remove or rename it", p)
			}
		}
		if t.Failed() {
			return
		}
		for _, p := range routes {
			if exempted[p] != "" {
				continue
			}
			t.Run(strings.NewReplacer(" ", "_", "/", "_").Replace(p), func(t *testing.T) {
				// One snapshot around all actors: the world is large and
				// the machine shared; a change still names its route.
				before := sw.snapshot(t)
				for _, a := range sw.actors {
					sweepCases[p](t, sw, a)
				}
				if after := sw.snapshot(t); after != before {
					t.Fatalf("sweeping %s changed the world", p)
				}
			})
		}
		t.Logf("swept %d routes × %d actors in %v", len(routes), len(sw.actors), time.Since(started).Round(time.Millisecond))
	})
}

// sweepPull is the case of pull, which names no object: the actor pulls
// until nothing is left (or is refused), and every activity pulled is of a
// department it sees, while no activity of a department it does not see
// changes. A pull changes the world by design, so the case puts back the
// activities it moved (history, which the sweep's snapshot leaves out,
// keeps the pulls).
func sweepPull(t *testing.T, sw *sweep, a *sweepActor) {
	before := sw.activities(t)
	defer sw.putBack(t, before)
	for range 100 {
		res := sw.do("PATCH", "/core/casemgr/v3/activity/pull", a.token, "")
		if res.Status >= 500 {
			t.Fatalf("%s: pull answered %d: %s", a.name, res.Status, res.Body)
		}
		if res.Status != http.StatusOK {
			break
		}
		for _, id := range pulled(t, res) {
			if dept := casemgr.FormatID(before[id].Department); !a.sees(dept) {
				t.Fatalf("%s pulled activity %d of department %s, which it does not see", a.name, id, dept)
			}
		}
	}
	for id, act := range sw.activities(t) {
		if !a.sees(casemgr.FormatID(act.Department)) && fmt.Sprint(act) != fmt.Sprint(before[id]) {
			t.Fatalf("%s: a pull changed activity %d of department %d, which it does not see", a.name, id, act.Department)
		}
	}
}

// activities reads every activity of the world, by ID.
func (sw *sweep) activities(t *testing.T) map[casemgr.ID]casemgr.Activity {
	t.Helper()
	m := map[casemgr.ID]casemgr.Activity{}
	err := sw.h.db.Read(context.Background(), func(tx casemgr.Tx) error {
		acts, _, err := tx.SearchActivities(casemgr.ActivityFilter{Page: casemgr.Page{Limit: 100000}})
		for _, x := range acts {
			m[x.ID] = x
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// putBack writes the activities that differ from saved back as they were.
func (sw *sweep) putBack(t *testing.T, saved map[casemgr.ID]casemgr.Activity) {
	t.Helper()
	var changed []*casemgr.Activity
	for id, now := range sw.activities(t) {
		if was := saved[id]; fmt.Sprint(was) != fmt.Sprint(now) {
			changed = append(changed, &was)
		}
	}
	if len(changed) == 0 {
		return
	}
	if err := sw.h.db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.UpdateActivities(changed) }); err != nil {
		t.Fatal(err)
	}
}

// sweepBulk is the sweep case of an operation with a bulk body (transfer to
// a user or a queue, pick): an activity the actor does not see, named with
// its true lastModified or a stale one, answers as a missing one (400-203).
func sweepBulk(path string) func(t *testing.T, sw *sweep, a *sweepActor) {
	return func(t *testing.T, sw *sweep, a *sweepActor) {
		item := func(id, stamp string) string {
			return `{"activity": [{"id": "` + id + `", "lastModified": "` + stamp + `"}]}`
		}
		for _, id := range sw.invisible(a, sw.d.actOrder, sw.d.acts, sweepSample) {
			n, _ := casemgr.ParseID(id)
			for _, stamp := range []string{sw.h.stamp(n), "2020-01-01T00:00:00.000Z"} {
				sw.same(t, a, call{"PATCH", path, item(id, stamp)}, id, call{"PATCH", path, item(sweepMissingID, stamp)}, sweepMissingID, "400-203")
			}
		}
	}
}
