package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// MaxBodyBytes limits the body of the token and revocation requests; a form
// of a few parameters never comes near it.
const MaxBodyBytes = 64 << 10

// tokenResponse is the answer of the token endpoint (RFC 6749 5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// TokenHandler serves POST /core/authmgr/v3/oauth2/token (RFC 6749), a
// form-encoded request with grant_type:
//
//   - client_credentials: the client's credentials (client_id and
//     client_secret in the body, or HTTP Basic, not both) give a client
//     application token; no refresh token.
//   - password: username and password start a new login session and give an
//     access and a refresh token. Client credentials are optional; when
//     sent they must be valid, and the session is issued to that client.
//     Failed attempts are rate-limited per user name and client address
//     (429 with Retry-After).
//   - refresh_token: a live refresh token gives a new access and refresh
//     token and moves the session's end RefreshTTL ahead; the old refresh
//     token stops working. A refresh token issued to a client must be
//     presented with that client's credentials (RFC 6749 6).
//
// Protocol errors are answered in the RFC 6749 form, 400 or 401
// (invalid_client); 405, 429 and 500 in the eGain form.
func (s *Service) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			s.methodNotAllowed(w, r, http.MethodPost)
			return
		}
		force, err := forceLoginQuery(r.URL.Query())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		form, err := readForm(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		creds, err := clientCredentials(r, form)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var resp *tokenResponse
		switch grant := form.Get("grant_type"); grant {
		case "":
			err = badRequest("grant_type is required")
		case "client_credentials":
			resp, err = s.clientCredentialsGrant(r, form, creds)
		case "password":
			if onBehalf(form) {
				resp, err = s.onBehalfGrant(r, form, creds)
				break
			}
			resp, err = s.passwordGrant(r, form, creds, force)
		case "refresh_token":
			resp, err = s.refreshGrant(r, form, creds)
		default:
			err = &oauthError{status: http.StatusBadRequest, code: errUnsupportedGrantType,
				desc: "grant_type must be client_credentials, password or refresh_token"}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}

// RevokeHandler serves POST /core/authmgr/v3/oauth2/revoke (RFC 7009): the
// form parameter token (an access or a refresh token; token_type_hint is
// accepted and not needed, since both kinds are found by their hash) ends
// the whole session it belongs to, so every token of the session stops
// working at once. As RFC 7009 2.1 says, a token issued to a client
// application (a client-credentials token, or a user's token obtained with
// client credentials) is revoked only by that client, authenticated:
// without client authentication the answer is 401 invalid_client, by
// another client 400 unauthorized_client, and the token keeps working. A
// token issued without client credentials may be revoked by anyone who
// holds it. An Authorization header of another scheme than Basic (the
// Bearer header a generated client sends everywhere) is ignored. An
// unknown, expired or already revoked token is answered 200, as RFC 7009
// 2.2 says.
func (s *Service) RevokeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			s.methodNotAllowed(w, r, http.MethodPost)
			return
		}
		if err := s.revoke(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		w.WriteHeader(http.StatusOK)
	})
}

// LogoutHandler serves DELETE /core/authmgr/v3/user/logout: the session of
// the access token in "Authorization: Bearer <token>" ends, with every token
// it holds, and the user is no longer logged in unless another session of
// theirs lives. It answers 204; a missing or invalid token is a 401 in the
// eGain form (401-104, 401-101).
func (s *Service) LogoutHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodDelete {
			s.methodNotAllowed(w, r, http.MethodDelete)
			return
		}
		actor, err := s.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			s.failBearer(w, r, err)
			return
		}
		now := s.now()
		err = s.Store.Write(r.Context(), func(tx casemgr.Tx) error {
			sess, err := tx.Session(actor.Session)
			if err != nil || sess == nil || !sess.Live(now) {
				// Ended meanwhile by another request: the
				// logout has happened either way.
				return err
			}
			return tx.RevokeSession(sess.ID, now)
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// failBearer answers an authentication failure of a Bearer-protected
// resource with the eGain error and the challenge of RFC 6750 3.
func (s *Service) failBearer(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case casemgr.IsCode(err, casemgr.CodeMissingAuth):
		w.Header().Set("WWW-Authenticate", `Bearer realm="casemgr"`)
	case casemgr.IsCode(err, casemgr.CodeInvalidToken):
		w.Header().Set("WWW-Authenticate", `Bearer realm="casemgr", error="invalid_token"`)
	}
	s.fail(w, r, err)
}

func (s *Service) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	s.writeError(w, r, casemgr.E(casemgr.CodeMethodNotAllowed, "method", r.Method))
}

