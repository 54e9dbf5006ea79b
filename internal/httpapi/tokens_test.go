package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// scopedToken runs a token request through the handler and returns the
// access token.
func (h *harness) scopedToken(form url.Values) string {
	h.t.Helper()
	return h.grant(form)
}

// apiRoutes lists the routes of the handler under /core/casemgr and
// /core/customermgr that need a token, as method and a concrete path (path
// wildcards filled with an ID of the base world), read from the router so
// that a route added later is covered too.
func apiRoutes(t *testing.T, h *harness) (writes, reads [][2]string) {
	t.Helper()
	if len(h.srv.routes) == 0 {
		t.Fatal("the router recorded no routes")
	}
	wild := regexp.MustCompile(`\{[^}]+\}`)
	for _, p := range h.srv.routes {
		method, path, ok := strings.Cut(p, " ")
		if !ok || auth.ScopeFamily(path) == "" || strings.Contains(path, "/openapi.") {
			continue
		}
		path = wild.ReplaceAllString(path, "3000")
		if method == http.MethodGet || method == http.MethodHead {
			reads = append(reads, [2]string{method, path})
		} else {
			writes = append(writes, [2]string{method, path})
		}
	}
	return writes, reads
}

// serve runs a request through the handler without checking it against the
// contract: the sweep below sends the same loose request to every route,
// which only the scope check must answer.
func (h *harness) serve(method, path, token, body string) (int, string) {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	return rec.Code, e.Code
}

// TestReadOnlyTokenIsRefusedOnEveryWriteRoute walks the router: a token
// with read scopes only, of a user and of a client application, is refused
// with 403-197 on every route that is not a GET, and nothing changes; the
// same requests with a manage token are not refused for their scope; a
// read token may read. Scopes of one family do not open the other.
func TestReadOnlyTokenIsRefusedOnEveryWriteRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		writes, reads := apiRoutes(t, h)
		if len(writes) < 5 || len(reads) < 5 {
			t.Fatalf("only %d write and %d read routes found", len(writes), len(reads))
		}
		userRead := h.scopedToken(url.Values{"grant_type": {"password"}, "username": {"jenny"}, "password": {"pw-jenny"},
			"scope": {"core.casemgr.read https://api.egain.cloud/auth/core.customermgr.read"}})
		clientRead := h.scopedToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {"bridge"}, "client_secret": {"bridge-secret"},
			"scope": {"app.core.casemgr.read app.core.customermgr.read"}})
		before := h.world()
		for _, tok := range []string{userRead, clientRead} {
			for _, rt := range writes {
				body := `{"activity":[{"id":"3000"}]}`
				if strings.HasSuffix(rt[1], "/calltrack") {
					body = ctBody()
				}
				if status, code := h.serve(rt[0], rt[1], tok, body); status != 403 || code != "403-197" {
					t.Errorf("%s %s with a read-only token: %d %s, want 403 403-197", rt[0], rt[1], status, code)
				}
			}
			for _, rt := range reads {
				if _, code := h.serve(rt[0], rt[1], tok, ""); code == "403-197" {
					t.Errorf("%s %s with a read token: refused for its scope", rt[0], rt[1])
				}
			}
		}
		if after := h.world(); after != before {
			t.Fatalf("a read-only token changed the world:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		// The scope check answers as the contract says.
		h.refused(403, "403-197", "POST", ctPath, userRead, ctBody())

		// Scopes are per family: customer manage opens no case write,
		// case manage no customer write.
		caseOnly := h.scopedToken(url.Values{"grant_type": {"password"}, "username": {"mia"}, "password": {"pw-mia"},
			"scope": {"core.casemgr.manage"}})
		custOnly := h.scopedToken(url.Values{"grant_type": {"password"}, "username": {"carl"}, "password": {"pw-carl"},
			"scope": {"core.customermgr.manage"}})
		for _, rt := range append(append([][2]string{}, writes...), reads...) {
			_, codeCase := h.serve(rt[0], rt[1], caseOnly, "{}")
			_, codeCust := h.serve(rt[0], rt[1], custOnly, "{}")
			casemgrPath := auth.ScopeFamily(rt[1]) == "casemgr"
			if (codeCase == "403-197") == casemgrPath {
				t.Errorf("%s %s with core.casemgr.manage: code %s", rt[0], rt[1], codeCase)
			}
			if (codeCust == "403-197") != casemgrPath {
				t.Errorf("%s %s with core.customermgr.manage: code %s", rt[0], rt[1], codeCust)
			}
		}
		// A token with every scope is never refused for its scope.
		full := h.login("jenny")
		for _, rt := range append(append([][2]string{}, writes...), reads...) {
			if _, code := h.serve(rt[0], rt[1], full, "{}"); code == "403-197" {
				t.Errorf("%s %s with every scope: 403-197", rt[0], rt[1])
			}
		}
	})
}

