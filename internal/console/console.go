// Package console serves the web console: a single-page application of
// plain ES modules and hand-written CSS, embedded in the binary, that signs a
// person in and works the cases through the public API only (the same
// /core/… endpoints and token endpoint any client uses, with the user's
// token). Nothing is built: the files under static/ are what the browser
// runs.
package console

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// Prefix is the path the console is served under.
const Prefix = "/console/"

// assetsPrefix holds the files of static/ other than the app shell.
const assetsPrefix = Prefix + "assets/"

// securityHeaders keep the page to its own origin: scripts and styles only
// from the binary, API calls only to this server, no framing. The token is
// kept in the tab's sessionStorage, so a script injected from elsewhere is
// what the policy must stop.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

// Handler serves the console: GET /console/assets/{file} the embedded
// files, and every other path under /console/ the app shell, so that a deep
// link (/console/activity/3000) or a reload opens the page it names. A
// request for /console is sent to /console/.
func Handler() http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	shell, err := fs.ReadFile(static, "index.html")
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		for k, v := range securityHeaders {
			w.Header().Set(k, v)
		}
		if name, ok := strings.CutPrefix(r.URL.Path, assetsPrefix); ok {
			serveAsset(w, r, static, name)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The shell names its assets by path; it must be revalidated so
		// that a new binary's shell is picked up at once.
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(shell)
	})
}

// serveAsset writes one embedded file (never index.html through this path,
// never a directory).
func serveAsset(w http.ResponseWriter, r *http.Request, static fs.FS, name string) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean == "index.html" || clean != name {
		http.NotFound(w, r)
		return
	}
	body, err := fs.ReadFile(static, clean)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(clean))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
