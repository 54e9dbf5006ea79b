package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store/storetest"
)

// serve sends one request straight to a handler (no OpenAPI validation:
// these tests look at the transport, compressed bodies included).
func serve(h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "192.0.2.7:4711"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every request writes one access-log line with its ID, method, route
// pattern, status, bytes, duration, actor (once), remote address and user
// agent; the probes are logged at debug level.
func TestAccessLogOneLinePerRequest(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	token := h.login("jenny")
	var buf bytes.Buffer
	h.srv.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	handler := h.srv.Handler()

	rec := serve(handler, "GET", "/core/casemgr/v3/activity/3000", "Authorization", "Bearer "+token,
		"User-Agent", "crm-bridge/2.1", "X-Request-Id", "req-42")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET activity: %d %s", rec.Code, rec.Body)
	}
	serve(handler, "GET", "/healthz")
	serve(handler, "GET", "/readyz")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines at info for one request and two probes; want 1:\n%s", len(lines), buf.String())
	}
	// Keys appear once: decode into a list of keys in order.
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	values := map[string]any{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		seen[k.(string)]++
		values[k.(string)] = v
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("key %q appears %d times: %s", k, n, lines[0])
		}
	}
	for k, want := range map[string]any{
		"msg": "request", "request_id": "req-42", "method": "GET", "route": "GET /core/casemgr/v3/activity/{ids}",
		"status": float64(200), "actor": "user:1001", "remote": "192.0.2.7:4711", "user_agent": "crm-bridge/2.1",
	} {
		if values[k] != want {
			t.Errorf("%s = %v, want %v (line %s)", k, values[k], want, lines[0])
		}
	}
	if b, _ := values["bytes"].(float64); int(b) != rec.Body.Len() {
		t.Errorf("bytes = %v, want %d", values["bytes"], rec.Body.Len())
	}
	if _, ok := values["duration_ms"]; !ok {
		t.Error("no duration_ms")
	}

	// At debug level the probes are there too.
	buf.Reset()
	h.srv.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	serve(h.srv.Handler(), "GET", "/healthz")
	if !strings.Contains(buf.String(), `"route":"GET /healthz"`) {
		t.Errorf("no debug line for /healthz: %s", buf.String())
	}
}

// The Go profiles are served behind the admin token, but never the command
// line: it may hold the admin token and the database password.
func TestProfilingDoesNotServeTheCommandLine(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	rec := serve(h.h, "GET", "/debug/pprof/cmdline", "Authorization", "Bearer "+adminToken)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/debug/pprof/cmdline: %d", rec.Code)
	}
	for _, arg := range os.Args {
		if len(arg) > 3 && strings.Contains(rec.Body.String(), arg) {
			t.Errorf("/debug/pprof/cmdline shows %q", arg)
		}
	}
}

// Browser pages of the named origins may call the API (preflight answered,
// Access-Control-Allow-Origin on answers); other origins get no CORS header,
// and without --cors-origins there is none at all.
func TestCORSForNamedOriginsOnly(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	token := h.login("jenny")
	if rec := serve(h.h, "GET", "/core/casemgr/v3/activity/3000", "Authorization", "Bearer "+token, "Origin", "https://app.example.com"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS header without configured origins: %v", rec.Header())
	}
	h.srv.CORSOrigins = []string{"https://app.example.com"}
	handler := h.srv.Handler()

	rec := serve(handler, "OPTIONS", "/core/casemgr/v3/activity/calltrack", "Origin", "https://app.example.com",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Errorf("preflight of a named origin: %d %v", rec.Code, rec.Header())
	}
	rec = serve(handler, "GET", "/core/casemgr/v3/activity/3000", "Authorization", "Bearer "+token, "Origin", "https://app.example.com")
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "Location") {
		t.Errorf("request of a named origin: %d %v", rec.Code, rec.Header())
	}

	for _, method := range []string{"OPTIONS", "GET"} {
		rec = serve(handler, method, "/core/casemgr/v3/activity/3000", "Authorization", "Bearer "+token,
			"Origin", "https://evil.example.net", "Access-Control-Request-Method", "PATCH")
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s from another origin got %s", method, k)
			}
		}
	}
	if rec := serve(handler, "OPTIONS", "/core/casemgr/v3/activity/3000", "Origin", "https://evil.example.net",
		"Access-Control-Request-Method", "PATCH"); rec.Code == http.StatusNoContent {
		t.Errorf("preflight of another origin answered %d", rec.Code)
	}
}

// Large answers are gzipped for clients that accept it; small ones, and
// clients that don't, get them as they are.
func TestGzipForLargeResponses(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	plain := serve(h.h, "GET", "/core/casemgr/v3/openapi.yaml")
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" || plain.Body.Len() < gzipMinSize {
		t.Fatalf("without Accept-Encoding: %d %q, %d bytes", plain.Code, plain.Header().Get("Content-Encoding"), plain.Body.Len())
	}
	zipped := serve(h.h, "GET", "/core/casemgr/v3/openapi.yaml", "Accept-Encoding", "br, gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("with Accept-Encoding gzip: %v", zipped.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, plain.Body.Bytes()) || zipped.Body.Len() >= plain.Body.Len() {
		t.Errorf("gzipped body: %d bytes for %d, equal after gunzip: %v", zipped.Body.Len(), plain.Body.Len(), bytes.Equal(body, plain.Body.Bytes()))
	}
	if rec := serve(h.h, "GET", "/core/casemgr/v3/openapi.yaml", "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	small := serve(h.h, "GET", "/healthz", "Accept-Encoding", "gzip")
	if small.Header().Get("Content-Encoding") != "" || small.Code != http.StatusOK {
		t.Errorf("a small answer: %d %v", small.Code, small.Header())
	}
	// An error answer keeps its status through the compressor.
	if rec := serve(h.h, "GET", "/core/casemgr/v3/activity/3000", "Accept-Encoding", "gzip"); rec.Code != http.StatusUnauthorized {
		t.Errorf("no token, through gzip: %d", rec.Code)
	}
}
