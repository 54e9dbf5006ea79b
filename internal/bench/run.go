package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RunConfig configures a run.
type RunConfig struct {
	// URL is the server's base URL (http://127.0.0.1:8080); empty for a
	// raw-only run.
	URL string
	// DB is the database URL of the server's world.
	DB string
	// Clients is the number of concurrent clients.
	Clients int
	// Duration is how long each phase is measured, after Warmup.
	Duration, Warmup time.Duration
	// Ops are the operations measured, each on its own. Mix, when set,
	// measures them together instead, each client choosing an operation
	// for every request in proportion to its weight.
	Ops []string
	Mix map[string]int
	// Runs repeats the phases; figures are medians over the runs.
	Runs int
	// HTTP measures the operations over HTTP (and GET /healthz); Raw
	// measures their raw SQL transactions.
	HTTP, Raw bool
	// ServerPID is the server's process, whose memory is sampled while
	// the HTTP phases run; 0 samples nothing.
	ServerPID int
	// Log receives a line per phase; nil logs nothing.
	Log io.Writer
	// Rates, when set, also measures every operation open-loop (openloop.go)
	// at each rate, after its closed-loop runs: requests are sent on a
	// fixed schedule and their latency counts from the time each was due.
	Rates []Rate
}

// Summary is what one phase (or the median of several) measured of one
// operation.
type Summary struct {
	Requests int     `json:"requests"`
	RPS      float64 `json:"requestsPerSecond"`
	P50      float64 `json:"p50Ms"`
	P95      float64 `json:"p95Ms"`
	P99      float64 `json:"p99Ms"`
	P999     float64 `json:"p999Ms"`
	Max      float64 `json:"maxMs"`
	// Errors counts failed requests by "status code" ("409 409-101") or
	// by transport error.
	Errors map[string]int `json:"errors,omitempty"`
}

// OpReport is the result of one operation.
type OpReport struct {
	Op   string `json:"op"`
	What string `json:"what"`
	// HTTP and Raw are medians over the runs.
	HTTP *Summary `json:"http,omitempty"`
	Raw  *Summary `json:"raw,omitempty"`
	// Fetch is the GET of lastModified that precedes each transfer;
	// RawFetch its raw counterpart, the SELECT of lastModified.
	Fetch    *Summary `json:"fetch,omitempty"`
	RawFetch *Summary `json:"rawFetch,omitempty"`
	// RawRatio is the median over the runs of HTTP requests/s divided by
	// raw transactions/s of the same run.
	RawRatio float64 `json:"rawRatio,omitempty"`
	// HealthzRatio is HTTP requests/s divided by GET /healthz requests/s.
	HealthzRatio float64 `json:"healthzRatio,omitempty"`
	// Batches is the number of batches a bulk operation's clients share:
	// with fewer batches than clients, only that many requests run at
	// once.
	Batches int `json:"batches,omitempty"`
	// RunsHTTP and RunsRaw are the requests/s of each run.
	RunsHTTP []float64 `json:"runsHTTP,omitempty"`
	RunsRaw  []float64 `json:"runsRaw,omitempty"`
	// OpenLoop are the open-loop phases (RunConfig.Rates), one per rate.
	OpenLoop []*OpenLoopSummary `json:"openLoop,omitempty"`
	// HistoryBytesPerActivity is the history the HTTP phases of the
	// operation wrote (DB.historyWritten), in bytes per changed activity,
	// over all runs; HistoryActivities the activities they changed. Not
	// measured for a mix.
	HistoryBytesPerActivity float64 `json:"historyBytesPerActivity,omitempty"`
	HistoryActivities       int64   `json:"historyActivities,omitempty"`
}

// tallyHistory adds the history written since mark to the operation's
// report, when the phase measured one operation alone.
func tallyHistory(ctx context.Context, db *DB, mark int64, group []*operation, reports map[string]*OpReport) error {
	if len(group) != 1 {
		return nil
	}
	bytes, acts, err := db.historyWritten(ctx, mark)
	if err != nil || acts == 0 {
		return err
	}
	r := reports[group[0].name]
	total := r.HistoryBytesPerActivity*float64(r.HistoryActivities) + float64(bytes)
	r.HistoryActivities += acts
	r.HistoryBytesPerActivity = total / float64(r.HistoryActivities)
	return nil
}

