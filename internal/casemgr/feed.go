package casemgr

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Limits of a read of the change feed.
const (
	MaxFeedPage = 500
	MaxFeedWait = 60 * time.Second
)

// FeedRequest is one read of the change feed.
type FeedRequest struct {
	// After is the cursor of the previous read; "" starts at the oldest
	// event retained.
	After string
	// Types keeps events of these types; nil keeps every type.
	Types []string
	// Limit is the most events returned (1..MaxFeedPage).
	Limit int
	// Wait is how long to wait for an event when there is none yet
	// (0..MaxFeedWait).
	Wait time.Duration
}

// FeedPage is what a read of the feed returns: the events, oldest first,
// and the cursor to send as After next time.
type FeedPage struct {
	Events []Event
	Cursor string
}

// feedCursorMalformed: a cursor is one the feed returned.
func feedCursorMalformed(after string) (int64, bool) {
	n, err := strconv.ParseInt(after, 10, 64)
	return n, err != nil || n < 0
}

// feedCursorFromFuture: a cursor may not be ahead of every event written.
func feedCursorFromFuture(after, last int64) bool { return after > last }

// feedCursorExpired: a cursor below the purged events has missed some.
func feedCursorExpired(after, purged int64) bool { return after < purged }

// feedTypeUnknown: the type filter names event types that exist.
func feedTypeUnknown(t string) bool { return !slices.Contains(EventTypes, t) }

// checkFeedRequest checks the parameters of a read of the feed.
func checkFeedRequest(req FeedRequest) error {
	for _, t := range req.Types {
		if feedTypeUnknown(t) {
			return E(CodeFeedTypeUnknown, "value", t)
		}
	}
	if req.Limit < 1 || req.Limit > MaxFeedPage {
		return E(CodeFeedPageSize, "value", strconv.Itoa(req.Limit), "max", strconv.Itoa(MaxFeedPage))
	}
	if req.Wait < 0 || req.Wait > MaxFeedWait {
		return E(CodeFeedWait, "value", strconv.Itoa(int(req.Wait/time.Second)), "max", strconv.Itoa(int(MaxFeedWait/time.Second)))
	}
	if req.After != "" {
		if _, bad := feedCursorMalformed(req.After); bad {
			return E(CodeFeedCursorInvalid, "value", req.After)
		}
	}
	return nil
}

// ReadFeed reads the change feed for an actor: the events after the
// cursor that the actor sees, in ID order. With Wait it returns as soon as
// at least one event arrives, or with none when Wait has passed.
func ReadFeed(ctx context.Context, st Store, actor Actor, req FeedRequest) (FeedPage, error) {
	if err := checkFeedRequest(req); err != nil {
		return FeedPage{}, err
	}
	q := EventQueryFor(actor, EventQuery{Types: req.Types, Limit: req.Limit})
	start := true
	if req.After != "" {
		q.After, _ = strconv.ParseInt(req.After, 10, 64)
		start = false
	}
	deadline := time.Now().Add(req.Wait)
	retry := time.Duration(0)
	for first := true; ; first = false {
		committed := st.EventsCommitted() // before reading: no wake-up is missed
		events, cursor, behind, err := readEvents(ctx, st, q, start && first, !start && first)
		if err != nil {
			return FeedPage{}, err
		}
		q.After = cursor
		left := time.Until(deadline)
		if len(events) > 0 || left <= 0 {
			return FeedPage{Events: events, Cursor: strconv.FormatInt(cursor, 10)}, nil
		}
		// Events written by transactions still running when the bound was
		// read (behind) show once they end: look again soon.
		wake := min(left, time.Second)
		if behind {
			retry = min(max(2*retry, 5*time.Millisecond), 100*time.Millisecond)
			wake = min(left, retry)
		}
		timer := time.NewTimer(wake)
		select {
		case <-ctx.Done():
			timer.Stop()
			return FeedPage{}, ctx.Err()
		case <-committed:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// ReadEvents reads the committed events q selects after q.After, up to the
// feed's bound (Store.EventsThrough), and returns them with the cursor of
// the next read: the last event's ID when the page is full, otherwise the
// bound (every event up to it was looked at), never below q.After.
func ReadEvents(ctx context.Context, st Store, q EventQuery) ([]Event, int64, error) {
	events, cursor, _, err := readEvents(ctx, st, q, false, false)
	return events, cursor, err
}

// readEvents is ReadEvents; fromStart starts after the purged events, and
// check checks the cursor against the purged and the written events.
// behind reports events written past the bound.
func readEvents(ctx context.Context, st Store, q EventQuery, fromStart, check bool) (events []Event, cursor int64, behind bool, err error) {
	through, err := st.EventsThrough(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	err = st.Read(ctx, func(tx Tx) error {
		purged, last, err := tx.EventHorizon()
		if err != nil {
			return err
		}
		switch {
		case fromStart:
			q.After = purged
		case check && feedCursorFromFuture(q.After, last):
			return E(CodeFeedCursorFuture, "value", strconv.FormatInt(q.After, 10))
		case check && feedCursorExpired(q.After, purged):
			return E(CodeFeedCursorExpired, "value", strconv.FormatInt(q.After, 10))
		}
		q.Through = min(through, last)
		behind = last > through
		events, err = tx.Events(q)
		return err
	})
	if err != nil {
		return nil, 0, false, err
	}
	cursor = max(q.After, q.Through)
	if q.Limit > 0 && len(events) == q.Limit {
		cursor = events[len(events)-1].ID
	}
	return events, cursor, behind, nil
}
