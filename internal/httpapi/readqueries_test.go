package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/sqlstore"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// TestReadsByIDsUseAFixedNumberOfQueries counts the SQL statements of GET
// /activity/{ids} (sqlstore's Stats.Statements): one activity and five of
// three customers, with contacts, contact points and attachments, take the
// same number, and the default representation, which shows the customers,
// takes no more than a projection without them.
func TestReadsByIDsUseAFixedNumberOfQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		// Authentication reads the database on every request, so that
		// every request counts the same statements for it.
		h.srv.Auth.AuthCacheBound = -1
		jenny := h.login("jenny")
		stats := db.(interface{ Stats() sqlstore.Stats })
		var trips uint64 // round trips of the last count (PostgreSQL)
		count := func(path string) uint64 {
			t.Helper()
			before := stats.Stats()
			h.do("GET", path, jenny, "").expect(t, 200, "")
			after := stats.Stats()
			trips = after.RoundTrips - before.RoundTrips
			return after.Statements - before.Statements
		}
		const one, five = "/core/casemgr/v3/activity/3101", "/core/casemgr/v3/activity/3000,3001,3002,3101,3102"
		for _, attr := range []string{"", "?$attribute=all", "?$attribute=customer,attachments"} {
			n1 := count(one + attr)
			t1 := trips
			n5 := count(five + attr)
			t.Logf("%q: %d statements (%d round trips) for one activity, %d (%d) for five", attr, n1, t1, n5, trips)
			if n1 != n5 || t1 != trips {
				t.Errorf("%q: %d statements (%d round trips) for one activity, %d (%d) for five", attr, n1, t1, n5, trips)
			}
		}
		full := count(five)
		fullTrips := trips
		// The customers come in the statement of the activities
		// (ActivitiesToShow), and on PostgreSQL the ROLLBACK in its
		// round trip: showing them costs no statement and no round trip
		// more than the projection without them.
		if bare := count(five + "?$attribute=id,subject"); bare != full {
			t.Errorf("$attribute=id,subject: %d statements, the default representation %d", bare, full)
		}
		t.Logf("%d round trips for the default representation, %d for $attribute=id,subject", fullTrips, trips)
		if db.Engine() == "postgres" && fullTrips != trips {
			t.Errorf("%d round trips for the default representation, %d for $attribute=id,subject", fullTrips, trips)
		}
	})
}

// TestCustomersReadWithActivitiesAreWhatTheirQueryReads checks that
// CustomersShowing answers, after ActivitiesToShow, exactly what
// its own query answers: for the customers, contacts and points of every
// subset of some activities, and for lists beyond what those activities
// name (read by the query then).
func TestCustomersReadWithActivitiesAreWhatTheirQueryReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		// An activity that names a contact of another customer than its
		// own (the fixture document allows it), beside activities of
		// that customer with and without it: the rows read with the
		// activities hold that contact under neither customer for some
		// subsets, where CustomersShowing's own statement finds it.
		h.add(`{"activities": [
  {"id": "3120", "case": "2003", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
   "customer": "501", "contact": "630", "subject": "Contact of 503", "created": "2026-01-08T09:00:00.000Z"},
  {"id": "3121", "case": "2003", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
   "customer": "503", "contact": "630", "subject": "Contact of 503", "created": "2026-01-08T09:00:00.000Z"},
  {"id": "3122", "case": "2003", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
   "customer": "503", "subject": "No contact", "created": "2026-01-08T09:00:00.000Z"}]}`)
		shown := 0
		for _, ids := range [][]casemgr.ID{{3000, 3001, 3002, 3101, 3102, 999999}, {3101, 3102, 3120, 3121, 3122}} {
			shown += customersShowingAfterActivitiesToShow(t, db, ids)
		}
		if shown == 0 {
			t.Error("no contact shown at all: the world's activities name none")
		}
		ids := []casemgr.ID{3000, 3001, 3002, 3101, 3102, 999999}

		// A read that said it would read nothing more and reads on all
		// the same is run again, and answers as a read that did not say so.
		stats := db.(interface{ Stats() sqlstore.Stats })
		var want, got map[casemgr.ID]int
		if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) { want, err = tx.AttachmentCounts(ids); return err }); err != nil {
			t.Fatal(err)
		}
		for _, customers := range []bool{true, false} {
			before, runs := stats.Stats().ReadsAgain, 0
			if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
				runs++
				if _, err := tx.ActivitiesToShow(ids, customers, true); err != nil {
					return err
				}
				var err error
				got, err = tx.AttachmentCounts(ids)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("customers %v: attachment counts after the end: %v, want %v", customers, got, want)
			}
			again := stats.Stats().ReadsAgain - before
			if wantRuns := 2; runs != wantRuns || again != uint64(wantRuns-1) {
				t.Errorf("customers %v: read run %d times (%d again), want %d", customers, runs, again, wantRuns)
			}
		}
	})
}