// TestAuthMetadata pins the metadata documents: no authentication, URLs
// from the public URL, the world's tenant (default casemgr) and 404-101
// for another, 400-101 for a query parameter.
func TestAuthMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		h.srv.Auth.PublicURL = "https://cm.example/"
		for _, path := range []string{"/core/authmgr/v3/metadata/deployment", "/core/authmgr/v3/metadata/tenant/casemgr"} {
			res := h.do("GET", path, "", "")
			res.expect(t, 200, "")
			var doc struct {
				AuthenticationDetails struct {
					OAuthUser   []map[string]string `json:"oAuthUser"`
					OAuthClient []map[string]string `json:"oAuthClient"`
					Prefix      string              `json:"apiPermissionPrefix"`
				} `json:"authenticationDetails"`
				APIMetadata map[string]map[string]string `json:"apiMetadata"`
				DomainURL   string                       `json:"domainURL"`
				AuthURL     *string                      `json:"authURL"`
			}
			if err := json.Unmarshal(res.Body, &doc); err != nil {
				t.Fatal(err)
			}
			const tokenURL = "https://cm.example/core/authmgr/v3/oauth2/token"
			d := doc.AuthenticationDetails
			if len(d.OAuthUser) != 1 || d.OAuthUser[0]["accessTokenURL"] != tokenURL || len(d.OAuthClient) != 1 ||
				d.OAuthClient[0]["accessTokenURL"] != tokenURL || d.Prefix != auth.ScopePrefix ||
				doc.DomainURL != "https://cm.example" || doc.APIMetadata["CORE"]["eApiPermissionPrefix"] != auth.ScopePrefix || doc.AuthURL != nil {
				t.Errorf("%s: %s", path, res.Body)
			}
		}
		h.do("GET", "/core/authmgr/v3/metadata/tenant/other", "", "").expect(t, 404, "404-101")
		h.do("GET", "/core/authmgr/v3/metadata/deployment?x=1", "", "").expect(t, 400, "400-101")
		h.add(`{"settings": {"customerDepartmentalization": true, "tenantId": "acme"}}`)
		h.do("GET", "/core/authmgr/v3/metadata/tenant/acme", "", "").expect(t, 200, "")
		h.do("GET", "/core/authmgr/v3/metadata/tenant/casemgr", "", "").expect(t, 404, "404-101")
	})
}

