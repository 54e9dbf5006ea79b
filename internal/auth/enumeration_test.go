package auth_test

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
)

// TestNoUserOrClientEnumerationByTiming pins that every refused login and
// every refused client authentication costs exactly one bcrypt comparison
// per secret checked, whatever the name: an existing user or client, an
// unknown one, one without a password, and secrets over bcrypt's 72 bytes
// (which once returned at once for an existing name and after a bcrypt
// run for an unknown one). Counting comparisons pins the cost without
// measuring time.
func TestNoUserOrClientEnumerationByTiming(t *testing.T) {
	long := strings.Repeat("p", 73)
	huge := strings.Repeat("q", 4096)
	each(t, func(t *testing.T, e *env) {
		count, restore := auth.CountComparisons()
		defer restore()
		cost := func(t *testing.T, rq req, status int, code string) int64 {
			t.Helper()
			before := count()
			oauthErr(t, e.do(rq), status, code)
			return count() - before
		}
		password := func(user, pw string) req {
			return req{form: form("grant_type", "password", "username", user, "password", pw)}
		}
		users := map[string]req{
			"known user, wrong password":        password("alice", "wrong"),
			"unknown user":                      password("nobody", "wrong"),
			"user without password":             password("nopass", "wrong"),
			"known user, 73-byte password":      password("alice", long),
			"unknown user, 73-byte password":    password("nobody", long),
			"known user, 4096-byte password":    password("alice", huge),
			"unknown user, 4096-byte password":  password("nobody", huge),
			"known user, 72-byte prefix + more": password("alice", alicePW+long),
		}
		for name, rq := range users {
			if got := cost(t, rq, 400, "invalid_grant"); got != 1 {
				t.Errorf("%s: %d bcrypt comparisons, want 1", name, got)
			}
		}
		clientCC := func(id, secret string) req {
			return req{form: form("grant_type", "client_credentials"), header: basic(id, secret)}
		}
		clients := map[string]req{
			"known client, wrong secret":       clientCC(crm, "wrong"),
			"unknown client":                   clientCC("nobody", "wrong"),
			"known client, 73-byte secret":     clientCC(crm, long),
			"unknown client, 73-byte secret":   clientCC("nobody", long),
			"known client, 4096-byte secret":   clientCC(crm, huge),
			"unknown client, 4096-byte secret": clientCC("nobody", huge),
		}
		for name, rq := range clients {
			if got := cost(t, rq, 401, "invalid_client"); got != 1 {
				t.Errorf("%s: %d bcrypt comparisons, want 1", name, got)
			}
		}
		// With valid client credentials, the user's secret is the one
		// more comparison, for known and unknown names alike.
		for _, user := range []string{"alice", "nobody"} {
			for _, pw := range []string{"wrong", long} {
				rq := req{form: form("grant_type", "password", "username", user, "password", pw), header: basic(crm, crmSecret)}
				if got := cost(t, rq, 400, "invalid_grant"); got != 2 {
					t.Errorf("client + %s/%d bytes: %d bcrypt comparisons, want 2", user, len(pw), got)
				}
			}
		}
		// Nothing of the above logged anyone in.
		if e.loggedIn(alice) {
			t.Fatal("a refused login logged alice in")
		}
	})
}
