package sqlstore_test

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReadOfActivitiesToShowRunsGenericPlans checks that on PostgreSQL the
// statement of a GET of activities (ActivitiesToShow, ending the read)
// runs its generic plan, not a plan made anew at every execution:
// planning it cost more PostgreSQL CPU than running it. It runs on the
// pool of generic reads, whose sessions force generic plans.
func TestReadOfActivitiesToShowRunsGenericPlans(t *testing.T) {
	db := storetest.OpenPostgres(t)
	st := db.(*sqlstore.Store)
	ids := []casemgr.ID{1, 2, 3}
	for try := 0; try < 100; try++ {
		for i := 0; i < 8; i++ { // more than the five custom plans PostgreSQL's auto mode tries first
			if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
				_, err := tx.ActivitiesToShow(ids, true, true)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		generic, custom, mode, found, err := st.GenericReadPlans(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if mode != "force_generic_plan" {
			t.Fatalf("the pool of generic reads runs plan_cache_mode %q", mode)
		}
		if !found {
			continue // another connection of the pool: read again
		}
		if generic == 0 || custom != 0 {
			t.Fatalf("the customers' statement ran %d generic and %d custom plans, want only generic ones", generic, custom)
		}
		return
	}
	t.Fatal("no connection read by the test had prepared the customers' statement")
}

// TestReadOfActivitiesToShowIsOneStatementWithoutTransaction checks that
// on PostgreSQL a GET of activities — ActivitiesToShow ending the read,
// then the configuration from the copy and the customers shown — is one
// statement in one round trip (Stats), run alone on the pool of generic
// reads, which sends no BEGIN and no ROLLBACK around it: the prepared
// statement of that pool's one connection ran exactly one more generic
// plan per read. A read that goes on after it is run again, in a
// transaction (Stats.ReadsAgain), and finds what a transaction finds.
func TestReadOfActivitiesToShowIsOneStatementWithoutTransaction(t *testing.T) {
	db := storetest.OpenPostgres(t)
	st := db.(*sqlstore.Store)
	st.SetGenericReadConns(1)
	ctx := t.Context()
	var acts []casemgr.Activity
	if err := db.Write(ctx, func(tx casemgr.Tx) error {
		now := casemgr.Millis(time.Now())
		c := &casemgr.Customer{Name: "Acme", Type: "corporate", Created: now, LastModified: now,
			Contacts: []casemgr.Contact{{FirstName: "Wile", ContactPoints: []casemgr.ContactPoint{
				{Kind: casemgr.KindPhone, Type: "office", Value: "5550000"},
			}}}}
		if err := tx.InsertCustomer(c); err != nil {
			return err
		}
		cs := &casemgr.Case{Department: 1, Status: casemgr.CaseOpen, Customer: c.ID, Created: now, LastModified: now}
		if err := tx.InsertCase(cs); err != nil {
			return err
		}
		for i := range 3 {
			a := casemgr.Activity{Case: cs.ID, Department: 1, Type: casemgr.TypeCalltrack, Status: casemgr.StatusAssigned,
				Customer: c.ID, Created: now, LastModified: now}
			if i > 0 {
				a.Contact, a.ContactPoint = c.Contacts[0].ID, c.Contacts[0].ContactPoints[0].ID
			}
			if err := tx.InsertActivity(&a); err != nil {
				return err
			}
			acts = append(acts, a)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	get := func(ids []casemgr.ID) []casemgr.Activity {
		t.Helper()
		var got []casemgr.Activity
		if err := db.Read(ctx, func(tx casemgr.Tx) (err error) {
			got, _, err = storetest.ReadToShow(tx, ids, true)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	get([]casemgr.ID{acts[0].ID}) // prepares the statement on the pool's connection
	before := st.Stats()
	generic0, _, _, _, err := st.GenericReadPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const reads = 10
	for i := range reads {
		ids := []casemgr.ID{acts[i%len(acts)].ID}
		if i%2 == 1 {
			ids = []casemgr.ID{acts[0].ID, acts[len(acts)-1].ID}
		}
		if got := get(ids); len(got) != len(ids) {
			t.Fatalf("read %d activities of %v", len(got), ids)
		}
	}
	after := st.Stats()
	if n := after.Statements - before.Statements; n != reads {
		t.Errorf("%d statements for %d reads, want one each", n, reads)
	}
	if n := after.RoundTrips - before.RoundTrips; n != reads {
		t.Errorf("%d round trips for %d reads, want one each", n, reads)
	}
	generic, custom, _, _, err := st.GenericReadPlans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if generic-generic0 != reads || custom != 0 {
		t.Errorf("the pool of generic reads ran %d generic plans (%d custom) for %d reads, want one generic plan each",
			generic-generic0, custom, reads)
	}

	// Reading on after the read ended runs it again, in a transaction.
	var again []casemgr.Activity
	runs := 0
	if err := db.Read(ctx, func(tx casemgr.Tx) (err error) {
		runs++
		if again, err = tx.ActivitiesToShow([]casemgr.ID{acts[0].ID}, true, true); err != nil {
			return err
		}
		_, err = tx.Activities([]casemgr.ID{acts[0].ID}, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if runs != 2 || st.Stats().ReadsAgain != after.ReadsAgain+1 || len(again) != 1 || again[0].ID != acts[0].ID {
		t.Errorf("a read going on after its end: %d runs, %d read again, %d activities", runs, st.Stats().ReadsAgain-after.ReadsAgain, len(again))
	}
}

var _ store.DB = (*sqlstore.Store)(nil)
