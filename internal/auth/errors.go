package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
)

// OAuth 2.0 error codes (RFC 6749 5.2).
const (
	errInvalidRequest       = "invalid_request"
	errInvalidClient        = "invalid_client"
	errInvalidGrant         = "invalid_grant"
	errUnauthorizedClient   = "unauthorized_client"
	errUnsupportedGrantType = "unsupported_grant_type"
)

// oauthError is an error of the token and revocation endpoints, answered in
// the form of RFC 6749 5.2 rather than the eGain form, because OAuth client
// libraries expect it there.
type oauthError struct {
	status int
	code   string
	desc   string
	// basic asks for WWW-Authenticate: Basic, which RFC 6749 requires on a
	// 401 when the client tried HTTP Basic.
	basic bool
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

func badRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errInvalidRequest, desc: desc}
}

func badClient(desc string, basic bool) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: errInvalidClient, desc: desc, basic: basic}
}

func badGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: errInvalidGrant, desc: desc}
}

// rateLimited refuses a login attempt while the limiter is locked.
type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string { return "too many failed logins" }

// seconds is the wait rounded up to whole seconds, at least one, so that a
// client that waits as told is not refused again.
func (e *rateLimited) seconds() int {
	s := int((e.wait + time.Second - 1) / time.Second)
	return max(s, 1)
}

// fail answers a request with err: RFC 6749 errors in their form, the 429
// of the limiter and every other casemgr error in the eGain form, and
// anything else, after logging it, as a 500-100 that reveals nothing.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	var rl *rateLimited
	var ce *casemgr.Error
	switch {
	case errors.As(err, &oe):
		if oe.basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="casemgr"`)
		}
		writeJSON(w, oe.status, map[string]string{"error": oe.code, "error_description": oe.desc})
	case errors.As(err, &rl):
		n := strconv.Itoa(rl.seconds())
		w.Header().Set("Retry-After", n)
		s.writeError(w, r, casemgr.E(casemgr.CodeTooManyRequests, "seconds", n))
	case errors.As(err, &ce) && ce.Code != casemgr.CodeInternal:
		if httpstatus.Of(ce.Code) >= 500 {
			s.logger().ErrorContext(r.Context(), "auth: store failure", "err", err)
		}
		s.writeError(w, r, ce)
	default:
		s.logger().ErrorContext(r.Context(), "auth: internal error", "path", r.URL.Path, "err", err)
		s.writeError(w, r, casemgr.Internal(err))
	}
}

// writeError answers with an error in the eGain form.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, e *casemgr.Error) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if s.WriteError != nil {
		s.WriteError(w, r, e)
		return
	}
	status := httpstatus.Of(e.Code)
	if status == 0 {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, struct {
		Code             casemgr.Code `json:"code"`
		DeveloperMessage string       `json:"developerMessage"`
	}{e.Code, e.DeveloperMessage()})
}

// writeJSON answers with v in JSON. Every answer of this package carries
// credentials or is about them, so none may be cached (RFC 6749 5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
