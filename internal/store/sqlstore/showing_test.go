package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestShowingActivitiesIsOneStatement checks that a GET of activities —
// ActivitiesToShow, then CustomersShowing for the customers, contacts and
// points the activities name — runs one statement on either engine, for
// one ID (a statement of its own, activityToShowSQL) as for several:
// CustomersShowing answers from the rows read with the activities, also
// for an activity whose contact point is held by another contact than
// the one it names. (A statement that left out that other contact would
// still give the right answer, through CustomersShowing's own statement:
// the storage suite's activities_to_show_with_their_customers checks the
// answers; this test, that they take one statement.)
func TestShowingActivitiesIsOneStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		st := db.(*sqlstore.Store)
		ctx := t.Context()
		var acts []casemgr.ID
		if err := db.Write(ctx, func(tx casemgr.Tx) error {
			now := casemgr.Millis(time.Now())
			c := &casemgr.Customer{Name: "Acme", Type: "corporate", Created: now, LastModified: now,
				Contacts: []casemgr.Contact{
					{FirstName: "Wile", ContactPoints: []casemgr.ContactPoint{{Kind: casemgr.KindPhone, Type: "office", Value: "5550000"}}},
					{FirstName: "Road", ContactPoints: []casemgr.ContactPoint{{Kind: casemgr.KindEmail, Value: "road@example.com"}}},
				}}
			if err := tx.InsertCustomer(c); err != nil {
				return err
			}
			wile, road := c.Contacts[0], c.Contacts[1]
			for _, named := range [][2]casemgr.ID{
				{wile.ID, wile.ContactPoints[0].ID}, // the point of the contact named
				{wile.ID, road.ContactPoints[0].ID}, // the point of another contact
				{0, road.ContactPoints[0].ID},       // a point, no contact
				{road.ID, 0},                        // a contact, no point
				{0, 0},                              // the customer alone
			} {
				a := casemgr.Activity{Case: 1, Department: 1, Type: casemgr.TypeCalltrack, Status: casemgr.StatusAssigned,
					Customer: c.ID, Contact: named[0], ContactPoint: named[1], Created: now, LastModified: now}
				if err := tx.InsertActivity(&a); err != nil {
					return err
				}
				acts = append(acts, a.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		show := func(ids []casemgr.ID) (customers []casemgr.Customer) {
			t.Helper()
			if err := db.Read(ctx, func(tx casemgr.Tx) (err error) {
				_, customers, err = storetest.ReadToShow(tx, ids, true)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return customers
		}
		lists := [][]casemgr.ID{acts}
		for _, id := range acts {
			lists = append(lists, []casemgr.ID{id})
		}
		show(acts) // prepares the statements
		show(acts[:1])
		for _, ids := range lists {
			before := st.Stats()
			customers := show(ids)
			if n := st.Stats().Statements - before.Statements; n != 1 {
				t.Errorf("showing activities %v took %d statements, want 1", ids, n)
			}
			if len(customers) != 1 {
				t.Errorf("showing activities %v: customers %s, want one", ids, fmt.Sprint(customers))
			}
		}
		// The point held by another contact than the one named shows both.
		if c := show(acts[1:2]); len(c) != 1 || len(c[0].Contacts) != 2 {
			t.Errorf("an activity whose point another contact holds shows %+v, want both contacts", c)
		}
	})
}
