package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the statements of one SQLite pool prepared across
// transactions: modernc.org/sqlite parses and plans a statement every time
// one is prepared, and the writer is one connection whose time every write
// waits for. A transaction binds a cached statement to itself, which reuses
// what its connection prepared before (database/sql keeps one prepared
// statement per connection).
//
// A statement is first prepared within the transaction that needs it (the
// pool's connection may be that transaction's only one) and prepared on
// the pool once the transaction has ended.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool
}

// maxCachedStmts bounds the cache; the store's queries are a fixed set far
// smaller, but searches combine filters.
const maxCachedStmts = 512

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns q prepared on the pool, or nil and notes q to be prepared.
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok {
		return st
	}
	if len(c.stmts)+len(c.pending) < maxCachedStmts {
		c.pending[q] = true
	}
	return nil
}

// preparePending prepares the statements noted, on the pool. It is called
// when no transaction of the caller holds a connection.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	var qs []string
	for q := range c.pending {
		qs = append(qs, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := c.pool.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue // prepared again in the next transaction that needs it
		}
		c.mu.Lock()
		if _, dup := c.stmts[q]; dup {
			_ = st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	clear(c.stmts)
}
