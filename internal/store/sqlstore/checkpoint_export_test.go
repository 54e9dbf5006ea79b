package sqlstore

import (
	"context"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// SetCheckpointing changes the settings of a SQLite Store's checkpointer
// (checkpoint.go) for a test: the interval between checkpoints while Writes
// commit, the log lengths (frames) from which it resets and forces a reset
// on the writer's connection, and the least time between two resets. Set
// before the first Write, they apply from it.
func SetCheckpointing(s *Store, interval time.Duration, resetFrames, forceFrames int64, resetGap time.Duration) {
	c := s.ckpt
	c.interval.Store(int64(interval))
	c.resetFrames.Store(resetFrames)
	c.forceFrames.Store(forceFrames)
	c.resetGap.Store(int64(resetGap))
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// CheckpointCounts returns the checkpoints a SQLite Store's checkpointer has
// run: in the background (PASSIVE), on the writer's connection, and of
// those the forced ones (RESTART).
func CheckpointCounts(s *Store) (passive, onWriter, forced uint64) {
	return s.ckpt.passive.Load(), s.ckpt.onWriter.Load(), s.ckpt.forced.Load()
}

// ExecIn runs a statement in the transaction of a Write, for tests that
// write rows of their own tables.
func ExecIn(in casemgr.Tx, q string, args ...any) error {
	t := in.(*tx)
	_, err := t.sqlTx.ExecContext(context.WithoutCancel(t.ctx), q, args...)
	return err
}
