package auth_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// FuzzTokenEndpoints feeds the token, revoke and logout endpoints with
// mutated form bodies, Authorization headers and content types, on SQLite
// and PostgreSQL: every answer is a 4xx or a success, never a 5xx or a
// panic. Its seed corpus (testdata/fuzz/FuzzTokenEndpoints) holds every
// grant of the tests and hostile forms, and runs as a plain test.
func FuzzTokenEndpoints(f *testing.F) {
	f.Add(uint8(0), "grant_type=password&username=alice&password=alice-pw&client_id=crm&client_secret=crm-secret", "", "application/x-www-form-urlencoded")
	var handlers []http.Handler
	dbs := []casemgr.Store{storetest.OpenSQLite(f)}
	if os.Getenv(storetest.EnvPostgres) != "" || os.Getenv(storetest.EnvRequirePostgres) == "1" {
		dbs = append(dbs, storetest.OpenPostgres(f))
	}
	for _, db := range dbs {
		seed(f, db) // the users and clients of the other tests
		handlers = append(handlers, routes(auth.New(db)))
	}
	paths := []string{tokenPath, revokePath, logoutPath}
	f.Fuzz(func(t *testing.T, endpoint uint8, body, authorization, contentType string) {
		path := paths[int(endpoint)%len(paths)]
		method := http.MethodPost
		if path == logoutPath {
			method = http.MethodDelete
		}
		for _, h := range handlers {
			r := httptest.NewRequest(method, path, strings.NewReader(body))
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
			if authorization != "" {
				r.Header.Set("Authorization", authorization)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s %s answered %d: %s", method, path, w.Code, w.Body)
			}
		}
	})
}
