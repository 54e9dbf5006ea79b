package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestAPIReferencePage pins the page at /docs/: it is served from the
// embedded assets, loads Swagger UI, and renders the document this server
// serves (its initializer names /core/casemgr/v3/openapi.json, which
// answers with the document).
func TestAPIReferencePage(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}

	res, page := get("GET", "/docs/")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, ref := range []string{"swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "init.js"} {
		if !strings.Contains(page, ref) {
			t.Errorf("the page does not load %s", ref)
			continue
		}
		if res, body := get("GET", "/docs/"+ref); res.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET /docs/%s: %d, %d bytes", ref, res.StatusCode, len(body))
		}
	}

	_, init := get("GET", "/docs/init.js")
	const docPath = "/core/casemgr/v3/openapi.json"
	if !strings.Contains(init, `url: "`+docPath+`"`) {
		t.Errorf("the page does not render the served document %s:\n%s", docPath, init)
	}
	if res, body := get("GET", docPath); res.StatusCode != 200 || !strings.Contains(body, `"openapi": "3.1`) {
		t.Errorf("GET %s: %d", docPath, res.StatusCode)
	}

	if res, _ := get("GET", "/docs"); res.StatusCode/100 != 3 || res.Header.Get("Location") != "/docs/" {
		t.Errorf("GET /docs: %d to %q, want a redirect to /docs/", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get("POST", "/docs/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /docs/: %d, want 405", res.StatusCode)
	}
	if res, _ := get("GET", "/docs/nothing.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /docs/nothing.js: %d, want 404", res.StatusCode)
	}
}
