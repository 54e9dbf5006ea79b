package main

import (
	"runtime/debug"
	"testing"
)

// The garbage collector's target of serve: --gc-percent when given, else
// GOGC of the environment when set (the runtime has read it), else 400;
// 0 and values below -1 are refused.
func TestGCPercentFlagThenGOGCThenDefault(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	current := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }

	if err := setGCPercent(defaultGCPercent, false, ""); err != nil || current() != 400 {
		t.Fatalf("default: err %v, percent %d, want 400", err, current())
	}
	debug.SetGCPercent(150) // as the runtime sets it from GOGC=150
	if err := setGCPercent(defaultGCPercent, false, "150"); err != nil || current() != 150 {
		t.Fatalf("GOGC=150 without the flag: err %v, percent %d, want 150 (left alone)", err, current())
	}
	if err := setGCPercent(250, true, "150"); err != nil || current() != 250 {
		t.Fatalf("--gc-percent 250 with GOGC=150: err %v, percent %d, want 250", err, current())
	}
	if err := setGCPercent(-1, true, ""); err != nil || current() != -1 {
		t.Fatalf("--gc-percent -1: err %v, percent %d, want -1", err, current())
	}
	debug.SetGCPercent(100)
	for _, bad := range []int{0, -2} {
		if err := setGCPercent(bad, true, ""); err == nil || current() != 100 {
			t.Fatalf("--gc-percent %d: err %v, percent %d; want an error and nothing changed", bad, err, current())
		}
	}
}
