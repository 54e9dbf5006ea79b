package httpapi

import "net/http"

// routeMux is the server's ServeMux, remembering every pattern registered
// on it, in order. The department-isolation sweep (isolation_sweep_test.go)
// walks these patterns, so a route added to Handler is swept, or fails the
// sweep until it has a case, without anyone keeping a second list.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

func newRouteMux() *routeMux { return &routeMux{ServeMux: http.NewServeMux()} }

// Handle registers a handler for a pattern and remembers the pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers a handler function for a pattern and remembers the
// pattern.
func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}