// Report is the result of a run.
type Report struct {
	Engine     string        `json:"engine"`
	Activities int64         `json:"activities"`
	Clients    int           `json:"clients"`
	Duration   time.Duration `json:"durationNs"`
	Runs       int           `json:"runs"`
	CPUs       int           `json:"cpus"`
	Mix        string        `json:"mix,omitempty"`
	Healthz    *Summary      `json:"healthz,omitempty"`
	Ops        []*OpReport   `json:"ops"`
	// ServerRSSMaxKB is the largest resident set of the server sampled
	// during the HTTP phases; ServerHWMKB its peak as the kernel counts
	// it (VmHWM) at the end.
	ServerRSSMaxKB int64     `json:"serverRssMaxKB,omitempty"`
	ServerHWMKB    int64     `json:"serverHwmKB,omitempty"`
	Started        time.Time `json:"started"`
}

// phase measures operations for a while with concurrent workers.
type phase struct {
	clients        int
	warmup, length time.Duration
	// work does one request (or one raw transaction) of worker i.
	work func(ctx context.Context, i int, rng *rand.Rand, rec recordFunc)
}

// opStats collects the requests of one operation in one worker.
type opStats struct {
	lat    []time.Duration
	errors map[string]int
}

// run runs the phase and returns, per operation, the latencies of the
// successful requests and the errors, counted between the end of the
// warmup and the end of the phase.
func (p phase) run(ctx context.Context) (map[string]*opStats, time.Duration) {
	start := time.Now()
	from, to := start.Add(p.warmup), start.Add(p.warmup+p.length)
	var stop atomic.Bool
	per := make([]map[string]*opStats, p.clients)
	var wg sync.WaitGroup
	// In-flight requests may finish after the end; a stuck one is cut
	// off a while later.
	wctx, cancel := context.WithDeadline(ctx, to.Add(30*time.Second))
	defer cancel()
	for i := range p.clients {
		stats := map[string]*opStats{}
		per[i] = stats
		rec := func(op string, t time.Time, status int, code string, err error) {
			end := time.Now()
			if t.Before(from) || end.After(to) {
				return
			}
			s := stats[op]
			if s == nil {
				s = &opStats{errors: map[string]int{}}
				stats[op] = s
			}
			switch {
			case err != nil:
				s.errors[errorKey(err)]++
			case status < 200 || status > 299:
				s.errors[strings.TrimSpace(strconv.Itoa(status)+" "+code)]++
			default:
				s.lat = append(s.lat, end.Sub(t))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano())))
			for !stop.Load() && wctx.Err() == nil {
				p.work(wctx, i, rng, rec)
			}
		}()
	}
	timer := time.NewTimer(time.Until(to))
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	stop.Store(true)
	wg.Wait()
	out := map[string]*opStats{}
	for _, m := range per {
		for op, s := range m {
			mergeStats(out, op, s)
		}
	}
	return out, p.length
}

func errorKey(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL varies; the cause does not
	}
	s := err.Error()
	if len(s) > 100 {
		s = s[:100]
	}
	return "error: " + s
}

func summarize(s *opStats, length time.Duration) *Summary {
	if s == nil {
		return &Summary{}
	}
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	errs := 0
	for _, n := range s.errors {
		errs += n
	}
	sum := &Summary{Requests: len(s.lat) + errs, RPS: float64(len(s.lat)) / length.Seconds()}
	if len(s.errors) > 0 {
		sum.Errors = s.errors
	}
	q := func(p float64) float64 {
		if len(s.lat) == 0 {
			return 0
		}
		i := int(p*float64(len(s.lat))+0.5) - 1
		i = min(max(i, 0), len(s.lat)-1)
		return float64(s.lat[i].Microseconds()) / 1000
	}
	sum.P50, sum.P95, sum.P99, sum.P999, sum.Max = q(0.50), q(0.95), q(0.99), q(0.999), q(1)
	return sum
}

