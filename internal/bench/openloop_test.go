package bench

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseRates(t *testing.T) {
	got, err := ParseRates("25%, 50%,75%,400,12.5/s")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rate{{Fraction: 0.25}, {Fraction: 0.5}, {Fraction: 0.75}, {PerSecond: 400}, {PerSecond: 12.5}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rate %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[1].of(1000) != 500 || got[3].of(1000) != 400 || got[1].String() != "50%" || got[3].String() != "400/s" {
		t.Errorf("of/String: %v %v %s %s", got[1].of(1000), got[3].of(1000), got[1], got[3])
	}
	for _, bad := range []string{"", "fast", "-5", "0%", "50%%"} {
		if _, err := ParseRates(bad); err == nil {
			t.Errorf("ParseRates(%q) accepted", bad)
		}
	}
}

// TestOpenLoopCountsTheWaitOfLateRequests pins the absence of coordinated
// omission: one worker that needs 50 ms per request, asked for 100
// requests/s during 200 ms, serves the 20 requests due one after another,
// so the last, due at 190 ms, cannot end before 1 s: its latency, counted
// from when it was due, is at least 810 ms — a closed loop would have
// reported 50 ms for every request. Every request due in the window is
// counted, however late it ends. (Sleeps last at least as long as asked,
// so the bound holds on any machine.)
func TestOpenLoopCountsTheWaitOfLateRequests(t *testing.T) {
	p := openPhase{rate: 100, workers: 1, length: 200 * time.Millisecond,
		work: func(ctx context.Context, i int, rng *rand.Rand, rec recordFunc) {
			start := time.Now()
			time.Sleep(50 * time.Millisecond)
			rec("op", start, 200, "", nil)
		}}
	st, length := p.run(context.Background())
	s := summarize(st["op"], length)
	if s.Requests != 20 || len(s.Errors) > 0 {
		t.Fatalf("requests %d, errors %v; want the 20 due in the window", s.Requests, s.Errors)
	}
	if s.Max < 810 {
		t.Errorf("max latency %.1f ms; the last request was due at 190 ms and could not end before 1000 ms", s.Max)
	}
}
