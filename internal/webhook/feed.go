package webhook

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Feed is the Source of a store's change feed (casemgr.ReadEvents): every
// committed event, in ID order, none skipped by a transaction that commits
// late with a lower ID.
type Feed struct {
	Store casemgr.Store
	// Render makes the body of an event: the feed's JSON item. Nil uses
	// EventJSON.
	Render func(casemgr.Event) ([]byte, error)
}

// Read returns the committed events after the cursor.
func (f Feed) Read(ctx context.Context, after int64, types []string, limit int) ([]Item, int64, error) {
	events, next, err := casemgr.ReadEvents(ctx, f.Store, casemgr.EventQuery{After: after, Types: types, Limit: limit})
	if err != nil {
		return nil, 0, err
	}
	render := f.Render
	if render == nil {
		render = EventJSON
	}
	items := make([]Item, len(events))
	for i, ev := range events {
		body, err := render(ev)
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

// EventJSON renders an event as the feed's JSON item: id, type, time,
// actor ({"user": {"id"}} or {"client": {"id"}}), entity ({"type", "id"}),
// department ({"id"}, left out when none) and changes.
func EventJSON(ev casemgr.Event) ([]byte, error) {
	m := map[string]any{
		"id":     strconv.FormatInt(ev.ID, 10),
		"type":   ev.Type,
		"time":   casemgr.FormatTime(ev.At),
		"entity": map[string]any{"type": ev.Entity, "id": casemgr.FormatID(ev.EntityID)},
	}
	if kind, id, ok := strings.Cut(ev.Actor, ":"); ok {
		m["actor"] = map[string]any{kind: map[string]any{"id": id}}
	}
	if ev.Department != 0 {
		m["department"] = map[string]any{"id": casemgr.FormatID(ev.Department)}
	}
	changes := json.RawMessage("{}")
	if ev.Changes != "" {
		changes = json.RawMessage(ev.Changes)
	}
	m["changes"] = changes
	return json.Marshal(m)
}
