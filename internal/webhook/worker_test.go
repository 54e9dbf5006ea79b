package webhook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// memSource is a feed of fixed events, for the worker's tests before the
// events of the store: item i has ID i+1 and entity i % entities.
type memSource struct {
	mu    sync.Mutex
	items []Item
	heads int
}

func (s *memSource) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		id := int64(len(s.items) + 1)
		s.items = append(s.items, Item{ID: id, Body: []byte(fmt.Sprintf(`{"id":"%d","type":"case.created"}`, id))})
	}
}

func (s *memSource) Read(_ context.Context, after int64, _ []string, limit int) ([]Item, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Item
	for _, it := range s.items {
		if it.ID > after && len(out) < limit {
			out = append(out, it)
		}
	}
	cursor := int64(len(s.items))
	if len(out) == limit {
		cursor = out[len(out)-1].ID
	}
	return out, max(cursor, after), nil
}

func (s *memSource) Head(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads++
	return int64(len(s.items)), nil
}

// headsRead is how many times the worker asked for the feed's head.
func (s *memSource) headsRead() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads
}

func (s *memSource) Committed() <-chan struct{} { return make(chan struct{}) }

// receiver is a loopback webhook endpoint that verifies every delivery and
// answers as answer says (nil: 204).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	ids      []string // webhook-id of every verified delivery, in arrival order
	bad      int      // deliveries that did not verify
	answer   func(id string, n int) int
	attempts map[string]int
}

func newReceiver(t *testing.T, answer func(id string, n int) int) *receiver {
	r := &receiver{answer: answer, attempts: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		if err := Verify(testSecret, body, req.Header); err != nil {
			r.bad++
			r.mu.Unlock()
			w.WriteHeader(400)
			return
		}
		id := req.Header.Get("webhook-id")
		r.attempts[id]++
		n := r.attempts[id]
		status := 204
		if r.answer != nil {
			status = r.answer(id, n)
		}
		if status > 0 && status < 300 {
			r.ids = append(r.ids, id)
		}
		r.mu.Unlock()
		if status == 0 { // a timeout: answer after the client gave up
			time.Sleep(time.Second)
			status = 204
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) delivered() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ids)
}

// testWorker is a worker with short timeouts and backoff.
func testWorker(db casemgr.Store, src Source, owner string) *Worker {
	return &Worker{Store: db, Source: src, Client: NewClient(loopback, 5*time.Second), Owner: owner,
		Lease: time.Second, Backoff: Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, GiveUp: time.Hour},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func addWebhook(t *testing.T, db casemgr.Store, url string) *casemgr.Webhook {
	t.Helper()
	h := &casemgr.Webhook{Client: "bridge", URL: url, Secret: testSecret, Created: time.Now(), Status: casemgr.WebhookActive}
	if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.InsertWebhook(h) }); err != nil {
		t.Fatal(err)
	}
	return h
}

// drain runs rounds until every webhook's cursor reaches the source's
// head, or fails after limit.
func drain(t *testing.T, w *Worker, db casemgr.Store, src Source, limit time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	var head int64
	if err := db.Read(ctx, func(tx casemgr.Tx) (err error) { _, head, err = tx.EventHorizon(); return err }); err != nil {
		t.Fatal(err)
	}
	if m, ok := src.(*memSource); ok {
		head, _ = m.Head(ctx)
	}
	for time.Now().Before(deadline) {
		if _, _, err := w.Round(ctx); err != nil {
			t.Fatal(err)
		}
		done := true
		for _, h := range webhooks(t, db) {
			done = done && h.Queue.Cursor >= head
		}
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("deliveries not done after %v: %+v", limit, webhooks(t, db))
}

func webhooks(t *testing.T, db casemgr.Store) []casemgr.Webhook {
	t.Helper()
	var list []casemgr.Webhook
	if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) { list, err = tx.Webhooks(""); return err }); err != nil {
		t.Fatal(err)
	}
	return list
}

func deliveries(t *testing.T, db casemgr.Store, id casemgr.ID) []casemgr.Delivery {
	t.Helper()
	var list []casemgr.Delivery
	if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) { list, err = tx.Deliveries(id, 500); return err }); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(list)
	return list
}

