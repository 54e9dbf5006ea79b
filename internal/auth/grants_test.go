package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// each runs fn on a fresh, seeded database of every engine.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		fn(t, newEnv(t, db))
	})
}

func TestClientCredentialsGrant(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name   string
			rq     req
			client string
		}{
			{"body", req{form: form("grant_type", "client_credentials", "client_id", crm, "client_secret", crmSecret)}, crm},
			{"basic", req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)}, crm},
			{"basic secret with colon", req{form: form("grant_type", "client_credentials"), header: basic(other, otherSecret)}, other},
			{"body secret with colon", req{form: form("grant_type", "client_credentials", "client_id", other, "client_secret", otherSecret)}, other},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tk := e.grant(tc.rq)
				if tk.refresh != "" {
					t.Error("client_credentials gave a refresh token")
				}
				if tk.expiresIn != 3600 {
					t.Errorf("expires_in %v", tk.expiresIn)
				}
				a := e.mustAuth(tk.access)
				if a.User != nil || a.Client == nil || a.Client.ClientID != tc.client || a.Session == "" {
					t.Fatalf("actor %+v", a)
				}
				s := e.session(a.Session)
				if s.User != 0 || s.ClientID != tc.client || !s.Expires.Equal(t0.Add(e.svc.AccessTTL)) {
					t.Errorf("session %+v", s)
				}
			})
		}
	})
}

func TestClientCredentialsErrors(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cc := func(kv ...string) req {
			return req{form: form(append([]string{"grant_type", "client_credentials"}, kv...)...)}
		}
		withHeader := func(r req, h map[string]string) req { r.header = h; return r }
		for _, tc := range []struct {
			name   string
			rq     req
			status int
			code   string
			basic  bool // WWW-Authenticate: Basic expected
		}{
			{"no credentials", cc(), 401, "invalid_client", false},
			{"wrong secret", cc("client_id", crm, "client_secret", "wrong"), 401, "invalid_client", false},
			{"other client's secret", cc("client_id", crm, "client_secret", otherSecret), 401, "invalid_client", false},
			{"unknown client", cc("client_id", "nobody", "client_secret", crmSecret), 401, "invalid_client", false},
			{"id only", cc("client_id", crm), 401, "invalid_client", false},
			{"secret only", cc("client_secret", crmSecret), 401, "invalid_client", false},
			{"empty secret", cc("client_id", crm, "client_secret", ""), 401, "invalid_client", false},
			{"basic wrong secret", withHeader(cc(), basic(crm, "wrong")), 401, "invalid_client", true},
			{"basic unknown client", withHeader(cc(), basic("nobody", "x")), 401, "invalid_client", true},
			{"basic form-encoded colon", withHeader(cc(), map[string]string{"Authorization": "Basic b3RoZXI6b3RoZXIlM0FzZWNyZXQ="}), 200, "", false},
			{"basic raw colon", withHeader(cc(), map[string]string{"Authorization": "Basic b3RoZXI6b3RoZXI6c2VjcmV0"}), 200, "", false},
			{"both at once", withHeader(cc("client_id", crm, "client_secret", crmSecret), basic(crm, crmSecret)), 400, "invalid_request", false},
			{"basic garbage", withHeader(cc(), map[string]string{"Authorization": "Basic %%%"}), 401, "invalid_client", true},
			{"basic no colon", withHeader(cc(), map[string]string{"Authorization": "Basic Y3Jt"}), 401, "invalid_client", true},
			{"basic scheme only", withHeader(cc(), map[string]string{"Authorization": "Basic"}), 401, "invalid_client", true},
			{"basic huge", withHeader(cc(), map[string]string{"Authorization": "Basic " + strings.Repeat("QUFB", 5000)}), 401, "invalid_client", true},
			{"basic long secret", withHeader(cc(), basic(crm, strings.Repeat("s", 500))), 401, "invalid_client", true},
			{"bearer scheme", withHeader(cc(), map[string]string{"Authorization": "Bearer abc"}), 401, "invalid_client", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp := e.do(tc.rq)
				if tc.status == 200 {
					if resp.Code != 200 {
						t.Fatalf("%d %s", resp.Code, resp.Body)
					}
					return
				}
				oauthErr(t, resp, tc.status, tc.code)
				if got := resp.Header().Get("WWW-Authenticate"); (got != "") != tc.basic || (tc.basic && !strings.HasPrefix(got, "Basic")) {
					t.Errorf("WWW-Authenticate %q", got)
				}
			})
		}
	})
}

