package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

const onBehalfPath = "/core/authmgr/v4/oauth2/v2.0/onbehalfof/token"

func onBehalfReq(kv ...string) req {
	return req{form: form(append([]string{"grant_type", "password"}, kv...)...), header: basic(assist, assistSecret)}
}

func withOnBehalf(h http.Handler, svc *auth.Service) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle(onBehalfPath, svc.OnBehalfHandler())
	mux.Handle("/core/authmgr/v3/oauth2/v2.0/onbehalfof/token", svc.OnBehalfHandler())
	return mux
}

// TestOnBehalfOf pins the on-behalf-of grant (OB1–OB5) at the token
// endpoint and at the on-behalf-of paths, and what its token is: the
// subject user as actor, no refresh token, no login, ended by revoke and
// logout.
func TestOnBehalfOf(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.h = withOnBehalf(e.h, e.svc)
		at := func(path string, rq req) req { rq.path = path; return rq }
		paths := []string{tokenPath, onBehalfPath + "?user_type=user&tenantId=t&domain_hint=d",
			"/core/authmgr/v3/oauth2/v2.0/onbehalfof/token?user_type=user"}
		for _, p := range paths {
			t.Run("OB1_client_credentials_are_valid "+p, func(t *testing.T) {
				rq := at(p, onBehalfReq("subject_username", "alice"))
				rq.header = basic(assist, "wrong")
				oauthErr(t, e.do(rq), 401, "invalid_client")
				rq.header = nil
				oauthErr(t, e.do(rq), 401, "invalid_client")
			})
			t.Run("OB2_exactly_one_subject "+p, func(t *testing.T) {
				oauthErr(t, e.do(at(p, onBehalfReq("subject_username", "alice", "subject_userid", fmt.Sprint(alice)))), 400, "invalid_request")
				oauthErr(t, e.do(at(p, onBehalfReq("subject_username", ""))), 400, "invalid_request")
				oauthErr(t, e.do(at(p, onBehalfReq("subject_username", "alice", "password", "x"))), 400, "invalid_request")
			})
			t.Run("OB3_client_may_act_on_behalf "+p, func(t *testing.T) {
				rq := at(p, onBehalfReq("subject_username", "alice"))
				rq.header = basic(crm, crmSecret)
				oauthErr(t, e.do(rq), 400, "unauthorized_client")
			})
			t.Run("OB4_subject_exists "+p, func(t *testing.T) {
				oauthErr(t, e.do(at(p, onBehalfReq("subject_username", "nobody"))), 400, "invalid_grant")
				oauthErr(t, e.do(at(p, onBehalfReq("subject_userid", "999999"))), 400, "invalid_grant")
				oauthErr(t, e.do(at(p, onBehalfReq("subject_userid", "abc"))), 400, "invalid_grant")
			})
			t.Run("OB5_no_customer_subject "+p, func(t *testing.T) {
				oauthErr(t, e.do(at(p, onBehalfReq("subject_email", "jane@example.com"))), 400, "unsupported_grant_type")
			})
		}
		t.Run("OB5_user_type_customer", func(t *testing.T) {
			oauthErr(t, e.do(at(onBehalfPath+"?user_type=customer", onBehalfReq("subject_username", "alice"))), 400, "unsupported_grant_type")
			oauthErr(t, e.do(at(onBehalfPath, onBehalfReq("subject_username", "alice"))), 400, "invalid_request")
			oauthErr(t, e.do(at(onBehalfPath+"?user_type=user&x=1", onBehalfReq("subject_username", "alice"))), 400, "invalid_request")
			rq := at(onBehalfPath+"?user_type=user", onBehalfReq("subject_username", "alice"))
			rq.form.Set("grant_type", "client_credentials")
			oauthErr(t, e.do(rq), 400, "unsupported_grant_type")
		})
		if e.loggedIn(alice) {
			t.Fatal("a refused on-behalf-of request logged alice in")
		}
		for _, p := range paths {
			t.Run("issues_a_token_for_the_subject "+p, func(t *testing.T) {
				for _, subj := range [][2]string{{"subject_username", "alice"}, {"subject_userid", fmt.Sprint(alice)}} {
					resp := e.do(at(p, onBehalfReq(subj[0], subj[1], "scope", "core.casemgr.read")))
					if resp.Code != 200 {
						t.Fatalf("%d %s", resp.Code, resp.Body)
					}
					if _, ok := resp.json["refresh_token"]; ok {
						t.Fatal("an on-behalf-of token came with a refresh token")
					}
					if resp.str("scope") != auth.ScopePrefix+"core.casemgr.read" {
						t.Errorf("scope %q", resp.str("scope"))
					}
					a := e.mustAuth(resp.str("access_token"))
					if a.UserID() != alice || a.IsClient() {
						t.Fatalf("actor %+v", a)
					}
					if e.loggedIn(alice) {
						t.Fatal("an on-behalf-of session made alice logged in")
					}
				}
			})
		}
		t.Run("revoke_and_logout_end_it", func(t *testing.T) {
			tok := e.do(onBehalfReq("subject_username", "bob")).str("access_token")
			// Issued to assist: only assist revokes it.
			oauthErr(t, e.do(req{path: revokePath, form: form("token", tok)}), 401, "invalid_client")
			if resp := e.do(req{path: revokePath, form: form("token", tok), header: basic(assist, assistSecret)}); resp.Code != 200 {
				t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(tok)
			tok = e.do(onBehalfReq("subject_username", "bob")).str("access_token")
			if resp := e.do(req{method: http.MethodDelete, path: logoutPath, ctype: "-", header: bearer(tok)}); resp.Code != 204 {
				t.Fatalf("logout: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(tok)
		})
	})
}

// TestScopes pins SP1–SP4 at the token endpoint and SP5 in Allows.
func TestScopes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		pw := func(scope string) response {
			f := form("grant_type", "password", "username", "alice", "password", alicePW)
			if scope != "-" {
				f.Set("scope", scope)
			}
			return e.do(req{form: f})
		}
		cc := func(scope string) response {
			return e.do(req{form: form("grant_type", "client_credentials", "scope", scope), header: basic(crm, crmSecret)})
		}
		all := func(names []string) string {
			var out []string
			for _, n := range names {
				out = append(out, auth.ScopePrefix+n)
			}
			return strings.Join(out, " ")
		}
		t.Run("SP1_no_scope_means_every_scope_of_the_actor_type", func(t *testing.T) {
			if got := pw("-").str("scope"); got != all(auth.UserScopes) {
				t.Errorf("user: %q", got)
			}
			if got := cc("").str("scope"); got != all(auth.ClientScopes) {
				t.Errorf("client: %q", got)
			}
		})
		t.Run("SP2_prefix_optional_and_default", func(t *testing.T) {
			for _, s := range []string{"core.casemgr.read", auth.ScopePrefix + "core.casemgr.read", "core.casemgr.read core.casemgr.read"} {
				if got := pw(s).str("scope"); got != auth.ScopePrefix+"core.casemgr.read" {
					t.Errorf("%q: %q", s, got)
				}
			}
			for _, s := range []string{auth.ScopePrefix + ".default", ".default"} {
				if got := pw(s).str("scope"); got != all(auth.UserScopes) {
					t.Errorf("%q: %q", s, got)
				}
				if got := cc(s).str("scope"); got != all(auth.ClientScopes) {
					t.Errorf("client %q: %q", s, got)
				}
			}
			// eGain's own page misspells one client scope.
			if got := cc("app.core.customermgr.maange").str("scope"); got != auth.ScopePrefix+"app.core.customermgr.manage" {
				t.Errorf("maange: %q", got)
			}
		})
		t.Run("SP3_unknown_or_other_actor_type_is_invalid_scope", func(t *testing.T) {
			for _, s := range []string{"core.everything", "app.core.casemgr.read", "https://other.example/core.casemgr.read", "core.casemgr.read bogus"} {
				oauthErr(t, pw(s), 400, "invalid_scope")
			}
			oauthErr(t, cc("core.casemgr.manage"), 400, "invalid_scope")
			oauthErr(t, e.do(onBehalfReq("subject_username", "alice", "scope", "app.core.casemgr.read")), 400, "invalid_scope")
		})
		t.Run("SP4_granted_scopes_are_echoed_and_kept", func(t *testing.T) {
			resp := pw("core.customermgr.manage core.casemgr.read")
			want := auth.ScopePrefix + "core.casemgr.read " + auth.ScopePrefix + "core.customermgr.manage"
			if resp.str("scope") != want {
				t.Errorf("scope %q", resp.str("scope"))
			}
			a := e.mustAuth(resp.str("access_token"))
			if strings.Join(a.Scopes, " ") != "core.casemgr.read core.customermgr.manage" {
				t.Errorf("actor scopes %v", a.Scopes)
			}
			// A refresh keeps them, and may not widen them.
			ref := e.refresh(resp.str("refresh_token"), nil)
			if ref.str("scope") != want {
				t.Errorf("refreshed scope %q", ref.str("scope"))
			}
			oauthErr(t, e.do(req{form: form("grant_type", "refresh_token", "refresh_token", ref.str("refresh_token"), "scope", "core.casemgr.manage")}), 400, "invalid_scope")
		})
		t.Run("SP5_read_needs_read_or_manage_write_needs_manage", func(t *testing.T) {
			user := func(scopes ...string) casemgr.Actor {
				return casemgr.Actor{User: &casemgr.User{ID: 1}, Scopes: scopes}
			}
			client := func(scopes ...string) casemgr.Actor {
				return casemgr.Actor{Client: &casemgr.ClientApp{ClientID: "c"}, Scopes: scopes}
			}
			for _, c := range []struct {
				a      casemgr.Actor
				method string
				path   string
				want   bool
			}{
				{user("core.casemgr.read"), "GET", "/core/casemgr/v3/activity/1", true},
				{user("core.casemgr.read"), "PATCH", "/core/casemgr/v3/activity/1/changecase", false},
				{user("core.casemgr.manage"), "GET", "/core/casemgr/v3/activity/1", true},
				{user("core.casemgr.manage"), "POST", "/core/casemgr/v3/activity/calltrack", true},
				{user("core.casemgr.manage"), "GET", "/core/customermgr/v3/customer/1", false},
				{user("core.customermgr.read"), "GET", "/core/customermgr/v3/customer/1", true},
				{user("core.customermgr.read"), "POST", "/core/customermgr/v3/customer", false},
				{client("app.core.customermgr.manage"), "PUT", "/core/customermgr/v3/customer/1", true},
				{client("app.core.casemgr.read"), "DELETE", "/core/casemgr/v3/x", false},
				{casemgr.Actor{User: &casemgr.User{ID: 1}, Scopes: []string{}}, "GET", "/core/casemgr/v3/activity/1", false},
				{casemgr.Actor{User: &casemgr.User{ID: 1}}, "POST", "/core/casemgr/v3/activity/calltrack", true}, // before scopes
				{user("core.casemgr.read"), "DELETE", "/core/authmgr/v3/user/logout", true},
			} {
				if got := auth.Allows(c.a, c.method, c.path); got != c.want {
					t.Errorf("Allows(%v, %s %s) = %v", c.a.Scopes, c.method, c.path, got)
				}
			}
		})
	})
}

