package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/casemgr/casemgr/api"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
)

// healthz answers 200 while the process runs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 while the database answers, 503 otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := s.store().Ping(r.Context()); err != nil {
		s.log(r).Warn("database not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ready"}` + "\n"))
}

// openAPI serves the published contract.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(api.OpenAPI)
}

// openAPIJSON serves the published contract converted to JSON.
func (s *Server) openAPIJSON(w http.ResponseWriter, r *http.Request) {
	doc, err := api.OpenAPIJSON()
	if err != nil {
		s.writeError(w, r, casemgr.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(doc)
}

// exportFixtures serves GET /admin/v1/fixtures: the whole world as a
// fixture document, which PUT loads back to an equal world. Secrets are
// exported as their hashes; the answer is not to be cached.
func (s *Server) exportFixtures(w http.ResponseWriter, r *http.Request) {
	doc, err := fixture.Export(r.Context(), s.store())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := fixture.Marshal(doc)
	if err != nil {
		s.writeError(w, r, casemgr.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// replaceFixtures serves PUT /admin/v1/fixtures: the document replaces the
// whole world.
func (s *Server) replaceFixtures(w http.ResponseWriter, r *http.Request) {
	s.loadFixtures(w, r, fixture.LoadReplace)
}

// addFixtures serves POST /admin/v1/fixtures: the document's entities are
// added to the world; an ID that exists is refused.
func (s *Server) addFixtures(w http.ResponseWriter, r *http.Request) {
	s.loadFixtures(w, r, fixture.LoadAdd)
}

// maxFixture limits a fixture document.
const maxFixture = 64 << 20

func (s *Server) loadFixtures(w http.ResponseWriter, r *http.Request, mode fixture.LoadMode) {
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFixture))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, errf(casemgr.CodeBodyTooLarge, "max", itoa(maxFixture)))
			return
		}
		s.writeError(w, r, errf(casemgr.CodeMalformedBody, "reason", "the body could not be read"))
		return
	}
	if len(doc) == 0 {
		s.writeError(w, r, errf(casemgr.CodeBodyRequired))
		return
	}
	err = fixture.Load(r.Context(), s.store(), doc, fixture.LoadOptions{Mode: mode, Hash: s.HashSecret})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log(r).Info("fixtures loaded", "mode", mode, "bytes", len(doc))
	w.WriteHeader(http.StatusNoContent)
}
