package auth_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

func TestAuthenticate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tk := e.login("alice", alicePW)
		unknown := strings.Repeat("A", len(tk.access)) // well-formed, never issued
		for _, tc := range []struct {
			name   string
			header string
			want   casemgr.Code // "" for success
		}{
			{"ok", "Bearer " + tk.access, ""},
			{"scheme lower case", "bearer " + tk.access, ""},
			{"scheme upper case", "BEARER " + tk.access, ""},
			{"surrounding space", "  Bearer " + tk.access + " ", ""},
			{"empty", "", casemgr.CodeMissingAuth},
			{"blank", "   ", casemgr.CodeMissingAuth},
			{"scheme only", "Bearer", casemgr.CodeInvalidToken},
			{"scheme and space", "Bearer ", casemgr.CodeInvalidToken},
			{"token only", tk.access, casemgr.CodeInvalidToken},
			{"basic", "Basic " + tk.access, casemgr.CodeInvalidToken},
			{"unknown token", "Bearer " + unknown, casemgr.CodeInvalidToken},
			{"truncated token", "Bearer " + tk.access[:20], casemgr.CodeInvalidToken},
			{"token with tail", "Bearer " + tk.access + "x", casemgr.CodeInvalidToken},
			{"refresh token", "Bearer " + tk.refresh, casemgr.CodeInvalidToken},
			{"hash of the token", "Bearer " + auth.HashToken(tk.access), casemgr.CodeInvalidToken},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a, err := e.svc.Authenticate(context.Background(), tc.header)
				if tc.want == "" {
					if err != nil || a.UserID() != alice {
						t.Fatalf("actor %+v, %v", a, err)
					}
					return
				}
				if !casemgr.IsCode(err, tc.want) {
					t.Fatalf("error %v, want %s", err, tc.want)
				}
				if a.User != nil || a.Client != nil || a.Session != "" {
					t.Errorf("actor %+v returned with an error", a)
				}
			})
		}
	})
}

func TestAccessTokenExpiry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tk := e.login("alice", alicePW)
		e.clk.Advance(time.Hour - time.Millisecond)
		e.mustAuth(tk.access)
		e.clk.Advance(time.Millisecond)
		e.mustNotAuth(tk.access)
		if !e.loggedIn(alice) {
			t.Error("an expired access token logged the user out; the session lives on")
		}
		// The refresh token still works and gives a working access token.
		resp := e.refresh(tk.refresh, nil)
		if resp.Code != 200 {
			t.Fatalf("refresh: %d %s", resp.Code, resp.Body)
		}
		e.mustAuth(resp.str("access_token"))

		// Client tokens expire with their session.
		cc := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
		e.clk.Advance(time.Hour)
		e.mustNotAuth(cc.access)
	})
}

func TestConfiguredTTLs(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.svc.AccessTTL = 5 * time.Minute
		e.svc.RefreshTTL = 2 * time.Minute // shorter: access tokens end with the session
		tk := e.login("alice", alicePW)
		if tk.expiresIn != 120 {
			t.Errorf("expires_in %v, want 120", tk.expiresIn)
		}
		e.clk.Advance(2 * time.Minute)
		e.mustNotAuth(tk.access)
		if e.loggedIn(alice) {
			t.Error("session outlived RefreshTTL")
		}
		oauthErr(t, e.refresh(tk.refresh, nil), 400, "invalid_grant")
	})
}

