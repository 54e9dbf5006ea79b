package auth_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
)

func passwordReq(user, password, addr string) req {
	return req{form: form("grant_type", "password", "username", user, "password", password), addr: addr}
}

// tooMany expects a 429 in the eGain form with Retry-After: wait.
func tooMany(t *testing.T, resp response, wait int) {
	t.Helper()
	egainErr(t, resp, http.StatusTooManyRequests, casemgr.CodeTooManyRequests)
	if got := resp.Header().Get("Retry-After"); got != fmt.Sprint(wait) {
		t.Errorf("Retry-After %q, want %d", got, wait)
	}
	want := casemgr.E(casemgr.CodeTooManyRequests, "seconds", fmt.Sprint(wait)).DeveloperMessage()
	if resp.str("developerMessage") != want {
		t.Errorf("developerMessage %q, want %q", resp.str("developerMessage"), want)
	}
}

func TestRateLimitPerUser(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		const addr = "192.0.2.1:40000"
		for i := range 10 {
			oauthErr(t, e.do(passwordReq("alice", fmt.Sprint("wrong", i), addr)), 400, "invalid_grant")
			e.clk.Advance(time.Second)
		}
		e.clk.Advance(5 * time.Second) // 15s after the first failure
		// Locked: even the right password is not looked at.
		tooMany(t, e.do(passwordReq("alice", alicePW, addr)), 45)
		tooMany(t, e.do(passwordReq("ALICE", alicePW, addr)), 45)
		tooMany(t, e.do(passwordReq("alice", alicePW, "198.51.100.7:1")), 45)
		if e.loggedIn(alice) {
			t.Fatal("a locked login logged alice in")
		}
		// Others, from the same address too, are not locked.
		e.login("bob", bobPW)

		// Attempts while locked do not prolong the lock.
		e.clk.Advance(44*time.Second + 500*time.Millisecond)
		tooMany(t, e.do(passwordReq("alice", "wrong", addr)), 1)
		e.clk.Advance(500 * time.Millisecond)
		e.login("alice", alicePW)
	})
}

func TestRateLimitSuccessResetsUser(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for range 9 {
			oauthErr(t, e.do(passwordReq("alice", "wrong", "")), 400, "invalid_grant")
		}
		e.login("alice", alicePW)
		for range 9 {
			oauthErr(t, e.do(passwordReq("alice", "wrong", "")), 400, "invalid_grant")
		}
		e.login("alice", alicePW)
	})
}

func TestRateLimitPerAddress(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// The default of 30 per address, by unknown names (which cost a
		// full DefaultCost comparison each) and wrong passwords.
		const addr = "[2001:db8::1]:5555"
		for i := range 30 {
			user := fmt.Sprint("guess", i)
			if i%2 == 0 {
				user = "bob"
				if i >= 18 {
					user = "nopass"
				}
			}
			oauthErr(t, e.do(passwordReq(user, "wrong", addr)), 400, "invalid_grant")
		}
		tooMany(t, e.do(passwordReq("alice", alicePW, addr)), 60)
		// The same host on another port is the same address.
		tooMany(t, e.do(passwordReq("alice", alicePW, "[2001:db8::1]:6666")), 60)
		// Another address is not locked.
		e.grant(passwordReq("alice", alicePW, "[2001:db8::2]:5555"))
		e.clk.Advance(time.Minute)
		e.grant(passwordReq("alice", alicePW, addr))
	})
}

func TestRateLimitConfigured(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.svc.MaxUserFailures = -1 // off
		e.svc.MaxAddressFailures = 3
		e.svc.FailureWindow = 10 * time.Second
		e.svc.ClientAddress = func(r *http.Request) string { return r.Header.Get("X-Test-Client") }
		var bodies []string
		e.svc.WriteError = func(w http.ResponseWriter, r *http.Request, err *casemgr.Error) {
			bodies = append(bodies, string(err.Code))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(httpstatus.Of(err.Code))
			fmt.Fprintf(w, `{"code":%q,"developerMessage":%q,"custom":true}`, err.Code, err.DeveloperMessage())
		}
		at := func(client string, rq req) req {
			rq.header = map[string]string{"X-Test-Client": client}
			return rq
		}
		for range 3 {
			oauthErr(t, e.do(at("one", passwordReq("alice", "wrong", ""))), 400, "invalid_grant")
		}
		resp := e.do(at("one", passwordReq("alice", alicePW, "")))
		tooMany(t, resp, 10)
		if resp.json["custom"] != true || len(bodies) != 1 {
			t.Errorf("WriteError not used: %s", resp.Body)
		}
		// Only the address limit is on: alice from elsewhere goes in,
		// well beyond 10 failures of her name.
		for i := range 12 {
			oauthErr(t, e.do(at(fmt.Sprint("c", i), passwordReq("alice", "wrong", ""))), 400, "invalid_grant")
		}
		e.grant(at("two", passwordReq("alice", alicePW, "")))
		e.clk.Advance(10 * time.Second)
		e.grant(at("one", passwordReq("alice", alicePW, "")))
	})
}

