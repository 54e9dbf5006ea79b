package httpapi

import (
	"net/http"
	"strings"
	"time"
)

// codeWriter remembers the status of an answer for the metrics.
type codeWriter struct {
	http.ResponseWriter
	status int
}

func (w *codeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument records every request in s.Metrics by the route pattern that
// served it (the mux sets r.Pattern), its method, status and duration. A
// panic is recorded as the 500 the outer middleware answers it with.
func (s *Server) instrument(mux http.Handler) http.Handler {
	if s.Metrics == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		cw := &codeWriter{ResponseWriter: w}
		defer func() {
			status := cw.status
			if p := recover(); p != nil {
				s.Metrics.ObserveRequest(routeOf(r.Pattern), r.Method, http.StatusInternalServerError, time.Since(start))
				panic(p)
			}
			if status == 0 {
				status = http.StatusOK
			}
			s.Metrics.ObserveRequest(routeOf(r.Pattern), r.Method, status, time.Since(start))
		}()
		mux.ServeHTTP(cw, r)
	})
}

// routeOf is the path part of a route pattern ("GET /x/{id}" → "/x/{id}").
func routeOf(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		return path
	}
	if pattern == "" {
		return "/"
	}
	return pattern
}
