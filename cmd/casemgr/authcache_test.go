package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestRevocationReachesTheOtherProcessWithinTheBound starts two server
// processes on one PostgreSQL database: a token used in both (and so kept
// by both, internal/auth/cache.go) is logged out through one, and the
// other refuses it within the bound of the authentication cache
// (docs/security.md) — a request sent once the bound has passed since the
// logout was answered must be refused.
func TestRevocationReachesTheOtherProcessWithinTheBound(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	dbURL := storetest.PostgresSchema(t)
	a := startServe(t, "--db", dbURL, "--demo")
	if err := a.ready(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	b := startServe(t, "--db", dbURL, "--demo")
	if err := b.ready(90 * time.Second); err != nil {
		t.Fatal(err)
	}
	const path = "/core/casemgr/v3/activity/3025"
	token := mustToken(t, a.url(), "jenny", "")
	for _, p := range []*proc{a, b, a, b} {
		if r, err := call("GET", p.url()+path, token, "", nil); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET before the logout: %v %d %s", err, r.status, r.body)
		}
	}
	if r, err := call("DELETE", a.url()+"/core/authmgr/v3/user/logout", token, "", nil); err != nil || r.status != http.StatusNoContent {
		t.Fatalf("logout: %v %d %s", err, r.status, r.body)
	}
	loggedOut := time.Now()
	if r, err := call("GET", a.url()+path, token, "", nil); err != nil || r.status != http.StatusUnauthorized {
		t.Fatalf("the process that logged out still accepts the token: %v %d", err, r.status)
	}
	for {
		asked := time.Now()
		r, err := call("GET", b.url()+path, token, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.status == http.StatusUnauthorized {
			t.Logf("refused by the other process %v after the logout was answered", time.Since(loggedOut).Round(time.Millisecond))
			break
		}
		if r.status != http.StatusOK {
			t.Fatalf("GET after the logout: %d %s", r.status, r.body)
		}
		if asked.Sub(loggedOut) > auth.DefaultAuthCacheBound {
			t.Fatalf("the other process still accepts the token %v after the logout", asked.Sub(loggedOut))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, p := range []*proc{a, b} {
		if err := p.stop(); err != nil {
			t.Errorf("graceful stop: %v\n%s", err, p.out)
		}
	}
}