// customersShowingAfterActivitiesToShow checks, for every subset of the
// activities of ids, that CustomersShowing answers after
// ActivitiesToShow what it answers alone, for the lists those activities
// name and for parts and more of them; it returns the contacts shown.
func customersShowingAfterActivitiesToShow(t *testing.T, db store.DB, ids []casemgr.ID) int {
	t.Helper()
	var acts []casemgr.Activity
	if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) { acts, err = tx.Activities(ids, false); return err }); err != nil {
		t.Fatal(err)
	}
	if len(acts) != 5 {
		t.Fatalf("%d activities of the world, want 5", len(acts))
	}
	shown := 0
	for mask := 1; mask < 1<<len(acts); mask++ {
		var some []casemgr.ID
		var custs, contacts, points []casemgr.ID
		for i := range acts {
			if mask&(1<<i) == 0 {
				continue
			}
			a := &acts[i]
			some = append(some, a.ID)
			if a.Customer != 0 && !slices.Contains(custs, a.Customer) {
				custs = append(custs, a.Customer)
			}
			if a.Contact != 0 && !slices.Contains(contacts, a.Contact) {
				contacts = append(contacts, a.Contact)
			}
			if a.ContactPoint != 0 && !slices.Contains(points, a.ContactPoint) {
				points = append(points, a.ContactPoint)
			}
		}
		slices.Sort(custs)
		slices.Sort(contacts)
		slices.Sort(points)
		for _, ask := range []struct{ custs, contacts, points []casemgr.ID }{
			{custs, contacts, points},
			{custs, nil, nil},
			{custs, contacts, nil},
			{custs, nil, points},
			{custs[:len(custs)/2+1], contacts[:len(contacts)/2], points[len(points)/2:]},
			{append(slices.Clone(custs), 999999), contacts, points}, // beyond: read by the query
		} {
			var want []casemgr.Customer
			if err := db.Read(t.Context(), func(tx casemgr.Tx) (err error) {
				want, err = tx.CustomersShowing(ask.custs, ask.contacts, ask.points)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for _, last := range []bool{false, true} {
				var got []casemgr.Customer
				if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
					if _, err := tx.ActivitiesToShow(some, true, last); err != nil {
						return err
					}
					var err error
					got, err = tx.CustomersShowing(ask.custs, ask.contacts, ask.points)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("activities %v (last %v), CustomersShowing(%v, %v, %v):\n got %+v\nwant %+v", some, last, ask.custs, ask.contacts, ask.points, got, want)
				}
			}
			for _, c := range want {
				shown += len(c.Contacts)
			}
		}
	}
	return shown
}

// TestActivitiesOfOneCustomerShowEachItsOwnContactPoint reads, in one
// request, activities of one customer that name different contact points
// (and one that names none): each shows its own point, exactly as when it
// is read alone, in whatever order the IDs come.
func TestActivitiesOfOneCustomerShowEachItsOwnContactPoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		h.add(`{"activities": [
  {"id": "3110", "case": "2003", "department": "10", "type": "email", "subtype": "general", "mode": "inbound",
   "status": "assigned", "assignedUser": "1001", "customer": "501", "contactPoint": "710",
   "contactPointData": "ann@example.com", "subject": "By email", "created": "2026-01-08T09:00:00.000Z"},
  {"id": "3111", "case": "2003", "department": "10", "type": "email", "subtype": "general", "mode": "inbound",
   "status": "assigned", "assignedUser": "1001", "customer": "501", "contactPoint": "716",
   "subject": "By post", "created": "2026-01-08T10:00:00.000Z"}]}`)
		jenny := h.login("jenny")
		alone := map[string]string{}
		for _, id := range []string{"3101", "3110", "3111"} {
			res := h.do("GET", "/core/casemgr/v3/activity/"+id, jenny, "")
			res.expect(t, 200, "")
			b, _ := json.Marshal(at(res.JSON(t), "activity.0"))
			alone[id] = string(b)
		}
		if alone["3110"] == alone["3111"] || !strings.Contains(alone["3110"], "ann@example.com") {
			t.Fatalf("the activities alone do not show their own points: %s\n%s", alone["3110"], alone["3111"])
		}
		for _, ids := range []string{"3101,3110,3111", "3111,3110", "3110,3101", "3111,3101,3110"} {
			res := h.do("GET", "/core/casemgr/v3/activity/"+ids, jenny, "")
			res.expect(t, 200, "")
			list, _ := res.JSON(t)["activity"].([]any)
			if len(list) != len(strings.Split(ids, ",")) {
				t.Fatalf("GET %s: %d activities", ids, len(list))
			}
			for _, item := range list {
				b, _ := json.Marshal(item)
				if id := atString(item, "id"); string(b) != alone[id] {
					t.Errorf("GET %s: activity %s is\n%s\nalone it is\n%s", ids, id, b, alone[id])
				}
			}
		}
	})
}