func ids(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

// A round of the deliveries with no webhook registered reads the webhooks
// and nothing else: not the feed's head, which on PostgreSQL means waiting
// for the transactions writing events (every commit of events wakes a
// round, in every process). Once a webhook exists, the round reads the
// head and delivers.
func TestRoundWithoutWebhooksReadsNoFeedHead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		t.Cleanup(func() { deleteAll(t, db) })
		src := &memSource{}
		src.add(3)
		w := testWorker(db, src, "a")
		for range 5 {
			worked, _, err := w.Round(t.Context())
			if err != nil || worked {
				t.Fatalf("round without webhooks: worked %v, err %v", worked, err)
			}
		}
		if n := src.headsRead(); n != 0 {
			t.Fatalf("5 rounds without webhooks read the feed's head %d times, want 0", n)
		}
		rec := newReceiver(t, nil)
		addWebhook(t, db, rec.URL+"/ok")
		drain(t, w, db, src, 10*time.Second)
		if got := rec.delivered(); !slices.Equal(got, ids(1, 3)) || src.headsRead() == 0 {
			t.Fatalf("with a webhook: delivered %v, head read %d times", got, src.headsRead())
		}
	})
}

// wakingSource is a memSource whose commits wake the worker.
type wakingSource struct {
	*memSource
	wmu sync.Mutex
	ch  chan struct{}
}

func (s *wakingSource) Committed() <-chan struct{} {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// commit adds n events and wakes the worker.
func (s *wakingSource) commit(n int) {
	s.add(n)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// While the worker knows of no webhook, commits do not wake a round (each
// costs a read, and every commit of every process wakes the deliveries);
// a webhook registered through the same store ends that at the next
// commit, and its events are delivered.
func TestCommitsWakeNoRoundWithoutWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		t.Cleanup(func() { deleteAll(t, db) })
		src := &wakingSource{memSource: &memSource{}}
		w := testWorker(db, src, "a")
		w.Poll = time.Hour // only commits wake it
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		waitRounds := func(what string, ok func(n uint64) bool) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); !ok(w.Stats.Rounds.Load()); time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %d rounds after 10 s", what, w.Stats.Rounds.Load())
				}
			}
		}
		waitRounds("the first round", func(n uint64) bool { return n >= 1 })
		for range 5 {
			src.commit(1)
			time.Sleep(20 * time.Millisecond)
		}
		if n := w.Stats.Rounds.Load(); n != 1 {
			t.Fatalf("5 commits without webhooks ran %d rounds, want the first one only", n)
		}
		rec := newReceiver(t, nil)
		addWebhook(t, db, rec.URL+"/ok")
		src.commit(1)
		for deadline := time.Now().Add(10 * time.Second); len(rec.delivered()) < 6; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after a webhook was registered and a commit: delivered %v, want 1..6", rec.delivered())
			}
		}
		if got := rec.delivered(); !slices.Equal(got, ids(1, 6)) {
			t.Fatalf("delivered %v, want 1..6", got)
		}
	})
}

func TestDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		t.Run("in_order_signed_once_each", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			rec := newReceiver(t, nil)
			h := addWebhook(t, db, rec.URL+"/ok")
			src.add(250) // more than a batch
			drain(t, testWorker(db, src, "a"), db, src, 10*time.Second)
			if got := rec.delivered(); !slices.Equal(got, ids(1, 250)) || rec.bad != 0 {
				t.Fatalf("delivered %v (%d unverified), want 1..250 in order", got, rec.bad)
			}
			log := deliveries(t, db, h.ID)
			if len(log) != 250 || log[0].Event != "1" || log[0].Attempt != 1 || log[0].Status != 204 || log[0].Error != "" {
				t.Fatalf("delivery log %+v", log[:min(3, len(log))])
			}
		})
		t.Run("retried_after_500_with_the_same_id_in_order", func(t *testing.T) {
			src := &memSource{}
			rec := newReceiver(t, func(id string, n int) int {
				if id == "2" && n < 3 {
					return 500
				}
				return 200
			})
			h := addWebhook(t, db, rec.URL+"/flaky")
			src.add(3)
			drain(t, testWorker(db, src, "a"), db, src, 10*time.Second)
			if got := rec.delivered(); !slices.Equal(got, ids(1, 3)) {
				t.Fatalf("delivered %v, want 1, 2, 3", got)
			}
			var got []string
			for _, d := range deliveries(t, db, h.ID) {
				got = append(got, fmt.Sprintf("%s/%d/%d/%q", d.Event, d.Attempt, d.Status, d.Error))
			}
			want := []string{`1/1/200/""`, `2/1/500/"the endpoint answered 500"`, `2/2/500/"the endpoint answered 500"`, `2/3/200/""`, `3/1/200/""`}
			if !slices.Equal(got, want) {
				t.Fatalf("delivery log\n%v\nwant\n%v", got, want)
			}
		})
		t.Run("retried_after_a_timeout", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			rec := newReceiver(t, func(id string, n int) int {
				if n == 1 {
					return 0 // answers after the client's timeout
				}
				return 200
			})
			h := addWebhook(t, db, rec.URL+"/slow")
			src.add(2)
			w := testWorker(db, src, "a")
			w.Client = NewClient(loopback, 250*time.Millisecond)
			drain(t, w, db, src, 10*time.Second)
			log := deliveries(t, db, h.ID)
			if log[0].Event != "1" || log[0].Error != "timeout" || log[0].Status != 0 {
				t.Fatalf("first attempt %+v, want a timeout", log[0])
			}
			if got := rec.delivered(); !slices.Equal(got, []string{"1", "2"}) {
				t.Fatalf("delivered %v, want 1, 2", got)
			}
		})
		t.Run("marked_failing_then_active_again", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			var down sync.Mutex
			failing := true
			rec := newReceiver(t, func(string, int) int {
				down.Lock()
				defer down.Unlock()
				if failing {
					return 503
				}
				return 200
			})
			h := addWebhook(t, db, rec.URL+"/down")
			src.add(1)
			w := testWorker(db, src, "a")
			w.Backoff.GiveUp = 5 * time.Millisecond
			for deadline := time.Now().Add(5 * time.Second); webhooks(t, db)[0].Status != casemgr.WebhookFailing; {
				if time.Now().After(deadline) {
					t.Fatal("the webhook was not marked failing")
				}
				_, _, _ = w.Round(context.Background())
				time.Sleep(time.Millisecond)
			}
			if got := w.Stats.MarkedFailing.Load(); got != 1 {
				t.Errorf("marked failing %d times", got)
			}
			down.Lock()
			failing = false
			down.Unlock()
			drain(t, w, db, src, 5*time.Second)
			if st := webhooks(t, db)[0].Status; st != casemgr.WebhookActive {
				t.Errorf("status %s after a delivery", st)
			}
			if got := rec.delivered(); !slices.Equal(got, []string{"1"}) {
				t.Errorf("delivered %v", got)
			}
			_ = h
		})
		t.Run("internal_address_refused_at_connect_time", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			rec := newReceiver(t, nil)
			h := addWebhook(t, db, rec.URL+"/rebound") // stored as if it had resolved elsewhere
			src.add(1)
			w := testWorker(db, src, "a")
			w.Client = NewClient(nil, 100*time.Millisecond) // no --webhook-allow
			if _, _, err := w.Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			log := deliveries(t, db, h.ID)
			if len(log) != 1 || log[0].Status != 0 || log[0].Error != "the target address is internal and not allowed (--webhook-allow)" {
				t.Fatalf("delivery log %+v", log)
			}
			if rec.attempts["1"] != 0 {
				t.Fatal("the receiver was reached")
			}
		})
		t.Run("redirects_not_followed", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			target := newReceiver(t, nil)
			redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/elsewhere", http.StatusTemporaryRedirect))
			defer redirect.Close()
			h := addWebhook(t, db, redirect.URL)
			src.add(1)
			if _, _, err := testWorker(db, src, "a").Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			log := deliveries(t, db, h.ID)
			if len(log) != 1 || log[0].Status != 307 || log[0].Error != "redirects are not followed" || len(target.delivered()) != 0 {
				t.Fatalf("delivery log %+v; target got %v", log, target.delivered())
			}
		})
		t.Run("the_feeds_events_filtered_by_type", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			rec := newReceiver(t, nil)
			all := addWebhook(t, db, rec.URL+"/all")
			closed := newReceiver(t, nil)
			onlyClosed := &casemgr.Webhook{Client: "bridge", URL: closed.URL + "/closed", Secret: testSecret, Created: time.Now(),
				Status: casemgr.WebhookActive, EventTypes: []string{casemgr.EventCaseClosed}}
			if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.InsertWebhook(onlyClosed) }); err != nil {
				t.Fatal(err)
			}
			writeEvents(t, db, 10, 0)
			feed := Feed{Store: db, Render: httpapi.EventJSON}
			drain(t, testWorker(db, feed, "a"), db, feed, time.Minute)
			if got := rec.delivered(); len(got) != 10 {
				t.Fatalf("the webhook of every type got %v", got)
			}
			if got := closed.delivered(); len(got) != 5 {
				t.Fatalf("the webhook of case.closed got %v", got)
			}
			// The body is the feed's item, signed (the receiver verified it).
			var first casemgr.Event
			if err := db.Read(context.Background(), func(tx casemgr.Tx) error {
				evs, err := tx.Events(casemgr.EventQuery{After: 0, Through: 1 << 62, Limit: 1})
				if len(evs) == 1 {
					first = evs[0]
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if want := strconv.FormatInt(first.ID, 10); rec.delivered()[0] != want {
				t.Fatalf("first delivery %s, want event %s", rec.delivered()[0], want)
			}
			_ = all
		})
		t.Run("two_workers_share_webhooks_without_duplicates", func(t *testing.T) {
			t.Cleanup(func() { deleteAll(t, db) })
			src := &memSource{}
			var recs []*receiver
			for i := range 4 {
				rec := newReceiver(t, nil)
				recs = append(recs, rec)
				addWebhook(t, db, rec.URL+"/"+strconv.Itoa(i))
			}
			src.add(200)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for _, owner := range []string{"a", "b"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := testWorker(db, src, owner)
					// A lease far longer than a delivery: none expires
					// under a loaded machine's stalls.
					w.Lease = time.Second
					w.Run(ctx)
				}()
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				done := true
				for _, h := range webhooks(t, db) {
					done = done && h.Queue.Cursor == 200
				}
				if done {
					break
				}
				if time.Now().After(deadline) {
					cancel()
					t.Fatalf("not delivered: %+v", webhooks(t, db))
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			for i, rec := range recs {
				if got := rec.delivered(); !slices.Equal(got, ids(1, 200)) {
					t.Errorf("receiver %d got %d deliveries (want 1..200 once each, in order)", i, len(got))
				}
			}
		})
	})
}

func deleteAll(t *testing.T, db casemgr.Store) {
	t.Helper()
	for _, h := range webhooks(t, db) {
		if err := db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.DeleteWebhook(h.ID) }); err != nil {
			t.Fatal(err)
		}
	}
}

// writeEvents commits n history entries of case entity, alternately
// closed and reopened, as an operation would: each is an event.
func writeEvents(t *testing.T, db casemgr.Store, n int, entity casemgr.ID) {
	t.Helper()
	err := db.Write(context.Background(), func(tx casemgr.Tx) error {
		var list []casemgr.HistoryEntry
		for i := range n {
			typ := casemgr.EventCaseClosed
			if i%2 == 1 {
				typ = casemgr.EventCaseReopened
			}
			list = append(list, casemgr.HistoryEntry{Entity: "case", EntityID: 5000 + entity, Action: "close", Actor: "client:bridge",
				At: casemgr.Millis(time.Now()), After: "{}", EventType: typ, Department: 10, Changes: `{"status":{"after":"closed"}}`})
		}
		return tx.AppendHistory(list)
	})
	if err != nil {
		t.Fatal(err)
	}
}
