// Package httpapi is the wire protocol of casemgr: the routes of the eGain
// Case Management API v3, content negotiation (JSON and XML, 15 locales),
// the eGain error body, and the administration endpoints.
package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/i18n"
	"github.com/casemgr/casemgr/internal/metrics"
)

// DefaultMaxBody is the default limit of a request body.
const DefaultMaxBody = 1 << 20

// Server serves the API over a Service.
type Server struct {
	Service *casemgr.Service
	Auth    *auth.Service
	// AdminToken enables the administration endpoints; empty disables them.
	AdminToken string
	// HashSecret hashes passwords and secrets of loaded fixtures.
	HashSecret func(string) (string, error)
	Logger     *slog.Logger
	// MaxBody limits request bodies; 0 means DefaultMaxBody.
	MaxBody int64
	// MaxAttachment limits uploaded attachments; 0 means 10 MiB.
	MaxAttachment int64
	// Metrics records requests and refusals; nil records nothing.
	Metrics *metrics.Metrics
	// CORSOrigins are the origins (scheme://host[:port]) whose browser
	// pages may call the API; none when empty.
	CORSOrigins []string

	// routes are the patterns Handler registered, in order (routemux.go).
	routes []string
}

func (s *Server) store() casemgr.Store { return s.Service.Store }

func (s *Server) maxBody() int64 {
	if s.MaxBody > 0 {
		return s.MaxBody
	}
	return DefaultMaxBody
}

func (s *Server) maxAttachment() int64 {
	if s.MaxAttachment > 0 {
		return s.MaxAttachment
	}
	return 10 << 20
}

type ctxKey struct{}

// reqCtx is what the middleware learned about a request.
type reqCtx struct {
	id          string
	locale      string
	xml         bool
	userMessage bool
	actor       casemgr.Actor
	// authenticated is set once actor is known; the request's logger
	// then carries it.
	authenticated bool
	// base is the server's logger; logger the request's, made from it on
	// first use (requestLogger): most requests log nothing but their
	// access line, which does not use it.
	base   *slog.Logger
	logger *slog.Logger
}

// requestLogger is the logger of the request: the server's with the
// request's ID and, once authenticated, its actor. It is made on first
// use, not for every request.
func (rc *reqCtx) requestLogger() *slog.Logger {
	if rc.logger == nil && rc.base != nil {
		rc.logger = rc.base.With("request_id", rc.id)
		if rc.authenticated {
			rc.logger = rc.logger.With("actor", rc.actor.String())
		}
	}
	return rc.logger
}

func ctxOf(r *http.Request) *reqCtx {
	if rc, ok := r.Context().Value(ctxKey{}).(*reqCtx); ok {
		return rc
	}
	return &reqCtx{locale: i18n.Default}
}

func (s *Server) log(r *http.Request) *slog.Logger {
	if l := ctxOf(r).requestLogger(); l != nil {
		return l
	}
	return s.logger()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// outer gives every request an id, a logger that carries it, a recovered
// panic answered as 500-100, and one access-log line.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		rc := &reqCtx{id: id, locale: i18n.Default, base: s.logger()}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, rc))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(p)
				}
				rc.requestLogger().Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.writeError(sw, r, casemgr.Internal(fmt.Errorf("panic: %v", p)))
				}
			}
			s.accessLog(r, rc, sw, start)
		}()
		next.ServeHTTP(sw, r)
	})
}

