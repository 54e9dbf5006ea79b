package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
)

const (
	tokenPath  = "/core/authmgr/v3/oauth2/token"
	revokePath = "/core/authmgr/v3/oauth2/revoke"
	logoutPath = "/core/authmgr/v3/user/logout"
)

// Seeded actors.
const (
	alice        = 1001
	bob          = 1002
	alicePW      = "alice-pw"
	bobPW        = "b0b pw+%&=" // characters that need form encoding
	crm          = "crm"
	crmSecret    = "crm-secret"
	other        = "other"
	otherSecret  = "other:secret" // a colon, legal in a Basic password
	assist       = "assist"       // may act on behalf of users
	assistSecret = "assist-secret"
)

var t0 = time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)

// clock is the time of a test; services read it through Service.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one test's world: a seeded database and a Service on it.
type env struct {
	t   testing.TB
	db  casemgr.Store
	clk *clock
	svc *auth.Service
	h   http.Handler
}

func newEnv(t testing.TB, db casemgr.Store) *env {
	t.Helper()
	seed(t, db)
	clk := &clock{t: t0}
	e := &env{t: t, db: db, clk: clk}
	e.svc = e.service()
	e.h = routes(e.svc)
	return e
}

// service returns a new Service on the env's database and clock, as
// another server process would run it.
func (e *env) service() *auth.Service {
	svc := auth.New(e.db)
	svc.Now = e.clk.Now
	return svc
}

func routes(svc *auth.Service) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(tokenPath, svc.TokenHandler())
	mux.Handle(revokePath, svc.RevokeHandler())
	mux.Handle(logoutPath, svc.LogoutHandler())
	return mux
}