func TestRefreshRotation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		tk1 := e.login("alice", alicePW)
		sessID := e.mustAuth(tk1.access).Session

		e.clk.Advance(23 * time.Hour)
		resp := e.refresh(tk1.refresh, nil)
		if resp.Code != 200 {
			t.Fatalf("refresh: %d %s", resp.Code, resp.Body)
		}
		checkNoStore(t, resp)
		tk2 := tokens{access: resp.str("access_token"), refresh: resp.str("refresh_token")}
		if tk2.refresh == "" || tk2.refresh == tk1.refresh || tk2.access == tk1.access {
			t.Fatalf("refresh did not rotate: %s", resp.Body)
		}
		if a := e.mustAuth(tk2.access); a.Session != sessID || a.UserID() != alice {
			t.Fatalf("new access token belongs to %+v", a)
		}
		// The session now ends 24h after the refresh, not after the login.
		if s := e.session(sessID); !s.Expires.Equal(e.clk.Now().Add(24 * time.Hour)) {
			t.Errorf("session expires %v", s.Expires)
		}
		e.clk.Advance(23 * time.Hour) // 46h after the login
		if !e.loggedIn(alice) {
			t.Fatal("refreshed session ended 24h after the login")
		}
		resp = e.refresh(tk2.refresh, nil)
		if resp.Code != 200 {
			t.Fatalf("second refresh: %d %s", resp.Code, resp.Body)
		}
		tk3 := tokens{access: resp.str("access_token"), refresh: resp.str("refresh_token")}
		e.mustAuth(tk3.access)

		// The old refresh token no longer works. Presenting it again ends
		// the session: it may have been stolen.
		oauthErr(t, e.refresh(tk1.refresh, nil), 400, "invalid_grant")
		e.mustNotAuth(tk3.access)
		oauthErr(t, e.refresh(tk3.refresh, nil), 400, "invalid_grant")
		if e.loggedIn(alice) {
			t.Error("alice still logged in after refresh token reuse")
		}
	})
}

func TestRefreshErrors(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		t.Run("access token as refresh token", func(t *testing.T) {
			tk := e.login("alice", alicePW)
			oauthErr(t, e.refresh(tk.access, nil), 400, "invalid_grant")
			e.mustAuth(tk.access)
		})
		t.Run("unknown and malformed", func(t *testing.T) {
			oauthErr(t, e.refresh(strings.Repeat("A", 43), nil), 400, "invalid_grant")
			oauthErr(t, e.refresh("garbage", nil), 400, "invalid_grant")
		})
		t.Run("expired", func(t *testing.T) {
			tk := e.login("bob", bobPW)
			e.clk.Advance(24 * time.Hour)
			oauthErr(t, e.refresh(tk.refresh, nil), 400, "invalid_grant")
		})
		t.Run("revoked session", func(t *testing.T) {
			tk := e.login("alice", alicePW)
			if resp := e.do(req{path: revokePath, form: form("token", tk.access)}); resp.Code != 200 {
				t.Fatalf("revoke %d", resp.Code)
			}
			oauthErr(t, e.refresh(tk.refresh, nil), 400, "invalid_grant")
		})
		t.Run("bound to its client", func(t *testing.T) {
			tk := e.grant(req{form: form("grant_type", "password", "username", "alice", "password", alicePW), header: basic(crm, crmSecret)})
			resp := e.refresh(tk.refresh, nil)
			oauthErr(t, resp, 401, "invalid_client")
			oauthErr(t, e.refresh(tk.refresh, basic(other, otherSecret)), 400, "invalid_grant")
			resp = e.refresh(tk.refresh, basic(crm, "wrong"))
			oauthErr(t, resp, 401, "invalid_client")
			if !strings.HasPrefix(resp.Header().Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q", resp.Header().Get("WWW-Authenticate"))
			}
			// None of the refused attempts used the token up.
			resp = e.refresh(tk.refresh, basic(crm, crmSecret))
			if resp.Code != 200 {
				t.Fatalf("refresh with its client: %d %s", resp.Code, resp.Body)
			}
			e.mustAuth(resp.str("access_token"))
		})
		t.Run("issued without client", func(t *testing.T) {
			tk := e.login("bob", bobPW)
			oauthErr(t, e.refresh(tk.refresh, basic(crm, crmSecret)), 400, "invalid_grant")
			if resp := e.refresh(tk.refresh, nil); resp.Code != 200 {
				t.Fatalf("refresh: %d %s", resp.Code, resp.Body)
			}
		})
	})
}

