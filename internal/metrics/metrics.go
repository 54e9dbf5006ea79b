// Package metrics exposes casemgr's Prometheus metrics: HTTP requests by
// route pattern, method and status with their latency, refusals by error
// code, the database pools, write retries and the configuration cache.
// It is an adapter: the HTTP layer and the store report to it, and the
// registry is served at /metrics in the Prometheus text format.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/casemgr/casemgr/internal/store/sqlstore"
)

// Metrics is one registry of casemgr's metrics. A nil *Metrics records
// nothing, so callers need not check whether metrics are on.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refusals *prometheus.CounterVec
	feedLag  prometheus.Histogram
}

// New returns a registry with the HTTP and refusal metrics and the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "casemgr_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "casemgr_http_request_duration_seconds",
			Help: "Time from receiving a request to the end of its answer, by route pattern, method and status.",
			// From a cached read (about a millisecond) to a slow
			// transfer of 75 activities under load.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "casemgr_http_refusals_total",
			Help: "Requests answered with an eGain error body, by error code (docs/errors.md).",
		}, []string{"code"}),
	}
	m.feedLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "casemgr_events_feed_lag_seconds",
		Help: "Time from a change to a read of the event feed returning it (the newest event of each read).",
		// From a waiting reader woken at once to one catching up on a day.
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60, 600, 3600, 86400},
	})
	m.reg.MustRegister(m.requests, m.duration, m.refusals, m.feedLag,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// knownMethods bounds the method label: anything else is "other".
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveRequest records one answered request. route is the route pattern
// that served it (its path part, "/" for the catch-all), so that the
// label's values are bounded by the routes, not by the IDs in paths.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if !knownMethods[method] {
		method = "other"
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	m.duration.WithLabelValues(route, method, code).Observe(d.Seconds())
}

// Refused records an answer with an eGain error code.
func (m *Metrics) Refused(code string) {
	if m == nil {
		return
	}
	m.refusals.WithLabelValues(code).Inc()
}

// FeedRead records a read of the event feed that returned events: lag is
// the age of the newest.
func (m *Metrics) FeedRead(lag time.Duration) {
	if m == nil {
		return
	}
	m.feedLag.Observe(lag.Seconds())
}

// Store is what the metrics read from a store: its counters and its
// connection pools (sqlstore.Store has both).
type Store interface {
	Stats() sqlstore.Stats
	Pools() map[string]*sql.DB
}

// WatchStore registers the store's pool statistics (go_sql_* with the
// pool's role as db_name) and its counters: write retries, the
// configuration cache's hits, misses and invalidations, and SQLite's
// checkpoints (zero on PostgreSQL).
func (m *Metrics) WatchStore(db Store) {
	for role, pool := range db.Pools() {
		m.reg.MustRegister(collectors.NewDBStatsCollector(pool, role))
	}
	counter := func(name, help string, read func(sqlstore.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read(db.Stats())) })
	}
	m.reg.MustRegister(
		counter("casemgr_store_write_retries_total",
			"Write transactions run again after a serialization failure or a deadlock.",
			func(s sqlstore.Stats) uint64 { return s.WriteRetries }),
		counter("casemgr_config_cache_hits_total",
			"Transactions served the in-memory copy of the configuration.",
			func(s sqlstore.Stats) uint64 { return s.ConfigHits }),
		counter("casemgr_config_cache_misses_total",
			"Times the configuration was read from the database into a new copy.",
			func(s sqlstore.Stats) uint64 { return s.ConfigMisses }),
		counter("casemgr_config_cache_invalidations_total",
			"Times the copy of the configuration was found or made stale by a change.",
			func(s sqlstore.Stats) uint64 { return s.ConfigInvalidations }),
		counter("casemgr_sqlite_checkpoints_total",
			"Checkpoints of the SQLite write-ahead log run by the store's checkpointer, off the writer's commits.",
			func(s sqlstore.Stats) uint64 { return s.Checkpoints }),
		counter("casemgr_sqlite_writer_checkpoints_total",
			"Those of the checkpoints run on the writer's connection, between two transactions, to start the log again.",
			func(s sqlstore.Stats) uint64 { return s.WriterCheckpoints }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "casemgr_sqlite_writer_checkpoint_seconds_total",
			Help: "Time the writes waited for the checkpoints on the writer's connection."},
			func() float64 { return db.Stats().WriterCheckpointTime.Seconds() }),
	)
}

// Webhooks is what the metrics read from the webhook deliveries of the
// process (webhook.Worker has it).
type Webhooks interface {
	// Counters are this process's deliveries, failed attempts, retries and
	// webhooks marked failing since it started.
	Counters() (delivered, failed, retries, markedFailing uint64)
	// QueueGauges read the database: the events still to deliver, and the
	// webhooks failing and retrying, across every process.
	QueueGauges() (depth, failing, retrying float64)
}

// WatchWebhooks registers the webhook delivery metrics.
func (m *Metrics) WatchWebhooks(w Webhooks) {
	counter := func(name, help string, read func(d, f, r, mf uint64) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(read(w.Counters())) })
	}
	gauge := func(name, help string, pick func(depth, failing, retrying float64) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return pick(w.QueueGauges()) })
	}
	m.reg.MustRegister(
		counter("casemgr_webhook_deliveries_total", "Events delivered to webhooks (answered 2xx) by this process.",
			func(d, _, _, _ uint64) uint64 { return d }),
		counter("casemgr_webhook_delivery_failures_total", "Delivery attempts that failed (non-2xx, timeout, refused) in this process.",
			func(_, f, _, _ uint64) uint64 { return f }),
		counter("casemgr_webhook_delivery_retries_total", "Delivery attempts of an event after a failed one, in this process.",
			func(_, _, r, _ uint64) uint64 { return r }),
		counter("casemgr_webhooks_marked_failing_total", "Times this process marked a webhook failing.",
			func(_, _, _, mf uint64) uint64 { return mf }),
		gauge("casemgr_webhook_queue_depth", "Events committed and not yet delivered, summed over the webhooks (every process; at most 10000 counted per webhook).",
			func(d, _, _ float64) float64 { return d }),
		gauge("casemgr_webhooks_failing", "Webhooks marked failing.",
			func(_, f, _ float64) float64 { return f }),
		gauge("casemgr_webhooks_retrying", "Webhooks whose oldest undelivered event has failed and waits for a retry.",
			func(_, _, r float64) float64 { return r }),
	)
}

// Handler serves the registry in the Prometheus text format (or
// OpenMetrics, when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
