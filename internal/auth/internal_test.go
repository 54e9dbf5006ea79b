package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
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

func TestLimitKey(t *testing.T) {
	if limitKey("user", "ALICE") != limitKey("user", "Alice") {
		t.Error("user names of different case have different keys")
	}
	if limitKey("addr", "Alice") == limitKey("user", "Alice") {
		t.Error("an address and a user name share a key")
	}
	if limitKey("client", "CRM") == limitKey("client", "crm") {
		t.Error("client IDs are compared exactly")
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

// TestCopyActorSharesNothing: a cached actor shares no list with the one
// handed to or taken from the cache (TransferToQueues and PullOptionQueues
// were once shared).
func TestCopyActorSharesNothing(t *testing.T) {
	u := &casemgr.User{ID: 1, TransferToQueues: []casemgr.ID{5}, PullOptionQueues: []casemgr.ID{6},
		CustomAttributes: map[string]string{"a": "b"}}
	a := casemgr.Actor{User: u, Scopes: []string{"s"}}
	c := copyActor(a)
	u.TransferToQueues[0], u.PullOptionQueues[0], u.CustomAttributes["a"] = 9, 9, "z"
	a.Scopes[0] = "t"
	if c.User == u || c.User.TransferToQueues[0] != 5 || c.User.PullOptionQueues[0] != 6 ||
		c.User.CustomAttributes["a"] != "b" || c.Scopes[0] != "s" {
		t.Fatalf("the copy changed with the original: %+v %v", *c.User, c.Scopes)
	}
}
