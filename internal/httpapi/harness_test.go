package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// harness is an end-to-end test server over a real store, loaded with a
// fixture world, with helpers to call it as users and client applications
// and to read the world back.
type harness struct {
	t      testing.TB
	db     store.DB
	srv    *Server
	h      http.Handler
	tokens map[string]string
}

// adminToken is the admin token of every harness.
const adminToken = "test-admin-token"

// baseWorld is the fixture world most HTTP tests start from
// (testdata/base.json).
func baseWorld(t testing.TB) []byte {
	t.Helper()
	doc, err := os.ReadFile("testdata/base.json")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func testHash(s string) (string, error) { return auth.HashSecret(s, bcrypt.MinCost) }

// newHarness serves a store loaded with the fixture document doc (nil:
// the base world).
func newHarness(t testing.TB, db store.DB, doc []byte) *harness {
	t.Helper()
	if doc == nil {
		doc = baseWorld(t)
	}
	if err := fixture.Load(context.Background(), db, doc, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: testHash}); err != nil {
		t.Fatalf("loading fixture: %v", err)
	}
	srv := &Server{
		Service:    &casemgr.Service{Store: db},
		Auth:       auth.New(db),
		AdminToken: adminToken,
		HashSecret: testHash,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return &harness{t: t, db: db, srv: srv, h: srv.Handler(), tokens: map[string]string{}}
}

// add loads a fixture document into the harness's world (add mode), for
// tests that need entities beyond the base world.
func (h *harness) add(doc string) {
	h.t.Helper()
	err := fixture.Load(context.Background(), h.db, []byte(doc), fixture.LoadOptions{Mode: fixture.LoadAdd, Hash: testHash})
	if err != nil {
		h.t.Fatalf("adding fixture: %v", err)
	}
}

// login returns an access token of a user (password grant), opening a login
// session; passwords of the base world are "pw-<name>".
func (h *harness) login(name string) string {
	h.t.Helper()
	if tok, ok := h.tokens["user:"+name]; ok {
		return tok
	}
	tok := h.grant(url.Values{"grant_type": {"password"}, "username": {name}, "password": {"pw-" + name}})
	h.tokens["user:"+name] = tok
	return tok
}

// client returns an access token of a client application (the base
// world's "bridge").
func (h *harness) client() string {
	h.t.Helper()
	if tok, ok := h.tokens["client"]; ok {
		return tok
	}
	tok := h.grant(url.Values{"grant_type": {"client_credentials"}, "client_id": {"bridge"}, "client_secret": {"bridge-secret"}})
	h.tokens["client"] = tok
	return tok
}

func (h *harness) grant(form url.Values) string {
	h.t.Helper()
	req := httptest.NewRequest("POST", "/core/authmgr/v3/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		h.t.Fatalf("token grant %v: %d %s", form.Get("grant_type"), rec.Code, rec.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		h.t.Fatalf("token answer %s: %v", rec.Body, err)
	}
	return tok.AccessToken
}

// response is an answered request.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body.
func (r *response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.Body)
	}
	return m
}

// Code is the eGain error code of an error body ("" when there is none).
func (r *response) Code() string {
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(r.Body, &e) == nil {
		return e.Code
	}
	if i := strings.Index(string(r.Body), "<code>"); i >= 0 {
		rest := string(r.Body)[i+6:]
		if j := strings.Index(rest, "</code>"); j >= 0 {
			return rest[:j]
		}
	}
	return ""
}

// do sends a request with a bearer token ("" for none), a body ("" for
// none; JSON unless a Content-Type header is given) and header pairs.
func (h *harness) do(method, path, token, body string, header ...string) *response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	res := &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	validateExchange(h.t, req, body, res)
	return res
}

// validateExchange checks a request and its answer against the published
// OpenAPI document. It is replaced by the OpenAPI validator when present.
var validateExchange = func(t testing.TB, req *http.Request, body string, res *response) {}