// setMaxSessions sets the world's session limit.
func (e *env) setMaxSessions(n int) {
	e.t.Helper()
	err := e.db.Write(context.Background(), func(tx casemgr.Tx) error {
		s, err := tx.Settings()
		if err != nil {
			return err
		}
		s.MaxSessionsPerUser = n
		return tx.SetSettings(s)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestSessionLimitAndForceLogin pins the session limit: at
// maxSessionsPerUser live login sessions a password login is invalid_grant
// ("too many sessions") and changes nothing; with forceLogin=yes the
// oldest session ends and the login succeeds. Ended and expired sessions
// and on-behalf-of sessions do not count; without a limit forceLogin
// changes nothing; forceLogin takes yes only, and no other query parameter
// is accepted.
func TestSessionLimitAndForceLogin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		force := req{path: tokenPath + "?forceLogin=yes", form: form("grant_type", "password", "username", "alice", "password", alicePW)}
		// No limit: forceLogin ends nothing.
		a := e.login("alice", alicePW)
		e.clk.Advance(time.Second)
		e.grant(force)
		e.mustAuth(a.access)

		e.setMaxSessions(2) // alice holds 2
		e.clk.Advance(time.Second)
		e.do(onBehalfReq("subject_username", "alice")) // does not count
		resp := e.do(req{form: form("grant_type", "password", "username", "alice", "password", alicePW)})
		oauthErr(t, resp, 400, "invalid_grant")
		if !strings.Contains(resp.str("error_description"), "too many sessions") {
			t.Errorf("description %q", resp.str("error_description"))
		}
		e.mustAuth(a.access)
		// forceLogin ends the oldest (a), not the newer one.
		e.clk.Advance(time.Second)
		c := e.grant(force)
		e.mustNotAuth(a.access)
		e.mustAuth(c.access)
		oauthErr(t, e.refresh(a.refresh, nil), 400, "invalid_grant")
		// A revoked session frees its place.
		if resp := e.do(req{path: revokePath, form: form("token", c.access)}); resp.Code != 200 {
			t.Fatal(resp.Code)
		}
		e.login("alice", alicePW)
		// Other users are not limited by alice's sessions.
		e.login("bob", bobPW)
		e.login("bob", bobPW)
		// The query takes forceLogin=yes and nothing else.
		for _, q := range []string{"?forceLogin=no", "?forceLogin=", "?forceLogin=yes&forceLogin=yes", "?x=1", "?forceLogin=yes&username=alice"} {
			rq := force
			rq.path = tokenPath + q
			oauthErr(t, e.do(rq), 400, "invalid_request")
		}
		// A lower limit: forceLogin ends as many as needed.
		e.setMaxSessions(1)
		e.clk.Advance(time.Second)
		d := e.grant(force)
		var live []casemgr.Session
		_ = e.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
			live, err = tx.UserSessions(alice, e.clk.Now(), false)
			return err
		})
		if len(live) != 1 {
			t.Fatalf("%d live sessions at a limit of 1", len(live))
		}
		e.mustAuth(d.access)
	})
}

