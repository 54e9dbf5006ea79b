package webhook

import (
	"context"
	"errors"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Feed is the Source of a store's change feed (casemgr.ReadEvents): every
// committed event, in ID order, none skipped by a transaction that commits
// late with a lower ID.
type Feed struct {
	Store casemgr.Store
	// Render makes the body of an event: the feed's JSON item, by the
	// feed's own renderer (httpapi.EventJSON), so that a delivery is the
	// feed's item byte for byte. Required.
	Render func(casemgr.Event) ([]byte, error)
}

// Read returns the committed events after the cursor.
func (f Feed) Read(ctx context.Context, after int64, types []string, limit int) ([]Item, int64, error) {
	events, next, err := casemgr.ReadEvents(ctx, f.Store, casemgr.EventQuery{After: after, Types: types, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	if f.Render == nil {
		return nil, 0, errors.New("webhook.Feed without Render")
	}
	items := make([]Item, len(events))
	for i, ev := range events {
		body, err := f.Render(ev)
		if err != nil {
			return nil, 0, err
		}
		items[i] = Item{ID: ev.ID, Body: body}
	}
	return items, next, nil
}

// Head returns the feed's bound.
func (f Feed) Head(ctx context.Context) (int64, error) { return casemgr.FeedHead(ctx, f.Store) }

// Committed returns the store's wake-up channel of committed events.
func (f Feed) Committed() <-chan struct{} { return f.Store.EventsCommitted() }
