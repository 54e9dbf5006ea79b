// Package apidocs serves the API reference page at /docs/: Swagger UI,
// embedded from the pinned swagger-ui-dist npm package (tools/package.json;
// CI checks the copies in swagger-ui/ against it), rendering the OpenAPI
// document the server serves.
//
// Swagger UI was chosen over Redoc and Scalar because its "Authorize"
// dialog runs the OAuth2 password grant against the document's token URL,
// so a visitor can obtain a demo token and try every operation from the
// page, with no other tool; its assets are plain files with no build step.
package apidocs

import (
	"embed"
	"net/http"
)

//go:embed index.html init.js swagger-ui
var assets embed.FS

// Handler serves the page and its assets; mount it under /docs/ with
// http.StripPrefix("/docs", …). Only GET and HEAD are served.
func Handler() http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// The assets are pinned with the binary: let browsers keep them
		// for a while, but revalidate the page itself.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path == "/" {
			w.Header().Set("Cache-Control", "no-cache")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		files.ServeHTTP(w, r)
	})
}
