package httpapi

import (
	"bufio"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/metrics"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// scrape reads the metrics as a Prometheus server would and returns the
// samples by their exposition line key: name{labels in order}.
func scrape(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(io.Reader(rec.Body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("unparsable sample %q", line)
		}
		samples[line[:i]] = v
	}
	return samples
}

// TestMetricsCountRequestsRefusalsAndTheStore pins /metrics: requests by
// route pattern, method and status with latency histograms, refusals by
// error code, the database pools, and the configuration cache's hits,
// misses and invalidations move as requests are answered.
func TestMetricsCountRequestsRefusalsAndTheStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		m := metrics.New()
		m.WatchStore(db.(metrics.Store))
		h.srv.Metrics = m
		h.h = h.srv.Handler()
		tok := h.login("jenny")

		before := scrape(t, m)
		const (
			read      = `casemgr_http_requests_total{method="GET",route="/core/casemgr/v3/activity/{ids}",status="200"}`
			missing   = `casemgr_http_requests_total{method="GET",route="/core/casemgr/v3/activity/{ids}",status="404"}`
			latency   = `casemgr_http_request_duration_seconds_count{method="GET",route="/core/casemgr/v3/activity/{ids}",status="200"}`
			bucket    = `casemgr_http_request_duration_seconds_bucket{method="GET",route="/core/casemgr/v3/activity/{ids}",status="200",le="+Inf"}`
			unknown   = `casemgr_http_requests_total{method="GET",route="/",status="404"}`
			refused   = `casemgr_http_refusals_total{code="404-101"}`
			noRoute   = `casemgr_http_refusals_total{code="404-100"}`
			hits      = `casemgr_config_cache_hits_total`
			misses    = `casemgr_config_cache_misses_total`
			invalid   = `casemgr_config_cache_invalidations_total`
			retries   = `casemgr_store_write_retries_total`
			openConns = `go_sql_open_connections{db_name="%s"}`
		)
		h.do("GET", "/core/casemgr/v3/activity/3000", tok, "").expect(t, 200, "")
		h.do("GET", "/core/casemgr/v3/activity/3000,3001", tok, "").expect(t, 200, "")
		h.do("GET", "/core/casemgr/v3/activity/999999", tok, "").expect(t, 404, "404-101")
		h.do("GET", "/core/casemgr/v3/nothing/here", tok, "").expect(t, 404, "404-100")
		// A configuration change: the cached copy goes stale.
		h.do("POST", "/admin/v1/fixtures", adminToken, `{"departments": [{"id": "90", "name": "Extra"}]}`).expect(t, 204, "")
		h.do("GET", "/core/casemgr/v3/activity/3000", tok, "").expect(t, 200, "")
		h.do("GET", "/core/casemgr/v3/activity/3000", tok, "").expect(t, 200, "")
		after := scrape(t, m)

		for _, c := range []struct {
			key  string
			want float64
		}{
			{read, 4}, {latency, 4}, {bucket, 4}, {missing, 1}, {unknown, 1}, {refused, 1}, {noRoute, 1},
		} {
			if got := after[c.key] - before[c.key]; got != c.want {
				t.Errorf("%s moved by %v, want %v", c.key, got, c.want)
			}
		}
		for _, key := range []string{hits, misses, invalid} {
			if after[key] <= before[key] {
				t.Errorf("%s did not move: %v → %v", key, before[key], after[key])
			}
		}
		if _, ok := after[retries]; !ok {
			t.Errorf("%s is not exposed", retries)
		}
		pools := []string{"writer", "reader"}
		if db.Engine() == "postgres" {
			pools = []string{"pool"}
		}
		for _, p := range pools {
			key := strings.Replace(openConns, "%s", p, 1)
			if after[key] < 1 {
				t.Errorf("%s = %v, want an open connection", key, after[key])
			}
		}
		for key := range after {
			if strings.Contains(key, "3000") || strings.Contains(key, "999999") {
				t.Errorf("a label carries an ID from a path, so the series grow without bound: %s", key)
			}
		}
	})
}
