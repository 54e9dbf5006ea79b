package auth

import (
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// Defaults of the failed-login limiter.
const (
	DefaultMaxUserFailures    = 10
	DefaultMaxAddressFailures = 30
	DefaultMaxClientFailures  = 10
	DefaultFailureWindow      = time.Minute
)

// sweepAbove is the number of tracked keys beyond which expired windows are
// swept out, at most once per window, so that a stream of made-up user
// names cannot grow the limiter without bound.
const sweepAbove = 1024

// limiter counts failed logins in fixed windows. The first failure of a key
// opens a window; once a key has max failures in its window, attempts are
// refused until the window ends. Fixed windows are predictable for clients
// (Retry-After is exact) and need one small record per key.
//
// The counts live in this process only: with several server processes an
// attacker may get up to one allowance per process (see the package
// documentation).
type limiter struct {
	mu        sync.Mutex
	windows   map[[sha256.Size]byte]*failWindow
	lastSweep time.Time
}

type failWindow struct {
	start    time.Time
	failures int
}

// limitKey identifies a user name or an address in the limiter. Keys are
// hashed so that a 64 KiB user name costs no more memory than a short one,
// and user names are lowered so that case variants of one name share a
// count (the conservative choice whether or not names compare
// case-insensitively).
func limitKey(kind, value string) [sha256.Size]byte {
	if kind == "user" {
		value = strings.ToLower(value)
	}
	return sha256.Sum256([]byte(kind + "\x00" + value))
}

// limit is one counter to consult: its key and how many failures lock it.
// A max below 1 disables it.
type limit struct {
	key [sha256.Size]byte
	max int
}

// locked reports whether any of the limits is exhausted at now, and if so
// how long until the last of them opens again.
func (l *limiter) locked(now time.Time, window time.Duration, limits ...limit) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, lim := range limits {
		if lim.max < 1 {
			continue
		}
		w := l.windows[lim.key]
		if w == nil || w.failures < lim.max {
			continue
		}
		if left := w.start.Add(window).Sub(now); left > wait {
			wait = left
		}
	}
	return wait, wait > 0
}

// fail records one failure against each limit.
func (l *limiter) fail(now time.Time, window time.Duration, limits ...limit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = make(map[[sha256.Size]byte]*failWindow)
	}
	l.sweep(now, window)
	for _, lim := range limits {
		if lim.max < 1 {
			continue
		}
		w := l.windows[lim.key]
		if w == nil || !now.Before(w.start.Add(window)) {
			l.windows[lim.key] = &failWindow{start: now, failures: 1}
			continue
		}
		w.failures++
	}
}

// reset forgets the failures of a key: a successful login clears its user
// name's count. Addresses are never reset, or an attacker could clear the
// count of their address by logging in to an account of their own between
// guesses.
func (l *limiter) reset(key [sha256.Size]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.windows, key)
}

// sweep drops windows that have ended. l.mu is held.
func (l *limiter) sweep(now time.Time, window time.Duration) {
	if len(l.windows) < sweepAbove || now.Sub(l.lastSweep) < window {
		return
	}
	l.lastSweep = now
	for k, w := range l.windows {
		if !now.Before(w.start.Add(window)) {
			delete(l.windows, k)
		}
	}
}
