package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The tests of this file run delivery workers as separate OS processes:
// the test binary started again with envWorkerProcess set, which TestMain
// turns into a worker on the store named by envWorkerStore (its own
// connections, its own lease owner), until its standard input closes or
// it is killed.
const (
	envWorkerProcess = "CASEMGR_WEBHOOK_TEST_WORKER" // the lease owner
	envWorkerStore   = "CASEMGR_WEBHOOK_TEST_STORE"  // the store's URL
	envWorkerLease   = "CASEMGR_WEBHOOK_TEST_LEASE"  // the lease, a Go duration

	// envStressEvents sets the size of TestProcessesDeliverEveryEvent
	// (default stressDefault).
	envStressEvents = "CASEMGR_WEBHOOK_STRESS_EVENTS"
	stressDefault   = 500
)

func TestMain(m *testing.M) {
	if owner := os.Getenv(envWorkerProcess); owner != "" {
		os.Exit(workerProcess(owner))
	}
	os.Exit(m.Run())
}

// workerProcess delivers as a server process does, with a short lease and
// backoff, until its standard input closes.
func workerProcess(owner string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); cancel() }()
	lease, err := time.ParseDuration(os.Getenv(envWorkerLease))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lease:", err)
		return 2
	}
	db, err := store.Open(ctx, os.Getenv(envWorkerStore))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open store:", err)
		return 2
	}
	defer db.Close()
	w := &Worker{Store: db, Source: Feed{Store: db, Render: httpapi.EventJSON}, Client: NewClient(loopback, 10*time.Second), Owner: owner,
		Lease: lease, Poll: 20 * time.Millisecond, UserAgent: "worker/" + owner,
		Backoff: Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond, GiveUp: time.Hour},
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	w.Run(ctx)
	return 0
}

// startWorker starts a worker process on the store of url; the test's end
// closes its input and waits for it (killing it after 10 s).
func startWorker(t *testing.T, url, owner string, lease time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorkerProcess+"="+owner, envWorkerStore+"="+url, envWorkerLease+"="+lease.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return cmd
}

// countingReceiver is a loopback endpoint that verifies every delivery and
// records, in arrival order, the event of each one that verified; hold,
// when set, decides whether a request blocks until its sender goes away.
type countingReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []int64        // the event IDs delivered, in arrival order
	seen   map[int64]bool // the events delivered at least once
	agents map[string]int // deliveries per worker (User-Agent)
	bad    int            // deliveries that did not verify
	hold   func(id int64, attempt int) bool
	tries  map[int64]int // requests per event
	inHold chan int64    // the events held, as they arrive
}

