package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestGroupCommit queues six Writes behind one that holds the writer, so
// that they are committed as one group: the third returns an error and the
// fifth panics after writing, and neither's writes are kept while the
// others' are; each Write is answered with its own outcome, and only after
// the commit (a read right after its answer sees its row). PostgreSQL
// refuses group commit.
func TestGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		s := db.(*sqlstore.Store)
		if db.Engine() == "postgres" {
			if err := s.SetGroupCommit(true); err == nil {
				t.Fatal("group commit turned on on PostgreSQL")
			}
			return
		}
		if err := s.SetGroupCommit(true); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		insert := func(tx casemgr.Tx, name string) (casemgr.ID, error) {
			c := &casemgr.Customer{Name: name, Type: "individual", Created: time.Now(), LastModified: time.Now()}
			err := tx.InsertCustomer(c)
			return c.ID, err
		}
		started, release := make(chan struct{}), make(chan struct{})
		blockerDone := make(chan error, 1)
		go func() {
			blockerDone <- db.Write(ctx, func(tx casemgr.Tx) error {
				close(started)
				<-release
				_, err := insert(tx, "blocker")
				return err
			})
		}()
		<-started
		groupsBefore := s.Stats().GroupCommits
		const n = 6
		ids := make([]casemgr.ID, n)
		errs := make([]error, n)
		seen := make([]bool, n)
		var panicked any
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if p := recover(); p != nil {
						panicked = p
					}
				}()
				errs[i] = db.Write(ctx, func(tx casemgr.Tx) error {
					id, err := insert(tx, fmt.Sprintf("w%d", i))
					ids[i] = id
					switch {
					case err != nil:
						return err
					case i == 2:
						return errors.New("refused")
					case i == 4:
						panic("write 4 panics")
					}
					return nil
				})
				seen[i] = errs[i] == nil && customerExists(t, db, ids[i], fmt.Sprintf("w%d", i))
			}()
		}
		deadline := time.Now().Add(10 * time.Second)
		for sqlstore.GroupQueued(s) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if q := sqlstore.GroupQueued(s); q != n {
			t.Fatalf("%d Writes queued, want %d", q, n)
		}
		close(release)
		wg.Wait()
		if err := <-blockerDone; err != nil {
			t.Fatal(err)
		}
		// The blocker's transaction, then one for the six.
		if g := s.Stats().GroupCommits - groupsBefore; g != 2 {
			t.Errorf("the six Writes took %d transactions, want 1", g-1)
		}
		if panicked != "write 4 panics" {
			t.Errorf("write 4: panic %v reached its caller, want its own", panicked)
		}
		for i := range n {
			wantKept := i != 2 && i != 4
			if kept := customerExists(t, db, ids[i], fmt.Sprintf("w%d", i)); kept != wantKept {
				t.Errorf("write %d: kept %v, want %v (error %v)", i, kept, wantKept, errs[i])
			}
			if wantKept && (errs[i] != nil || !seen[i]) {
				t.Errorf("write %d: error %v, its row seen right after its answer: %v", i, errs[i], seen[i])
			}
		}
		if errs[2] == nil || errs[2].Error() != "refused" {
			t.Errorf("write 2 answered %v, want its own error", errs[2])
		}
	})
}

// customerExists reads whether the customer id is committed with its name
// (the ID of one rolled back is used again).
func customerExists(t *testing.T, db store.DB, id casemgr.ID, name string) bool {
	var found bool
	if err := db.Read(context.Background(), func(tx casemgr.Tx) error {
		list, err := tx.Customers([]casemgr.ID{id})
		found = len(list) == 1 && list[0].Name == name
		return err
	}); err != nil {
		t.Error(err)
	}
	return found
}