func seed(t testing.TB, db casemgr.Store) {
	t.Helper()
	hash := func(s string) string {
		h, err := auth.HashSecret(s, bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	err := db.Write(context.Background(), func(tx casemgr.Tx) error {
		for _, u := range []*casemgr.User{
			{ID: alice, Name: "alice", FirstName: "Alice", PasswordHash: hash(alicePW)},
			{ID: bob, Name: "bob", FirstName: "Bob", PasswordHash: hash(bobPW)},
			{ID: 1003, Name: "nopass", FirstName: "No password"},
		} {
			if err := tx.InsertUser(u); err != nil {
				return err
			}
		}
		for _, c := range []*casemgr.ClientApp{
			{ClientID: crm, Name: "CRM bridge", SecretHash: hash(crmSecret)},
			{ClientID: other, Name: "Other app", SecretHash: hash(otherSecret)},
			{ClientID: assist, Name: "Agent assist", SecretHash: hash(assistSecret), OnBehalfOf: true},
		} {
			if err := tx.InsertClientApp(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// req describes one request to the auth endpoints.
type req struct {
	method string // default POST
	path   string // default tokenPath
	form   url.Values
	body   string // raw body instead of form
	ctype  string // default form-encoded; "-" for none
	header map[string]string
	addr   string // RemoteAddr
}

// response is a recorded answer with its JSON body decoded.
type response struct {
	*httptest.ResponseRecorder
	json map[string]any
}

func (r response) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}

func (e *env) do(rq req) response {
	return doOn(e.t, e.h, rq)
}

func doOn(t testing.TB, h http.Handler, rq req) response {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodPost
	}
	if rq.path == "" {
		rq.path = tokenPath
	}
	body := rq.body
	if rq.form != nil {
		body = rq.form.Encode()
	}
	r := httptest.NewRequest(rq.method, rq.path, strings.NewReader(body))
	switch rq.ctype {
	case "":
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "-":
	default:
		r.Header.Set("Content-Type", rq.ctype)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	if rq.addr != "" {
		r.RemoteAddr = rq.addr
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := response{ResponseRecorder: w}
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &resp.json); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", rq.method, rq.path, w.Body.String(), err)
		}
	}
	return resp
}

// form builds url.Values from alternating names and values.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func basic(id, secret string) map[string]string {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return map[string]string{"Authorization": r.Header.Get("Authorization")}
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// tokens is a successful token answer.
type tokens struct {
	access, refresh string
	expiresIn       float64
}

// grant expects a 200 from the token endpoint and checks the answer's form.
func (e *env) grant(rq req) tokens {
	e.t.Helper()
	resp := e.do(rq)
	if resp.Code != http.StatusOK {
		e.t.Fatalf("token request %v: %d %s", rq.form, resp.Code, resp.Body)
	}
	checkNoStore(e.t, resp)
	if resp.str("token_type") != "Bearer" || resp.str("access_token") == "" {
		e.t.Fatalf("token answer %s", resp.Body)
	}
	n, _ := resp.json["expires_in"].(float64)
	return tokens{access: resp.str("access_token"), refresh: resp.str("refresh_token"), expiresIn: n}
}

// login runs the password grant without client credentials.
func (e *env) login(user, password string) tokens {
	e.t.Helper()
	tk := e.grant(req{form: form("grant_type", "password", "username", user, "password", password)})
	if tk.refresh == "" {
		e.t.Fatal("password grant without refresh_token")
	}
	return tk
}

func (e *env) refresh(refreshToken string, headers map[string]string) response {
	e.t.Helper()
	return e.do(req{form: form("grant_type", "refresh_token", "refresh_token", refreshToken), header: headers})
}

func checkNoStore(t testing.TB, resp response) {
	t.Helper()
	if resp.Header().Get("Cache-Control") != "no-store" || resp.Header().Get("Pragma") != "no-cache" {
		t.Errorf("caching headers %v", resp.Header())
	}
}

// oauthErr expects an RFC 6749 error answer.
func oauthErr(t testing.TB, resp response, status int, code string) {
	t.Helper()
	if resp.Code != status || resp.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", resp.Code, resp.Body, status, code)
	}
	if resp.str("error_description") == "" {
		t.Errorf("no error_description: %s", resp.Body)
	}
	if resp.Header().Get("Content-Type") != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type %q", resp.Header().Get("Content-Type"))
	}
	checkNoStore(t, resp)
}

// egainErr expects an error answer in the eGain form.
func egainErr(t testing.TB, resp response, status int, code casemgr.Code) {
	t.Helper()
	if resp.Code != status || resp.str("code") != string(code) || resp.str("developerMessage") == "" {
		t.Fatalf("got %d %s, want %d %s", resp.Code, resp.Body, status, code)
	}
}

// authenticate runs Service.Authenticate on "Bearer token".
func (e *env) authenticate(svc *auth.Service, token string) (casemgr.Actor, error) {
	return svc.Authenticate(context.Background(), "Bearer "+token)
}

// mustAuth expects token to be a working access token.
func (e *env) mustAuth(token string) casemgr.Actor {
	e.t.Helper()
	a, err := e.authenticate(e.svc, token)
	if err != nil {
		e.t.Fatalf("Authenticate: %v", err)
	}
	return a
}

// mustNotAuth expects token to be refused as invalid.
func (e *env) mustNotAuth(token string) {
	e.t.Helper()
	if _, err := e.authenticate(e.svc, token); !casemgr.IsCode(err, casemgr.CodeInvalidToken) {
		e.t.Fatalf("Authenticate = %v, want %s", err, casemgr.CodeInvalidToken)
	}
}

func (e *env) loggedIn(user casemgr.ID) bool {
	e.t.Helper()
	var in bool
	err := e.db.Read(context.Background(), func(tx casemgr.Tx) error {
		var err error
		in, err = tx.UserLoggedIn(user, e.clk.Now())
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *env) session(id string) *casemgr.Session {
	e.t.Helper()
	var s *casemgr.Session
	err := e.db.Read(context.Background(), func(tx casemgr.Tx) error {
		var err error
		s, err = tx.Session(id)
		return err
	})
	if err != nil || s == nil {
		e.t.Fatalf("session %s: %v, %v", id, s, err)
	}
	return s
}
