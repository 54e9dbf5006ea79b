package auth_test

import (
	"testing"
)

// TestRevokeOnlyByTheClientTheTokenWasIssuedTo pins RFC 7009 2.1: a token
// issued to a confidential client (crm's client-credentials token, or a
// user's token obtained with crm's credentials) is revoked only by that
// client, authenticated. Anonymous revocation is 401 invalid_client,
// another client's 400 unauthorized_client, and the token keeps working.
func TestRevokeOnlyByTheClientTheTokenWasIssuedTo(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cc := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
		user := e.grant(req{form: form("grant_type", "password", "username", "bob", "password", bobPW), header: basic(crm, crmSecret)})
		for name, tk := range map[string]tokens{"client credentials": cc, "password via client": user} {
			for _, token := range []string{tk.access, tk.refresh} {
				if token == "" {
					continue
				}
				oauthErr(t, e.do(req{path: revokePath, form: form("token", token)}), 401, "invalid_client")
				oauthErr(t, e.do(req{path: revokePath, form: form("token", token), header: bearer(tk.access)}), 401, "invalid_client")
				oauthErr(t, e.do(req{path: revokePath, form: form("token", token), header: basic(other, otherSecret)}), 400, "unauthorized_client")
				oauthErr(t, e.do(req{path: revokePath, form: form("token", token, "client_id", other, "client_secret", otherSecret)}), 400, "unauthorized_client")
			}
			// Nothing above ended the session.
			e.mustAuth(tk.access)
			if name == "password via client" && !e.loggedIn(bob) {
				t.Fatal("bob logged out by a refused revocation")
			}
		}
		// Its own client revokes it.
		if resp := e.do(req{path: revokePath, form: form("token", cc.access), header: basic(crm, crmSecret)}); resp.Code != 200 {
			t.Fatalf("revoke by crm: %d %s", resp.Code, resp.Body)
		}
		e.mustNotAuth(cc.access)
		if resp := e.do(req{path: revokePath, form: form("token", user.refresh, "client_id", crm, "client_secret", crmSecret)}); resp.Code != 200 {
			t.Fatalf("revoke by crm: %d %s", resp.Code, resp.Body)
		}
		e.mustNotAuth(user.access)
	})
}

// TestRevokeIgnoresNonBasicAuthorization pins that an Authorization header
// of another scheme than Basic on the revocation endpoint (the Bearer
// header generated clients send with every request) is ignored, not taken
// as a failed client authentication.
func TestRevokeIgnoresNonBasicAuthorization(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		// A public token (no client) with a Bearer header.
		tk := e.login("alice", alicePW)
		if resp := e.do(req{path: revokePath, form: form("token", tk.access), header: bearer(tk.access)}); resp.Code != 200 {
			t.Fatalf("revoke with Bearer: %d %s", resp.Code, resp.Body)
		}
		e.mustNotAuth(tk.access)
		// Another scheme, with client credentials in the body.
		cc := e.grant(req{form: form("grant_type", "client_credentials"), header: basic(crm, crmSecret)})
		resp := e.do(req{path: revokePath, form: form("token", cc.access, "client_id", crm, "client_secret", crmSecret),
			header: map[string]string{"Authorization": "Negotiate abc"}})
		if resp.Code != 200 {
			t.Fatalf("revoke with Negotiate header and body credentials: %d %s", resp.Code, resp.Body)
		}
		e.mustNotAuth(cc.access)
		// The token endpoint still refuses a scheme it cannot use.
		oauthErr(t, e.do(req{form: form("grant_type", "client_credentials"), header: bearer(tk.access)}), 401, "invalid_client")
	})
}
