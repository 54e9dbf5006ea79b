package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Open-loop measurement (bench run --rate): requests are due on a fixed
// schedule, one every 1/R s, whatever the server does; each one's latency
// counts from the time it was due, not from when it could be sent. A closed
// loop (each client sends its next request when the last is answered)
// slows down with a slow server and so hides the queueing a user would see
// — coordinated omission; here a slow answer delays the requests due
// after it, and their wait is measured.
//
// At most `workers` requests are in flight (one per bench client, each on
// its own connection and token). A request whose time comes while all of
// them are busy waits for one, and that wait is part of its latency. A
// transfer's latency, due at t, runs to the end of the transfer, so it
// includes the GET of lastModified before it (reported on its own, also
// from t).

// Rate is an open-loop rate: an absolute number of requests per second, or
// a fraction of the operation's maximum rate measured closed-loop in the
// same command.
type Rate struct {
	PerSecond float64
	Fraction  float64
}

// of is the rate in requests per second for an operation whose maximum
// rate is max (0 when it is relative and no maximum was measured).
func (r Rate) of(max float64) float64 {
	if r.Fraction > 0 {
		return r.Fraction * max
	}
	return r.PerSecond
}

func (r Rate) String() string {
	if r.Fraction > 0 {
		return strconv.FormatFloat(r.Fraction*100, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64) + "/s"
}

// ParseRates reads --rate: a comma list of requests per second ("500") or
// percentages of each operation's measured maximum rate ("25%,50%,75%").
func ParseRates(s string) ([]Rate, error) {
	var out []Rate
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		pct, isPct := strings.CutSuffix(part, "%")
		v, err := strconv.ParseFloat(strings.TrimSuffix(pct, "/s"), 64)
		if err != nil || v <= 0 || isPct && v > 1000 {
			return nil, fmt.Errorf("rate %q: want requests per second (500) or a percentage of the measured maximum (50%%)", part)
		}
		if isPct {
			out = append(out, Rate{Fraction: v / 100})
		} else {
			out = append(out, Rate{PerSecond: v})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("rate: no rate in %q", s)
	}
	return out, nil
}

// OpenLoopSummary is one open-loop phase of an operation.
type OpenLoopSummary struct {
	// Rate is as asked ("50%" or "400/s"); TargetRPS the rate sent at;
	// MaxRPS the closed-loop maximum it was derived from.
	Rate      string  `json:"rate"`
	TargetRPS float64 `json:"targetRps"`
	MaxRPS    float64 `json:"maxRps,omitempty"`
	// Summary's latencies count from each request's due time; its RPS is
	// what was answered, per second of the measured window.
	*Summary
	// Fetch is a transfer's GET of lastModified, also from the due time.
	Fetch *Summary `json:"fetch,omitempty"`
}

// openPhase sends requests at a fixed rate for warmup+length with at most
// workers in flight.
type openPhase struct {
	rate           float64
	workers        int
	warmup, length time.Duration
	work           func(ctx context.Context, i int, rng *rand.Rand, rec recordFunc)
}

// notSent counts the requests of the window that were due but never sent
// before the phase was cut off.
const notSent = "not sent before the cut-off"

// run runs the phase and returns, per operation, the latencies (from the
// due time) of the requests due in the measured window, whenever they
// ended, and the errors.
func (p openPhase) run(ctx context.Context) (map[string]*opStats, time.Duration) {
	interval := time.Duration(float64(time.Second) / p.rate)
	start := time.Now().Add(10 * time.Millisecond)
	from, to := start.Add(p.warmup), start.Add(p.warmup+p.length)
	// A phase that falls far behind is cut off a while after its end.
	wctx, cancel := context.WithDeadline(ctx, to.Add(30*time.Second))
	defer cancel()
	var next atomic.Int64 // the index of the next request due
	per := make([]map[string]*opStats, p.workers)
	var wg sync.WaitGroup
	for i := range p.workers {
		stats := map[string]*opStats{}
		per[i] = stats
		get := func(op string) *opStats {
			s := stats[op]
			if s == nil {
				s = &opStats{errors: map[string]int{}}
				stats[op] = s
			}
			return s
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano())))
			for {
				due := start.Add(time.Duration(next.Add(1)-1) * interval)
				if !due.Before(to) {
					return
				}
				if wait := time.Until(due); wait > 0 {
					select {
					case <-time.After(wait):
					case <-wctx.Done():
					}
				}
				measured := !due.Before(from)
				if wctx.Err() != nil {
					if measured {
						get("").errors[notSent]++
					}
					continue // count the rest of the window as not sent
				}
				p.work(wctx, i, rng, func(op string, _ time.Time, status int, code string, err error) {
					if !measured {
						return
					}
					s := get(op)
					switch {
					case err != nil:
						s.errors[errorKey(err)]++
					case status < 200 || status > 299:
						s.errors[strings.TrimSpace(strconv.Itoa(status)+" "+code)]++
					default:
						s.lat = append(s.lat, time.Since(due))
					}
				})
			}
		}()
	}
	wg.Wait()
	out := map[string]*opStats{}
	var unsent int
	for _, m := range per {
		for op, s := range m {
			if op == "" {
				unsent += s.errors[notSent]
				continue
			}
			mergeStats(out, op, s)
		}
	}
	if unsent > 0 {
		for _, o := range out {
			o.errors[notSent] += unsent
		}
	}
	return out, p.length
}
