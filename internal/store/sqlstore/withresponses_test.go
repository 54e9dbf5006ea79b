package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// withResponses is the store's read of activities with their responses.
type withResponses interface {
	ActivitiesWithResponses(ids []casemgr.ID) ([]casemgr.Activity, error)
}

// ActivitiesWithResponses in a write transaction returns, in ID order,
// what Responses then Activities of the parents and their responses
// return — a response with a lower ID than its parent, a response named
// itself, a parent without responses, an ID of no activity — and on
// PostgreSQL holds every one of those rows locked (its one statement).
func TestActivitiesWithResponsesAreTheParentsAndTheirResponsesLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := t.Context()
		now := casemgr.Millis(time.Now())
		// 10 and 20 are parents; 5 answers 20, 11 and 12 answer 10, 30
		// answers 12 (a response of a response), 40 is unrelated.
		parents := map[casemgr.ID]casemgr.ID{5: 20, 11: 10, 12: 10, 30: 12}
		if err := db.Write(ctx, func(tx casemgr.Tx) error {
			for _, id := range []casemgr.ID{5, 10, 11, 12, 20, 30, 40} {
				if err := tx.InsertActivity(&casemgr.Activity{ID: id, ResponseTo: parents[id], Department: 1,
					Type: casemgr.TypeEmail, Status: casemgr.StatusAssigned, Created: now, LastModified: now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			ids  []casemgr.ID
			want []casemgr.ID
		}{
			{[]casemgr.ID{10, 20}, []casemgr.ID{5, 10, 11, 12, 20}},
			{[]casemgr.ID{12, 20}, []casemgr.ID{5, 12, 20, 30}},
			{[]casemgr.ID{11, 10}, []casemgr.ID{10, 11, 12}},
			{[]casemgr.ID{40, 999}, []casemgr.ID{40}},
		} {
			var got, two []casemgr.ID
			if err := db.Write(ctx, func(tx casemgr.Tx) error {
				sorted := slices.Sorted(slices.Values(c.ids))
				list, err := tx.(withResponses).ActivitiesWithResponses(sorted)
				if err != nil {
					return err
				}
				for _, a := range list {
					got = append(got, a.ID)
				}
				if db.Engine() == "postgres" {
					// Every row read is locked: another transaction's
					// lock of any of them waits.
					for _, id := range got {
						wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
						err := db.Write(wctx, func(other casemgr.Tx) error {
							_, err := other.Activities([]casemgr.ID{id}, true)
							return err
						})
						cancel()
						if err == nil {
							t.Errorf("%v: activity %d was not locked", c.ids, id)
						} else if !errors.Is(err, context.DeadlineExceeded) && wctx.Err() == nil {
							return err
						}
					}
				}
				pre, err := tx.Responses(sorted, false)
				if err != nil {
					return err
				}
				all := slices.Clone(sorted)
				for _, r := range pre {
					all = append(all, r.ID)
				}
				acts, err := tx.Activities(slices.Compact(slices.Sorted(slices.Values(all))), true)
				for _, a := range acts {
					two = append(two, a.ID)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) || !slices.Equal(two, c.want) {
				t.Errorf("%v: ActivitiesWithResponses %v, Responses then Activities %v, want %v", c.ids, got, two, c.want)
			}
		}
	})
}
