package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// BenchmarkGetActivities measures GET /activity/{ids} through the whole
// handler (authentication, the read, the representation, JSON): one
// activity, five, and one with the projection a client reads lastModified
// with, on each engine; -benchmem shows the allocations per request
// (docs/performance.md). The OpenAPI validation of the tests is left out.
func BenchmarkGetActivities(b *testing.B) {
	engines := map[string]func(testing.TB) store.DB{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			h := newHarness(b, engines[engine](b), nil)
			h.add(rtWorld)
			jenny := h.login("jenny")
			for _, tc := range []struct{ name, path string }{
				{"get-1", "/core/casemgr/v3/activity/3101"},
				{"get-5", "/core/casemgr/v3/activity/3000,3001,3002,3101,3102"},
				{"get-1-lastModified", "/core/casemgr/v3/activity/3101?$attribute=id,lastModified,department"},
			} {
				b.Run(tc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						req := httptest.NewRequest("GET", tc.path, nil)
						req.Header.Set("Authorization", "Bearer "+jenny)
						rec := httptest.NewRecorder()
						h.h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%d %s", rec.Code, rec.Body)
						}
					}
				})
			}
		})
	}
}
