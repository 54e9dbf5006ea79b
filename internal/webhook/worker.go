package webhook

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Item is one event to deliver: its ID (the feed's position, sent as
// webhook-id) and its body (the feed's JSON item).
type Item struct {
	ID   int64
	Body []byte
}

// Source is where the worker reads the events to deliver: the change feed.
type Source interface {
	// Read returns the committed events after the cursor after, of the
	// types (nil: every type), at most limit of them in ID order, and the
	// cursor after everything it looked at. It never skips an event that
	// commits later with an ID at or below the cursor it returns.
	Read(ctx context.Context, after int64, types []string, limit int) ([]Item, int64, error)
	// Head returns the cursor a read at the end of the feed would return.
	Head(ctx context.Context) (int64, error)
	// Committed returns a channel closed when events are committed after
	// the call.
	Committed() <-chan struct{}
}

// Backoff is the retry schedule of a failed delivery: the n-th retry waits
// Initial·2^(n-1), at most Max, of which a random half (jitter, so that
// retries of many webhooks do not arrive together); once the event has
// failed for GiveUp, the webhook is marked failing and tried every Max.
type Backoff struct {
	Initial, Max, GiveUp time.Duration
}

// DefaultBackoff retries after about 1s, 2s, 4s, … up to 10 minutes apart,
// and marks a webhook failing after an hour of failures.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 10 * time.Minute, GiveUp: time.Hour}

// delay is the wait before retry n (n ≥ 1).
func (b Backoff) delay(n int) time.Duration {
	d := b.Max
	if n < 30 {
		d = min(b.Max, b.Initial<<(n-1))
	}
	half := d / 2
	return half + rand.N(half+1)
}

// Stats are the worker's counters since it started, for the logs and the
// metrics endpoint.
type Stats struct {
	// Delivered counts the events delivered (a 2xx answer); Failed the
	// attempts that failed; Retries the attempts after a failed one;
	// MarkedFailing the times a webhook was marked failing.
	Delivered, Failed, Retries, MarkedFailing atomic.Uint64
	// Rounds counts the rounds run (Round): each reads the webhooks.
	Rounds atomic.Uint64
}

// Worker delivers the events to the webhooks. Any number of workers (one
// per server process) share one database: each takes the webhooks with
// events to deliver by a lease (casemgr.Tx.ClaimWebhooks), delivers their
// events in order, and moves their cursor after each delivery. A worker
// that dies leaves its leases to expire; another takes them and delivers
// again from the cursor, so an event is delivered at least once.
type Worker struct {
	Store  casemgr.Store
	Source Source
	// Client sends the deliveries (NewClient).
	Client *http.Client
	// Owner names this worker in the leases; empty: a random name.
	Owner string
	// Lease is how long a claim lasts without renewal (default 30s); it
	// must exceed twice the client's timeout, so that a delivery under
	// way never outlives its lease.
	Lease   time.Duration
	Backoff Backoff
	// Poll is how often the worker looks for work without being woken
	// (default 1s).
	Poll time.Duration
	// Batch is the most events read per claim (default 100); Parallel the
	// most webhooks delivered to at once (default 8).
	Batch, Parallel int
	Logger          *slog.Logger
	Stats           Stats
	// UserAgent is sent with every delivery.
	UserAgent string

	none noneSeen
}

func (w *Worker) defaults() {
	if w.Owner == "" {
		var b [6]byte
		_, _ = crand.Read(b[:])
		w.Owner = "worker-" + hex.EncodeToString(b[:])
	}
	if w.Lease <= 0 {
		w.Lease = 30 * time.Second
	}
	if w.Backoff == (Backoff{}) {
		w.Backoff = DefaultBackoff
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Batch <= 0 {
		w.Batch = 100
	}
	if w.Parallel <= 0 {
		w.Parallel = 8
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	if w.UserAgent == "" {
		w.UserAgent = "casemgr-webhooks"
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	for ctx.Err() == nil {
		wake := w.Source.Committed()
		worked, next, err := w.Round(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("webhook deliveries: a round failed", "err", err)
		}
		if worked {
			continue
		}
		wait := w.Poll
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		timer := time.NewTimer(wait)
	waiting:
		for {
			select {
			case <-ctx.Done():
				break waiting
			case <-timer.C:
				break waiting
			case <-wake:
				if !w.noWebhooks() {
					break waiting
				}
				// Nothing to deliver to: the commit is not worth a
				// round. The poll looks again.
				wake = w.Source.Committed()
			}
		}
		timer.Stop()
	}
}

// webhookCounter is a store that counts the webhooks it registered
// (sqlstore.Store.WebhooksAdded).
type webhookCounter interface {
	WebhooksAdded() uint64
}

// noneSeen is what the last round found when it found no webhook.
type noneSeen struct {
	mu    sync.Mutex
	found bool
	at    time.Time // when the read began
	added uint64    // the store's WebhooksAdded before the read
}

// noWebhooks reports that the last round found no webhook, less than a
// poll ago, and that this process has registered none since: a wake-up by
// a commit then skips its round. A webhook registered through another
// process is found by the next poll.
func (w *Worker) noWebhooks() bool {
	wc, ok := w.Store.(webhookCounter)
	if !ok {
		return false
	}
	w.none.mu.Lock()
	defer w.none.mu.Unlock()
	return w.none.found && time.Since(w.none.at) < w.Poll && wc.WebhooksAdded() == w.none.added
}

// Round claims the webhooks with events due and delivers a batch to each.
// It reports whether it delivered or tried anything, and the earliest time
// a webhook not due yet will be.
func (w *Worker) Round(ctx context.Context) (worked bool, next time.Time, err error) {
	w.defaults()
	// The webhooks first: with none registered (the usual case of a
	// server whose clients do not subscribe) a round costs one read, not
	// the feed's bound as well (on PostgreSQL, a look at the transactions
	// writing events); and until the next poll or a webhook registered by
	// this process, Run lets commits pass without a round (noWebhooks).
	w.Stats.Rounds.Add(1)
	var added uint64
	if wc, ok := w.Store.(webhookCounter); ok {
		added = wc.WebhooksAdded()
	}
	at := time.Now()
	var list []casemgr.Webhook
	err = w.Store.Read(ctx, func(tx casemgr.Tx) (err error) { list, err = tx.Webhooks(""); return err })
	w.none.mu.Lock()
	w.none.found, w.none.at, w.none.added = err == nil && len(list) == 0, at, added
	w.none.mu.Unlock()
	if err != nil || len(list) == 0 {
		return false, next, err
	}
	head, err := w.Source.Head(ctx)
	if err != nil {
		return false, next, err
	}
	now := time.Now()
	var due []casemgr.ID
	for i := range list {
		q := &list[i].Queue
		switch {
		case q.Cursor >= head:
		case q.LeaseExpires.After(now):
			next = earliest(next, q.LeaseExpires)
		case q.NextAttempt.After(now):
			next = earliest(next, q.NextAttempt)
		default:
			due = append(due, list[i].ID)
		}
	}
	if len(due) == 0 {
		return false, next, nil
	}
	var claimed []casemgr.Webhook
	err = w.Store.Write(ctx, func(tx casemgr.Tx) (err error) {
		// The lease runs from the claim, not from the read before it:
		// the write may have waited for others.
		at := time.Now()
		claimed, err = tx.ClaimWebhooks(due, w.Owner, at, at.Add(w.Lease))
		return err
	})
	if err != nil || len(claimed) == 0 {
		return false, next, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, w.Parallel)
	for i := range claimed {
		wg.Add(1)
		sem <- struct{}{}
		go func(h *casemgr.Webhook) {
			defer func() { <-sem; wg.Done() }()
			if err := w.deliverBatch(ctx, h); err != nil && ctx.Err() == nil {
				w.Logger.Warn("webhook deliveries failed", "webhook", h.ID, "err", err)
			}
		}(&claimed[i])
	}
	wg.Wait()
	return true, next, nil
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// errLeaseLost ends a batch whose lease another worker took.
var errLeaseLost = errors.New("lease lost")

// deliverBatch delivers the next events of a claimed webhook in order,
// stopping at the first failure, and releases the lease.
func (w *Worker) deliverBatch(ctx context.Context, h *casemgr.Webhook) error {
	events, cursor, err := w.Source.Read(ctx, h.Queue.Cursor, h.EventTypes, w.Batch)
	if err != nil {
		return errors.Join(err, w.release(ctx, h))
	}
	leaseUntil := h.Queue.LeaseExpires
	for _, ev := range events {
		if time.Until(leaseUntil) < w.Lease/2 {
			leaseUntil = time.Now().Add(w.Lease)
			q := h.Queue
			q.LeaseOwner, q.LeaseExpires = w.Owner, leaseUntil
			if err := w.update(ctx, h, h.Status, q, nil); err != nil {
				return err
			}
			h.Queue = q
		}
		ok, err := w.attempt(ctx, h, ev)
		if err != nil || !ok {
			return err
		}
	}
	q := h.Queue
	q.Cursor = max(q.Cursor, cursor)
	q.LeaseOwner, q.LeaseExpires = "", time.Time{}
	err = w.update(ctx, h, h.Status, q, nil)
	if errors.Is(err, errLeaseLost) {
		return nil
	}
	return err
}

// release gives up the lease of a webhook, its queue unchanged.
func (w *Worker) release(ctx context.Context, h *casemgr.Webhook) error {
	q := h.Queue
	q.LeaseOwner, q.LeaseExpires = "", time.Time{}
	err := w.update(ctx, h, h.Status, q, nil)
	if errors.Is(err, errLeaseLost) {
		return nil
	}
	return err
}

// update writes a webhook's queue, with a delivery log entry when d is not
// nil, in one transaction that keeps nothing when the lease was lost.
func (w *Worker) update(ctx context.Context, h *casemgr.Webhook, status string, q casemgr.WebhookQueue, d *casemgr.Delivery) error {
	return w.Store.Write(ctx, func(tx casemgr.Tx) error {
		ok, err := tx.UpdateWebhookQueue(h.ID, w.Owner, status, q)
		if err != nil {
			return err
		}
		if !ok {
			return errLeaseLost
		}
		if d != nil {
			return tx.InsertDelivery(d)
		}
		return nil
	})
}

// attempt delivers one event and records the outcome: on success the
// cursor moves past the event; on failure the retry is scheduled and the
// lease released. It reports whether the batch goes on.
func (w *Worker) attempt(ctx context.Context, h *casemgr.Webhook, ev Item) (bool, error) {
	n := h.Queue.Attempts + 1
	if n > 1 {
		w.Stats.Retries.Add(1)
	}
	status, failure := w.post(ctx, h, ev)
	now := casemgr.Millis(time.Now())
	d := &casemgr.Delivery{Webhook: h.ID, Event: strconv.FormatInt(ev.ID, 10), Attempt: n, Status: status, Error: failure, Time: now}
	q := h.Queue
	st := h.Status
	if failure == "" {
		w.Stats.Delivered.Add(1)
		q.Cursor, q.Attempts, q.FirstFailure, q.NextAttempt = ev.ID, 0, time.Time{}, time.Time{}
		st = casemgr.WebhookActive
	} else {
		w.Stats.Failed.Add(1)
		q.Attempts = n
		if q.FirstFailure.IsZero() {
			q.FirstFailure = now
		}
		q.NextAttempt = now.Add(w.Backoff.delay(n))
		if now.Sub(q.FirstFailure) >= w.Backoff.GiveUp {
			if st != casemgr.WebhookFailing {
				w.Stats.MarkedFailing.Add(1)
				w.Logger.Warn("webhook marked failing", "webhook", h.ID, "event", ev.ID, "attempts", n, "since", q.FirstFailure)
			}
			st = casemgr.WebhookFailing
			q.NextAttempt = now.Add(w.Backoff.Max)
		}
		q.LeaseOwner, q.LeaseExpires = "", time.Time{}
		w.Logger.Info("webhook delivery failed", "webhook", h.ID, "event", ev.ID, "attempt", n, "status", status,
			"error", failure, "retry_at", q.NextAttempt)
	}
	if err := w.update(ctx, h, st, q, d); err != nil {
		if errors.Is(err, errLeaseLost) {
			return false, nil
		}
		return false, err
	}
	h.Queue, h.Status = q, st
	return failure == "", nil
}

// post sends one event and returns the status answered (0: none) and why
// it failed ("" when the answer was 2xx).
func (w *Worker) post(ctx context.Context, h *casemgr.Webhook, ev Item) (int, string) {
	body := ev.Body
	id := strconv.FormatInt(ev.ID, 10)
	headers, err := Sign(h.Secret, id, time.Now(), body)
	if err != nil {
		return 0, "the secret cannot sign"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "the URL cannot be requested"
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.UserAgent)
	res, err := w.Client.Do(req)
	if err != nil {
		return 0, failureOf(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	_ = res.Body.Close()
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return res.StatusCode, ""
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return res.StatusCode, "redirects are not followed"
	}
	return res.StatusCode, "the endpoint answered " + strconv.Itoa(res.StatusCode)
}

// failureOf says why a request got no answer, without its URL (which may
// carry a token in its query).
func failureOf(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrTargetRefused):
		return "the target address is internal and not allowed (--webhook-allow)"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return fmt.Sprintf("%s failed: %v", oe.Op, oe.Err)
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return "the host does not resolve"
	}
	return "no answer"
}

// QueueState is where the deliveries stand across every webhook.
type QueueState struct {
	// Depth counts the events still to deliver, summed over the webhooks
	// (at most maxCounted per webhook).
	Depth int
	// Webhooks counts the webhooks; Failing those marked failing;
	// Retrying those whose oldest undelivered event has failed.
	Webhooks, Failing, Retrying int
}

// maxCounted bounds the events counted per webhook by Queue.
const maxCounted = 10000

// Queue reads the state of the delivery queue from the database (every
// process's deliveries, not only this worker's).
func (w *Worker) Queue(ctx context.Context) (QueueState, error) {
	var st QueueState
	head, err := w.Source.Head(ctx)
	if err != nil {
		return st, err
	}
	var list []casemgr.Webhook
	if err := w.Store.Read(ctx, func(tx casemgr.Tx) (err error) { list, err = tx.Webhooks(""); return err }); err != nil {
		return st, err
	}
	st.Webhooks = len(list)
	for _, h := range list {
		if h.Status == casemgr.WebhookFailing {
			st.Failing++
		}
		if h.Queue.Attempts > 0 {
			st.Retrying++
		}
		if h.Queue.Cursor >= head {
			continue
		}
		items, _, err := w.Source.Read(ctx, h.Queue.Cursor, h.EventTypes, maxCounted)
		if err != nil {
			return st, err
		}
		st.Depth += len(items)
	}
	return st, nil
}

// Report logs the state of the queue and the worker's counters every
// interval until ctx ends, when there is anything to say.
func (w *Worker) Report(ctx context.Context, interval time.Duration) {
	w.defaults()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last [4]uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := w.Queue(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.Logger.Warn("webhook queue: reading failed", "err", err)
			}
			continue
		}
		now := [4]uint64{w.Stats.Delivered.Load(), w.Stats.Failed.Load(), w.Stats.Retries.Load(), w.Stats.MarkedFailing.Load()}
		if st.Depth == 0 && st.Failing == 0 && now == last {
			continue
		}
		w.Logger.Info("webhook queue", "depth", st.Depth, "webhooks", st.Webhooks, "failing", st.Failing,
			"retrying", st.Retrying, "delivered", now[0]-last[0], "failed", now[1]-last[1], "retries", now[2]-last[2])
		last = now
	}
}

// Counters returns the worker's counters (metrics.Webhooks).
func (w *Worker) Counters() (delivered, failed, retries, markedFailing uint64) {
	return w.Stats.Delivered.Load(), w.Stats.Failed.Load(), w.Stats.Retries.Load(), w.Stats.MarkedFailing.Load()
}

// QueueGauges reads the queue for a metrics scrape (metrics.Webhooks); a
// failed read reports -1.
func (w *Worker) QueueGauges() (depth, failing, retrying float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := w.Queue(ctx)
	if err != nil {
		return -1, -1, -1
	}
	return float64(st.Depth), float64(st.Failing), float64(st.Retrying)
}