// forceLoginQuery checks the query of the token endpoint: it may hold
// forceLogin=yes and nothing else (credentials in the URL end up in logs,
// and RFC 6749 2.3.1 forbids them there). forceLogin=yes lets a password
// login end the user's oldest session when they hold as many as the world
// allows.
func forceLoginQuery(q url.Values) (bool, error) {
	force := false
	for k, v := range q {
		if k != "forceLogin" {
			return false, badRequest("parameters must be sent in the form body, not in the URL (the query takes forceLogin=yes only)")
		}
		if len(v) != 1 || v[0] != "yes" {
			return false, badRequest("forceLogin takes the value yes only")
		}
		force = true
	}
	return force, nil
}

// readForm reads the form body of a token or revocation request (its query
// is checked by the caller). It is strict: none of its parameters may be
// repeated (RFC 6749 3.2).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, badRequest("the Content-Type must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &oauthError{status: http.StatusRequestEntityTooLarge, code: errInvalidRequest,
				desc: "the request body is larger than 64 KiB"}
		}
		return nil, badRequest("the request body could not be read")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badRequest("the form body is malformed")
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, badRequest("parameter " + k + " is repeated")
		}
	}
	return form, nil
}

// credentials are the client credentials a request sent.
type credentials struct {
	id, secret string
	// given is set when the request tried to authenticate a client.
	given bool
	// basic is set when it did so with HTTP Basic.
	basic bool
}

// clientCredentials takes the client credentials from HTTP Basic or from
// the body (RFC 6749 2.3.1). Sending both is ambiguous and refused. Basic
// user and password are form-encoded by the client, as the RFC says. Only
// the shape is checked here; the secret is checked by authenticateClient.
func clientCredentials(r *http.Request, form url.Values) (credentials, error) {
	return readCredentials(r, form, false)
}

// readCredentials is clientCredentials; with ignoreOtherSchemes, an
// Authorization header of another scheme than Basic is ignored rather than
// refused: the revocation endpoint gets the Bearer header that generated
// clients send with every request, and that header says nothing about who
// the client is.
func readCredentials(r *http.Request, form url.Values, ignoreOtherSchemes bool) (credentials, error) {
	_, idInBody := form["client_id"]
	_, secretInBody := form["client_secret"]
	h := r.Header.Get("Authorization")
	if scheme, _, _ := strings.Cut(strings.TrimSpace(h), " "); ignoreOtherSchemes && !strings.EqualFold(scheme, "Basic") {
		h = ""
	}
	if h != "" {
		if idInBody || secretInBody {
			return credentials{}, badRequest("client credentials were sent both with HTTP Basic and in the body")
		}
		scheme, _, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Basic") {
			return credentials{}, badClient("clients authenticate with HTTP Basic or client_id and client_secret in the body", true)
		}
		rawID, rawSecret, ok := r.BasicAuth()
		if !ok {
			return credentials{}, badClient("the HTTP Basic credentials are malformed", true)
		}
		id, err1 := url.QueryUnescape(rawID)
		secret, err2 := url.QueryUnescape(rawSecret)
		if err1 != nil || err2 != nil || id == "" {
			return credentials{}, badClient("the HTTP Basic credentials are malformed", true)
		}
		return credentials{id: id, secret: secret, given: true, basic: true}, nil
	}
	if !idInBody && !secretInBody {
		return credentials{}, nil
	}
	c := credentials{id: form.Get("client_id"), secret: form.Get("client_secret"), given: true}
	if c.id == "" || c.secret == "" {
		return credentials{}, badClient("client_id and client_secret must be sent together", false)
	}
	return c, nil
}

