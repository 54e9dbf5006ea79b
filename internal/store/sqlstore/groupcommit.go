package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Group commit (SQLite, off by default): the Write calls that arrive while
// the one writer is busy are run together in one transaction, each in a
// savepoint of its own, and committed at once. A Write whose fn fails or
// panics is rolled back to its savepoint, which touches no other; each
// Write returns only after the shared commit, with its own error, or with
// the commit's when the commit fails. Events and history stay exactly per
// Write: they are the statements of its own savepoint.
//
// A Write runs to its end once its turn has come, even if its context ends
// meanwhile: on SQLite an interrupted write statement rolls back the whole
// transaction, and so every other Write of the group. One whose context
// ended before its turn is not run.

// maxGroup bounds the Writes committed together.
const maxGroup = 32

// groupWrite is one Write waiting for its turn.
type groupWrite struct {
	ctx  context.Context
	fn   func(casemgr.Tx) error
	done chan groupResult
}

type groupResult struct {
	err error
	// panicked is what fn panicked with, to panic again in the caller.
	panicked any
	panics   bool
}

// groupCommitter runs the queued Writes of a Store.
type groupCommitter struct {
	queue chan *groupWrite
	stop  chan struct{}
	// ended is closed when the loop has returned: a Write queued after
	// its last drain is answered by no one.
	ended chan struct{}
	wg    sync.WaitGroup
}

// SetGroupCommit turns group commit on or off (SQLite only). Call it before
// the Store is used, not while Writes run.
func (s *Store) SetGroupCommit(on bool) error {
	if on && !s.OneWriter() {
		return fmt.Errorf("%s: group commit is for SQLite, whose write transactions run one at a time", s.d.name)
	}
	if on == (s.group != nil) {
		return nil
	}
	if !on {
		s.group.close()
		s.group = nil
		return nil
	}
	g := &groupCommitter{queue: make(chan *groupWrite, 4*maxGroup), stop: make(chan struct{}), ended: make(chan struct{})}
	g.wg.Add(1)
	go g.loop(s)
	s.group = g
	return nil
}

// errGroupClosed answers the Writes still queued when the Store closes.
var errGroupClosed = errors.New("sqlite: store closed")

// drain answers the Writes still queued.
func (g *groupCommitter) drain() {
	for {
		select {
		case w := <-g.queue:
			w.done <- groupResult{err: errGroupClosed}
		default:
			return
		}
	}
}

func (g *groupCommitter) close() {
	close(g.stop)
	g.wg.Wait()
}

// write queues fn and waits for the commit of its group. A Write after
// the Store closed, or queued while it closed, is refused and not run.
func (g *groupCommitter) write(ctx context.Context, fn func(casemgr.Tx) error) error {
	select {
	case <-g.stop:
		return errGroupClosed
	default:
	}
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan groupResult, 1)}
	select {
	case g.queue <- w:
	case <-g.stop:
		return errGroupClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	var r groupResult
	select {
	case r = <-w.done:
	case <-g.ended:
		select {
		case r = <-w.done:
		default:
			return errGroupClosed
		}
	}
	if r.panics {
		panic(r.panicked)
	}
	return r.err
}

// loop takes the Writes waiting, up to maxGroup, and runs them as one group,
// until the Store closes.
func (g *groupCommitter) loop(s *Store) {
	defer g.wg.Done()
	defer close(g.ended)
	for {
		var first *groupWrite
		select {
		case first = <-g.queue:
		case <-g.stop:
			g.drain()
			return
		}
		group := []*groupWrite{first}
	more:
		for len(group) < maxGroup {
			select {
			case w := <-g.queue:
				group = append(group, w)
			default:
				break more
			}
		}
		s.runGroup(group)
	}
}

// runGroup runs a group of Writes in one transaction and answers each.
func (s *Store) runGroup(group []*groupWrite) {
	results := make([]groupResult, len(group))
	ctx := context.Background()
	sqlTx, err := s.writer.BeginTx(ctx, nil) // IMMEDIATE, by the writer's DSN
	if err != nil {
		answerGroup(group, results, fmt.Errorf("%s: begin transaction: %w", s.d.name, err))
		return
	}
	var committed []*tx
	configChanged := false
	for i, w := range group {
		if err := w.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		t := &tx{ctx: context.WithoutCancel(w.ctx), d: s.d, write: true, sqlTx: sqlTx, cache: s.config,
			prepared: s.stmts[s.writer], statements: &s.statements, writeStatements: &s.writeStatements}
		if configChanged {
			// An earlier Write of the group changed the configuration:
			// its copy is not committed yet and must not be kept.
			t.cache = nil
		}
		ok, fatal := s.runSavepoint(t, w, &results[i])
		if fatal != nil {
			_ = sqlTx.Rollback()
			answerGroup(group, results, fatal)
			return
		}
		if ok {
			committed = append(committed, t)
			configChanged = configChanged || t.configDirty
		}
	}
	err = sqlTx.Commit()
	s.groups.Add(1)
	if err != nil {
		err = fmt.Errorf("%s: commit: %w", s.d.name, err)
	}
	s.afterGroupCommit(committed)
	s.stmts[s.writer].preparePending(ctx)
	answerGroup(group, results, err)
}

// runSavepoint runs w's fn in a savepoint of t's transaction. ok reports
// that it succeeded and its savepoint was released; otherwise its error is
// in r and its savepoint rolled back. fatal is an error that ends the whole
// transaction (a savepoint that could not be made, released or rolled
// back: the transaction is no longer the group's).
func (s *Store) runSavepoint(t *tx, w *groupWrite, r *groupResult) (ok bool, fatal error) {
	if _, err := t.sqlTx.ExecContext(t.ctx, "SAVEPOINT w"); err != nil {
		return false, fmt.Errorf("%s: savepoint: %w", s.d.name, err)
	}
	r.err = runGuarded(t, w.fn, r)
	if r.err == nil && !r.panics {
		if _, err := t.sqlTx.ExecContext(t.ctx, "RELEASE w"); err != nil {
			return false, fmt.Errorf("%s: release savepoint: %w", s.d.name, err)
		}
		return true, nil
	}
	if _, err := t.sqlTx.ExecContext(t.ctx, "ROLLBACK TO w"); err != nil {
		return false, fmt.Errorf("%s: roll back savepoint: %w", s.d.name, err)
	}
	if _, err := t.sqlTx.ExecContext(t.ctx, "RELEASE w"); err != nil {
		return false, fmt.Errorf("%s: release savepoint: %w", s.d.name, err)
	}
	return false, nil
}

// runGuarded runs fn on t and what run does before a commit (beforeCommit),
// recovering a panic of fn into r.
func runGuarded(t *tx, fn func(casemgr.Tx) error, r *groupResult) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.panicked, r.panics = p, true
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	return t.beforeCommit()
}

// afterGroupCommit does for every Write of a committed group what run does
// after a commit.
func (s *Store) afterGroupCommit(committed []*tx) {
	events := false
	for _, t := range committed {
		s.afterCommit(t)
		events = events || t.wroteEvents
	}
	if events {
		s.committedEvents()
	}
}

// answerGroup answers every Write of a group: its own error, or err (the
// group's) when it has none.
func answerGroup(group []*groupWrite, results []groupResult, err error) {
	for i, w := range group {
		r := results[i]
		if r.err == nil && !r.panics {
			r.err = err
		}
		w.done <- r
	}
}
