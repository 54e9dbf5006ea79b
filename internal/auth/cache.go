package auth

import (
	"maps"
	"sync"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Verified access tokens are kept in process, so that a request with a
// token seen recently costs no database read. An entry is used only while
// all of these hold:
//
//   - it was read from the database less than the cache bound ago
//     (Service.AuthCacheBound, default DefaultAuthCacheBound = 1 s, counted
//     from before the read began): whatever changed meanwhile — a
//     revocation, a logout, a user's permissions, licenses or departments,
//     a deleted user or client — is seen at the latest then, in every
//     process, whatever the engine or the state of the network;
//   - the token and its session have not expired (checked on every use
//     with Service.Now);
//   - the store's authentication epoch (epochStore) is the one it was
//     read at: a revocation or a configuration change committed by this
//     process drops every entry at once, and on PostgreSQL one committed by
//     another process as soon as its notification arrives (LISTEN/NOTIFY,
//     like the configuration copy); while those notifications cannot be
//     heard, nothing is kept.
//
// A store without an epoch (not sqlstore) gets no cache.

// DefaultAuthCacheBound is how long a verified token may be used without
// reading the database again: the longest a revocation or a change of the
// user's rights made by another process may go unseen (docs/security.md).
const DefaultAuthCacheBound = time.Second

// maxCachedTokens bounds the entries; past it the cache starts afresh.
const maxCachedTokens = 100_000

// epochStore is a store that tells when kept authentications must be
// dropped (sqlstore.Store.AuthEpoch).
type epochStore interface {
	AuthEpoch() (epoch uint64, ok bool)
}

type cachedToken struct {
	actor   casemgr.Actor
	expires time.Time // the token's or its session's end, whichever is first
	readAt  time.Time // monotonic: before the database read began
	epoch   uint64
}

type tokenCache struct {
	mu      sync.Mutex
	entries map[string]cachedToken // by token hash
}

func (c *tokenCache) get(hash string) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	return e, ok
}

func (c *tokenCache) put(hash string, e cachedToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = map[string]cachedToken{}
	}
	c.entries[hash] = e
}

func (c *tokenCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, hash)
}

// cacheBound is the age bound of entries; 0 means no cache.
func (s *Service) cacheBound() time.Duration {
	switch {
	case s.AuthCacheBound < 0:
		return 0
	case s.AuthCacheBound == 0:
		return DefaultAuthCacheBound
	}
	return min(s.AuthCacheBound, DefaultAuthCacheBound)
}

// cached returns the actor of a token verified recently, if its entry may
// still be used.
func (s *Service) cached(hash string, now time.Time) (casemgr.Actor, bool) {
	bound := s.cacheBound()
	es, ok := s.Store.(epochStore)
	if bound == 0 || !ok {
		return casemgr.Actor{}, false
	}
	e, ok := s.tokens.get(hash)
	if !ok {
		return casemgr.Actor{}, false
	}
	epoch, live := es.AuthEpoch()
	if !live || epoch != e.epoch || time.Since(e.readAt) >= bound || !e.expires.After(now) {
		s.tokens.drop(hash)
		return casemgr.Actor{}, false
	}
	return copyActor(e.actor), true
}

// epochBefore is taken before a database read whose result may be kept:
// a change committed after it makes the entry stale.
type epochBefore struct {
	epoch  uint64
	readAt time.Time
	ok     bool
}

func (s *Service) beforeRead() epochBefore {
	es, ok := s.Store.(epochStore)
	if s.cacheBound() == 0 || !ok {
		return epochBefore{}
	}
	readAt := time.Now()
	epoch, live := es.AuthEpoch()
	return epochBefore{epoch: epoch, readAt: readAt, ok: live}
}

// keep stores the actor of a token verified by a read that began at b.
func (s *Service) keep(hash string, b epochBefore, a casemgr.Actor, expires time.Time) {
	if !b.ok {
		return
	}
	s.tokens.put(hash, cachedToken{actor: copyActor(a), expires: expires, readAt: b.readAt, epoch: b.epoch})
}

// copyActor copies what a caller could change in an actor: the user with
// its lists and map, the client, the scopes
// (TestKeptActorsShareNothing). A cache hit copies the kept actor, so the
// user's lists of IDs are copied into one allocation and its lists of
// text with the scopes into another, each list with no room beyond its
// length: an append to one moves it, never writes over the next.
func copyActor(a casemgr.Actor) casemgr.Actor {
	var texts packer[string]
	n := len(a.Scopes)
	if u := a.User; u != nil {
		n += len(u.Licenses) + len(u.Actions)
		c := *u
		var ids packer[casemgr.ID]
		ids.grow(len(c.ForeignDepartments) + len(c.TransferTo) + len(c.TransferToQueues) +
			len(c.PullUsers) + len(c.PullQueues) + len(c.PullOptionQueues))
		texts.grow(n)
		c.ForeignDepartments = ids.take(c.ForeignDepartments)
		c.TransferTo = ids.take(c.TransferTo)
		c.TransferToQueues = ids.take(c.TransferToQueues)
		c.PullUsers = ids.take(c.PullUsers)
		c.PullQueues = ids.take(c.PullQueues)
		c.PullOptionQueues = ids.take(c.PullOptionQueues)
		c.Licenses = texts.take(c.Licenses)
		c.Actions = texts.take(c.Actions)
		c.CustomAttributes = maps.Clone(c.CustomAttributes)
		a.User = &c
	} else {
		texts.grow(n)
	}
	if a.Client != nil {
		c := *a.Client
		a.Client = &c
	}
	a.Scopes = texts.take(a.Scopes)
	return a
}

// packer copies lists into one allocation (grow), as slices.Clone copies
// one: nil stays nil, empty stays empty, and each copy's capacity is its
// length.
type packer[T any] struct{ buf []T }

func (p *packer[T]) grow(n int) {
	if n > 0 {
		p.buf = make([]T, 0, n)
	}
}

func (p *packer[T]) take(s []T) []T {
	if len(s) == 0 {
		return s[:0:0]
	}
	start := len(p.buf)
	p.buf = append(p.buf, s...)
	return p.buf[start:len(p.buf):len(p.buf)]
}
