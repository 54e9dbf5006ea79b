package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints of the write-ahead log, off the writer's commits (SQLite).
//
// SQLite's automatic checkpoint (wal_autocheckpoint, 1 000 pages) runs
// inside the COMMIT that takes the log past its threshold: that commit
// copies the whole log into the database and waits for two fsyncs (with
// synchronous NORMAL the only ones), while every other Write waits for the
// one writer. The writer's connection has it off (wal_autocheckpoint(0));
// a checkpointer of the Store does the copying on a connection of its own:
//
//   - While Writes commit, every checkpointInterval it runs
//     wal_checkpoint(PASSIVE), which copies into the database the pages of
//     the log that no reader still needs, without waiting for or blocking
//     the writer or any reader. Readers look up only the part of the log
//     not yet copied, so a long, copied log costs them nothing.
//   - The log is written from its start again only when a write begins
//     while all of it is copied, which the writer appending meanwhile
//     seldom allows. When the log has walResetFrames frames (32 MiB of
//     4 KiB pages), the checkpointer copies what is left on the writer's
//     own connection, between two transactions (the Writes wait for it:
//     the pages of the last interval and two fsyncs), so that the next
//     write starts the log again; at most once a second.
//   - Should the log reach walForceFrames all the same (readers that kept
//     old snapshots, or another process writing), it runs
//     wal_checkpoint(RESTART) on the writer's connection, which waits up to
//     forceBusyTimeout for the readers of old snapshots and for another
//     process's writer, and then starts the log again.
//
// Several processes may share one file: each has its own checkpointer,
// SQLite lets one checkpoint run at a time (another answers busy and is
// tried again at the next interval), and a PASSIVE checkpoint of one
// process copies the pages of every process's commits. Closing the Store
// stops the checkpointer after a last PASSIVE checkpoint; the last
// connection of the file to close checkpoints the rest and removes the log,
// as before.
const (
	// checkpointInterval is the time between two checkpoints while
	// Writes commit.
	checkpointInterval = 100 * time.Millisecond
	// checkpointIdlePoll is how often an idle checkpointer looks at the
	// log all the same, for the commits of other processes.
	checkpointIdlePoll = 5 * time.Second
	// walResetFrames is the length of the log, in frames (pages), from
	// which the checkpointer makes the writer start it again.
	walResetFrames = 8192
	// walForceFrames is the length from which it forces the restart.
	walForceFrames = 4 * walResetFrames
	// resetEvery bounds how often the writer is held for a reset.
	resetEvery = time.Second
	// forceBusyTimeout bounds the wait of a forced restart.
	forceBusyTimeout = 200 * time.Millisecond
)

// checkpointer runs the checkpoints of a SQLite Store.
type checkpointer struct {
	// db is its own connection; writer is the Store's.
	db, writer *sql.DB
	// wake is signalled by every commit; changed by a change of the
	// settings (tests), which starts the wait for the interval again.
	wake, changed chan struct{}
	stop          chan struct{}
	done          chan struct{}
	// The settings, atomic so that tests may change them while it runs.
	interval, resetFrames, forceFrames, resetGap atomic.Int64
	// passive counts the background checkpoints; onWriter the
	// checkpoints run on the writer's connection to start the log
	// again, forced those of them that were RESTART; frames is the
	// length of the log at the last checkpoint.
	passive, onWriter, forced atomic.Uint64
	// onWriterNs is the time the writer's connection was held for them.
	onWriterNs atomic.Int64
	frames     atomic.Int64
	lastReset  time.Time
	// closing makes close idempotent, as the Store's Close is.
	closing  sync.Once
	closeErr error
}

// newCheckpointer starts the checkpointer of a Store whose writer is
// writer, on db, a connection of its own.
func newCheckpointer(db, writer *sql.DB) *checkpointer {
	c := &checkpointer{db: db, writer: writer, wake: make(chan struct{}, 1), changed: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	c.interval.Store(int64(checkpointInterval))
	c.resetFrames.Store(walResetFrames)
	c.forceFrames.Store(walForceFrames)
	c.resetGap.Store(int64(resetEvery))
	go c.loop()
	return c
}

// committed tells the checkpointer that a Write committed; it never
// waits.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// loop checkpoints, after a commit, once an interval has passed, until the
// Store closes.
func (c *checkpointer) loop() {
	defer close(c.done)
	idle := time.NewTimer(checkpointIdlePoll)
	defer idle.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		case <-idle.C:
		}
	wait:
		for {
			select {
			case <-c.stop:
				return
			case <-c.changed:
				continue
			case <-time.After(time.Duration(c.interval.Load())):
				break wait
			}
		}
		// The commits until now are the checkpoint's; those after it
		// wake the next one.
		select {
		case <-c.wake:
		default:
		}
		c.checkpoint(context.Background())
		idle.Reset(checkpointIdlePoll)
	}
}

// checkpoint runs a PASSIVE checkpoint and, when the log has grown long,
// one on the writer's connection.
func (c *checkpointer) checkpoint(ctx context.Context) {
	_, frames, _, err := walCheckpoint(ctx, c.db, "PASSIVE")
	if err != nil {
		return // tried again at the next interval
	}
	c.passive.Add(1)
	c.frames.Store(frames)
	switch {
	case frames >= c.forceFrames.Load():
		c.onWriterConn(ctx, true)
	case frames >= c.resetFrames.Load() && time.Since(c.lastReset) >= time.Duration(c.resetGap.Load()):
		c.onWriterConn(ctx, false)
	}
}

// onWriterConn checkpoints on the writer's connection, between two
// transactions, so that the next write starts the log again: PASSIVE, or
// RESTART when forced (waiting up to forceBusyTimeout for readers and
// other processes' writers).
func (c *checkpointer) onWriterConn(ctx context.Context, force bool) {
	c.lastReset = time.Now()
	conn, err := c.writer.Conn(ctx)
	if err != nil {
		return
	}
	held := time.Now()
	defer func() {
		_ = conn.Close()
		c.onWriterNs.Add(int64(time.Since(held)))
	}()
	mode := "PASSIVE"
	if force {
		mode = "RESTART"
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(forceBusyTimeout.Milliseconds(), 10)); err != nil {
			return
		}
		defer func() {
			_, _ = conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10))
		}()
	}
	if _, _, _, err := walCheckpoint(ctx, conn, mode); err != nil {
		return
	}
	c.onWriter.Add(1)
	if force {
		c.forced.Add(1)
	}
}

// close stops the checkpointer after a last PASSIVE checkpoint, and closes
// its connection.
func (c *checkpointer) close() error {
	c.closing.Do(func() {
		close(c.stop)
		<-c.done
		_, _, _, _ = walCheckpoint(context.Background(), c.db, "PASSIVE")
		c.closeErr = c.db.Close()
	})
	return c.closeErr
}

// walCheckpoint runs PRAGMA wal_checkpoint(mode) on db: busy is 1 when it
// could not finish (another checkpoint running, or, for RESTART, readers
// or a writer that did not end in time), frames the length of the log and
// copied the frames of it now in the database.
func walCheckpoint(ctx context.Context, db queryer, mode string) (busy, frames, copied int64, err error) {
	err = db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
	return busy, frames, copied, err
}
