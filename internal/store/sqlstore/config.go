package sqlstore

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The configuration — settings, departments, queues, users (with their
// permissions), client applications, calltrack subtypes and custom
// attribute definitions — is read by nearly every request and changed
// rarely (by fixture loads). Each Store keeps a copy in memory and
// serves the configuration getters of a transaction from it:
//
//   - Every transaction that changes the configuration also increments
//     config_version (migration 0003); on PostgreSQL it also sends a
//     notification on the channel casemgr_config, which PostgreSQL delivers
//     when, and only if, it commits.
//   - SQLite: a transaction compares config_version, read in its own
//     snapshot, with the version of the copy (one local query). The copy
//     is used only when they are equal, otherwise the configuration is
//     read in the transaction and becomes the copy: every transaction sees
//     exactly the configuration of its snapshot, even with several
//     processes on one file.
//   - PostgreSQL: a connection of each Store LISTENs on casemgr_config,
//     and every notification about its schema (and every change committed
//     by the Store itself) discards the copy; the next transaction reads a
//     new one on a connection of its own. A change committed by another
//     process is thus
//     seen once its notification arrives (well under a millisecond on one
//     host); one committed by this process, at once. While the listening
//     connection is down the copy is not used at all.
//   - Within a transaction that changed the configuration, the getters read
//     the database (the transaction's own changes).
//
// Getters return deep copies, so callers may change what they get.

// configChannel is the notification channel of configuration changes; a
// notification's payload is the schema of the store that sent it
// (currentSchema).
const (
	configChannel = "casemgr_config"
	currentSchema = "coalesce(current_schema(), '')"
	// authSuffix ends the payload of a notification that a session was
	// revoked (not a configuration change): its schema, then ":auth".
	authSuffix = ":auth"
	// senderSep separates, in the payload of a notification of committed
	// events, the schema from the sending store's name (configCache.self),
	// so that a store does not wake its readers a second time for its own
	// commits: it woke them when it committed.
	senderSep = "#"
)

// configSnap is one copy of the configuration.
type configSnap struct {
	version    int64  // SQLite: config_version it was read at
	gen        uint64 // PostgreSQL: the cache generation it was read at
	settings   casemgr.Settings
	depts      []casemgr.Department
	queues     []casemgr.Queue
	users      []casemgr.User
	clients    []casemgr.ClientApp
	subtypes   []string
	defs       []casemgr.AttributeDef
	deptByID   map[casemgr.ID]int
	deptByName map[string]int
	queueByID  map[casemgr.ID]int
	userByID   map[casemgr.ID]int
	userByName map[string]int
	clientByID map[string]int
}

// configCache is a Store's copy of the configuration.
type configCache struct {
	mu   sync.Mutex
	snap *configSnap
	// gen counts the changes heard of (PostgreSQL); a copy read at an
	// older generation is stale.
	gen atomic.Uint64
	// authGen counts the revocations of sessions committed by this
	// process or heard of (Store.AuthEpoch).
	authGen atomic.Uint64
	// listening reports whether the notifications are heard (PostgreSQL).
	listening atomic.Bool
	// loading makes concurrent misses read the configuration once.
	loading sync.Mutex
	// loadDB is the connection a PostgreSQL copy is read on, apart from
	// the pool, so a transaction holding a pool connection never waits
	// for another one.
	loadDB *sql.DB
	// stop ends the listener; done is closed when it has ended.
	stop context.CancelFunc
	done chan struct{}
	// onEvents wakes the readers of the change feed waiting in this
	// process: the listening connection also hears the notifications of
	// committed events (events.go), and while it reconnects some may have
	// been missed.
	onEvents func()
	// hits, misses and invalidations count how the copy served (Stats).
	hits, misses, invalidations atomic.Uint64
	// self names this store in its notifications of committed events
	// (senderSep); ownEvents counts those it heard and ignored (Stats).
	self      string
	ownEvents atomic.Uint64
}

func (c *configCache) current() *configSnap {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap
}

func (c *configCache) set(s *configSnap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap = s
}

// invalidate discards the copy (PostgreSQL). SQLite finds its copy stale
// by config_version instead, and counts that in config.
func (c *configCache) invalidate() {
	c.gen.Add(1)
	if c.loadDB != nil {
		c.invalidations.Add(1)
	}
}

// close stops the listener and closes the load connection.
func (c *configCache) close() error {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
	if c.loadDB != nil {
		return c.loadDB.Close()
	}
	return nil
}

// listen keeps a connection LISTENing on the configuration channel and
// invalidates the copy on every notification, until ctx ends. It
// reconnects after a failure; the copy is unused meanwhile.
func (c *configCache) listen(ctx context.Context, dsn string) {
	defer close(c.done)
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, dsn)
		// Notifications name the schema whose configuration changed:
		// stores of other schemas of the database (other deployments,
		// tests) share the channel.
		var schema string
		if err == nil {
			err = conn.QueryRow(ctx, "SELECT "+currentSchema).Scan(&schema)
		}
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+configChannel)
		}
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+eventsChannel)
		}
		if err == nil {
			// Whatever changed before the LISTEN was not heard of.
			c.invalidate()
			c.listening.Store(true)
			c.eventsMayHaveCommitted()
			for {
				var n *pgconn.Notification
				if n, err = conn.WaitForNotification(ctx); err != nil {
					break
				}
				switch {
				case n.Payload == schema+authSuffix:
					c.authGen.Add(1)
				case n.Channel == eventsChannel && c.self != "" && n.Payload == schema+senderSep+c.self:
					c.ownEvents.Add(1)
				case n.Channel == eventsChannel && strings.HasPrefix(n.Payload, schema+senderSep):
					c.eventsMayHaveCommitted()
				case n.Payload != schema:
				case n.Channel == eventsChannel:
					c.eventsMayHaveCommitted()
				default:
					c.invalidate()
				}
			}
			c.listening.Store(false)
			c.invalidate()
		}
		if conn != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = conn.Close(closeCtx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// storeName names a store in its notifications of committed events: random,
// so that two stores on one schema (two processes, or two stores of one
// process) never take each other's notifications for their own.
func storeName() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// eventsMayHaveCommitted wakes the feed's readers waiting in this process.
func (c *configCache) eventsMayHaveCommitted() {
	if c.onEvents != nil {
		c.onEvents()
	}
}

// configChanged records that the transaction changes the configuration.
func (t *tx) configChanged() {
	t.configDirty = true
	t.cfg = nil
}

// versionRead records the version of the configuration as a statement of
// the transaction read it along (SQLite; NULL when it returned no row),
// so that config need not read it again: the transaction's snapshot is
// the same for all its statements.
func (t *tx) versionRead(v sql.NullInt64) {
	if v.Valid {
		t.version, t.versionKnown = v.Int64, true
	}
}

// config returns the copy of the configuration that the transaction may
// use, or nil when it must read the database.
func (t *tx) config() (*configSnap, error) {
	c := t.cache
	if c == nil || t.configDirty {
		return nil, nil
	}
	if t.cfg != nil {
		return t.cfg, nil
	}
	if t.d.listenNotify {
		if !c.listening.Load() {
			return nil, nil
		}
		gen := c.gen.Load()
		if s := c.current(); s != nil && s.gen == gen {
			c.hits.Add(1)
			t.cfg = s
			return s, nil
		}
		s, err := c.loadPostgres(t.ctx)
		if err != nil {
			return nil, t.wrap("configuration", err)
		}
		t.cfg = s
		return s, nil
	}
	version, known := t.version, t.versionKnown
	if !known {
		if err := t.queryRow(`SELECT version FROM config_version WHERE id = 1`, nil, &version); err != nil {
			return nil, t.wrap("configuration version", err)
		}
	}
	s := c.current()
	if s != nil && s.version == version {
		c.hits.Add(1)
		t.cfg = s
		return s, nil
	}
	if s != nil {
		c.invalidations.Add(1)
	}
	c.misses.Add(1)
	s, err := readConfig(t)
	if err != nil {
		return nil, err
	}
	s.version = version
	c.mu.Lock()
	if c.snap == nil || c.snap.version <= version {
		c.snap = s
	}
	c.mu.Unlock()
	t.cfg = s
	return s, nil
}

// loadPostgres reads a copy on the load connection, once for all the
// transactions that miss at the same time.
func (c *configCache) loadPostgres(ctx context.Context) (*configSnap, error) {
	c.loading.Lock()
	defer c.loading.Unlock()
	gen := c.gen.Load() // before reading: a change heard of later discards the copy
	if s := c.current(); s != nil && s.gen == gen {
		c.hits.Add(1) // another transaction read it meanwhile
		return s, nil
	}
	c.misses.Add(1)
	sqlTx, err := c.loadDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	defer func() { _ = sqlTx.Rollback() }() // a read: nothing to keep
	s, err := readConfig(&tx{ctx: ctx, sqlTx: sqlTx, d: postgresDialect})
	if err != nil {
		return nil, err
	}
	s.gen = gen
	c.set(s)
	return s, nil
}

// readConfig reads the whole configuration in t.
func readConfig(t *tx) (*configSnap, error) {
	s := &configSnap{}
	var err error
	if s.settings, err = t.dbSettings(); err != nil {
		return nil, err
	}
	if s.depts, err = t.dbDepartments(); err != nil {
		return nil, err
	}
	if s.queues, err = t.dbQueues(); err != nil {
		return nil, err
	}
	if s.users, err = t.dbUsers(); err != nil {
		return nil, err
	}
	if s.clients, err = t.dbClientApps(); err != nil {
		return nil, err
	}
	if s.subtypes, err = t.dbCalltrackSubtypes(); err != nil {
		return nil, err
	}
	if s.defs, err = t.dbAttributeDefs(""); err != nil {
		return nil, err
	}
	s.deptByID, s.deptByName = map[casemgr.ID]int{}, map[string]int{}
	for i, d := range s.depts {
		s.deptByID[d.ID], s.deptByName[d.Name] = i, i
	}
	s.queueByID = map[casemgr.ID]int{}
	for i, q := range s.queues {
		s.queueByID[q.ID] = i
	}
	s.userByID, s.userByName = map[casemgr.ID]int{}, map[string]int{}
	for i, u := range s.users {
		s.userByID[u.ID], s.userByName[u.Name] = i, i
	}
	s.clientByID = map[string]int{}
	for i, c := range s.clients {
		s.clientByID[c.ClientID] = i
	}
	return s, nil
}

// markConfigVersion records, before the commit of a transaction that
// changed the configuration, that it did.
func (t *tx) markConfigVersion() error {
	if _, err := t.exec("configuration version", `UPDATE config_version SET version = version + 1 WHERE id = 1`); err != nil {
		return err
	}
	if t.d.listenNotify {
		if _, err := t.exec("configuration notification", `SELECT pg_notify('`+configChannel+`', `+currentSchema+`)`); err != nil {
			return err
		}
	}
	return nil
}

// markAuthChange records, before the commit of a transaction that revoked
// a session, that it did: on PostgreSQL, other processes are told on
// commit (the configuration copy stays).
func (t *tx) markAuthChange() error {
	if !t.d.listenNotify {
		return nil
	}
	_, err := t.exec("revocation notification", `SELECT pg_notify('`+configChannel+`', `+currentSchema+` || '`+authSuffix+`')`)
	return err
}

// Copies handed out. The methods of a nil copy return nothing (its getter
// returns the error that left it nil).

func copyDept(d casemgr.Department) *casemgr.Department {
	d.SharedWith = slices.Clone(d.SharedWith)
	return &d
}

func copyUser(u casemgr.User) *casemgr.User {
	c := u.Clone()
	return &c
}

func (s *configSnap) department(id casemgr.ID) *casemgr.Department {
	if s == nil {
		return nil
	}
	if i, ok := s.deptByID[id]; ok {
		return copyDept(s.depts[i])
	}
	return nil
}

func (s *configSnap) departmentByName(name string) *casemgr.Department {
	if s == nil {
		return nil
	}
	if i, ok := s.deptByName[name]; ok {
		return copyDept(s.depts[i])
	}
	return nil
}

func (s *configSnap) departments() []casemgr.Department {
	if s == nil {
		return nil
	}
	if len(s.depts) == 0 {
		return nil
	}
	out := slices.Clone(s.depts)
	for i := range out {
		out[i].SharedWith = slices.Clone(out[i].SharedWith)
	}
	return out
}

func (s *configSnap) queue(id casemgr.ID) *casemgr.Queue {
	if s == nil {
		return nil
	}
	if i, ok := s.queueByID[id]; ok {
		q := s.queues[i]
		return &q
	}
	return nil
}

func (s *configSnap) user(id casemgr.ID) *casemgr.User {
	if s == nil {
		return nil
	}
	if i, ok := s.userByID[id]; ok {
		return copyUser(s.users[i])
	}
	return nil
}

func (s *configSnap) userByLogin(name string) *casemgr.User {
	if s == nil {
		return nil
	}
	if i, ok := s.userByName[name]; ok {
		return copyUser(s.users[i])
	}
	return nil
}

func (s *configSnap) allUsers() []casemgr.User {
	if s == nil {
		return nil
	}
	if len(s.users) == 0 {
		return nil
	}
	out := make([]casemgr.User, len(s.users))
	for i, u := range s.users {
		out[i] = *copyUser(u)
	}
	return out
}

func (s *configSnap) clientApp(id string) *casemgr.ClientApp {
	if s == nil {
		return nil
	}
	if i, ok := s.clientByID[id]; ok {
		c := s.clients[i]
		return &c
	}
	return nil
}

func (s *configSnap) attributeDefs(object string) []casemgr.AttributeDef {
	if s == nil {
		return nil
	}
	var out []casemgr.AttributeDef
	for _, d := range s.defs {
		if object == "" || d.Object == object {
			d.Values = slices.Clone(d.Values)
			out = append(out, d)
		}
	}
	return out
}
