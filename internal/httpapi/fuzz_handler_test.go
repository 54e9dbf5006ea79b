package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// routePatterns reads the routes of routes.go ("METHOD /path/{id}"), so a
// new route is fuzzed without touching this file.
func routePatterns(tb testing.TB) []string {
	tb.Helper()
	raw, err := os.ReadFile("routes.go")
	if err != nil {
		tb.Fatal(err)
	}
	var routes []string
	for _, line := range strings.Split(string(raw), "\n") {
		i := strings.Index(line, "mux.Handle")
		if i < 0 {
			continue
		}
		q := strings.Index(line[i:], `"`)
		if q < 0 {
			continue
		}
		pattern, _, _ := strings.Cut(line[i+q+1:], `"`)
		if _, path, ok := strings.Cut(pattern, " "); ok && strings.HasPrefix(path, "/") {
			routes = append(routes, pattern)
		} else if strings.HasPrefix(pattern, "/") && pattern != "/" {
			routes = append(routes, "GET "+pattern) // a subtree such as /docs/
		}
	}
	if len(routes) < 15 {
		tb.Fatalf("found only %d routes in routes.go", len(routes))
	}
	return routes
}

// fuzzServer is one engine's server of the handler fuzz target, with the
// tokens it hands to the requests.
type fuzzServer struct {
	db     store.DB
	h      http.Handler
	world  []byte
	tokens map[string]string
}

func newFuzzServer(tb testing.TB, db store.DB) *fuzzServer {
	tb.Helper()
	world, err := os.ReadFile("testdata/base.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := fixture.Load(context.Background(), db, world, fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: testHash}); err != nil {
		tb.Fatal(err)
	}
	srv := &Server{
		Service:    &casemgr.Service{Store: db},
		Auth:       auth.New(db),
		AdminToken: adminToken,
		HashSecret: testHash,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return &fuzzServer{db: db, h: srv.Handler(), world: world, tokens: map[string]string{}}
}

// token returns a live token of who ("frank", a user the seeds never log in
// as, so failed logins of the fuzzed requests do not lock it; or "client"),
// or "" when none can be had (a fuzzed request may have replaced the world
// or exhausted the limiter): the request then goes without one.
func (fs *fuzzServer) token(who string) string {
	if tok, ok := fs.tokens[who]; ok {
		return tok
	}
	form := url.Values{"grant_type": {"password"}, "username": {"frank"}, "password": {"pw-frank"}}
	if who == "client" {
		form = url.Values{"grant_type": {"client_credentials"}, "client_id": {"bridge"}, "client_secret": {"bridge-secret"}}
	}
	for attempt := 0; attempt < 2; attempt++ {
		req := httptest.NewRequest("POST", "/core/authmgr/v3/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "198.51.100.7:1234" // not the fuzzed requests' address (192.0.2.1)
		rec := httptest.NewRecorder()
		fs.h.ServeHTTP(rec, req)
		if rec.Code == 200 {
			tok := rtStrOf(rec.Body.String(), "access_token")
			fs.tokens[who] = tok
			return tok
		}
		// The world may have been replaced by a fuzzed fixture: restore it.
		_ = fixture.Load(context.Background(), fs.db, fs.world, fixture.LoadOptions{Mode: fixture.LoadReplace, Hash: testHash})
	}
	return ""
}

// rtStrOf reads a top-level string of a JSON object without failing.
func rtStrOf(body, key string) string {
	_, rest, ok := strings.Cut(body, `"`+key+`":"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// fuzzMethods are the methods a fuzzed request may use instead of its
// route's own.
var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// FuzzHandler drives the whole HTTP handler, on SQLite and PostgreSQL, with
// mutated requests: a route of the router (its path values replaced by
// fuzzed text), the route's method or another, a query string, an actor
// (none, a user, a client application, the admin token, garbage), headers
// and a JSON, XML or other body. No request may be answered with a 5xx or
// panic. The seed corpus (testdata/fuzz/FuzzHandler) holds the documented
// requests of every operation and hostile ones, and runs as a plain test.
func FuzzHandler(f *testing.F) {
	routes := routePatterns(f)
	dbs := []store.DB{storetest.OpenSQLite(f)}
	if os.Getenv(storetest.EnvPostgres) != "" || os.Getenv(storetest.EnvRequirePostgres) == "1" {
		dbs = append(dbs, storetest.OpenPostgres(f))
	}
	var servers []*fuzzServer
	for _, db := range dbs {
		servers = append(servers, newFuzzServer(f, db))
	}
	f.Add("GET /core/casemgr/v3/activity/{ids}", "", "3000", "", uint8(1), "", []byte(nil))
	f.Fuzz(func(t *testing.T, route, method, pathValues, query string, actor uint8, headers string, body []byte) {
		// route names a pattern of the router; any other text picks one,
		// so that the seeds stay put when routes are added and mutations
		// still reach every route.
		pattern := ""
		sum := 0
		for _, r := range routes {
			if r == route {
				pattern = r
			}
		}
		for _, b := range []byte(route) {
			sum += int(b)
		}
		if pattern == "" {
			pattern = routes[sum%len(routes)]
		}
		m, path, _ := strings.Cut(pattern, " ")
		if slices.Contains(fuzzMethods, method) {
			m = method
		}
		values := strings.Split(pathValues, "/")
		for i := 0; strings.Contains(path, "{"); i++ {
			a := strings.Index(path, "{")
			b := strings.Index(path[a:], "}") + a
			v := "3000"
			if i < len(values) && values[i] != "" {
				v = values[i]
			}
			path = path[:a] + url.PathEscape(v) + path[b+1:]
		}
		target := path
		if query != "" {
			target += "?" + query
		}
		for _, fs := range servers {
			req := httptest.NewRequest(m, "/", strings.NewReader(string(body)))
			// NewRequest panics on a target it cannot parse; a fuzzed
			// query is set raw, as a client would send it.
			if p, err := url.PathUnescape(path); err == nil {
				req.URL.Path, req.URL.RawPath = p, path
			}
			req.URL.RawQuery, req.RequestURI = query, target
			switch actor % 6 {
			case 1:
				if tok := fs.token("frank"); tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
			case 2:
				if tok := fs.token("client"); tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
			case 3:
				req.Header.Set("Authorization", "Bearer "+adminToken)
			case 4:
				req.Header.Set("Authorization", "Bearer x")
			}
			if len(body) > 0 {
				req.Header.Set("Content-Type", "application/json")
			}
			for _, line := range strings.Split(headers, "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && k != "" {
					req.Header.Set(k, strings.TrimSpace(v))
				}
			}
			rec := httptest.NewRecorder()
			fs.h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s answered %d: %s", m, target, rec.Code, rec.Body)
			}
			if strings.HasSuffix(path, "/logout") || strings.HasSuffix(path, "/revoke") || strings.HasPrefix(path, "/admin/") {
				// The request may have ended a session or replaced the
				// world: take fresh tokens next time.
				clear(fs.tokens)
			}
		}
	})
}
