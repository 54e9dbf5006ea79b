package httpapi

import (
	"net/http"
	"net/http/pprof"
)

// profiling serves Go's profiles (net/http/pprof) under /debug/pprof/, for
// `go tool pprof http://HOST/debug/pprof/profile?seconds=30` with the admin
// token (docs/performance.md). The profiles reveal the program's internals,
// so the route is behind the admin token and off without one. The command
// line is not served.
func profiling() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // also heap, goroutine, allocs, block, mutex
	// Not the command line: it holds the admin token and the database
	// password when they were given as flags.
	mux.HandleFunc("GET /debug/pprof/cmdline", http.NotFound)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}
