// Package auth authenticates the callers of the casemgr API: it issues and
// checks OAuth 2.0 tokens (RFC 6749) for users (password grant) and client
// applications (client credentials grant), rotates refresh tokens, revokes
// them (RFC 7009), and logs users out.
//
// Tokens are opaque random strings. The database keeps only their SHA-256,
// next to the login session they belong to, so every server process that
// shares the database accepts every token and a revocation takes effect in
// all of them at once. There is no per-process signing key to distribute or
// rotate.
//
// A login session is the unit of revocation: revoking an access or a
// refresh token, or logging out, ends the session, and with it every token
// it holds. A user is logged in while one of their sessions lives.
//
// Refresh tokens are single-use. casemgr.Tx has no call that deletes or
// expires one token, so using a refresh token records a tombstone token
// (see rotatedKey) under a key derived from its hash; a refresh token with
// a tombstone is refused, and presenting it again is taken as a sign that
// it was stolen: the session is ended (OAuth 2.0 Security BCP, refresh
// token reuse detection).
//
// Failed password logins and failed client authentications are limited per
// user name, per client ID and per client address. The counts are kept in
// the database, so the limit holds across every server process on it.
//
// A client application allowed to (ClientApp.OnBehalfOf) may obtain a
// token on behalf of a user, without the user's password: the token acts
// as the user, has no refresh token, and its session does not make the
// user logged in. Every token carries scopes (read or manage, of the case
// and of the customer API), which Allows enforces.
package auth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Defaults of the token lifetimes.
const (
	// DefaultAccessTTL is how long an access token works (docs/api.md,
	// Authentication).
	DefaultAccessTTL = time.Hour
	// DefaultRefreshTTL is how long a login session lives without a
	// refresh; each refresh moves its end this far ahead.
	DefaultRefreshTTL = 24 * time.Hour
)

// Service issues and checks tokens. Create it with New, or as a struct
// literal with at least Store set: zero fields mean their defaults. Change
// fields only before the Service is first used; it is then safe for
// concurrent use.
type Service struct {
	// Store is where sessions and tokens live.
	Store casemgr.Store
	// AccessTTL is the lifetime of an access token (default 1h). An access
	// token never outlives its session.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a login session and of its refresh
	// token, counted from the login or the last refresh (default 24h).
	RefreshTTL time.Duration
	// Now tells the time (default time.Now); tests set it.
	Now func() time.Time

	// MaxUserFailures failed password logins for one user name within
	// FailureWindow lock that name until the window ends (default 10; a
	// negative value disables the limit).
	MaxUserFailures int
	// MaxAddressFailures failed password logins from one client address
	// within FailureWindow lock that address until the window ends
	// (default 30; a negative value disables the limit).
	MaxAddressFailures int
	// MaxClientFailures failed client authentications of one client ID
	// within FailureWindow lock that client ID until the window ends
	// (default 10; a negative value disables the limit). Failed client
	// authentications also count against the address, with failed logins.
	MaxClientFailures int
	// FailureWindow is the window of the failure counts (default 1m).
	FailureWindow time.Duration
	// ClientAddress names the client address of a request for the
	// limiter (default: the host of r.RemoteAddr). Set it when the server
	// runs behind a proxy that it trusts to report the client's address.
	ClientAddress func(r *http.Request) string

	// WriteError writes an error in the eGain form of the API (the
	// logout errors, 429, 405 and 500). The default writes
	// {"code","developerMessage"} in JSON; the HTTP layer may set one that
	// localizes and negotiates XML. Headers already set (Retry-After,
	// WWW-Authenticate) must be kept.
	WriteError func(w http.ResponseWriter, r *http.Request, err *casemgr.Error)
	// Logger receives internal errors (default slog.Default()).
	Logger *slog.Logger

	// PublicURL is the base URL clients reach the server at (scheme,
	// host and port, no path), from which the metadata documents derive
	// their URLs; empty means http://localhost.
	PublicURL string

	// AuthCacheBound is how long a verified access token is used without
	// reading the database again (cache.go): the longest a revocation, a
	// logout or a change of the user's rights committed by another process
	// can go unseen. 0 means DefaultAuthCacheBound (1 s), a negative value
	// turns the cache off; it is never longer than the default.
	AuthCacheBound time.Duration

	tokens tokenCache
}