func newCountingReceiver(t *testing.T) *countingReceiver {
	r := &countingReceiver{seen: map[int64]bool{}, agents: map[string]int{}, tries: map[int64]int{}, inHold: make(chan int64, 16)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *countingReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var item struct{ ID string }
	if Verify(testSecret, body, req.Header) != nil || json.Unmarshal(body, &item) != nil || item.ID != req.Header.Get("webhook-id") {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id, _ := strconv.ParseInt(item.ID, 10, 64)
	r.mu.Lock()
	r.tries[id]++
	held := r.hold != nil && r.hold(id, r.tries[id])
	r.mu.Unlock()
	if held {
		r.inHold <- id
		select { // until the sender is killed (or gives up)
		case <-req.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return
	}
	r.mu.Lock()
	r.got = append(r.got, id)
	r.seen[id] = true
	r.agents[req.UserAgent()]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// delivered returns how many events were delivered at least once, and how
// many deliveries there were.
func (r *countingReceiver) delivered() (events, deliveries int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen), len(r.got)
}

// check fails the test unless every event of the store was delivered at
// least once, every delivery verified, and the first deliveries of each
// entity's events came in the entity's commit order; it returns the
// duplicate deliveries.
func (r *countingReceiver) check(t *testing.T, db casemgr.Store) (duplicates int) {
	t.Helper()
	events := allEvents(t, db)
	entityOf := map[int64]string{}
	want := map[string][]int64{} // each entity's events in commit order
	for _, e := range events {
		k := e.Entity + "/" + casemgr.FormatID(e.EntityID)
		entityOf[e.ID] = k
		want[k] = append(want[k], e.ID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	got := map[string][]int64{} // each entity's events as first delivered
	seen := map[int64]bool{}
	for _, id := range r.got {
		if seen[id] {
			duplicates++
			continue
		}
		seen[id] = true
		got[entityOf[id]] = append(got[entityOf[id]], id)
	}
	if r.bad != 0 {
		t.Errorf("%d deliveries did not verify", r.bad)
	}
	if len(seen) != len(events) {
		t.Errorf("%d of %d events delivered", len(seen), len(events))
	}
	for k, ids := range want {
		if !slices.Equal(got[k], ids) {
			t.Errorf("%s: first deliveries %v, want its events in commit order %v", k, got[k], ids)
			break
		}
	}
	return duplicates
}

// allEvents reads every event written, from the feed: its bound may lag
// behind the last event while transactions of others on the server are
// open.
func allEvents(t *testing.T, db casemgr.Store) []casemgr.Event {
	t.Helper()
	var last int64
	if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) { _, last, err = tx.EventHorizon(); return err }); err != nil {
		t.Fatal(err)
	}
	var events []casemgr.Event
	for cursor, deadline := int64(0), time.Now().Add(20*time.Second); cursor < last && time.Now().Before(deadline); {
		page, next, err := casemgr.ReadEvents(context.Background(), db, casemgr.EventQuery{After: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		events, cursor = append(events, page...), next
	}
	return events
}

// waitDelivered waits until n events were delivered at least once.
func waitDelivered(t *testing.T, r *countingReceiver, n int, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(10 * time.Millisecond) {
		events, deliveries := r.delivered()
		if events >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events delivered (%d deliveries) after %v", events, n, deliveries, limit)
		}
	}
}

// stressTypes partition the events between the webhooks of the stress
// test: webhook i receives the events of type stressTypes[i], which are
// the events of the entities of kind stressKinds[i].
var (
	stressTypes = []string{casemgr.EventActivityTransferred, casemgr.EventCaseClosed, casemgr.EventCaseReopened, casemgr.EventCustomerChanged}
	stressKinds = []string{"activity", "case", "case", "customer"}
)

// writeStressEvents commits n events in batches of at most 1000, spread
// over 200 entities (entity k has the kind and type k % 4), as operations
// would.
func writeStressEvents(t *testing.T, db casemgr.Store, n int) {
	t.Helper()
	for done := 0; done < n; {
		batch := min(1000, n-done)
		var list []casemgr.HistoryEntry
		for i := done; i < done+batch; i++ {
			k := i % 200
			list = append(list, casemgr.HistoryEntry{Entity: stressKinds[k%4], EntityID: casemgr.ID(10000 + k), Action: "test",
				Actor: "client:stress", At: casemgr.Millis(time.Now()), EventType: stressTypes[k%4], Department: 10,
				Changes: fmt.Sprintf(`{"n":{"after":%d}}`, i)})
		}
		if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AppendHistory(list) }); err != nil {
			t.Fatal(err)
		}
		done += batch
	}
}

// TestProcessesDeliverEveryEvent: two worker processes on one PostgreSQL
// database deliver N events (CASEMGR_WEBHOOK_STRESS_EVENTS, default 500;
// docs/webhooks.md gives the figures of 10,000) to four webhooks written
// while they run: every event is delivered at least once, every delivery
// verifies, each entity's events arrive in commit order, and the duplicate
// rate is logged.
func TestProcessesDeliverEveryEvent(t *testing.T) {
	skipShort(t)
	n := stressDefault
	if v := os.Getenv(envStressEvents); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envStressEvents, v)
		}
	}
	url := storetest.PostgresSchema(t)
	db := openStore(t, url)
	rec := newCountingReceiver(t)
	for i, typ := range stressTypes {
		h := &casemgr.Webhook{Client: "stress", URL: rec.URL + "/" + strconv.Itoa(i), Secret: testSecret, Created: time.Now(),
			Status: casemgr.WebhookActive, EventTypes: []string{typ}}
		if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.InsertWebhook(h) }); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for _, owner := range []string{"a", "b"} {
		startWorker(t, url, owner, 30*time.Second)
	}
	writeStressEvents(t, db, n)
	waitDelivered(t, rec, n, time.Duration(n)*20*time.Millisecond+30*time.Second)
	took := time.Since(start)
	dup := rec.check(t, db)
	rec.mu.Lock()
	t.Logf("%d events delivered by two processes in %v: %d duplicates (rate %.4f%%); deliveries per process %v",
		n, took.Round(time.Millisecond), dup, 100*float64(dup)/float64(n), rec.agents)
	rec.mu.Unlock()
}

// TestKilledProcessLosesNothing: a worker process killed (SIGKILL) while a
// delivery is in flight leaves its lease to expire; a second process,
// already running, then delivers from the last recorded delivery: every
// event arrives at least once, in order per entity. On both engines (two
// processes on one SQLite file share it as on PostgreSQL).
func TestKilledProcessLosesNothing(t *testing.T) {
	skipShort(t)
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "casemgr.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresSchema(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			url := urls[engine](t)
			db := openStore(t, url)
			rec := newCountingReceiver(t)
			addWebhook(t, db, rec.URL+"/")
			writeEvents(t, db, 10, 0)
			writeEvents(t, db, 10, 1)
			events := allEvents(t, db)
			if len(events) != 20 {
				t.Fatalf("%d events, want 20", len(events))
			}
			inFlight := events[12].ID // after 12 delivered
			rec.mu.Lock()
			rec.hold = func(id int64, attempt int) bool { return id == inFlight && attempt == 1 }
			rec.mu.Unlock()
			const lease = time.Second
			a := startWorker(t, url, "a", lease)
			select {
			case <-rec.inHold:
			case <-time.After(30 * time.Second):
				t.Fatal("no delivery in flight after 30 s")
			}
			startWorker(t, url, "b", lease)
			if err := a.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			waitDelivered(t, rec, len(events), 30*time.Second)
			dup := rec.check(t, db)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.agents["worker/b"] == 0 || rec.tries[inFlight] < 2 {
				t.Errorf("the event in flight was tried %d times; deliveries %v: want it delivered by b", rec.tries[inFlight], rec.agents)
			}
			t.Logf("deliveries %v, %d duplicates", rec.agents, dup)
		})
	}
}

// skipShort skips the tests that start processes under go test -short.
func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes; not with -short")
	}
}

// openStore opens the store of url (its schema made by the caller),
// migrated, closed when the test ends.
func openStore(t *testing.T, url string) store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