// TestRefreshRace sends one refresh token twice at once: exactly one
// request may get new tokens.
func TestRefreshRace(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		const n = 4
		for round := range 3 {
			tk := e.login("alice", alicePW)
			var wg sync.WaitGroup
			codes := make([]int, n)
			for i := range n {
				wg.Go(func() {
					codes[i] = e.refresh(tk.refresh, nil).Code
				})
			}
			wg.Wait()
			ok := 0
			for _, c := range codes {
				switch c {
				case 200:
					ok++
				case 400:
				default:
					t.Fatalf("round %d: status %d", round, c)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent refreshes succeeded: %v", round, ok, n, codes)
			}
		}
	})
}

func TestRevoke(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, kind := range []string{"access", "refresh"} {
			for _, hint := range []string{"", "access_token", "refresh_token", "something_else"} {
				t.Run(kind+" hint="+hint, func(t *testing.T) {
					tk := e.login("alice", alicePW)
					token := tk.access
					if kind == "refresh" {
						token = tk.refresh
					}
					f := form("token", token)
					if hint != "" {
						f.Set("token_type_hint", hint)
					}
					resp := e.do(req{path: revokePath, form: f})
					if resp.Code != 200 {
						t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
					}
					checkNoStore(t, resp)
					e.mustNotAuth(tk.access)
					oauthErr(t, e.refresh(tk.refresh, nil), 400, "invalid_grant")
					if e.loggedIn(alice) {
						t.Fatal("alice still logged in")
					}
					// Revoking again is harmless.
					if resp := e.do(req{path: revokePath, form: f}); resp.Code != 200 {
						t.Fatalf("second revoke: %d", resp.Code)
					}
				})
			}
		}
		t.Run("other session lives", func(t *testing.T) {
			a := e.login("alice", alicePW)
			b := e.login("alice", alicePW)
			if resp := e.do(req{path: revokePath, form: form("token", a.refresh)}); resp.Code != 200 {
				t.Fatalf("revoke: %d", resp.Code)
			}
			e.mustNotAuth(a.access)
			e.mustAuth(b.access)
			if !e.loggedIn(alice) {
				t.Fatal("alice logged out although a session lives")
			}
			if resp := e.do(req{path: revokePath, form: form("token", b.access)}); resp.Code != 200 {
				t.Fatalf("revoke: %d", resp.Code)
			}
			if e.loggedIn(alice) {
				t.Fatal("alice logged in with every session revoked")
			}
		})
		t.Run("client token", func(t *testing.T) {
			tk := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
			if resp := e.do(req{path: revokePath, form: form("token", tk.access), header: basic(crm, crmSecret)}); resp.Code != 200 {
				t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(tk.access)
		})
		t.Run("unknown token", func(t *testing.T) {
			for _, tok := range []string{strings.Repeat("A", 43), "not-a-token", strings.Repeat("x", 1000)} {
				if resp := e.do(req{path: revokePath, form: form("token", tok)}); resp.Code != 200 {
					t.Fatalf("revoke %q: %d %s", tok, resp.Code, resp.Body)
				}
			}
		})
		t.Run("errors", func(t *testing.T) {
			tk := e.grant(req{form: form("grant_type", "password", "username", "bob", "password", bobPW), header: basic(crm, crmSecret)})
			oauthErr(t, e.do(req{path: revokePath, form: form("token_type_hint", "access_token")}), 400, "invalid_request")
			oauthErr(t, e.do(req{path: revokePath, form: form("token", "")}), 400, "invalid_request")
			oauthErr(t, e.do(req{path: revokePath, form: form("token", tk.access), header: basic(crm, "wrong")}), 401, "invalid_client")
			oauthErr(t, e.do(req{path: revokePath, form: form("token", tk.access, "client_id", "nobody", "client_secret", "x")}), 401, "invalid_client")
			oauthErr(t, e.do(req{path: revokePath, form: form("token", tk.access), header: basic(other, otherSecret)}), 400, "unauthorized_client")
			oauthErr(t, e.do(req{path: revokePath, form: form("token", tk.access, "client_id", crm, "client_secret", crmSecret), header: basic(crm, crmSecret)}), 400, "invalid_request")
			oauthErr(t, e.do(req{path: revokePath, body: `{"token":"x"}`, ctype: "application/json"}), 400, "invalid_request")
			egainErr(t, e.do(req{method: http.MethodGet, path: revokePath}), 405, casemgr.CodeMethodNotAllowed)
			// Nothing above revoked the token.
			e.mustAuth(tk.access)
			// Its own client may revoke it.
			if resp := e.do(req{path: revokePath, form: form("token", tk.refresh, "client_id", crm, "client_secret", crmSecret)}); resp.Code != 200 {
				t.Fatalf("revoke: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(tk.access)
		})
	})
}

func TestLogout(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		logout := func(h map[string]string) response {
			return e.do(req{method: http.MethodDelete, path: logoutPath, ctype: "-", header: h})
		}
		t.Run("ends the session", func(t *testing.T) {
			a := e.login("alice", alicePW)
			b := e.login("alice", alicePW)
			resp := logout(bearer(a.access))
			if resp.Code != http.StatusNoContent || resp.Body.Len() != 0 {
				t.Fatalf("logout: %d %s", resp.Code, resp.Body)
			}
			e.mustNotAuth(a.access)
			oauthErr(t, e.refresh(a.refresh, nil), 400, "invalid_grant")
			e.mustAuth(b.access)
			if !e.loggedIn(alice) {
				t.Fatal("alice logged out although a session lives")
			}
			if resp := logout(bearer(b.access)); resp.Code != http.StatusNoContent {
				t.Fatalf("logout: %d", resp.Code)
			}
			if e.loggedIn(alice) {
				t.Fatal("alice still logged in")
			}
			// A logged-out token cannot log out again.
			resp = logout(bearer(b.access))
			egainErr(t, resp, 401, casemgr.CodeInvalidToken)
			if !strings.Contains(resp.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q", resp.Header().Get("WWW-Authenticate"))
			}
			// Logging in again works.
			e.mustAuth(e.login("alice", alicePW).access)
		})
		t.Run("client application", func(t *testing.T) {
			tk := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
			if resp := logout(bearer(tk.access)); resp.Code != http.StatusNoContent {
				t.Fatalf("logout: %d", resp.Code)
			}
			e.mustNotAuth(tk.access)
		})
		t.Run("errors", func(t *testing.T) {
			tk := e.login("bob", bobPW)
			resp := logout(nil)
			egainErr(t, resp, 401, casemgr.CodeMissingAuth)
			if !strings.HasPrefix(resp.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", resp.Header().Get("WWW-Authenticate"))
			}
			if !strings.HasPrefix(resp.Header().Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q", resp.Header().Get("Content-Type"))
			}
			egainErr(t, logout(bearer("nonsense")), 401, casemgr.CodeInvalidToken)
			egainErr(t, logout(bearer(tk.refresh)), 401, casemgr.CodeInvalidToken)
			egainErr(t, logout(basic(crm, crmSecret)), 401, casemgr.CodeInvalidToken)
			resp = e.do(req{method: http.MethodPost, path: logoutPath, header: bearer(tk.access)})
			egainErr(t, resp, 405, casemgr.CodeMethodNotAllowed)
			if resp.Header().Get("Allow") != http.MethodDelete {
				t.Errorf("Allow %q", resp.Header().Get("Allow"))
			}
			e.mustAuth(tk.access)
		})
	})
}