// TestOAuth2ClientLibrary drives the real handler over HTTP with
// golang.org/x/oauth2, unchanged, as integrations do: client credentials,
// the password grant and its refresh, and the on-behalf-of grant (through
// the client-credentials source with grant_type and the subject as
// endpoint parameters, at the token endpoint and at the v4 on-behalf-of
// path). Each token reads an activity; scopes asked for are granted.
func TestOAuth2ClientLibrary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		h.add(`{"clientApplications": [{"clientId": "agent-assist", "clientSecret": "assist-secret", "onBehalfOf": true}]}`)
		srv := httptest.NewServer(h.h)
		defer srv.Close()
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		tokenURL := srv.URL + "/core/authmgr/v3/oauth2/token"
		read := func(t *testing.T, src oauth2.TokenSource, wantStatus int) {
			t.Helper()
			res, err := oauth2.NewClient(ctx, src).Get(srv.URL + "/core/casemgr/v3/activity/3000")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != wantStatus {
				t.Fatalf("GET activity: %d, want %d", res.StatusCode, wantStatus)
			}
		}

		t.Run("client_credentials", func(t *testing.T) {
			for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
				cc := clientcredentials.Config{ClientID: "bridge", ClientSecret: "bridge-secret", TokenURL: tokenURL,
					Scopes: []string{"https://api.egain.cloud/auth/app.core.casemgr.read"}, AuthStyle: style}
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tok.RefreshToken != "" || tok.Extra("scope") != "https://api.egain.cloud/auth/app.core.casemgr.read" {
					t.Errorf("token %+v scope %v", tok, tok.Extra("scope"))
				}
				read(t, cc.TokenSource(ctx), 200)
			}
			bad := clientcredentials.Config{ClientID: "bridge", ClientSecret: "wrong", TokenURL: tokenURL}
			var re *oauth2.RetrieveError
			if _, err := bad.Token(ctx); !errorsAs(err, &re) || re.ErrorCode != "invalid_client" {
				t.Fatalf("wrong secret: %v", err)
			}
			wrongType := clientcredentials.Config{ClientID: "bridge", ClientSecret: "bridge-secret", TokenURL: tokenURL,
				Scopes: []string{"core.casemgr.read"}}
			if _, err := wrongType.Token(ctx); !errorsAs(err, &re) || re.ErrorCode != "invalid_scope" {
				t.Fatalf("user scope for a client: %v", err)
			}
		})

		t.Run("password_and_refresh", func(t *testing.T) {
			conf := oauth2.Config{Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
			tok, err := conf.PasswordCredentialsToken(ctx, "jenny", "pw-jenny")
			if err != nil {
				t.Fatal(err)
			}
			if tok.RefreshToken == "" || !strings.Contains(tok.Extra("scope").(string), "core.casemgr.manage") {
				t.Fatalf("token %+v", tok)
			}
			read(t, conf.TokenSource(ctx, tok), 200)
			// An expired token is refreshed by the library.
			old := *tok
			tok.Expiry = time.Now().Add(-time.Minute)
			src := conf.TokenSource(ctx, tok)
			fresh, err := src.Token()
			if err != nil {
				t.Fatal(err)
			}
			if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken {
				t.Fatal("the refresh gave the same tokens")
			}
			read(t, oauth2.StaticTokenSource(fresh), 200)
			// The used refresh token is refused.
			if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token(); err == nil {
				t.Fatal("a used refresh token was accepted")
			}
		})

		t.Run("on_behalf_of", func(t *testing.T) {
			for _, u := range []string{tokenURL, srv.URL + "/core/authmgr/v4/oauth2/v2.0/onbehalfof/token?user_type=user&tenantId=x&domain_hint=y"} {
				cc := clientcredentials.Config{ClientID: "agent-assist", ClientSecret: "assist-secret", TokenURL: u,
					Scopes:         []string{"https://api.egain.cloud/auth/core.casemgr.read"},
					EndpointParams: url.Values{"grant_type": {"password"}, "subject_username": {"jenny"}}}
				tok, err := cc.Token(ctx)
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				if tok.RefreshToken != "" {
					t.Error("an on-behalf-of token came with a refresh token")
				}
				read(t, cc.TokenSource(ctx), 200)
				// Read scope only: a write is refused for its scope.
				res, err := oauth2.NewClient(ctx, cc.TokenSource(ctx)).Post(srv.URL+ctPath, "application/json", strings.NewReader(ctBody()))
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 403 {
					t.Errorf("write with an on-behalf read token: %d", res.StatusCode)
				}
			}
			notAllowed := clientcredentials.Config{ClientID: "bridge", ClientSecret: "bridge-secret", TokenURL: tokenURL,
				EndpointParams: url.Values{"grant_type": {"password"}, "subject_username": {"jenny"}}}
			var re *oauth2.RetrieveError
			if _, err := notAllowed.Token(ctx); !errorsAs(err, &re) || re.ErrorCode != "unauthorized_client" {
				t.Fatalf("bridge on behalf of jenny: %v", err)
			}
		})
	})
}

func errorsAs[T error](err error, target *T) bool { return errors.As(err, target) }