// accessLog writes the one line of a request: its ID, method, route
// pattern, status, bytes sent, duration, actor, remote address and user
// agent. Probes of /healthz and /readyz are logged at debug level, so they
// don't drown the requests; 5xx at error level.
func (s *Server) accessLog(r *http.Request, rc *reqCtx, sw *statusWriter, start time.Time) {
	level := slog.LevelInfo
	switch {
	case sw.status >= 500:
		level = slog.LevelError
	case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
		level = slog.LevelDebug
	}
	route := r.Pattern // set by the mux on this request
	if route == "" || route == "/" {
		route = "unmatched"
	}
	// The server's logger, not the request's: that one carries the actor
	// already, and a JSON line must not repeat a key. Nothing is built when
	// the level is off (a server run at warn), and the attributes are not
	// boxed when it is on.
	l := s.logger()
	if !l.Enabled(r.Context(), level) {
		return
	}
	l.LogAttrs(r.Context(), level, "request", slog.String("request_id", rc.id), slog.String("method", r.Method),
		slog.String("route", route), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
		slog.Int("bytes", sw.bytes), slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		slog.String("actor", rc.actor.String()), slog.String("remote", r.RemoteAddr), slog.String("user_agent", r.UserAgent()))
}

// negotiate checks Accept and Accept-Language (406 otherwise) and notes the
// format, locale and whether userMessage is wanted.
func (s *Server) negotiate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := ctxOf(r)
		w.Header().Add("Vary", "Accept, Accept-Language")
		rc.userMessage = strings.EqualFold(strings.TrimSpace(r.Header.Get("X-egain-error-message")), "yes")
		xmlWanted, ok := acceptXML(r.Header.Get("Accept"))
		if !ok {
			s.writeError(w, r, errf(casemgr.CodeNotAcceptable, "value", r.Header.Get("Accept")))
			return
		}
		rc.xml = xmlWanted
		loc, ok := i18n.Negotiate(r.Header.Get("Accept-Language"))
		if !ok {
			w.Header().Set("Content-Language", i18n.Default)
			s.writeError(w, r, errf(casemgr.CodeInvalidLanguage, "value", r.Header.Get("Accept-Language")))
			return
		}
		rc.locale = loc
		w.Header().Set("Content-Language", loc)
		next.ServeHTTP(w, r)
	})
}

// acceptXML reads an Accept header: JSON (the default) or XML; anything
// else is not acceptable.
func acceptXML(h string) (xmlWanted bool, ok bool) {
	if strings.TrimSpace(h) == "" {
		return false, true
	}
	bestQ, found := -1.0, false
	for _, part := range strings.Split(h, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			if _, err := fmt.Sscanf(qs, "%g", &q); err != nil {
				continue
			}
		}
		if q <= 0 {
			continue
		}
		var isXML bool
		switch mt {
		case "application/json", "application/*", "*/*":
			isXML = false
		case "application/xml", "text/xml":
			isXML = true
		default:
			continue
		}
		if q > bestQ {
			bestQ, xmlWanted, found = q, isXML, true
		}
	}
	return xmlWanted, found
}