// expect fails unless the answer has the status and, for errors, the code.
func (r *response) expect(t testing.TB, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (code %s): %s", r.Status, status, r.Code(), r.Body)
	}
	if code != "" && r.Code() != code {
		t.Fatalf("code %q, want %q: %s", r.Code(), code, r.Body)
	}
}

// activity reads an activity back from the store.
func (h *harness) activity(id casemgr.ID) casemgr.Activity {
	h.t.Helper()
	var a []casemgr.Activity
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
		a, err = tx.Activities([]casemgr.ID{id}, false)
		return err
	})
	if err != nil || len(a) != 1 {
		h.t.Fatalf("activity %d: %v (found %d)", id, err, len(a))
	}
	return a[0]
}

// caseOf reads a case back from the store.
func (h *harness) caseOf(id casemgr.ID) casemgr.Case {
	h.t.Helper()
	var c []casemgr.Case
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
		c, err = tx.Cases([]casemgr.ID{id}, false)
		return err
	})
	if err != nil || len(c) != 1 {
		h.t.Fatalf("case %d: %v (found %d)", id, err, len(c))
	}
	return c[0]
}

// world renders every activity, case, attachment and history entry of the
// world, so that a test can check that a refused request changed nothing.
func (h *harness) world() string {
	h.t.Helper()
	var b strings.Builder
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) error {
		acts, _, err := tx.SearchActivities(casemgr.ActivityFilter{Page: casemgr.Page{Limit: 100000}})
		if err != nil {
			return err
		}
		caseIDs := map[casemgr.ID]bool{}
		for _, a := range acts {
			caseIDs[a.Case] = true
			j, _ := json.Marshal(a)
			b.Write(j)
			b.WriteByte('\n')
			hist, err := tx.History("activity", a.ID)
			if err != nil {
				return err
			}
			j, _ = json.Marshal(hist)
			b.Write(j)
			b.WriteByte('\n')
		}
		// Cases: every case an activity names, and any created after the
		// fixture (IDs above the largest one).
		var ids []casemgr.ID
		maxID := casemgr.ID(0)
		for id := range caseIDs {
			ids = append(ids, id)
			maxID = max(maxID, id)
		}
		for id := maxID + 1; id <= maxID+200; id++ {
			ids = append(ids, id)
		}
		for id := casemgr.ID(2000); id < 2100; id++ {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		cases, err := tx.Cases(slices.Compact(ids), false)
		if err != nil {
			return err
		}
		for _, c := range cases {
			j, _ := json.Marshal(c)
			b.Write(j)
			b.WriteByte('\n')
			hist, err := tx.History("case", c.ID)
			if err != nil {
				return err
			}
			j, _ = json.Marshal(hist)
			b.Write(j)
			b.WriteByte('\n')
		}
		// Every event: a refused request writes none.
		events, err := tx.Events(casemgr.EventQuery{Through: math.MaxInt64, Limit: 100000})
		if err != nil {
			return err
		}
		j, _ := json.Marshal(events)
		b.Write(j)
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		h.t.Fatalf("reading the world: %v", err)
	}
	return b.String()
}

// unchanged runs a request that must be refused and checks that the world
// is the same afterwards.
func (h *harness) refused(status int, code string, method, path, token, body string, header ...string) *response {
	h.t.Helper()
	before := h.world()
	res := h.do(method, path, token, body, header...)
	res.expect(h.t, status, code)
	if after := h.world(); after != before {
		h.t.Fatalf("a refused request (%d %s) changed the world:\nbefore:\n%s\nafter:\n%s", res.Status, res.Code(), before, after)
	}
	return res
}

// stamp is the lastModified of an activity as the API shows it.
func (h *harness) stamp(id casemgr.ID) string {
	return casemgr.FormatTime(h.activity(id).LastModified)
}

var _ = time.Now

// ---- Running a test on both engines ----

// onEngines runs fn, in parallel with the other subtests, on a fresh harness
// of each engine: the base world plus world ("" for none). Every harness has
// its own database (a SQLite file, a PostgreSQL schema).
func onEngines(t *testing.T, world string, fn func(t *testing.T, h *harness)) {
	t.Helper()
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		if world != "" {
			h.add(world)
		}
		fn(t, h)
	})
}