func TestPasswordGrant(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if e.loggedIn(alice) {
			t.Fatal("alice logged in before logging in")
		}
		t.Run("no client", func(t *testing.T) {
			tk := e.login("alice", alicePW)
			if tk.expiresIn != 3600 {
				t.Errorf("expires_in %v", tk.expiresIn)
			}
			a := e.mustAuth(tk.access)
			if a.User == nil || a.User.ID != alice || a.User.Name != "alice" || a.Client != nil {
				t.Fatalf("actor %+v", a)
			}
			s := e.session(a.Session)
			if s.User != alice || s.ClientID != "" || !s.Expires.Equal(t0.Add(e.svc.RefreshTTL)) || !s.Created.Equal(t0) {
				t.Errorf("session %+v", s)
			}
			if !e.loggedIn(alice) || e.loggedIn(bob) {
				t.Error("logged-in state wrong")
			}
		})
		for _, tc := range []struct {
			name string
			rq   req
		}{
			{"client in body", req{form: form("grant_type", "password", "username", "bob", "password", bobPW, "client_id", crm, "client_secret", crmSecret)}},
			{"client by basic", req{form: form("grant_type", "password", "username", "bob", "password", bobPW), header: basic(crm, crmSecret)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tk := e.grant(tc.rq)
				if tk.refresh == "" {
					t.Fatal("no refresh token")
				}
				a := e.mustAuth(tk.access)
				if a.UserID() != bob || a.IsClient() {
					t.Fatalf("actor %+v", a)
				}
				if s := e.session(a.Session); s.ClientID != crm || s.User != bob {
					t.Errorf("session %+v", s)
				}
			})
		}
		t.Run("each login is a new session", func(t *testing.T) {
			a1 := e.mustAuth(e.login("alice", alicePW).access)
			a2 := e.mustAuth(e.login("alice", alicePW).access)
			if a1.Session == a2.Session {
				t.Error("two logins share a session")
			}
		})
	})
}

func TestPasswordGrantErrors(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		pw := func(kv ...string) req { return req{form: form(append([]string{"grant_type", "password"}, kv...)...)} }
		for _, tc := range []struct {
			name   string
			rq     req
			status int
			code   string
		}{
			{"wrong password", pw("username", "alice", "password", "wrong"), 400, "invalid_grant"},
			{"other user's password", pw("username", "alice", "password", bobPW), 400, "invalid_grant"},
			{"unknown user", pw("username", "mallory", "password", alicePW), 400, "invalid_grant"},
			{"user without password", pw("username", "nopass", "password", "x"), 400, "invalid_grant"},
			{"name in other case", pw("username", "ALICE", "password", alicePW), 400, "invalid_grant"},
			{"password too long", pw("username", "alice", "password", alicePW+strings.Repeat("x", 100)), 400, "invalid_grant"},
			{"missing username", pw("password", alicePW), 400, "invalid_request"},
			{"missing password", pw("username", "alice"), 400, "invalid_request"},
			{"empty password", pw("username", "alice", "password", ""), 400, "invalid_request"},
			{"wrong client secret", pw("username", "alice", "password", alicePW, "client_id", crm, "client_secret", "wrong"), 401, "invalid_client"},
			{"unknown client", pw("username", "alice", "password", alicePW, "client_id", "nobody", "client_secret", "x"), 401, "invalid_client"},
			{"client id without secret", pw("username", "alice", "password", alicePW, "client_id", crm), 401, "invalid_client"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				oauthErr(t, e.do(tc.rq), tc.status, tc.code)
			})
		}
		t.Run("basic with wrong secret", func(t *testing.T) {
			resp := e.do(req{form: form("grant_type", "password", "username", "alice", "password", alicePW), header: basic(crm, "wrong")})
			oauthErr(t, resp, 401, "invalid_client")
			if !strings.HasPrefix(resp.Header().Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q", resp.Header().Get("WWW-Authenticate"))
			}
		})
		if e.loggedIn(alice) {
			t.Error("a failed login logged alice in")
		}
	})
}

// TestTokenRequestShape covers what is refused before any grant is looked
// at.
func TestTokenRequestShape(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ok := form("grant_type", "client_credentials", "client_id", crm, "client_secret", crmSecret)
		for _, tc := range []struct {
			name   string
			rq     req
			status int
			code   string
		}{
			{"missing grant_type", req{form: form("client_id", crm, "client_secret", crmSecret)}, 400, "invalid_request"},
			{"unsupported grant_type", req{form: form("grant_type", "authorization_code", "code", "x")}, 400, "unsupported_grant_type"},
			{"grant_type in other case", req{form: form("grant_type", "PASSWORD", "username", "alice", "password", alicePW)}, 400, "unsupported_grant_type"},
			{"json body", req{body: `{"grant_type":"client_credentials"}`, ctype: "application/json"}, 400, "invalid_request"},
			{"no content type", req{body: ok.Encode(), ctype: "-"}, 400, "invalid_request"},
			{"multipart", req{body: ok.Encode(), ctype: "multipart/form-data; boundary=x"}, 400, "invalid_request"},
			{"query parameters", req{form: ok, path: tokenPath + "?client_secret=" + crmSecret}, 400, "invalid_request"},
			{"repeated parameter", req{body: ok.Encode() + "&grant_type=password"}, 400, "invalid_request"},
			{"malformed form", req{body: "grant_type=%zz"}, 400, "invalid_request"},
			{"body too large", req{body: ok.Encode() + "&pad=" + strings.Repeat("x", 70<<10)}, 413, "invalid_request"},
			{"refresh without token", req{form: form("grant_type", "refresh_token")}, 400, "invalid_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				oauthErr(t, e.do(tc.rq), tc.status, tc.code)
			})
		}
		t.Run("charset parameter", func(t *testing.T) {
			e.grant(req{form: ok, ctype: "application/x-www-form-urlencoded; charset=UTF-8"})
		})
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			t.Run(m, func(t *testing.T) {
				resp := e.do(req{method: m, form: ok})
				egainErr(t, resp, 405, casemgr.CodeMethodNotAllowed)
				if resp.Header().Get("Allow") != http.MethodPost {
					t.Errorf("Allow %q", resp.Header().Get("Allow"))
				}
			})
		}
	})
}
