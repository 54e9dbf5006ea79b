package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/casemgr/casemgr/internal/metrics"
	"github.com/casemgr/casemgr/internal/store"
)

// startMetrics serves GET /metrics on addr, apart from the API so that the
// metrics can be kept off the public address, until ctx ends. It returns
// the registry the API server records into, and the address listened on.
func startMetrics(ctx context.Context, addr string, db store.DB, logger *slog.Logger) (*metrics.Metrics, net.Addr, error) {
	m := metrics.New()
	if s, ok := db.(metrics.Store); ok {
		m.WatchStore(s)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdownCtx)
	}()
	logger.Info("metrics serving", "addr", ln.Addr().String(), "path", "/metrics")
	return m, ln.Addr(), nil
}
