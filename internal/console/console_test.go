package console

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// TestConsoleServesTheShellOnEveryPage pins history-API routing: every
// console path answers the app shell, so a deep link or a reload opens the
// page it names.
func TestConsoleServesTheShellOnEveryPage(t *testing.T) {
	for _, path := range []string{"/console/", "/console/queues", "/console/search?case=2000",
		"/console/activity/3000", "/console/case/2000", "/console/customer/500"} {
		rec := get(t, "GET", path)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(rec.Body.String(), `<script type="module" src="/console/assets/app.js">`) {
			t.Fatalf("%s: not the app shell: %s", path, rec.Body)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	if rec := get(t, "GET", "/console"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/console/" {
		t.Fatalf("/console: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestConsoleServesOnlyItsOwnAssets pins the asset paths: the embedded
// files with their types, nothing else (no directory listing, no escape).
func TestConsoleServesOnlyItsOwnAssets(t *testing.T) {
	for path, ctype := range map[string]string{
		"/console/assets/app.js": "text/javascript", "/console/assets/console.css": "text/css",
	} {
		rec := get(t, "GET", path)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), ctype) {
			t.Fatalf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: no nosniff", path)
		}
	}
	for _, path := range []string{"/console/assets/", "/console/assets/nope.js", "/console/assets/index.html",
		"/console/assets/../console.go", "/console/assets/./app.js", "/console/assets//app.js"} {
		if rec := get(t, "GET", path); rec.Code != 404 {
			t.Fatalf("%s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, "POST", "/console/"); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

// TestConsoleAssetsStayUnder300KBCompressed pins the size budget of the
// console: all its files together, gzip-compressed.
func TestConsoleAssetsStayUnder300KBCompressed(t *testing.T) {
	var raw, packed int
	err := fs.WalkDir(files, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		raw += len(b)
		packed += buf.Len()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("console assets: %d bytes, %d gzip-compressed", raw, packed)
	if packed >= 300<<10 {
		t.Fatalf("console assets are %d bytes compressed, over the 300 KB budget", packed)
	}
}

// TestConsoleLoadsNothingFromOtherOrigins pins "no CDN": no file of the
// console names another origin, and the shell loads only /console/ assets.
func TestConsoleLoadsNothingFromOtherOrigins(t *testing.T) {
	origin := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := fs.WalkDir(files, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := files.ReadFile(path)
		if m := origin.Find(b); m != nil {
			t.Errorf("%s names another origin: %s", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
