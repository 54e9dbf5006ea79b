package auth

import (
	"net/http"
	"slices"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// ScopePrefix is the prefix of eGain's scope names; a request may send a
// scope with or without it.
const ScopePrefix = "https://api.egain.cloud/auth/"

// The scopes of user tokens (delegated: the password and on-behalf-of
// grants) and of client application tokens (client credentials), without
// the prefix. Each pair gives read (GET) or manage (every method) access to
// one family of paths.
var (
	UserScopes   = []string{"core.casemgr.read", "core.casemgr.manage", "core.customermgr.read", "core.customermgr.manage"}
	ClientScopes = []string{"app.core.casemgr.read", "app.core.casemgr.manage", "app.core.customermgr.read", "app.core.customermgr.manage"}
)

// scopeAliases are spellings accepted for a scope: eGain's own page spells
// one of them "maange".
var scopeAliases = map[string]string{"app.core.customermgr.maange": "app.core.customermgr.manage"}

// errInvalidScope is the RFC 6749 error of a scope that cannot be granted.
const errInvalidScope = "invalid_scope"

// grantScopes resolves the scope parameter of a token request for an actor
// type: no scope means every scope of the type; "<prefix>.default" (or
// ".default") means every scope too; each name may come with or without
// ScopePrefix. An unknown scope, or one of the other actor type, is
// invalid_scope. The result is in the catalogue's order, each scope once.
func grantScopes(param string, client bool) ([]string, error) {
	all := UserScopes
	if client {
		all = ClientScopes
	}
	names := strings.Fields(param)
	if len(names) == 0 {
		return slices.Clone(all), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimPrefix(n, ScopePrefix)
		if a, ok := scopeAliases[n]; ok {
			n = a
		}
		if n == ".default" || n == "default" {
			return slices.Clone(all), nil
		}
		if !slices.Contains(all, n) {
			other := "a client application"
			if client {
				other = "a user"
			}
			desc := "unknown scope " + n
			if slices.Contains(UserScopes, n) || slices.Contains(ClientScopes, n) {
				desc = "scope " + n + " is for " + other + " token"
			}
			return nil, &oauthError{status: http.StatusBadRequest, code: errInvalidScope, desc: desc}
		}
		want[n] = true
	}
	var out []string
	for _, n := range all {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// scopeParam is the scope field of a token answer: the granted scopes,
// with their prefix, space-separated (RFC 6749 5.1).
func scopeParam(scopes []string) string {
	full := make([]string, len(scopes))
	for i, s := range scopes {
		full[i] = ScopePrefix + s
	}
	return strings.Join(full, " ")
}

// ScopeFamily names the scope family of a path: "casemgr" for
// /core/casemgr/..., "customermgr" for /core/customermgr/..., "" for paths
// that scopes do not govern.
func ScopeFamily(path string) string {
	for _, f := range []string{"casemgr", "customermgr"} {
		if strings.HasPrefix(path, "/core/"+f+"/") {
			return f
		}
	}
	return ""
}

// Allows reports whether the scopes of an actor's token allow a request:
// a GET (or HEAD) of a family needs its read or manage scope, any other
// method its manage scope. A token without recorded scopes (issued before
// scopes existed) has every scope of its actor type. Paths outside the
// families are allowed.
func Allows(a casemgr.Actor, method, path string) bool {
	family := ScopeFamily(path)
	if family == "" || a.Scopes == nil {
		return true
	}
	read := method == http.MethodGet || method == http.MethodHead
	for _, s := range a.Scopes {
		s = strings.TrimPrefix(s, "app.")
		switch s {
		case "core." + family + ".manage":
			return true
		case "core." + family + ".read":
			if read {
				return true
			}
		}
	}
	return false
}

// RequiredScope names the scope a request lacks under Allows, with its
// prefix: the read scope of the path's family for a GET, the manage scope
// otherwise, of the actor's type.
func RequiredScope(a casemgr.Actor, method, path string) string {
	level := "manage"
	if method == http.MethodGet || method == http.MethodHead {
		level = "read"
	}
	name := "core." + ScopeFamily(path) + "." + level
	if a.IsClient() {
		name = "app." + name
	}
	return ScopePrefix + name
}
