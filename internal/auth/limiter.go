package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Defaults of the failed-login limiter.
const (
	DefaultMaxUserFailures    = 10
	DefaultMaxAddressFailures = 30
	DefaultMaxClientFailures  = 10
	DefaultFailureWindow      = time.Minute
)

// The limiter counts failed logins and failed client authentications in
// fixed windows, per key (a user name, a client ID, an address). The first
// failure of a key opens a window; once a key has max failures in its
// window, attempts are refused until the window ends. Fixed windows are
// predictable for clients (Retry-After is exact) and need one small record
// per key.
//
// The counts live in the database (casemgr.Tx.LoginFailures), so every
// server process on one database enforces one limit. A successful attempt
// writes only when its name had failures to clear: a login costs one read
// of the counts, not a write.
//
// The counts are checked before an attempt and added after it failed, so
// attempts already in flight when a key reaches its limit still complete;
// the excess is bounded by the number of concurrent requests, not by the
// number of processes.

// limitKey identifies a user name, client ID or address in the limiter.
// Keys are hashed so that a 64 KiB user name costs no more room than a
// short one and no name is stored in clear, and user names are lowered so
// that case variants of one name share a count (the conservative choice
// whether or not names compare case-insensitively).
func limitKey(kind, value string) string {
	if kind == "user" {
		value = strings.ToLower(value)
	}
	sum := sha256.Sum256([]byte(kind + "\x00" + value))
	return hex.EncodeToString(sum[:])
}

// limit is one counter to consult: its key and how many failures lock it.
// A max below 1 disables it.
type limit struct {
	key string
	max int
}

// guard is the limiter's view of one attempt: the counters it consults
// and which of them had failures when it began.
type guard struct {
	limits  []limit
	counted map[string]bool
}

// checkLimits reads the counts of the limits and refuses the attempt (a
// *rateLimited error) when one of them is exhausted at now.
func (s *Service) checkLimits(ctx context.Context, now time.Time, limits ...limit) (*guard, error) {
	g := &guard{counted: map[string]bool{}}
	var keys []string
	for _, l := range limits {
		if l.max >= 1 {
			g.limits = append(g.limits, l)
			keys = append(keys, l.key)
		}
	}
	if len(keys) == 0 {
		return g, nil
	}
	var counts []casemgr.LoginFailure
	err := s.Store.Read(ctx, func(tx casemgr.Tx) error {
		var err error
		counts, err = tx.LoginFailures(keys)
		return err
	})
	if err != nil {
		return nil, err
	}
	window := s.failureWindow()
	var wait time.Duration
	for _, c := range counts {
		g.counted[c.Key] = true
		for _, l := range g.limits {
			if l.key != c.Key || c.Failures < l.max {
				continue
			}
			if left := c.Start.Add(window).Sub(now); left > wait {
				wait = left
			}
		}
	}
	if wait > 0 {
		return nil, &rateLimited{wait: wait}
	}
	return g, nil
}

// countFailure counts one failure against every limit of the attempt.
func (s *Service) countFailure(ctx context.Context, now time.Time, g *guard) error {
	if len(g.limits) == 0 {
		return nil
	}
	keys := make([]string, len(g.limits))
	for i, l := range g.limits {
		keys[i] = l.key
	}
	window := s.failureWindow()
	return s.Store.Write(ctx, func(tx casemgr.Tx) error { return tx.AddLoginFailure(keys, now, window) })
}

// clearFailures forgets the failures of key (a user name or client ID) after a
// successful attempt, writing only when it had any. Addresses are never
// cleared, or an attacker could clear the count of their address by
// logging in to an account of their own between guesses.
func (s *Service) clearFailures(ctx context.Context, g *guard, key string) error {
	if !g.counted[key] {
		return nil
	}
	return s.Store.Write(ctx, func(tx casemgr.Tx) error { return tx.ClearLoginFailures(key) })
}