// TestTwoServices runs two Services on one database through two
// connections, as two server processes would: each accepts the other's
// tokens, and a revocation by one is refused by the other at once.
func TestTwoServices(t *testing.T) {
	run := func(t *testing.T, url string) {
		dbA, dbB := openURL(t, url), openURL(t, url)
		e := newEnv(t, dbA)
		b := &env{t: t, db: dbB, clk: e.clk}
		b.svc = b.service()
		b.h = routes(b.svc)

		tk := e.login("alice", alicePW) // issued by A
		if a := b.mustAuth(tk.access); a.UserID() != alice {
			t.Fatalf("B: actor %+v", a)
		}
		if !b.loggedIn(alice) {
			t.Fatal("B does not see alice logged in")
		}
		// B rotates A's refresh token; A accepts the result and refuses
		// the old refresh token.
		resp := b.refresh(tk.refresh, nil)
		if resp.Code != 200 {
			t.Fatalf("refresh on B: %d %s", resp.Code, resp.Body)
		}
		e.mustAuth(resp.str("access_token"))
		oauthErr(t, e.refresh(tk.refresh, nil), 400, "invalid_grant")
		b.mustNotAuth(resp.str("access_token")) // the reuse ended the session everywhere

		tk = b.login("bob", bobPW) // issued by B
		cc := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
		if a := b.mustAuth(cc.access); a.Client == nil || a.Client.ClientID != crm {
			t.Fatalf("B: actor %+v", a)
		}
		e.mustAuth(tk.access)
		// A logs bob out; B refuses his token at once.
		if resp := e.do(req{method: http.MethodDelete, path: logoutPath, ctype: "-", header: bearer(tk.access)}); resp.Code != 204 {
			t.Fatalf("logout on A: %d %s", resp.Code, resp.Body)
		}
		b.mustNotAuth(tk.access)
		if b.loggedIn(bob) {
			t.Error("bob logged in after logout")
		}
		// B revokes the client token (for its client); A refuses it at once.
		if resp := b.do(req{path: revokePath, form: form("token", cc.access), header: basic(crm, crmSecret)}); resp.Code != 200 {
			t.Fatalf("revoke on B: %d", resp.Code)
		}
		e.mustNotAuth(cc.access)
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "sqlite://"+filepath.Join(t.TempDir(), "casemgr.db")) })
	t.Run("postgres", func(t *testing.T) { run(t, storetest.PostgresSchema(t)) })
}