// New returns a Service on store with every default set.
func New(store casemgr.Store) *Service {
	return &Service{
		Store:              store,
		AccessTTL:          DefaultAccessTTL,
		RefreshTTL:         DefaultRefreshTTL,
		Now:                time.Now,
		MaxUserFailures:    DefaultMaxUserFailures,
		MaxAddressFailures: DefaultMaxAddressFailures,
		MaxClientFailures:  DefaultMaxClientFailures,
		FailureWindow:      DefaultFailureWindow,
	}
}

// now is the current time as the store keeps it: UTC, whole milliseconds.
// Truncating here means the expiry a client is told matches the stored one.
func (s *Service) now() time.Time {
	f := s.Now
	if f == nil {
		f = time.Now
	}
	return f().UTC().Truncate(time.Millisecond)
}

func (s *Service) accessTTL() time.Duration {
	if s.AccessTTL > 0 {
		return s.AccessTTL
	}
	return DefaultAccessTTL
}

func (s *Service) refreshTTL() time.Duration {
	if s.RefreshTTL > 0 {
		return s.RefreshTTL
	}
	return DefaultRefreshTTL
}

func (s *Service) failureWindow() time.Duration {
	if s.FailureWindow > 0 {
		return s.FailureWindow
	}
	return DefaultFailureWindow
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// Authenticate checks the value of an Authorization header and returns the
// actor it stands for: a user (Actor.User) or a client application
// (Actor.Client), with Actor.Session set. It reads the database once, or
// not at all for a token verified less than AuthCacheBound ago (cache.go):
// a session revoked, or a user's rights changed, by this process is seen
// at once, by another one within that bound (on PostgreSQL, usually as
// soon as its notification arrives).
//
// A missing or empty header is a casemgr.CodeMissingAuth error. Anything
// else that is not "Bearer <access token>" of a live session whose user or
// client still exists is casemgr.CodeInvalidToken: a malformed header, an
// unknown, expired or revoked token, or a refresh token. Failures of the
// store are returned as they are.
func (s *Service) Authenticate(ctx context.Context, authorization string) (casemgr.Actor, error) {
	authorization = strings.TrimSpace(authorization)
	if authorization == "" {
		return casemgr.Actor{}, casemgr.E(casemgr.CodeMissingAuth)
	}
	token, ok := bearerToken(authorization)
	if !ok {
		return casemgr.Actor{}, casemgr.E(casemgr.CodeInvalidToken)
	}
	now := s.now()
	hash := HashToken(token)
	if a, ok := s.cached(hash, now); ok {
		return a, nil
	}
	before := s.beforeRead()
	var actor casemgr.Actor
	var expires time.Time
	err := s.Store.Read(ctx, func(tx casemgr.Tx) error {
		tok, err := tx.Token(hash)
		if err != nil {
			return err
		}
		if tok == nil || tok.Kind != KindAccess || !tok.Expires.After(now) {
			return casemgr.E(casemgr.CodeInvalidToken)
		}
		sess, err := tx.Session(tok.Session)
		if err != nil {
			return err
		}
		if sess == nil || !sess.Live(now) {
			return casemgr.E(casemgr.CodeInvalidToken)
		}
		a, err := sessionActor(tx, sess)
		if err != nil {
			return err
		}
		if a == nil {
			return casemgr.E(casemgr.CodeInvalidToken)
		}
		actor = *a
		expires = tok.Expires
		if sess.Expires.Before(expires) {
			expires = sess.Expires
		}
		return nil
	})
	if err != nil {
		return casemgr.Actor{}, err
	}
	s.keep(hash, before, actor, expires)
	return actor, nil
}

// sessionActor loads who a session belongs to, nil when they no longer
// exist (a fixture reset may remove users while tokens are out).
func sessionActor(tx casemgr.Tx, sess *casemgr.Session) (*casemgr.Actor, error) {
	if sess.User != 0 {
		u, err := tx.User(sess.User)
		if err != nil || u == nil {
			return nil, err
		}
		return &casemgr.Actor{User: u, Session: sess.ID, Scopes: sess.Scopes}, nil
	}
	if sess.ClientID == "" {
		return nil, nil
	}
	c, err := tx.ClientApp(sess.ClientID)
	if err != nil || c == nil {
		return nil, err
	}
	return &casemgr.Actor{Client: c, Session: sess.ID, Scopes: sess.Scopes}, nil
}

// bearerToken extracts the token of "Bearer <token>" (RFC 6750 2.1; the
// scheme is case-insensitive). Only tokens of the shape this package issues
// are returned, so garbage costs no database read.
func bearerToken(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token := strings.TrimLeft(rest, " ")
	if !wellFormed(token) {
		return "", false
	}
	return token, true
}