// rule runs the test of one rule as subtest name on both engines (onEngines).
func rule(t *testing.T, name, world string, fn func(t *testing.T, h *harness)) {
	t.Helper()
	t.Run(name, func(t *testing.T) { onEngines(t, world, fn) })
}

// ---- Reading answers ----

// details returns the details of an error body as item key -> codes.
func details(t testing.TB, res *response) map[string][]string {
	t.Helper()
	var e struct {
		Details []struct{ Key, Value string }
	}
	if err := json.Unmarshal(res.Body, &e); err != nil {
		t.Fatalf("error body: %v: %s", err, res.Body)
	}
	out := map[string][]string{}
	for _, d := range e.Details {
		code, _, _ := strings.Cut(d.Value, " ")
		out[d.Key] = append(out[d.Key], code)
	}
	return out
}

// wantDetails fails unless the details of res are exactly want.
func wantDetails(t testing.TB, res *response, want map[string][]string) {
	t.Helper()
	if got := details(t, res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("details %v, want %v: %s", got, want, res.Body)
	}
}

// hasDetail fails unless the details name item with code.
func hasDetail(t testing.TB, res *response, item, code string) {
	t.Helper()
	if !slices.Contains(details(t, res)[item], code) {
		t.Fatalf("details do not name %s with %s: %s", item, code, res.Body)
	}
}

// devMessage is the developerMessage of an error body.
func devMessage(t testing.TB, res *response) string {
	t.Helper()
	msg, _ := res.JSON(t)["developerMessage"].(string)
	return msg
}

// created checks a 201 answer and returns the ID its Location names; kind
// is the resource of the Location ("activity", "case").
func created(t testing.TB, res *response, kind string) casemgr.ID {
	t.Helper()
	res.expect(t, 201, "")
	loc := res.Header.Get("Location")
	rest, ok := strings.CutPrefix(loc, "/core/casemgr/v3/"+kind+"/")
	id, valid := casemgr.ParseID(rest)
	if !ok || !valid {
		t.Fatalf("Location %q is not a %s", loc, kind)
	}
	return id
}

// at follows a dotted path (keys and list indexes) through a decoded JSON
// value; nil when the path leads nowhere.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// atString is at for a string ("" where there is none).
func atString(v any, path string) string {
	s, _ := at(v, path).(string)
	return s
}

// wantAt fails unless the value at path is want.
func wantAt(t testing.TB, v any, path string, want any) {
	t.Helper()
	if got := at(v, path); got != want {
		t.Errorf("%s = %#v, want %#v", path, got, want)
	}
}

// ---- Reading the world ----

// history reads the history of an entity ("activity", "case") from the
// store.
func (h *harness) history(entity string, id casemgr.ID) []casemgr.HistoryEntry {
	h.t.Helper()
	var list []casemgr.HistoryEntry
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
		list, err = tx.History(entity, id)
		return err
	})
	if err != nil {
		h.t.Fatalf("history of %s %d: %v", entity, id, err)
	}
	return list
}

// readActivity reads one activity through GET /activity/{id}?$attribute=all.
func (h *harness) readActivity(token string, id casemgr.ID) map[string]any {
	h.t.Helper()
	res := h.do("GET", "/core/casemgr/v3/activity/"+casemgr.FormatID(id)+"?$attribute=all", token, "")
	res.expect(h.t, 200, "")
	a, ok := at(res.JSON(h.t), "activity.0").(map[string]any)
	if !ok {
		h.t.Fatalf("no activity in %s", res.Body)
	}
	return a
}

// readCase reads one case through GET /case/{id}.
func (h *harness) readCase(token string, id casemgr.ID) map[string]any {
	h.t.Helper()
	res := h.do("GET", "/core/casemgr/v3/case/"+casemgr.FormatID(id), token, "")
	res.expect(h.t, 200, "")
	c, ok := at(res.JSON(h.t), "case.0").(map[string]any)
	if !ok {
		h.t.Fatalf("no case in %s", res.Body)
	}
	return c
}
