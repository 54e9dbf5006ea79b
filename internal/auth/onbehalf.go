package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// onBehalf reports whether a password-grant request asks for a token on
// behalf of a subject (subject_username, subject_userid or subject_email)
// rather than logging a user in with their password.
func onBehalf(form url.Values) bool {
	for _, k := range []string{"subject_username", "subject_userid", "subject_email"} {
		if _, ok := form[k]; ok {
			return true
		}
	}
	return false
}

// errCustomerSubject refuses a customer as subject: casemgr has no
// customer actor.
var errCustomerSubject = &oauthError{status: http.StatusBadRequest, code: errUnsupportedGrantType,
	desc: "tokens on behalf of customers are not supported; name a user with subject_username or subject_userid"}

// onBehalfGrant gives a client application a token on behalf of a user:
// grant_type=password with the client's credentials and the subject
// (subject_username or subject_userid), without the user's password.
//
//   - OB5: a customer subject (subject_email) is unsupported_grant_type.
//   - OB2: exactly one of subject_username and subject_userid, and no
//     username or password: else invalid_request.
//   - OB1: the client's credentials are valid: else 401 invalid_client
//     (counted by the limiter like every client authentication).
//   - OB3: the client may act on behalf of users (ClientApp.OnBehalfOf):
//     else unauthorized_client.
//   - OB4: the subject user exists: else invalid_grant.
//
// The token's actor is the subject user, with their actions, permissions
// and licences, and the delegated scopes asked for (all by default). It
// has no refresh token; its session lasts as long as the access token,
// does not make the user logged in and does not count against the user's
// session limit. Revoke and logout end it like any session.
func (s *Service) onBehalfGrant(r *http.Request, form url.Values, c credentials) (*tokenResponse, error) {
	ctx := r.Context()
	if _, ok := form["subject_email"]; ok {
		return nil, errCustomerSubject
	}
	username, hasName := form["subject_username"]
	userid, hasID := form["subject_userid"]
	if hasName == hasID {
		return nil, badRequest("send exactly one of subject_username and subject_userid")
	}
	if (hasName && username[0] == "") || (hasID && userid[0] == "") {
		return nil, badRequest("the subject is empty")
	}
	for _, k := range []string{"username", "password"} {
		if _, ok := form[k]; ok {
			return nil, badRequest("a token on behalf of a user takes no " + k + ": the client's credentials stand for it")
		}
	}
	scopes, err := grantScopes(form.Get("scope"), false)
	if err != nil {
		return nil, err
	}
	if !c.given {
		return nil, badClient("client credentials are required", false)
	}
	app, err := s.authenticateClient(r, c)
	if err != nil {
		return nil, err
	}
	if !app.OnBehalfOf {
		return nil, &oauthError{status: http.StatusBadRequest, code: errUnauthorizedClient,
			desc: "this client application may not act on behalf of users"}
	}
	now := s.now()
	var resp *tokenResponse
	err = s.Store.Write(ctx, func(tx casemgr.Tx) error {
		resp = nil
		user, err := subject(tx, username, userid)
		if err != nil {
			return err
		}
		if user == nil {
			return badGrant("the subject user does not exist")
		}
		sess := &casemgr.Session{
			ID:       newSessionID(),
			User:     user.ID,
			ClientID: app.ClientID,
			Created:  now,
			Expires:  now.Add(s.accessTTL()),
			Scopes:   scopes,
			OnBehalf: true,
		}
		if err := tx.InsertSession(sess); err != nil {
			return err
		}
		resp, err = s.issue(tx, sess, now, false)
		return err
	})
	return resp, err
}

// subject finds the subject user by name or by ID; nil when none.
func subject(tx casemgr.Tx, username, userid []string) (*casemgr.User, error) {
	if len(username) > 0 {
		return tx.UserByName(username[0])
	}
	id, err := strconv.ParseInt(userid[0], 10, 64)
	if err != nil || id <= 0 {
		return nil, nil
	}
	return tx.User(id)
}

// OnBehalfHandler serves the on-behalf-of grant at the paths eGain's
// clients call, POST /core/authmgr/v4/oauth2/v2.0/onbehalfof/token (and
// its v3 form): the same form body as the token endpoint with
// grant_type=password and a subject, and a query that takes user_type=user
// (required; user_type=customer is unsupported_grant_type) and ignores
// tenantId and domain_hint. Only the on-behalf-of grant is served here.
func (s *Service) OnBehalfHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			s.methodNotAllowed(w, r, http.MethodPost)
			return
		}
		resp, err := s.onBehalfRequest(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})
}

func (s *Service) onBehalfRequest(w http.ResponseWriter, r *http.Request) (*tokenResponse, error) {
	q := r.URL.Query()
	for k, v := range q {
		if !slices.Contains([]string{"user_type", "tenantId", "domain_hint"}, k) {
			return nil, badRequest("unsupported query parameter " + k + " (the query takes user_type, tenantId and domain_hint)")
		}
		if len(v) > 1 {
			return nil, badRequest("parameter " + k + " is repeated")
		}
	}
	switch q.Get("user_type") {
	case "user":
	case "customer":
		return nil, errCustomerSubject
	case "":
		return nil, badRequest("user_type=user is required")
	default:
		return nil, badRequest("user_type must be user")
	}
	form, err := readForm(w, r)
	if err != nil {
		return nil, err
	}
	creds, err := clientCredentials(r, form)
	if err != nil {
		return nil, err
	}
	switch form.Get("grant_type") {
	case "":
		return nil, badRequest("grant_type is required")
	case "password":
	default:
		return nil, &oauthError{status: http.StatusBadRequest, code: errUnsupportedGrantType,
			desc: "grant_type must be password, with subject_username or subject_userid"}
	}
	if !onBehalf(form) {
		return nil, badRequest("send exactly one of subject_username and subject_userid")
	}
	return s.onBehalfGrant(r, form, creds)
}

// withinGranted checks the scope parameter of a refresh: it may name
// only scopes the session was granted (RFC 6749 6); the session keeps
// them all.
func withinGranted(param string, granted []string) error {
	if param == "" {
		return nil
	}
	asked, err := grantScopes(param, false)
	if err != nil {
		return err
	}
	for _, a := range asked {
		if granted != nil && !slices.Contains(granted, a) {
			return &oauthError{status: http.StatusBadRequest, code: errInvalidScope,
				desc: "scope " + a + " was not granted to this session"}
		}
	}
	return nil
}
