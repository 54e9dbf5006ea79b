package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeMetricsOnItsOwnAddress pins --metrics-addr: the metrics are
// served there, count the API's requests, and are not on the API address.
func TestServeMetricsOnItsOwnAddress(t *testing.T) {
	dbURL := "sqlite://" + filepath.Join(t.TempDir(), "m.db")
	metricsAddr := freeAddr(t)
	addr, stop, _ := serveUntilReady(t, []string{"--db", dbURL}, map[string]string{"CASEMGR_METRICS_ADDR": metricsAddr})
	defer stop()

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, _ := get("http://" + addr + "/core/casemgr/v3/activity/3000"); status != 401 {
		t.Errorf("unauthenticated read: %d, want 401", status)
	}
	status, body := get("http://" + metricsAddr + "/metrics")
	if status != 200 {
		t.Fatalf("GET /metrics: %d", status)
	}
	for _, want := range []string{
		`casemgr_http_requests_total{method="GET",route="/readyz",status="200"}`,
		`casemgr_http_requests_total{method="GET",route="/core/casemgr/v3/activity/{ids}",status="401"} 1`,
		`casemgr_http_refusals_total{code="401-104"} 1`,
		`go_sql_max_open_connections{db_name="writer"} 1`,
		`casemgr_config_cache_hits_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if status, _ := get("http://" + addr + "/metrics"); status != 404 {
		t.Errorf("GET /metrics on the API address: %d, want 404", status)
	}
}
