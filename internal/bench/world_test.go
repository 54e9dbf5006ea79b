package bench

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// smallWorld is a world small enough for the fixture loader.
var smallWorld = WorldConfig{Customers: 60, Cases: 120, Activities: 700, BenchUsers: 4, BulkCases: 3, Seed: 7,
	Now: time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)}

// worldURLs returns a fresh database URL of each engine.
func worldURLs(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   "sqlite://" + filepath.Join(t.TempDir(), "bench.db"),
		"postgres": storetest.PostgresSchema(t),
	}
}

func openStore(t *testing.T, url string) store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// The generated world passes every check of the fixture loader, and the bulk
// loader writes exactly what the fixture loader writes for it: what the
// store reads back is the same, on both engines.
func TestWorldIsConsistentAndBulkLoadMatchesFixtureLoad(t *testing.T) {
	skel, err := NewSkeleton(smallWorld)
	if err != nil {
		t.Fatal(err)
	}
	f, err := skel.Fixture()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	hash := func(s string) (string, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		return string(h), err
	}
	reference := storetest.OpenSQLite(t)
	if err := fixture.Load(t.Context(), reference, doc,
		fixture.LoadOptions{Mode: fixture.LoadIntoEmpty, Hash: hash, Now: smallWorld.Now}); err != nil {
		t.Fatalf("the fixture loader refuses the generated world: %v", err)
	}
	want := readWorld(t, reference, skel)

	for engine, url := range worldURLs(t) {
		t.Run(engine, func(t *testing.T) {
			stats, err := LoadWorld(t.Context(), url, smallWorld, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Activities != int64(smallWorld.Activities) || stats.Engine != engine {
				t.Errorf("stats = %+v", stats)
			}
			db := openStore(t, url)
			got := readWorld(t, db, skel)
			for name := range want {
				if g, w, ok := firstDiff(got[name], want[name]); !ok {
					t.Errorf("%s differ between the bulk load and the fixture load:\nbulk    %+v\nfixture %+v", name, g, w)
				}
			}
			// New IDs follow the loaded ones.
			if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
				a := &casemgr.Activity{Type: casemgr.TypeTask, Status: casemgr.StatusCompleted, Created: smallWorld.Now, LastModified: smallWorld.Now}
				if err := tx.InsertActivity(a); err != nil {
					return err
				}
				if a.ID != int64(smallWorld.Activities)+1 {
					t.Errorf("new activity ID %d, want %d", a.ID, smallWorld.Activities+1)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// A second load is refused unless it replaces the world.
			if _, err := LoadWorld(t.Context(), url, smallWorld, LoadOptions{}); err == nil {
				t.Error("a second load into a full database was accepted")
			}
			if _, err := LoadWorld(t.Context(), url, smallWorld, LoadOptions{Replace: true}); err != nil {
				t.Errorf("replace: %v", err)
			}
		})
	}
}

// firstDiff returns the first elements of two lists that differ, and
// false; true when the lists are equal.
func firstDiff(a, b any) (any, any, bool) {
	if reflect.DeepEqual(a, b) {
		return nil, nil, true
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Kind() != reflect.Slice || vb.Kind() != reflect.Slice {
		return a, b, false
	}
	for i := range min(va.Len(), vb.Len()) {
		if x, y := va.Index(i).Interface(), vb.Index(i).Interface(); !reflect.DeepEqual(x, y) {
			return x, y, false
		}
	}
	return va.Len(), vb.Len(), false
}

// readWorld reads every customer, case and activity of the world, and the
// users, through the store.
func readWorld(t *testing.T, db casemgr.Store, skel *Skeleton) map[string]any {
	t.Helper()
	nc, _, _, ncase, nact := skel.Counts()
	ids := func(n int64) []casemgr.ID {
		out := make([]casemgr.ID, n)
		for i := range out {
			out[i] = casemgr.ID(i + 1)
		}
		return out
	}
	out := map[string]any{}
	if err := db.Read(context.Background(), func(tx casemgr.Tx) error {
		custs, err := tx.Customers(ids(nc))
		if err != nil {
			return err
		}
		cases, err := tx.Cases(ids(ncase), false)
		if err != nil {
			return err
		}
		acts, err := tx.Activities(ids(nact), false)
		if err != nil {
			return err
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for i := range users {
			users[i].PasswordHash = "" // salted
		}
		out["customers"], out["cases"], out["activities"], out["users"] = custs, cases, acts, users
		if len(custs) != int(nc) || len(cases) != int(ncase) || len(acts) != int(nact) {
			t.Errorf("read %d customers, %d cases, %d activities; want %d, %d, %d",
				len(custs), len(cases), len(acts), nc, ncase, nact)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// The changeable emails of bulk cases that wait, wait in their department's
// inbox: a batch never waits in both queues of its department, so
// transfer-queue-75 always has a queue to move it to (it answers 400-435
// for an activity already waiting in the target queue).
func TestBulkEmailsWaitInTheInbox(t *testing.T) {
	skel, err := NewSkeleton(smallWorld)
	if err != nil {
		t.Fatal(err)
	}
	waiting := 0
	if err := skel.Activities(func(a *casemgr.Activity) error {
		if skel.cases[a.Case-1].bulk && a.Status == casemgr.StatusAwaitingAssignment {
			waiting++
			if a.Queue != inboxQueue(a.Department) {
				t.Errorf("activity %d of bulk case %d waits in queue %d, not the inbox %d", a.ID, a.Case, a.Queue, inboxQueue(a.Department))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if waiting == 0 {
		t.Fatal("no bulk email waits: the test checks nothing")
	}
}