// authenticated requires a live access token.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := s.Auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		rc := ctxOf(r)
		rc.actor, rc.authenticated = actor, true
		if rc.logger != nil {
			// Made before: it gets the actor as it would have.
			rc.logger = rc.logger.With("actor", actor.String())
		}
		if !auth.Allows(actor, r.Method, r.URL.Path) {
			// The token's scopes, before anything of the request is
			// looked at: a read-only token changes nothing.
			s.writeError(w, r, errf(casemgr.CodeScopeInsufficient, "scope", auth.RequiredScope(actor, r.Method, r.URL.Path)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// api wraps an API handler: negotiation, authentication, then the check
// of the path's text.
func (s *Server) api(h http.HandlerFunc) http.Handler {
	return s.negotiate(s.authenticated(s.storablePath(h)))
}

// errorHandler is a handler that returns its error instead of writing it,
// so that a handler reads as its happy path and one adapter, handle, writes
// every refusal.
type errorHandler func(w http.ResponseWriter, r *http.Request) error

// handle adapts an errorHandler: a returned error is written as the eGain
// error body of its code (writeError), in the request's format and language.
func (s *Server) handle(h errorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// storablePath refuses a path whose decoded text no engine stores (a NUL,
// invalid UTF-8) as an invalid ID (400-108): the routes' literal segments
// are plain text, so the bad text is in a path value, an ID or altId that
// would otherwise reach the database.
func (s *Server) storablePath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Each segment, as strings.Split(path, "/") gives them, without
		// the list.
		for rest, more := r.URL.Path, true; more; {
			var seg string
			seg, rest, more = strings.Cut(rest, "/")
			if !casemgr.StorableText(seg) {
				s.writeError(w, r, errf(casemgr.CodeInvalidID, "value", brief(seg)))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// headerText reads a request header whose value reaches the database: a
// value no engine stores (a NUL, invalid UTF-8) is 400-152 naming the
// header, as the other invalid header values are (an Idempotency-Key too
// long, an upload's malformed Content-Type).
func headerText(r *http.Request, name string) (string, error) {
	v := r.Header.Get(name)
	if !casemgr.StorableText(v) {
		return "", errf(casemgr.CodeInvalidValue, "name", name, "value", brief(v))
	}
	return v, nil
}

// readBody reads a JSON or XML request body into a tree, within the size
// limit. It returns the tree, the XML root element name ("" for JSON) and
// the raw bytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (any, string, []byte, error) {
	ct := r.Header.Get("Content-Type")
	mt := "application/json"
	if ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, "", nil, errf(casemgr.CodeUnsupportedMediaType, "value", ct)
		}
	}
	isXML := false
	switch mt {
	case "application/json":
	case "application/xml", "text/xml":
		isXML = true
	default:
		return nil, "", nil, errf(casemgr.CodeUnsupportedMediaType, "value", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody()))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", nil, errf(casemgr.CodeBodyTooLarge, "max", fmt.Sprint(s.maxBody()))
		}
		return nil, "", nil, errf(casemgr.CodeMalformedBody, "reason", "the body could not be read")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, "", nil, errf(casemgr.CodeBodyRequired)
	}
	if isXML {
		root, tree, err := decodeXML(body)
		return tree, root, body, err
	}
	tree, err := decodeJSON(body)
	return tree, "", body, err
}

// checkParams enforces strict query parameters: unknown names are 400-101;
// a parameter given twice, a value that is not storable text (a NUL,
// invalid UTF-8) and a query string that does not parse are 400-102. Every
// handler calls it first, so no parameter reaches the engines unchecked.
func checkParams(r *http.Request, allowed ...string) error {
	if r.URL.RawQuery == "" {
		return nil // no parameter: nothing to parse
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// r.URL.Query() would drop the malformed pair silently.
		return errf(casemgr.CodeUnsupportedParamValue, "name", "query", "value", brief(r.URL.RawQuery))
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := q[name]
		ok := false
		for _, a := range allowed {
			// "custom.*" admits every custom.<name>.
			if prefix, wild := strings.CutSuffix(a, "*"); a == name || wild && len(name) > len(prefix) && strings.HasPrefix(name, prefix) {
				ok = true
			}
		}
		if !ok || !casemgr.StorableText(name) {
			return errf(casemgr.CodeUnsupportedParam, "name", brief(name))
		}
		if len(vals) > 1 {
			return errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", brief(strings.Join(vals, ",")))
		}
		if !casemgr.StorableText(vals[0]) {
			return errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", brief(vals[0]))
		}
	}
	return nil
}

// yesParam reads a parameter that accepts only "yes".
func yesParam(r *http.Request, name string) (bool, error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return false, nil
	}
	if v := q.Get(name); v != "yes" {
		return false, errf(casemgr.CodeUnsupportedParamValue, "name", name, "value", v)
	}
	return true, nil
}

// adminOnly guards the administration endpoints with the admin token; they
// do not exist when no token is configured.
func (s *Server) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.AdminToken == "" {
			s.writeError(w, r, errf(casemgr.CodeNoSuchRoute))
			return
		}
		h := r.Header.Get("Authorization")
		tok, found := strings.CutPrefix(h, "Bearer ")
		if !found || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="casemgr-admin"`)
			s.writeError(w, r, errf(casemgr.CodeInvalidToken))
			return
		}
		next.ServeHTTP(w, r)
	})
}