// TestRateLimitOnlyPasswords checks that errors that are not wrong
// passwords do not count.
func TestRateLimitOnlyPasswords(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.svc.MaxUserFailures = 2
		for range 5 {
			oauthErr(t, e.do(req{form: form("grant_type", "password", "username", "alice")}), 400, "invalid_request")
			oauthErr(t, e.do(req{form: form("grant_type", "password", "username", "alice", "password", alicePW,
				"client_id", crm, "client_secret", "wrong")}), 401, "invalid_client")
		}
		e.login("alice", alicePW)
	})
}

// TestClientAuthenticationIsRateLimited pins that failed client
// authentications count per client ID and per address, like failed user
// logins, with every grant that authenticates a client (client
// credentials, and client credentials sent with the password, refresh and
// revoke requests): once a client ID has MaxClientFailures in the window it
// is refused with 429 and Retry-After, even with its right secret, and
// nothing is issued.
func TestClientAuthenticationIsRateLimited(t *testing.T) {
	const addr = "192.0.2.9:1000"
	wrongWith := map[string]func(secret string) req{
		"client_credentials": func(secret string) req {
			return req{form: form("grant_type", "client_credentials"), header: basic(crm, secret), addr: addr}
		},
		"password": func(secret string) req {
			return req{form: form("grant_type", "password", "username", "alice", "password", alicePW,
				"client_id", crm, "client_secret", secret), addr: addr}
		},
		"refresh_token": func(secret string) req {
			return req{form: form("grant_type", "refresh_token", "refresh_token", strings.Repeat("A", 43)),
				header: basic(crm, secret), addr: addr}
		},
		"revoke": func(secret string) req {
			return req{path: revokePath, form: form("token", strings.Repeat("A", 43)), header: basic(crm, secret), addr: addr}
		},
	}
	for grant, mk := range wrongWith {
		t.Run(grant, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				for range 10 {
					oauthErr(t, e.do(mk("wrong")), 401, "invalid_client")
					e.clk.Advance(time.Second)
				}
				// Locked: the right secret is not looked at, in
				// any grant, from any address.
				tooMany(t, e.do(mk(crmSecret)), 50)
				tooMany(t, e.do(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret), addr: "198.51.100.1:1"}), 50)
				if e.loggedIn(alice) {
					t.Fatal("a locked client logged alice in")
				}
				// Another client from another address is not locked.
				e.grant(req{form: form("grant_type", "client_credentials"), header: basic(other, otherSecret), addr: "198.51.100.1:1"})
				e.clk.Advance(50 * time.Second)
				e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret), addr: addr})
			})
		})
	}
	t.Run("per address", func(t *testing.T) {
		each(t, func(t *testing.T, e *env) {
			// Unknown client IDs, each failing once, exhaust the
			// address with failed logins: 20 + 10 = 30.
			for i := range 20 {
				oauthErr(t, e.do(req{form: form("grant_type", "client_credentials"),
					header: basic(fmt.Sprint("guess", i), "x"), addr: addr}), 401, "invalid_client")
			}
			for range 10 {
				oauthErr(t, e.do(passwordReq("bob", "wrong", addr)), 400, "invalid_grant")
			}
			tooMany(t, e.do(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret), addr: addr}), 60)
			tooMany(t, e.do(passwordReq("alice", alicePW, addr)), 60)
			e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret), addr: "198.51.100.1:1"})
		})
	})
	t.Run("success clears the client count", func(t *testing.T) {
		each(t, func(t *testing.T, e *env) {
			for range 2 {
				for range 9 {
					oauthErr(t, e.do(req{form: form("grant_type", "client_credentials"), header: basic(crm, "wrong")}), 401, "invalid_client")
				}
				e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
			}
		})
	})
}