// authenticateClient checks client credentials. An unknown client costs a
// bcrypt comparison like a known one, so that timing does not reveal which
// client IDs exist. Failures count in the limiter per client ID and per
// address, like failed user logins, so that secrets cannot be guessed at
// speed; a locked client ID or address is refused (429) before its secret
// is looked at. A success clears the count of the client ID.
func (s *Service) authenticateClient(r *http.Request, c credentials) (*casemgr.ClientApp, error) {
	ctx, now := r.Context(), s.now()
	clientKey := limitKey("client", c.id)
	g, err := s.checkLimits(ctx, now,
		limit{key: clientKey, max: orDefault(s.MaxClientFailures, DefaultMaxClientFailures)},
		s.addressLimit(r))
	if err != nil {
		return nil, err
	}
	var app *casemgr.ClientApp
	err = s.Store.Read(ctx, func(tx casemgr.Tx) error {
		var err error
		app, err = tx.ClientApp(c.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	ok := false
	if app == nil {
		burnComparison(c.secret)
	} else {
		ok = CheckSecret(app.SecretHash, c.secret)
	}
	if !ok {
		if err := s.countFailure(ctx, now, g); err != nil {
			return nil, err
		}
		return nil, badClient("client authentication failed", c.basic)
	}
	if err := s.clearFailures(ctx, g, clientKey); err != nil {
		return nil, err
	}
	return app, nil
}

// addressLimit is the limiter's counter of the request's client address,
// shared by failed user logins and failed client authentications.
func (s *Service) addressLimit(r *http.Request) limit {
	return limit{key: limitKey("addr", s.clientAddress(r)), max: orDefault(s.MaxAddressFailures, DefaultMaxAddressFailures)}
}

// clientCredentialsGrant gives a client application an access token. Its
// session lasts as long as the token: with no refresh token there is
// nothing to extend it.
func (s *Service) clientCredentialsGrant(r *http.Request, form url.Values, c credentials) (*tokenResponse, error) {
	ctx := r.Context()
	if !c.given {
		return nil, badClient("client credentials are required", false)
	}
	app, err := s.authenticateClient(r, c)
	if err != nil {
		return nil, err
	}
	scopes, err := grantScopes(form.Get("scope"), true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess := &casemgr.Session{
		ID:       newSessionID(),
		ClientID: app.ClientID,
		Created:  now,
		Expires:  now.Add(s.accessTTL()),
		Scopes:   scopes,
	}
	var resp *tokenResponse
	err = s.Store.Write(ctx, func(tx casemgr.Tx) error {
		if a, err := tx.ClientApp(app.ClientID); err != nil || a == nil {
			if err == nil {
				err = badClient("client authentication failed", c.basic)
			}
			return err
		}
		if err := tx.InsertSession(sess); err != nil {
			return err
		}
		var err error
		resp, err = s.issue(tx, sess, now, false)
		return err
	})
	return resp, err
}

// passwordGrant logs a user in. The limiter is consulted before anything
// else, so a locked name or address costs no bcrypt run and reveals
// nothing about the password; only wrong passwords and unknown names count
// as failures.
//
// When the world limits the sessions of a user (Settings.MaxSessionsPerUser)
// and the user holds as many live login sessions, the login is refused
// (invalid_grant), or with force (forceLogin=yes) the oldest sessions end to
// make room. Counting and inserting happen under a lock of the user
// (casemgr.Tx.UserSessions), so concurrent logins in any number of
// processes never exceed the limit.
func (s *Service) passwordGrant(r *http.Request, form url.Values, c credentials, force bool) (*tokenResponse, error) {
	ctx := r.Context()
	username, password := form.Get("username"), form.Get("password")
	if username == "" {
		return nil, badRequest("username is required")
	}
	if password == "" {
		return nil, badRequest("password is required")
	}
	scopes, err := grantScopes(form.Get("scope"), false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	userKey := limitKey("user", username)
	g, err := s.checkLimits(ctx, now,
		limit{key: userKey, max: orDefault(s.MaxUserFailures, DefaultMaxUserFailures)},
		s.addressLimit(r))
	if err != nil {
		return nil, err
	}
	var clientID string
	if c.given {
		app, err := s.authenticateClient(r, c)
		if err != nil {
			return nil, err
		}
		clientID = app.ClientID
	}
	var user *casemgr.User
	err = s.Store.Read(ctx, func(tx casemgr.Tx) error {
		var err error
		user, err = tx.UserByName(username)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The bcrypt run happens outside any transaction: it is slow on
	// purpose and must not hold database resources.
	ok := false
	if user == nil {
		burnComparison(password)
	} else {
		ok = CheckSecret(user.PasswordHash, password)
	}
	if !ok {
		if err := s.countFailure(ctx, now, g); err != nil {
			return nil, err
		}
		return nil, badGrant("the user name or password is wrong")
	}
	if err := s.clearFailures(ctx, g, userKey); err != nil {
		return nil, err
	}
	sess := &casemgr.Session{
		ID:       newSessionID(),
		User:     user.ID,
		ClientID: clientID,
		Created:  now,
		Expires:  now.Add(s.refreshTTL()),
		Scopes:   scopes,
	}
	var resp *tokenResponse
	err = s.Store.Write(ctx, func(tx casemgr.Tx) error {
		// The user may have been removed since the check.
		if u, err := tx.User(user.ID); err != nil || u == nil {
			if err == nil {
				err = badGrant("the user name or password is wrong")
			}
			return err
		}
		if err := makeRoom(tx, user.ID, now, force); err != nil {
			return err
		}
		if err := tx.InsertSession(sess); err != nil {
			return err
		}
		var err error
		resp, err = s.issue(tx, sess, now, true)
		return err
	})
	return resp, err
}

// makeRoom enforces the session limit before a login of user: with the
// limit reached, the login is refused, or with force the oldest sessions
// end so that the new one is within the limit.
func makeRoom(tx casemgr.Tx, user casemgr.ID, now time.Time, force bool) error {
	settings, err := tx.Settings()
	if err != nil || settings.MaxSessionsPerUser <= 0 {
		return err
	}
	live, err := tx.UserSessions(user, now, true)
	if err != nil {
		return err
	}
	excess := len(live) - settings.MaxSessionsPerUser + 1
	if excess <= 0 {
		return nil
	}
	if !force {
		return badGrant(fmt.Sprintf("too many sessions: the user holds %d, the most allowed; log in with forceLogin=yes to end the oldest",
			len(live)))
	}
	for _, old := range live[:excess] {
		if err := tx.RevokeSession(old.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// errReused reports a refresh token presented after it was used.
var errReused = badGrant("the refresh token was already used; its session has been ended")

// refreshGrant rotates a refresh token. The use is recorded by a tombstone
// token (rotatedKey) inserted in the same transaction as the new tokens; if
// two requests race with one refresh token, the tombstone's primary key
// lets only one commit, and the retry of the other finds the tombstone.
func (s *Service) refreshGrant(r *http.Request, form url.Values, c credentials) (*tokenResponse, error) {
	ctx := r.Context()
	token := form.Get("refresh_token")
	if token == "" {
		return nil, badRequest("refresh_token is required")
	}
	var app *casemgr.ClientApp
	if c.given {
		var err error
		if app, err = s.authenticateClient(r, c); err != nil {
			return nil, err
		}
	}
	if !wellFormed(token) {
		return nil, badGrant("the refresh token is invalid")
	}
	if _, err := grantScopes(form.Get("scope"), false); err != nil {
		return nil, err
	}
	hash := HashToken(token)
	var resp *tokenResponse
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		resp, err = s.rotate(ctx, hash, app, c, form.Get("scope"))
		var oe *oauthError
		if err == nil || errors.As(err, &oe) {
			break
		}
	}
	return resp, err
}

// rotate is one attempt of refreshGrant.
func (s *Service) rotate(ctx context.Context, hash string, app *casemgr.ClientApp, c credentials, scope string) (*tokenResponse, error) {
	now := s.now()
	var resp *tokenResponse
	reused := false
	err := s.Store.Write(ctx, func(tx casemgr.Tx) error {
		resp, reused = nil, false
		tok, err := tx.Token(hash)
		if err != nil {
			return err
		}
		if tok == nil || tok.Kind != KindRefresh {
			return badGrant("the refresh token is invalid")
		}
		sess, err := tx.Session(tok.Session)
		if err != nil {
			return err
		}
		if sess == nil {
			return badGrant("the refresh token is invalid")
		}
		tomb, err := tx.Token(rotatedKey(hash))
		if err != nil {
			return err
		}
		if tomb != nil {
			// Either the client lost the answer of its refresh
			// or someone else holds a copy of the token; the
			// two cannot be told apart, so the session ends and
			// the user logs in again (Security BCP 4.14.2).
			reused = true
			if sess.Live(now) {
				return tx.RevokeSession(sess.ID, now)
			}
			return nil
		}
		if !tok.Expires.After(now) || !sess.Live(now) {
			return badGrant("the refresh token has expired or its session has ended")
		}
		switch {
		case sess.ClientID != "" && app == nil:
			return badClient("this refresh token was issued to a client: authenticate as that client", c.basic)
		case app != nil && app.ClientID != sess.ClientID:
			return badGrant("the refresh token was not issued to this client")
		}
		actor, err := sessionActor(tx, sess)
		if err != nil {
			return err
		}
		if actor == nil {
			return badGrant("the user of the refresh token no longer exists")
		}
		if err := withinGranted(scope, sess.Scopes); err != nil {
			return err
		}
		if err := tx.InsertToken(&casemgr.Token{
			Hash: rotatedKey(hash), Session: sess.ID, Kind: KindRefresh, Expires: tok.Expires,
		}); err != nil {
			return err
		}
		sess.Expires = now.Add(s.refreshTTL())
		if err := tx.ExtendSession(sess.ID, sess.Expires); err != nil {
			return err
		}
		resp, err = s.issue(tx, sess, now, true)
		return err
	})
	if err == nil && reused {
		return nil, errReused
	}
	return resp, err
}

// issue stores a new access token, and a refresh token when asked, for a
// session stored in tx. The access token ends with the session at the
// latest; the refresh token ends with it.
func (s *Service) issue(tx casemgr.Tx, sess *casemgr.Session, now time.Time, refresh bool) (*tokenResponse, error) {
	access, accessHash := newToken()
	expires := now.Add(s.accessTTL())
	if sess.Expires.Before(expires) {
		expires = sess.Expires
	}
	if err := tx.InsertToken(&casemgr.Token{Hash: accessHash, Session: sess.ID, Kind: KindAccess, Expires: expires}); err != nil {
		return nil, err
	}
	scopes := sess.Scopes
	if scopes == nil {
		scopes = UserScopes
		if sess.User == 0 {
			scopes = ClientScopes
		}
	}
	resp := &tokenResponse{
		AccessToken: access,
		TokenType:   "Bearer",
		ExpiresIn:   int64(expires.Sub(now) / time.Second),
		Scope:       scopeParam(scopes),
	}
	if refresh {
		token, hash := newToken()
		if err := tx.InsertToken(&casemgr.Token{Hash: hash, Session: sess.ID, Kind: KindRefresh, Expires: sess.Expires}); err != nil {
			return nil, err
		}
		resp.RefreshToken = token
	}
	return resp, nil
}

// revoke carries out a revocation request.
func (s *Service) revoke(w http.ResponseWriter, r *http.Request) error {
	if r.URL.RawQuery != "" {
		return badRequest("parameters must be sent in the form body, not in the URL")
	}
	form, err := readForm(w, r)
	if err != nil {
		return err
	}
	c, err := readCredentials(r, form, true)
	if err != nil {
		return err
	}
	token := form.Get("token")
	if token == "" {
		return badRequest("token is required")
	}
	var app *casemgr.ClientApp
	if c.given {
		if app, err = s.authenticateClient(r, c); err != nil {
			return err
		}
	}
	if !wellFormed(token) {
		return nil // not a token of ours: nothing to revoke
	}
	hash := HashToken(token)
	now := s.now()
	return s.Store.Write(r.Context(), func(tx casemgr.Tx) error {
		tok, err := tx.Token(hash)
		if err != nil || tok == nil {
			return err
		}
		sess, err := tx.Session(tok.Session)
		if err != nil || sess == nil || !sess.Live(now) {
			return err
		}
		// RFC 7009 2.1: a token issued to a (confidential) client
		// is revoked by that client only, authenticated.
		switch {
		case sess.ClientID != "" && app == nil:
			return badClient("this token was issued to a client: authenticate as that client to revoke it", false)
		case app != nil && sess.ClientID != "" && sess.ClientID != app.ClientID:
			return &oauthError{status: http.StatusBadRequest, code: errUnauthorizedClient,
				desc: "the token was issued to another client"}
		}
		return tx.RevokeSession(sess.ID, now)
	})
}

// clientAddress names the address failed logins are counted against.
func (s *Service) clientAddress(r *http.Request) string {
	if s.ClientAddress != nil {
		return s.ClientAddress(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
