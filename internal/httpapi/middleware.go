package httpapi

import (
	"bufio"
	"compress/gzip"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// corsAllowHeaders are the request headers a browser page may send: those
// the API reads.
const corsAllowHeaders = "Authorization, Content-Type, Accept, Accept-Language, Idempotency-Key, X-egain-error-message, X-Request-Id"

// corsExposeHeaders are the response headers a browser page may read
// besides the simple ones.
const corsExposeHeaders = "Location, X-Request-Id, WWW-Authenticate, Retry-After, Content-Language"

// cors lets the browser pages of the named origins (Server.CORSOrigins)
// call the API: their requests get Access-Control-Allow-Origin, and their
// preflight requests are answered here. Requests from any other origin get
// no CORS header at all, so a browser keeps their pages out. Tokens travel
// in the Authorization header, never in cookies, so credentials are not
// allowed.
func (s *Server) cors(next http.Handler) http.Handler {
	if len(s.CORSOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		if origin == "" || !slices.Contains(s.CORSOrigins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// gzipMinSize is the size from which a response is compressed: below it the
// gzip header and the CPU cost more than they save.
const gzipMinSize = 1400

var gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

// compress gzips responses of at least gzipMinSize bytes for clients that
// accept gzip. Responses that already have a Content-Encoding, partial
// content and bodiless statuses pass through as they are.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				// What the handler held back is dropped: the panic is
				// answered as 500 by the outer middleware.
				if !gw.decided {
					gw.buf = nil
				}
				panic(p)
			}
			gw.close()
		}()
		next.ServeHTTP(gw, r)
	})
}

// acceptsGzip reads Accept-Encoding: gzip (or *) with a q above zero.
func acceptsGzip(h string) bool {
	for rest, more := h, h != ""; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v <= 0 {
				return false
			}
		}
		return true
	}
	return false
}

// gzipWriter holds the start of a response until it knows whether it is
// large enough to compress.
type gzipWriter struct {
	http.ResponseWriter
	status  int
	buf     []byte
	decided bool
	gz      *gzip.Writer
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.status == 0 {
		g.status = code
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified ||
		code == http.StatusPartialContent || g.Header().Get("Content-Encoding") != "" {
		g.passThrough()
	}
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if g.decided {
		if g.gz != nil {
			return g.gz.Write(b)
		}
		return g.ResponseWriter.Write(b)
	}
	g.buf = append(g.buf, b...)
	if len(g.buf) >= gzipMinSize {
		g.startGzip()
	}
	return len(b), nil
}

// passThrough sends the response as it is.
func (g *gzipWriter) passThrough() {
	if g.decided {
		return
	}
	g.decided = true
	g.ResponseWriter.WriteHeader(g.status)
	if len(g.buf) > 0 {
		_, _ = g.ResponseWriter.Write(g.buf)
		g.buf = nil
	}
}

func (g *gzipWriter) startGzip() {
	g.decided = true
	h := g.Header()
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	g.ResponseWriter.WriteHeader(g.status)
	g.gz = gzipWriters.Get().(*gzip.Writer)
	g.gz.Reset(g.ResponseWriter)
	_, _ = g.gz.Write(g.buf)
	g.buf = nil
}

// close sends what is held: compressed, or as it is when small.
func (g *gzipWriter) close() {
	if !g.decided {
		if g.status == 0 {
			return // nothing written: net/http answers 200 with no body
		}
		g.passThrough()
	}
	if g.gz != nil {
		_ = g.gz.Close()
		gzipWriters.Put(g.gz)
		g.gz = nil
	}
}

// Flush sends what is held, compressed when it has begun so (the profiles
// of /debug/pprof stream).
func (g *gzipWriter) Flush() {
	if !g.decided {
		if len(g.buf) == 0 && g.status == 0 {
			return
		}
		g.passThrough()
	}
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack is not offered through compression.
func (g *gzipWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, errors.New("hijack through a compressed response")
}

// Unwrap gives http.ResponseController the writer underneath.
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
