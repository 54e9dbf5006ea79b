package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The Go profiles answer only with the admin token, and not at all when no
// admin token is configured.
func TestProfilingNeedsTheAdminToken(t *testing.T) {
	h := newHarness(t, storetest.OpenSQLite(t), nil)
	get := func(handler http.Handler, path, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(h.h, "/debug/pprof/heap?debug=1", adminToken); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "heap profile") {
		t.Errorf("heap profile with the admin token: %d %.100s", rec.Code, rec.Body)
	}
	if rec := get(h.h, "/debug/pprof/", adminToken); rec.Code != http.StatusOK {
		t.Errorf("profile index with the admin token: %d", rec.Code)
	}
	if rec := get(h.h, "/debug/pprof/heap", "wrong"); rec.Code != http.StatusUnauthorized {
		t.Errorf("heap profile with a wrong token: %d", rec.Code)
	}
	if rec := get(h.h, "/debug/pprof/heap", h.login("jenny")); rec.Code != http.StatusUnauthorized {
		t.Errorf("heap profile with a user token: %d", rec.Code)
	}
	h.srv.AdminToken = ""
	if rec := get(h.srv.Handler(), "/debug/pprof/heap", adminToken); rec.Code != http.StatusNotFound {
		t.Errorf("heap profile without an admin token configured: %d", rec.Code)
	}
}
