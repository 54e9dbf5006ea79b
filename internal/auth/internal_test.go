package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash := newToken()
		if len(tok) != 43 || !wellFormed(tok) {
			t.Fatalf("token %q is not 43 base64url characters", tok)
		}
		if strings.ContainsAny(tok, "=+/") {
			t.Fatalf("token %q is not unpadded base64url", tok)
		}
		if hash != HashToken(tok) || len(hash) != 64 {
			t.Fatalf("hash %q of %q", hash, tok)
		}
		if seen[tok] {
			t.Fatal("token repeated")
		}
		seen[tok] = true
	}
	// SHA-256("abc"), FIPS 180-2.
	if got := HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashToken(abc) = %s", got)
	}
	if rotatedKey("a") == rotatedKey("b") || rotatedKey("a") == HashToken("a") {
		t.Error("rotatedKey collides")
	}
}

func TestBearerToken(t *testing.T) {
	tok, _ := newToken()
	for _, tc := range []struct {
		header string
		ok     bool
	}{
		{"Bearer " + tok, true},
		{"bearer " + tok, true},
		{"BEARER " + tok, true},
		{"Bearer   " + tok, true},
		{"Bearer", false},
		{"Bearer ", false},
		{"Bearer" + tok, false},
		{"Basic " + tok, false},
		{tok, false},
		{"Bearer " + tok + "x", false},
		{"Bearer " + tok[:42], false},
		{"Bearer " + tok[:42] + "=", false},
		{"Bearer " + tok[:42] + "/", false},
		{"Bearer " + tok + " extra", false},
		{"Bearer \x00\x01\x02", false},
		{"Bearer 🔑" + tok[:39], false},
	} {
		got, ok := bearerToken(tc.header)
		if ok != tc.ok || (ok && got != tok) {
			t.Errorf("bearerToken(%q) = %q, %v; want ok=%v", tc.header, got, ok, tc.ok)
		}
	}
}

func TestLimiter(t *testing.T) {
	var l limiter
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	win := time.Minute
	user := limit{key: limitKey("user", "Alice"), max: 3}
	addr := limit{key: limitKey("addr", "192.0.2.1"), max: 5}

	if limitKey("user", "ALICE") != user.key {
		t.Error("user names of different case have different keys")
	}
	if limitKey("addr", "Alice") == limitKey("user", "Alice") {
		t.Error("an address and a user name share a key")
	}
	for i := range 3 {
		if _, locked := l.locked(t0, win, user, addr); locked {
			t.Fatalf("locked after %d failures", i)
		}
		l.fail(t0.Add(time.Duration(i)*time.Second), win, user, addr)
	}
	wait, locked := l.locked(t0.Add(20*time.Second), win, user, addr)
	if !locked || wait != 40*time.Second {
		t.Fatalf("after 3 failures: locked=%v wait=%v, want 40s", locked, wait)
	}
	// Another user from the same address is not locked yet...
	other := limit{key: limitKey("user", "bob"), max: 3}
	if _, locked := l.locked(t0, win, other, addr); locked {
		t.Fatal("bob is locked by alice's failures")
	}
	// ...until the address has 5 failures.
	l.fail(t0.Add(30*time.Second), win, other, addr)
	l.fail(t0.Add(30*time.Second), win, other, addr)
	if _, locked := l.locked(t0.Add(31*time.Second), win, other, addr); !locked {
		t.Fatal("address with 5 failures is not locked")
	}
	if _, locked := l.locked(t0.Add(31*time.Second), win, other, limit{key: limitKey("addr", "192.0.2.2"), max: 5}); locked {
		t.Fatal("another address is locked")
	}
	// The window ends.
	if _, locked := l.locked(t0.Add(win), win, user, addr); locked {
		t.Fatal("still locked when the window ended")
	}
	// A failure after the window opens a new one.
	l.fail(t0.Add(win), win, user)
	if w := l.windows[user.key]; w.failures != 1 || !w.start.Equal(t0.Add(win)) {
		t.Fatalf("new window = %+v", *w)
	}
	l.reset(user.key)
	if _, ok := l.windows[user.key]; ok {
		t.Fatal("reset kept the window")
	}
	// A disabled limit never locks.
	off := limit{key: limitKey("user", "x"), max: -1}
	for range 10 {
		l.fail(t0, win, off)
	}
	if _, locked := l.locked(t0, win, off); locked {
		t.Fatal("disabled limit locked")
	}
}

func TestLimiterSweep(t *testing.T) {
	var l limiter
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range sweepAbove + 10 {
		l.fail(t0, time.Minute, limit{key: limitKey("user", strings.Repeat("u", i+1)), max: 10})
	}
	l.fail(t0.Add(2*time.Minute), time.Minute, limit{key: limitKey("user", "late"), max: 10})
	if len(l.windows) != 1 {
		t.Fatalf("%d windows after the sweep, want 1", len(l.windows))
	}
}

// TestClientCredentialsShape covers the parsing of client credentials,
// malformed Basic headers above all: they must give invalid_client, never a
// panic.
func TestClientCredentialsShape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		body   string
		want   string // "" for success, else the OAuth error code
		basic  bool
		id     string
		secret string
	}{
		{name: "none", body: "grant_type=password"},
		{name: "body", body: "client_id=crm&client_secret=s", id: "crm", secret: "s"},
		{name: "basic", header: "Basic Y3JtOnM=", id: "crm", secret: "s", basic: true},
		{name: "basic lower scheme", header: "basic Y3JtOnM=", id: "crm", secret: "s", basic: true},
		{name: "basic form-encoded", header: "Basic " + b64("a%3Ab:p%2Bq+r"), id: "a:b", secret: "p+q r", basic: true},
		{name: "both", header: "Basic Y3JtOnM=", body: "client_id=crm&client_secret=s", want: errInvalidRequest},
		{name: "basic and body id", header: "Basic Y3JtOnM=", body: "client_id=crm", want: errInvalidRequest},
		{name: "body id only", body: "client_id=crm", want: errInvalidClient},
		{name: "body secret only", body: "client_secret=s", want: errInvalidClient},
		{name: "basic no space", header: "Basic", want: errInvalidClient, basic: true},
		{name: "basic empty", header: "Basic ", want: errInvalidClient, basic: true},
		{name: "basic bad base64", header: "Basic !!!***", want: errInvalidClient, basic: true},
		{name: "basic no colon", header: "Basic " + b64("crm"), want: errInvalidClient, basic: true},
		{name: "basic empty id", header: "Basic " + b64(":secret"), want: errInvalidClient, basic: true},
		{name: "basic bad escape", header: "Basic " + b64("crm:%zz"), want: errInvalidClient, basic: true},
		{name: "basic binary", header: "Basic " + b64("\x00\xff:\xfe"), id: "\x00\xff", secret: "\xfe", basic: true},
		{name: "other scheme", header: "Bearer abc", want: errInvalidClient, basic: true},
		{name: "whitespace", header: "   ", want: errInvalidClient, basic: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(tc.body))
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			form, _ := url.ParseQuery(tc.body)
			c, err := clientCredentials(r, form)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if c.id != tc.id || c.secret != tc.secret || c.basic != tc.basic || c.given != (tc.id != "") {
					t.Fatalf("credentials %+v", c)
				}
				return
			}
			var oe *oauthError
			if !errors.As(err, &oe) || oe.code != tc.want || oe.basic != tc.basic {
				t.Fatalf("error %v (%+v), want %s basic=%v", err, oe, tc.want, tc.basic)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