// median returns the median of the summaries, figure by figure; errors are
// summed.
func median(list []*Summary) *Summary {
	if len(list) == 0 {
		return nil
	}
	pick := func(f func(*Summary) float64) float64 {
		v := make([]float64, len(list))
		for i, s := range list {
			v[i] = f(s)
		}
		return medianOf(v)
	}
	out := &Summary{
		RPS:  pick(func(s *Summary) float64 { return s.RPS }),
		P50:  pick(func(s *Summary) float64 { return s.P50 }),
		P95:  pick(func(s *Summary) float64 { return s.P95 }),
		P99:  pick(func(s *Summary) float64 { return s.P99 }),
		P999: pick(func(s *Summary) float64 { return s.P999 }),
		Max:  pick(func(s *Summary) float64 { return s.Max }),
	}
	out.Requests = int(pick(func(s *Summary) float64 { return float64(s.Requests) }))
	for _, s := range list {
		for k, n := range s.Errors {
			if out.Errors == nil {
				out.Errors = map[string]int{}
			}
			out.Errors[k] += n
		}
	}
	return out
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// Run measures the operations of cfg: GET /healthz, then each operation
// over HTTP and as its raw transaction, cfg.Runs times.
func Run(ctx context.Context, cfg RunConfig) (*Report, error) {
	cfg.Clients = max(cfg.Clients, 1)
	cfg.Runs = max(cfg.Runs, 1)
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	var ops []*operation
	names := cfg.Ops
	if len(cfg.Mix) > 0 {
		names = nil
		for n := range cfg.Mix {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return opIndex(names[i]) < opIndex(names[j]) })
	}
	if len(cfg.Rates) > 0 && (len(cfg.Mix) > 0 || !cfg.HTTP) {
		return nil, errors.New("open-loop rates measure operations one at a time over HTTP: not with a mix or a raw-only run")
	}
	for _, n := range names {
		op, err := lookupOp(n)
		if err != nil {
			return nil, err
		}
		if op.name == "healthz" {
			continue // always measured with HTTP
		}
		ops = append(ops, op)
	}

	db, err := OpenDB(ctx, cfg.DB, cfg.Clients)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	logf("discovering the workload in the %s database", db.Engine)
	w, err := Discover(ctx, db, 4*cfg.Clients)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		switch op.name {
		case "pull":
			if err := w.preparePull(ctx, db); err != nil {
				return nil, err
			}
		case "complete-75":
			// Batches a run left completed are reopened when it ends.
			defer func() {
				if err := w.restoreCompleted(ctx, db); err != nil {
					logf("complete-75: reopening its batches after the run: %v", err)
				}
			}()
		}
	}
	for _, op := range ops {
		if n, bulk := w.BatchCounts[op.name]; bulk && n == 0 {
			return nil, fmt.Errorf("%s: the world has no batch for it (generate it with casemgr bench world)", op.name)
		}
	}
	e := &env{w: w, db: db, raw: newRawSQL(db)}
	defer e.raw.close()
	rep := &Report{Engine: db.Engine, Activities: w.Activities, Clients: cfg.Clients, Duration: cfg.Duration,
		Runs: cfg.Runs, CPUs: runtime.NumCPU(), Started: time.Now().UTC()}

	var clients []*client
	if cfg.HTTP {
		var benchUsers int
		if err := db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE name LIKE 'bench-%'`).Scan(&benchUsers); err != nil {
			return nil, err
		}
		if benchUsers == 0 {
			return nil, errors.New("the world has no bench users (generate it with casemgr bench world)")
		}
		hc := newHTTPClient(cfg.Clients)
		defer hc.CloseIdleConnections()
		logf("logging in %d clients", cfg.Clients)
		for i := range cfg.Clients {
			n := i%benchUsers + 1
			tok, err := login(ctx, hc, cfg.URL, BenchUserName(n), BenchPassword)
			if err != nil {
				return nil, err
			}
			clients = append(clients, &client{base: strings.TrimSuffix(cfg.URL, "/"), hc: hc, token: tok, user: BenchUserID(n)})
		}
	}

	var rss rssSampler
	if cfg.ServerPID > 0 && cfg.HTTP {
		rss.pid = cfg.ServerPID
		stop := rss.start()
		defer stop()
	}

	runPhase := func(kind string, list []*operation, weights []int) (map[string]*opStats, time.Duration) {
		label := make([]string, len(list))
		for i, op := range list {
			label[i] = op.name
		}
		logf("%s %s: %d clients, %s", kind, strings.Join(label, "+"), cfg.Clients, cfg.Duration)
		total := 0
		for _, wt := range weights {
			total += wt
		}
		p := phase{clients: cfg.Clients, warmup: cfg.Warmup, length: cfg.Duration,
			work: func(ctx context.Context, i int, rng *rand.Rand, rec recordFunc) {
				op := list[0]
				if len(list) > 1 {
					x := rng.IntN(total)
					for j, wt := range weights {
						if x < wt {
							op = list[j]
							break
						}
						x -= wt
					}
				}
				if kind == "http" {
					op.http(ctx, e, clients[i], rng, rec)
				} else {
					op.raw(ctx, e, rng, rec)
				}
			}}
		return p.run(ctx)
	}

	healthz := &operation{name: "healthz", http: httpHealthz}
	var healthzRuns []*Summary
	reports := map[string]*OpReport{}
	httpRuns, rawRuns, ratios := map[string][]*Summary{}, map[string][]*Summary{}, map[string][]float64{}
	fetchRuns, rawFetchRuns := map[string][]*Summary{}, map[string][]*Summary{}
	for _, op := range ops {
		reports[op.name] = &OpReport{Op: op.name, What: op.what, Batches: w.BatchCounts[op.name]}
	}
	// groups are measured together: every operation alone, or the mix.
	var groups [][]*operation
	var weights [][]int
	if len(cfg.Mix) > 0 {
		var wts []int
		for _, op := range ops {
			wts = append(wts, cfg.Mix[op.name])
		}
		groups, weights = [][]*operation{ops}, [][]int{wts}
		var parts []string
		for _, op := range ops {
			parts = append(parts, op.name+"="+strconv.Itoa(cfg.Mix[op.name]))
		}
		rep.Mix = strings.Join(parts, ",")
	} else {
		for _, op := range ops {
			groups, weights = append(groups, []*operation{op}), append(weights, []int{1})
		}
	}
	// Every operation's runs follow one another (HTTP, then raw, per
	// run), so the world a creation grows matters only to the operations
	// measured after it.
	if cfg.HTTP {
		for run := 1; run <= cfg.Runs; run++ {
			st, length := runPhase("http", []*operation{healthz}, []int{1})
			healthzRuns = append(healthzRuns, summarize(st["healthz"], length))
		}
	}
	for g, group := range groups {
		for run := 1; run <= cfg.Runs; run++ {
			logf("run %d of %d", run, cfg.Runs)
			var httpRPS, rawRPS map[string]float64
			if cfg.HTTP {
				mark, err := db.historyMark(ctx)
				if err != nil {
					return nil, err
				}
				st, length := runPhase("http", group, weights[g])
				if err := tallyHistory(ctx, db, mark, group, reports); err != nil {
					return nil, err
				}
				httpRPS = map[string]float64{}
				for _, op := range group {
					s := summarize(st[op.name], length)
					httpRuns[op.name] = append(httpRuns[op.name], s)
					httpRPS[op.name] = s.RPS
					if f := st[op.name+" (fetch)"]; f != nil {
						fetchRuns[op.name] = append(fetchRuns[op.name], summarize(f, length))
					}
				}
			}
			if cfg.Raw {
				st, length := runPhase("raw", group, weights[g])
				rawRPS = map[string]float64{}
				for _, op := range group {
					s := summarize(st[op.name], length)
					rawRuns[op.name] = append(rawRuns[op.name], s)
					rawRPS[op.name] = s.RPS
					if f := st[op.name+" (fetch)"]; f != nil {
						rawFetchRuns[op.name] = append(rawFetchRuns[op.name], summarize(f, length))
					}
				}
			}
			for _, op := range group {
				if httpRPS != nil && rawRPS != nil && rawRPS[op.name] > 0 {
					ratios[op.name] = append(ratios[op.name], httpRPS[op.name]/rawRPS[op.name])
				}
			}
		}
		if len(cfg.Rates) > 0 {
			op := group[0]
			maxRPS := 0.0
			if m := median(httpRuns[op.name]); m != nil {
				maxRPS = m.RPS
			}
			for _, rate := range cfg.Rates {
				target := rate.of(maxRPS)
				if target <= 0 {
					logf("open loop %s at %s: no maximum rate measured, skipped", op.name, rate)
					continue
				}
				logf("open loop %s at %.0f req/s (%s), at most %d in flight, %s", op.name, target, rate, cfg.Clients, cfg.Duration)
				p := openPhase{rate: target, workers: cfg.Clients, warmup: cfg.Warmup, length: cfg.Duration,
					work: func(ctx context.Context, i int, rng *rand.Rand, rec recordFunc) {
						op.http(ctx, e, clients[i], rng, rec)
					}}
				st, length := p.run(ctx)
				ol := &OpenLoopSummary{Rate: rate.String(), TargetRPS: target, MaxRPS: maxRPS, Summary: summarize(st[op.name], length)}
				if f := st[op.name+" (fetch)"]; f != nil {
					ol.Fetch = summarize(f, length)
				}
				reports[op.name].OpenLoop = append(reports[op.name].OpenLoop, ol)
			}
		}
		// complete-75 leaves batches completed that the other batch
		// operations share: they are reopened before the next operation.
		if slices.ContainsFunc(group, func(op *operation) bool { return op.name == "complete-75" }) {
			if err := w.restoreCompleted(ctx, db); err != nil {
				return nil, fmt.Errorf("complete-75: reopening its batches: %w", err)
			}
		}
	}
	rep.Healthz = median(healthzRuns)
	for _, op := range ops {
		r := reports[op.name]
		r.HTTP, r.Raw = median(httpRuns[op.name]), median(rawRuns[op.name])
		r.Fetch, r.RawFetch = median(fetchRuns[op.name]), median(rawFetchRuns[op.name])
		r.RawRatio = medianOf(ratios[op.name])
		if r.HTTP != nil && rep.Healthz != nil && rep.Healthz.RPS > 0 {
			r.HealthzRatio = r.HTTP.RPS / rep.Healthz.RPS
		}
		for _, s := range httpRuns[op.name] {
			r.RunsHTTP = append(r.RunsHTTP, s.RPS)
		}
		for _, s := range rawRuns[op.name] {
			r.RunsRaw = append(r.RunsRaw, s.RPS)
		}
		rep.Ops = append(rep.Ops, r)
	}
	if rss.pid > 0 {
		rep.ServerRSSMaxKB = rss.max.Load()
		_, rep.ServerHWMKB, _ = readRSS(rss.pid)
	}
	return rep, nil
}

func opIndex(name string) int {
	for i, n := range Operations {
		if n == name {
			return i
		}
	}
	return len(Operations)
}

// ParseMix reads a weighted mix: "create=4,get-1=10,transfer-75=1".
func ParseMix(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(s, ",") {
		name, weight, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			weight = "1"
		}
		if _, err := lookupOp(name); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(weight)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("mix: weight of %s must be a positive integer, not %q", name, weight)
		}
		out[name] = n
	}
	return out, nil
}

// rssSampler records the largest resident set of a process.
type rssSampler struct {
	pid int
	max atomic.Int64
}

func (r *rssSampler) start() (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := readRSS(r.pid); err == nil && rss > r.max.Load() {
				r.max.Store(rss)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done) }
}

// readRSS reads VmRSS and VmHWM (kB) of a process from /proc.
func readRSS(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm, nil
}

// mergeStats adds s, the statistics of op of one client, to out.
func mergeStats(out map[string]*opStats, op string, s *opStats) {
	o := out[op]
	if o == nil {
		o = &opStats{errors: map[string]int{}}
		out[op] = o
	}
	o.lat = append(o.lat, s.lat...)
	for k, n := range s.errors {
		o.errors[k] += n
	}
}