// TestSessionLimitHoldsAcrossProcesses logs one user in concurrently
// through two services on their own connections to one database (two
// server processes): the limit is never exceeded, with and without
// forceLogin.
func TestSessionLimitHoldsAcrossProcesses(t *testing.T) {
	run := func(t *testing.T, url string) {
		dbA, dbB := openURL(t, url), openURL(t, url)
		e := newEnv(t, dbA)
		b := &env{t: t, db: dbB, clk: e.clk}
		b.svc = b.service()
		const limit = 3
		e.setMaxSessions(limit)
		for _, path := range []string{tokenPath, tokenPath + "?forceLogin=yes"} {
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for i := range 12 {
				h := routes(e.svc)
				if i%2 == 1 {
					h = routes(b.svc)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp := doOn(t, h, req{path: path, form: form("grant_type", "password", "username", "alice", "password", alicePW)})
					if resp.Code == 200 {
						mu.Lock()
						ok++
						mu.Unlock()
					} else if resp.Code != 400 {
						t.Errorf("login: %d %s", resp.Code, resp.Body)
					}
				}()
			}
			wg.Wait()
			var live []casemgr.Session
			if err := dbB.Read(context.Background(), func(tx casemgr.Tx) (err error) {
				live, err = tx.UserSessions(alice, e.clk.Now(), false)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(live) > limit || len(live) == 0 {
				t.Fatalf("%s: %d live sessions at a limit of %d (%d logins succeeded)", path, len(live), limit, ok)
			}
			if path != tokenPath && ok != 12 {
				t.Errorf("with forceLogin %d of 12 logins succeeded", ok)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "sqlite://"+filepath.Join(t.TempDir(), "casemgr.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.PostgresSchema(t)) })
}

// TestFailedLoginLimitHoldsAcrossProcesses fails logins alternately through
// two services on their own connections to one database: the limit counts
// them together, so the eleventh attempt is refused in both.
func TestFailedLoginLimitHoldsAcrossProcesses(t *testing.T) {
	run := func(t *testing.T, url string) {
		dbA, dbB := openURL(t, url), openURL(t, url)
		e := newEnv(t, dbA)
		b := &env{t: t, db: dbB, clk: e.clk}
		b.svc = b.service()
		b.h = routes(b.svc)
		for i := range 10 {
			env := e
			if i%2 == 1 {
				env = b
			}
			oauthErr(t, env.do(passwordReq("alice", "wrong", "192.0.2.50:1")), 400, "invalid_grant")
		}
		tooMany(t, e.do(passwordReq("alice", alicePW, "192.0.2.51:1")), 60)
		tooMany(t, b.do(passwordReq("alice", alicePW, "192.0.2.51:1")), 60)
		// Client authentications too.
		for i := range 10 {
			env := e
			if i%2 == 1 {
				env = b
			}
			oauthErr(t, env.do(req{form: form("grant_type", "client_credentials"), header: basic(crm, "wrong"), addr: "192.0.2.52:1"}), 401, "invalid_client")
		}
		tooMany(t, b.do(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret), addr: "192.0.2.53:1"}), 60)
		e.clk.Advance(time.Minute)
		b.login("alice", alicePW)
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "sqlite://"+filepath.Join(t.TempDir(), "casemgr.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.PostgresSchema(t)) })
}

// TestSuccessfulLoginWritesNothingToTheLimiter pins that a login of a name
// without failures costs no write to the limiter's counts.
func TestSuccessfulLoginWritesNothingToTheLimiter(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.login("alice", alicePW)
		e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
		var n int
		_ = e.db.Read(context.Background(), func(tx casemgr.Tx) error {
			f, err := tx.LoginFailures([]string{})
			n = len(f)
			return err
		})
		if n != 0 {
			t.Fatalf("%d failure rows after successful logins", n)
		}
	})
}
