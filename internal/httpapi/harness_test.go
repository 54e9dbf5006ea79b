package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/store"
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
		acts, _, err := tx.SearchActivities(casemgr.ActivityFilter{Limit: 100000})
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
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		cases, err := tx.Cases(uniqueIDs(ids), false)
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
		return nil
	})
	if err != nil {
		h.t.Fatalf("reading the world: %v", err)
	}
	return b.String()
}

func uniqueIDs(ids []casemgr.ID) []casemgr.ID {
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
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