// openURL opens and migrates a store of its own on url, as a server process
// does at start.
func openURL(t *testing.T, url string) store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestStaleSessions covers sessions whose user or client no longer exists
// (a fixture reset between tests removes them while tokens are out).
func TestStaleSessions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		access := strings.Repeat("u", 43)
		refresh := strings.Repeat("r", 43)
		client := strings.Repeat("c", 43)
		now := e.clk.Now()
		err := e.db.Write(context.Background(), func(tx casemgr.Tx) error {
			for _, s := range []*casemgr.Session{
				{ID: "gone-user", User: 999999, Created: now, Expires: now.Add(time.Hour)},
				{ID: "gone-client", ClientID: "gone", Created: now, Expires: now.Add(time.Hour)},
			} {
				if err := tx.InsertSession(s); err != nil {
					return err
				}
			}
			for _, tok := range []*casemgr.Token{
				{Hash: auth.HashToken(access), Session: "gone-user", Kind: auth.KindAccess, Expires: now.Add(time.Hour)},
				{Hash: auth.HashToken(refresh), Session: "gone-user", Kind: auth.KindRefresh, Expires: now.Add(time.Hour)},
				{Hash: auth.HashToken(client), Session: "gone-client", Kind: auth.KindAccess, Expires: now.Add(time.Hour)},
			} {
				if err := tx.InsertToken(tok); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		e.mustNotAuth(access)
		e.mustNotAuth(client)
		oauthErr(t, e.refresh(refresh, nil), 400, "invalid_grant")
	})
}
