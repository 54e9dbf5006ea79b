package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
)

// Run is the conformance suite of a store engine: every behaviour of
// casemgr.Store and casemgr.Tx that the domain relies on. open returns a
// fresh, migrated, empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) store.DB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db store.DB)
	}{
		{"migrate_is_idempotent", testMigrate},
		{"settings", testSettings},
		{"departments", testDepartments},
		{"queues", testQueues},
		{"users", testUsers},
		{"client_apps", testClientApps},
		{"calltrack_subtypes", testCalltrackSubtypes},
		{"attribute_defs", testAttributeDefs},
		{"customers_with_contacts_and_points", testCustomers},
		{"customer_departments", testCustomerDepartments},
		{"activities_to_show_with_their_customers", testActivitiesToShow},
		{"contact_points_by_value", testContactPointsByValue},
		{"update_customer_edits_and_adds_deletes_nothing", testUpdateCustomer},
		{"cases", testCases},
		{"relate_cases_both_ways", testRelateCases},
		{"activities", testActivities},
		{"times_keep_milliseconds_in_utc", testTimes},
		{"empty_and_nil_lists_read_back_nil", testEmptyLists},
		{"search_activities", testSearchActivities},
		{"pull_candidates_in_order_skipping_locked_rows", testPullCandidates},
		{"history", testHistory},
		{"history_records_changed_fields_and_reads_both_shapes", testHistoryShapes},
		{"history_retention_purges_old_entries_only", testPurgeHistory},
		{"events_of_history_entries", testEvents},
		{"events_committed_out_of_order_are_not_passed", testEventsCommittedOutOfOrder},
		{"attachments", testAttachments},
		{"sessions_tokens_and_logged_in", testSessions},
		{"idempotency_records", testIdempotency},
		{"auth_settings_and_client_on_behalf_of", testAuthSettings},
		{"user_sessions_oldest_first_without_on_behalf", testUserSessions},
		{"login_failures_count_in_windows", testLoginFailures},
		{"purge_removes_dead_sessions_tokens_and_old_records", testPurge},
		{"not_found_is_nil_without_error", testNotFound},
		{"empty_exists_delete_world", testEmptyExistsDeleteWorld},
		{"sync_ids_assigns_above_given_ids", testSyncIDs},
		{"world_origin_and_lock_world", testWorldOrigin},
		{"write_rolls_back_on_error", testRollbackOnError},
		{"write_rolls_back_on_panic", testRollbackOnPanic},
		{"read_refuses_writes", testReadOnly},
		{"reads_run_concurrently_with_a_write", testConcurrentReads},
		{"concurrent_writes_lose_no_update", testConcurrentWrites},
		{"canceled_context_is_an_error", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// ---- helpers ----

func write(t *testing.T, db store.DB, fn func(tx casemgr.Tx) error) {
	t.Helper()
	if err := db.Write(t.Context(), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func read(t *testing.T, db store.DB, fn func(tx casemgr.Tx) error) {
	t.Helper()
	if err := db.Read(t.Context(), fn); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// get runs one getter in a Read and fails the test on error.
func get[T any](t *testing.T, db store.DB, fn func(tx casemgr.Tx) (T, error)) T {
	t.Helper()
	var v T
	read(t, db, func(tx casemgr.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v
}

// same fails the test when got and want differ, showing both as JSON, where
// nil and empty lists and nil and set pointers are told apart.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\n got: %s\nwant: %s", what, g, w)
	}
}

// base is a time with nanoseconds and a zone: the store keeps milliseconds
// and answers in UTC.
var base = time.Date(2026, 1, 5, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))

func at(d time.Duration) time.Time        { return base.Add(d) }
func ms(t time.Time) time.Time            { return casemgr.Millis(t) }
func ptr[T any](v T) *T                   { return &v }
func ids(list ...casemgr.ID) []casemgr.ID { return list }

func fullDepartment(id casemgr.ID, name string) *casemgr.Department {
	return &casemgr.Department{ID: id, Name: name, SharedWith: ids(11, 12), TransferQueue: 100}
}

func fullUser(id casemgr.ID, name string) *casemgr.User {
	return &casemgr.User{
		ID: id, Name: name, FirstName: "Jenny", LastName: "Anthony", Department: 10,
		ForeignDepartments: ids(11, 12),
		Licenses:           []string{casemgr.LicenseAdvisorDesktop, casemgr.LicenseCallTrackPlus},
		Actions:            []string{casemgr.ActionChangeCase, casemgr.ActionUnpin},
		TransferTo:         ids(1002), TransferToQueues: ids(100, 110),
		PullUsers: ids(1002, 1003), PullQueues: ids(100),
		PullOptionQueues: ids(101, 100), MaxActivitiesToPull: 3,
		CustomAttributes: map[string]string{"employee_id": "E-7", "team": "blue"},
		PasswordHash:     "$argon2id$hash",
	}
}

// fullCase has every field set; the times are as stored.
func fullCase(id casemgr.ID) *casemgr.Case {
	return &casemgr.Case{
		ID: id, Department: 10, Status: casemgr.CaseOpen, Owner: 1001, Customer: 500,
		Severity: "high", Subject: "Router keeps rebooting", Description: "desc", Solution: "sol",
		DueDate: ptr(ms(at(48 * time.Hour))), OriginatingChannel: "email",
		CustomAttributes: map[string][]string{"region": {"EMEA"}, "tags": {"a", "b"}},
		Created:          ms(at(0)), CreatedBy: 1001,
		LastModified: ms(at(time.Minute)), LastModifiedBy: 1002,
		LastClosed: ptr(ms(at(-time.Hour))),
	}
}

// fullActivity has every field set; the times are as stored.
func fullActivity(id casemgr.ID) *casemgr.Activity {
	return &casemgr.Activity{
		ID: id, Case: 2000, Department: 10, LastDepartment: 11, Queue: 100,
		Type: casemgr.TypeEmail, Subtype: "general", Mode: casemgr.ModeInbound,
		Status: casemgr.StatusAssigned, AssignedUser: 1001, LockedBy: 1002,
		LockExpires: ptr(ms(at(time.Hour))), Pinned: true, ResponseTo: 2999,
		Customer: 500, Contact: 600, ContactPoint: 700, ContactPointData: "john@example.com",
		Subject: "It rebooted again", ContentText: "text", ContentHTML: "<p>html</p>",
		Priority: "3", DueDate: ptr(ms(at(24 * time.Hour))),
		CustomAttributes: map[string][]string{"reference": {"R-1"}},
		Created:          ms(at(0)), CreatedBy: 1001,
		LastModified: ms(at(time.Second)), LastModifiedBy: 1002,
	}
}

// customer500 is a customer with two contacts and contact points of every
// kind, as stored (every ID given).
func customer500() *casemgr.Customer {
	return &casemgr.Customer{
		ID: 500, Name: "John Tierney", Type: "individual", Department: 10,
		Created: ms(at(0)), LastModified: ms(at(time.Minute)),
		Contacts: []casemgr.Contact{
			{ID: 600, Customer: 500, FirstName: "John", LastName: "Tierney", ContactPoints: []casemgr.ContactPoint{
				{ID: 700, Contact: 600, Customer: 500, Kind: casemgr.KindEmail, Value: "John@Example.com"},
				{ID: 701, Contact: 600, Customer: 500, Kind: casemgr.KindPhone, Type: "mobile", Value: "4085551234"},
				{ID: 702, Contact: 600, Customer: 500, Kind: casemgr.KindSocial, Type: "Twitter", Value: "@jt"},
				{ID: 703, Contact: 600, Customer: 500, Kind: casemgr.KindPostal, Type: "home",
					Attrs: map[string]string{"address_1": "1 Main St", "city": "Springfield"}},
				{ID: 704, Contact: 600, Customer: 500, Kind: casemgr.KindWebsite, Value: "https://example.com"},
			}},
			{ID: 601, Customer: 500, FirstName: "Jane", LastName: "Tierney", ContactPoints: []casemgr.ContactPoint{
				{ID: 705, Contact: 601, Customer: 500, Kind: casemgr.KindEmail, Value: "jane@example.com"},
			}},
		},
	}
}

// ---- tests ----

func testMigrate(t *testing.T, db store.DB) {
	if e := db.Engine(); e != "sqlite" && e != "postgres" {
		t.Errorf("Engine() = %q", e)
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertDepartment(fullDepartment(10, "Service")) })
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() { errs <- db.Migrate(t.Context()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
	if d := get(t, db, func(tx casemgr.Tx) (*casemgr.Department, error) { return tx.Department(10) }); d == nil {
		t.Fatal("a repeated Migrate lost data")
	}
}

func testSettings(t *testing.T, db store.DB) {
	same(t, "settings never set", get(t, db, casemgr.Tx.Settings), casemgr.Settings{})
	for i, v := range []bool{true, false, true} {
		want := casemgr.Settings{CustomerDepartmentalization: v, MaxActivitiesToPull: i}
		write(t, db, func(tx casemgr.Tx) error { return tx.SetSettings(want) })
		same(t, "settings", get(t, db, casemgr.Tx.Settings), want)
	}
}

func testDepartments(t *testing.T, db store.DB) {
	d12 := &casemgr.Department{ID: 12, Name: "Legal"}
	d10 := fullDepartment(10, "Service")
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertDepartment(d12); err != nil {
			return err
		}
		return tx.InsertDepartment(d10)
	})
	same(t, "Department(10)", get(t, db, func(tx casemgr.Tx) (*casemgr.Department, error) { return tx.Department(10) }), d10)
	same(t, "DepartmentByName", get(t, db, func(tx casemgr.Tx) (*casemgr.Department, error) {
		return tx.DepartmentByName("Legal")
	}), d12)
	same(t, "Departments", get(t, db, casemgr.Tx.Departments), []casemgr.Department{*d10, *d12})

	err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		return tx.InsertDepartment(&casemgr.Department{ID: 13, Name: "Legal"})
	})
	if err == nil {
		t.Error("a second department named Legal was accepted")
	}
	var empty *casemgr.Department
	same(t, "department of a refused write", get(t, db, func(tx casemgr.Tx) (*casemgr.Department, error) {
		return tx.Department(13)
	}), empty)

	var assigned casemgr.Department
	write(t, db, func(tx casemgr.Tx) error {
		assigned = casemgr.Department{Name: "New"}
		return tx.InsertDepartment(&assigned)
	})
	if assigned.ID == 0 {
		t.Error("InsertDepartment without ID assigned none")
	}
}

func testQueues(t *testing.T, db store.DB) {
	q110 := &casemgr.Queue{ID: 110, Name: "Billing inbox", Department: 11, Inactive: true}
	q100 := &casemgr.Queue{ID: 100, Name: "Service inbox", Department: 10}
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertQueue(q110); err != nil {
			return err
		}
		return tx.InsertQueue(q100)
	})
	same(t, "Queue(100)", get(t, db, func(tx casemgr.Tx) (*casemgr.Queue, error) { return tx.Queue(100) }), q100)
	same(t, "Queues", get(t, db, casemgr.Tx.Queues), []casemgr.Queue{*q100, *q110})
}

func testUsers(t *testing.T, db store.DB) {
	frank := &casemgr.User{ID: 1002, Name: "frank", Department: 11, Licenses: []string{casemgr.LicenseCallTrackPlus}}
	jenny := fullUser(1001, "jenny")
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertUser(frank); err != nil {
			return err
		}
		return tx.InsertUser(jenny)
	})
	same(t, "User(1001)", get(t, db, func(tx casemgr.Tx) (*casemgr.User, error) { return tx.User(1001) }), jenny)
	same(t, "UserByName", get(t, db, func(tx casemgr.Tx) (*casemgr.User, error) { return tx.UserByName("frank") }), frank)
	same(t, "Users", get(t, db, casemgr.Tx.Users), []casemgr.User{*jenny, *frank})
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		return tx.InsertUser(&casemgr.User{ID: 1003, Name: "frank"})
	}); err == nil {
		t.Error("a second user named frank was accepted")
	}
}

func testClientApps(t *testing.T, db store.DB) {
	app := &casemgr.ClientApp{ClientID: "crm-bridge", Name: "CRM bridge", SecretHash: "hash"}
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertClientApp(app) })
	same(t, "ClientApp", get(t, db, func(tx casemgr.Tx) (*casemgr.ClientApp, error) {
		return tx.ClientApp("crm-bridge")
	}), app)
}

func testCalltrackSubtypes(t *testing.T, db store.DB) {
	if got := get(t, db, casemgr.Tx.CalltrackSubtypes); len(got) != 0 {
		t.Errorf("CalltrackSubtypes of an empty store = %v", got)
	}
	write(t, db, func(tx casemgr.Tx) error {
		for _, s := range []string{"General", "Complaint", "General"} {
			if err := tx.AddCalltrackSubtype(s); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, db, func(tx casemgr.Tx) error { return tx.AddCalltrackSubtype("Complaint") })
	same(t, "CalltrackSubtypes (in the order added, once each)",
		get(t, db, casemgr.Tx.CalltrackSubtypes), []string{"General", "Complaint"})
}

func testAttributeDefs(t *testing.T, db store.DB) {
	defs := []casemgr.AttributeDef{
		{Object: "case", Name: "region", Type: "enum", Values: []string{"EMEA", "APAC"}},
		{Object: "user", Name: "employee_id", Type: "string", Unique: true},
		{Object: "activity", Name: "reference", Type: "string"},
		{Object: "case", Name: "product", Type: "string"},
	}
	write(t, db, func(tx casemgr.Tx) error {
		for i := range defs {
			if err := tx.InsertAttributeDef(&defs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	same(t, "AttributeDefs(case)", get(t, db, func(tx casemgr.Tx) ([]casemgr.AttributeDef, error) {
		return tx.AttributeDefs("case")
	}), []casemgr.AttributeDef{defs[0], defs[3]})
	same(t, "AttributeDefs(user)", get(t, db, func(tx casemgr.Tx) ([]casemgr.AttributeDef, error) {
		return tx.AttributeDefs("user")
	}), []casemgr.AttributeDef{defs[1]})
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.AttributeDef, error) { return tx.AttributeDefs("nothing") }); len(got) != 0 {
		t.Errorf("AttributeDefs(nothing) = %v", got)
	}
}

func testCustomers(t *testing.T, db store.DB) {
	c500 := customer500()
	// A customer whose IDs are all assigned, and whose nested entities
	// don't name their parents: the store ties them.
	fresh := &casemgr.Customer{Name: "Acme", Type: "corporate", Created: ms(at(0)), LastModified: ms(at(0)),
		Contacts: []casemgr.Contact{{FirstName: "Wile", ContactPoints: []casemgr.ContactPoint{
			{Kind: casemgr.KindPhone, Type: "office", Value: "5550000"},
		}}}}
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertCustomer(fresh); err != nil {
			return err
		}
		return tx.InsertCustomer(c500)
	})
	ct := fresh.Contacts[0]
	if fresh.ID == 0 || ct.ID == 0 || ct.ContactPoints[0].ID == 0 {
		t.Fatalf("IDs not assigned: customer %d, contact %d, point %d", fresh.ID, ct.ID, ct.ContactPoints[0].ID)
	}
	if ct.Customer != fresh.ID || ct.ContactPoints[0].Contact != ct.ID || ct.ContactPoints[0].Customer != fresh.ID {
		t.Errorf("nested entities not tied to their parents: %+v", ct)
	}

	got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Customer, error) {
		return tx.Customers(ids(fresh.ID, 999, 500))
	})
	want := []casemgr.Customer{*c500, *fresh}
	if fresh.ID < 500 {
		want = []casemgr.Customer{*fresh, *c500}
	}
	same(t, "Customers (ID order, missing left out)", got, want)

	same(t, "Contacts", get(t, db, func(tx casemgr.Tx) ([]casemgr.Contact, error) {
		return tx.Contacts(ids(601, 600, 99999))
	}), c500.Contacts)
	pts := c500.Contacts[0].ContactPoints
	same(t, "ContactPoints", get(t, db, func(tx casemgr.Tx) ([]casemgr.ContactPoint, error) {
		return tx.ContactPoints(ids(704, 700, 703, 9))
	}), []casemgr.ContactPoint{pts[0], pts[3], pts[4]})
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Customer, error) { return tx.Customers(nil) }); len(got) != 0 {
		t.Errorf("Customers(nil) = %v", got)
	}
}

// testCustomerDepartments: the departments of the customers named, of the
// customers of the contact points named and of those of the activities
// named, in one map by customer; what does not exist is left out, an
// activity without a customer names none, and a customer without a
// department has 0.
func testCustomerDepartments(t *testing.T, db store.DB) {
	c500 := customer500()
	plain := &casemgr.Customer{ID: 510, Name: "No Department", Type: "individual", Created: ms(at(0)), LastModified: ms(at(0)),
		Contacts: []casemgr.Contact{{ID: 610, FirstName: "Nod", ContactPoints: []casemgr.ContactPoint{
			{ID: 710, Kind: casemgr.KindPhone, Type: "office", Value: "5550001"}}}}}
	other := &casemgr.Customer{ID: 520, Name: "Other", Type: "individual", Department: 20, Created: ms(at(0)), LastModified: ms(at(0))}
	withCustomer := &casemgr.Activity{ID: 3100, Case: 2100, Department: 20, Type: casemgr.TypeTask,
		Status: casemgr.StatusAwaitingAssignment, Customer: 520, Created: ms(at(0)), LastModified: ms(at(0))}
	without := &casemgr.Activity{ID: 3101, Case: 2100, Department: 20, Type: casemgr.TypeTask,
		Status: casemgr.StatusAwaitingAssignment, Created: ms(at(0)), LastModified: ms(at(0))}
	write(t, db, func(tx casemgr.Tx) error {
		return errors.Join(tx.InsertCustomer(c500), tx.InsertCustomer(plain), tx.InsertCustomer(other),
			tx.InsertActivity(withCustomer), tx.InsertActivity(without))
	})
	depts := func(customers, points, activities []casemgr.ID) map[casemgr.ID]casemgr.ID {
		t.Helper()
		var out map[casemgr.ID]casemgr.ID
		if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
			out, err = tx.CustomerDepartments(customers, points, activities)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	same(t, "CustomerDepartments of customers", depts(ids(510, 500, 999), nil, nil),
		map[casemgr.ID]casemgr.ID{500: 10, 510: 0})
	same(t, "CustomerDepartments of contact points", depts(nil, ids(701, 710, 9999), nil),
		map[casemgr.ID]casemgr.ID{500: 10, 510: 0})
	same(t, "CustomerDepartments of activities", depts(nil, nil, ids(3100, 3101, 9999)),
		map[casemgr.ID]casemgr.ID{520: 20})
	same(t, "CustomerDepartments of all three", depts(ids(510), ids(705), ids(3100)),
		map[casemgr.ID]casemgr.ID{500: 10, 510: 0, 520: 20})
	same(t, "CustomerDepartments of nothing", depts(nil, nil, nil), map[casemgr.ID]casemgr.ID{})
}

// testActivitiesToShow checks that ActivitiesToShow, for one ID (a
// statement of its own) and for several, returns what Activities returns,
// and that CustomersShowing after it returns what its own statement
// returns: the customer with the contact an activity names and the
// contact holding its point, with that point.
func testActivitiesToShow(t *testing.T, db store.DB) {
	act := func(id, customer, contact, point casemgr.ID) *casemgr.Activity {
		return &casemgr.Activity{ID: id, Case: 2200, Department: 10, Type: casemgr.TypeEmail, Status: casemgr.StatusAssigned,
			Customer: customer, Contact: contact, ContactPoint: point, Created: ms(at(0)), LastModified: ms(at(0))}
	}
	acts := []*casemgr.Activity{
		act(3200, 500, 600, 700), // the point held by the contact named
		act(3201, 500, 600, 705), // the point held by another contact: two contacts shown
		act(3202, 500, 0, 701),   // a point, no contact
		act(3203, 0, 0, 0),       // no customer
		act(3204, 500, 601, 0),   // a contact, no point
	}
	write(t, db, func(tx casemgr.Tx) error {
		err := tx.InsertCustomer(customer500())
		for _, a := range acts {
			err = errors.Join(err, tx.InsertActivity(a))
		}
		return err
	})
	type shown struct {
		Activities []casemgr.Activity
		Customers  []casemgr.Customer
	}
	for _, list := range [][]casemgr.ID{ids(3200), ids(3201), ids(3202), ids(3203), ids(3204), ids(9999),
		ids(3204, 3200, 9999, 3201), ids(3200, 3201, 3202, 3203, 3204)} {
		want := get(t, db, func(tx casemgr.Tx) (shown, error) {
			got, err := tx.Activities(list, false)
			if err != nil {
				return shown{}, err
			}
			customers, err := tx.CustomersShowing(ShownBy(got))
			return shown{got, customers}, err
		})
		for _, last := range []bool{false, true} {
			got := get(t, db, func(tx casemgr.Tx) (shown, error) {
				acts, customers, err := ReadToShow(tx, list, last)
				return shown{acts, customers}, err
			})
			same(t, fmt.Sprintf("ActivitiesToShow(%v, last %v) with CustomersShowing", list, last), got, want)
		}
	}
	// What the comparison rests on: the point held by another contact
	// shows both contacts, that one with the point alone.
	got := get(t, db, func(tx casemgr.Tx) (shown, error) {
		acts, customers, err := ReadToShow(tx, ids(3201), true)
		return shown{acts, customers}, err
	})
	if len(got.Customers) != 1 || len(got.Customers[0].Contacts) != 2 || len(got.Customers[0].Contacts[1].ContactPoints) != 1 ||
		got.Customers[0].Contacts[1].ContactPoints[0].ID != 705 {
		t.Errorf("activity 3201 shows %+v, want customer 500 with contact 600 and contact 601 with point 705", got.Customers)
	}
}

func testUpdateCustomer(t *testing.T, db store.DB) {
	c := customer500()
	write(t, db, func(tx casemgr.Tx) error { return errors.Join(tx.InsertCustomer(c), tx.SyncIDs()) })
	// Edit the customer, a contact and a phone point; add a point to a
	// contact and a contact with a point; leave Jane's email alone.
	c.Name, c.LastModified = "John T", ms(at(time.Hour))
	c.Details = map[string]string{"pin": "42"}
	c.CustomAttributes = map[string][]string{"tier": {"gold"}}
	john := &c.Contacts[0]
	john.LastName, john.Details = "T", map[string]string{"jobTitle": "CEO"}
	john.ContactPoints[1].Value = "(650) 555-0000"
	john.ContactPoints = append(john.ContactPoints, casemgr.ContactPoint{Kind: casemgr.KindEmail, Value: "JT@example.com"})
	c.Contacts = append(c.Contacts, casemgr.Contact{FirstName: "Jim", ContactPoints: []casemgr.ContactPoint{
		{Kind: casemgr.KindPhone, Type: "home", Value: "4085550000"}}})
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.LockCustomers(ids(500, 999)); err != nil {
			return err
		}
		return tx.UpdateCustomer(c)
	})
	added, jim := john.ContactPoints[5], c.Contacts[2]
	if added.ID == 0 || added.Contact != 600 || added.Customer != 500 || jim.ID == 0 || jim.Customer != 500 ||
		jim.ContactPoints[0].ID == 0 || jim.ContactPoints[0].Contact != jim.ID {
		t.Fatalf("new rows not tied or IDs not assigned: %+v, %+v", added, jim)
	}
	got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Customer, error) { return tx.Customers(ids(500)) })
	same(t, "customer after the update", got, []casemgr.Customer{*c})
	byValue := func(kind, value string) []casemgr.ID {
		var out []casemgr.ID
		for _, p := range get(t, db, func(tx casemgr.Tx) ([]casemgr.ContactPoint, error) {
			return tx.ContactPointsByValue(kind, value)
		}) {
			out = append(out, p.ID)
		}
		return out
	}
	same(t, "edited phone found by its new digits", byValue(casemgr.KindPhone, "6505550000"), ids(701))
	same(t, "edited phone no longer found by its old digits", byValue(casemgr.KindPhone, "4085551234"), []casemgr.ID(nil))
	same(t, "new email found", byValue(casemgr.KindEmail, "jt@EXAMPLE.com"), ids(added.ID))
	same(t, "new contact's phone found", byValue(casemgr.KindPhone, "4085550000"), ids(jim.ContactPoints[0].ID))
	// Updating a customer that does not exist is an error.
	err := db.Write(context.Background(), func(tx casemgr.Tx) error {
		return tx.UpdateCustomer(&casemgr.Customer{ID: 999, Name: "nobody"})
	})
	if err == nil {
		t.Error("UpdateCustomer of a missing customer succeeded")
	}
}

func testContactPointsByValue(t *testing.T, db store.DB) {
	c := customer500()
	other := &casemgr.Customer{ID: 501, Name: "Other", Created: ms(at(0)), LastModified: ms(at(0)),
		Contacts: []casemgr.Contact{{ID: 610, ContactPoints: []casemgr.ContactPoint{
			{ID: 710, Kind: casemgr.KindEmail, Value: "JOHN@example.COM"},
			{ID: 711, Kind: casemgr.KindPhone, Value: "408-555-1234"},
		}}}}
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertCustomer(c); err != nil {
			return err
		}
		return tx.InsertCustomer(other)
	})
	byValue := func(kind, value string) []casemgr.ID {
		list := get(t, db, func(tx casemgr.Tx) ([]casemgr.ContactPoint, error) {
			return tx.ContactPointsByValue(kind, value)
		})
		var out []casemgr.ID
		for _, p := range list {
			if p.Kind != kind {
				t.Errorf("ContactPointsByValue(%s) returned a %s", kind, p.Kind)
			}
			out = append(out, p.ID)
		}
		return out
	}
	same(t, "email, any case", byValue(casemgr.KindEmail, "john@EXAMPLE.com"), ids(700, 710))
	same(t, "phone, by its digits", byValue(casemgr.KindPhone, "4085551234"), ids(701, 711))
	same(t, "phone, formatted", byValue(casemgr.KindPhone, "(408) 555-1234"), ids(701, 711))
	same(t, "phone, other digits", byValue(casemgr.KindPhone, "14085551234"), []casemgr.ID(nil))
	same(t, "social, exact", byValue(casemgr.KindSocial, "@JT"), []casemgr.ID(nil))
	same(t, "email value of another kind", byValue(casemgr.KindWebsite, "john@example.com"), []casemgr.ID(nil))
	same(t, "points keep their value as given", get(t, db, func(tx casemgr.Tx) ([]casemgr.ContactPoint, error) {
		return tx.ContactPoints(ids(700))
	})[0].Value, "John@Example.com")
}

func testCases(t *testing.T, db store.DB) {
	full := fullCase(2000)
	bare := &casemgr.Case{ID: 1999, Department: 10, Status: casemgr.CaseOpen, Created: ms(at(0)), LastModified: ms(at(0))}
	var fresh casemgr.Case
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertCase(full); err != nil {
			return err
		}
		if err := tx.InsertCase(bare); err != nil {
			return err
		}
		fresh = casemgr.Case{Department: 10, Subject: "assigned ID", Created: ms(at(0)), LastModified: ms(at(0))}
		return tx.InsertCase(&fresh)
	})
	if fresh.ID == 0 {
		t.Error("InsertCase without ID assigned none")
	}
	same(t, "Cases", get(t, db, func(tx casemgr.Tx) ([]casemgr.Case, error) {
		return tx.Cases(ids(2000, 4, 1999), false)
	}), []casemgr.Case{*bare, *full})

	// Update every field, setting pointers to nil and back.
	upd := *full
	upd.Department, upd.Status, upd.Owner, upd.Customer = 11, casemgr.CaseClosed, 1002, 0
	upd.Severity, upd.Subject, upd.Description, upd.Solution = "low", "s2", "d2", "x2"
	upd.DueDate, upd.LastClosed = nil, ptr(ms(at(2*time.Hour)))
	upd.OriginatingChannel, upd.CustomAttributes = "phone", map[string][]string{"region": {"APAC"}}
	upd.Created, upd.CreatedBy = ms(at(-time.Hour)), 7
	upd.LastModified, upd.LastModifiedBy = ms(at(3*time.Hour)), 8
	bareUpd := *bare
	bareUpd.DueDate = ptr(ms(at(time.Hour)))
	write(t, db, func(tx casemgr.Tx) error {
		list, err := tx.Cases(ids(1999, 2000), true)
		if err != nil {
			return err
		}
		if len(list) != 2 {
			return fmt.Errorf("cases for update: %d cases", len(list))
		}
		if err := tx.UpdateCase(&upd); err != nil {
			return err
		}
		return tx.UpdateCase(&bareUpd)
	})
	same(t, "Cases after UpdateCase", get(t, db, func(tx casemgr.Tx) ([]casemgr.Case, error) {
		return tx.Cases(ids(1999, 2000), false)
	}), []casemgr.Case{bareUpd, upd})

	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		return tx.UpdateCase(&casemgr.Case{ID: 77})
	}); err == nil {
		t.Error("UpdateCase of a missing case succeeded")
	}
}

func testRelateCases(t *testing.T, db store.DB) {
	write(t, db, func(tx casemgr.Tx) error {
		for _, id := range ids(1, 2, 3, 4) {
			if err := tx.InsertCase(&casemgr.Case{ID: id, Created: ms(at(0)), LastModified: ms(at(0))}); err != nil {
				return err
			}
		}
		for _, p := range [][2]casemgr.ID{{1, 3}, {1, 2}, {2, 1}, {1, 3}, {4, 4}} {
			if err := tx.RelateCases(p[0], p[1]); err != nil {
				return err
			}
		}
		return nil
	})
	related := func() map[casemgr.ID][]casemgr.ID {
		list := get(t, db, func(tx casemgr.Tx) ([]casemgr.Case, error) { return tx.Cases(ids(1, 2, 3, 4), false) })
		m := map[casemgr.ID][]casemgr.ID{}
		for _, c := range list {
			m[c.ID] = c.RelatedCases
		}
		return m
	}
	same(t, "related cases", related(), map[casemgr.ID][]casemgr.ID{1: {2, 3}, 2: {1}, 3: {1}, 4: nil})

	// UpdateCase adds the relations of RelatedCases (both ways) and never
	// removes one: a case read before a RelateCases doesn't undo it.
	write(t, db, func(tx casemgr.Tx) error {
		list, err := tx.Cases(ids(4), true)
		if err != nil {
			return err
		}
		stale := list[0]
		if err := tx.RelateCases(4, 3); err != nil {
			return err
		}
		stale.RelatedCases = append(stale.RelatedCases, 2)
		return tx.UpdateCase(&stale)
	})
	same(t, "related cases after UpdateCase", related(),
		map[casemgr.ID][]casemgr.ID{1: {2, 3}, 2: {1, 4}, 3: {1, 4}, 4: {2, 3}})
}

func testActivities(t *testing.T, db store.DB) {
	a := fullActivity(3000)
	resp := &casemgr.Activity{ID: 3001, Case: 2000, Department: 10, Type: casemgr.TypeEmail,
		Mode: casemgr.ModeOutbound, Status: casemgr.StatusCompleted, ResponseTo: 3000,
		Created: ms(at(0)), LastModified: ms(at(0))}
	other := &casemgr.Activity{ID: 2990, Case: 2001, Department: 10, Type: casemgr.TypeTask,
		Status: casemgr.StatusAwaitingAssignment, Queue: 100, ResponseTo: 3000,
		Created: ms(at(0)), LastModified: ms(at(0))}
	var fresh casemgr.Activity
	write(t, db, func(tx casemgr.Tx) error {
		for _, x := range []*casemgr.Activity{resp, a, other} {
			if err := tx.InsertActivity(x); err != nil {
				return err
			}
		}
		fresh = casemgr.Activity{Case: 2002, Type: casemgr.TypeCalltrack, Created: ms(at(0)), LastModified: ms(at(0))}
		return tx.InsertActivity(&fresh)
	})
	if fresh.ID == 0 {
		t.Error("InsertActivity without ID assigned none")
	}
	same(t, "Activities", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Activities(ids(3001, 5, 3000, 2990), false)
	}), []casemgr.Activity{*other, *a, *resp})
	same(t, "CaseActivities", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.CaseActivities(ids(2000, 2001), false)
	}), []casemgr.Activity{*other, *a, *resp})
	same(t, "Responses", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Responses(ids(3000), false)
	}), []casemgr.Activity{*other, *resp})
	caseStatuses := func() map[casemgr.ID][]string {
		return get(t, db, func(tx casemgr.Tx) (map[casemgr.ID][]string, error) {
			return tx.CaseActivityStatuses(ids(2001, 2000, 2003))
		})
	}
	same(t, "CaseActivityStatuses", caseStatuses(), map[casemgr.ID][]string{
		2000: {casemgr.StatusAssigned, casemgr.StatusCompleted}, 2001: {casemgr.StatusAwaitingAssignment}})
	same(t, "CaseActivityCustomers", get(t, db, func(tx casemgr.Tx) ([]casemgr.ID, error) {
		return tx.CaseActivityCustomers(2000)
	}), ids(0, 500))
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.ID, error) { return tx.CaseActivityCustomers(2003) }); len(got) != 0 {
		t.Errorf("CaseActivityCustomers of a case without activities = %v", got)
	}
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) { return tx.Responses(ids(3001), false) }); len(got) != 0 {
		t.Errorf("Responses of an activity without any = %v", got)
	}

	// Update every field, pointers to nil and back.
	u := *a
	u.Case, u.Department, u.LastDepartment, u.Queue = 2001, 11, 10, 0
	u.Type, u.Subtype, u.Mode, u.Status = casemgr.TypeTask, "", casemgr.ModeComposed, casemgr.StatusInWorkflow
	u.AssignedUser, u.LockedBy, u.LockExpires, u.Pinned = 0, 0, nil, false
	u.ResponseTo, u.Customer, u.Contact, u.ContactPoint, u.ContactPointData = 0, 501, 601, 705, "jane@example.com"
	u.Subject, u.ContentText, u.ContentHTML, u.Priority = "s", "t", "h", "7"
	u.DueDate, u.CustomAttributes = nil, nil
	u.Created, u.CreatedBy, u.LastModified, u.LastModifiedBy = ms(at(-time.Hour)), 3, ms(at(time.Hour)), 4
	r := *resp
	r.LockExpires, r.DueDate, r.Pinned = ptr(ms(at(time.Minute))), ptr(ms(at(time.Hour))), true
	write(t, db, func(tx casemgr.Tx) error {
		if _, err := tx.Activities(ids(3000, 3001), true); err != nil {
			return err
		}
		if _, err := tx.CaseActivities(ids(2000), true); err != nil {
			return err
		}
		if _, err := tx.Responses(ids(3000), true); err != nil {
			return err
		}
		return tx.UpdateActivities([]*casemgr.Activity{&u, &r})
	})
	same(t, "Activities after UpdateActivities", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Activities(ids(3000, 3001), false)
	}), []casemgr.Activity{u, r})
	same(t, "CaseActivityStatuses after UpdateActivities", caseStatuses(), map[casemgr.ID][]string{
		2000: {casemgr.StatusCompleted}, 2001: {casemgr.StatusAwaitingAssignment, casemgr.StatusInWorkflow}})

	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		x := *resp
		x.Subject = "must not stay"
		return tx.UpdateActivities([]*casemgr.Activity{&x, {ID: 12345}})
	}); err == nil {
		t.Error("UpdateActivities of a missing activity succeeded")
	}
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) { return tx.Activities(ids(3001), false) }); got[0].Subject == "must not stay" {
		t.Error("a failed UpdateActivities kept a change")
	}

	// An activity read in the transaction, changed and changed back, and
	// one written unchanged: each update writes what it is given, whatever
	// was read or written before in the transaction (SQLite sets only the
	// columns that differ from them).
	write(t, db, func(tx casemgr.Tx) error {
		got, err := tx.Activities(ids(3000, 3001), true)
		if err != nil {
			return err
		}
		x, y := got[0], got[1]
		x.Subject, x.Status = "changed", casemgr.StatusAssigned
		if err := tx.UpdateActivities([]*casemgr.Activity{&x}); err != nil {
			return err
		}
		x.Subject, x.Status = u.Subject, u.Status
		return tx.UpdateActivities([]*casemgr.Activity{&x, &y})
	})
	same(t, "Activities changed and changed back in one transaction", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Activities(ids(3000, 3001), false)
	}), []casemgr.Activity{u, r})

	// One UpdateActivities of an activity read (locked) and two not read,
	// each changed in other columns, NULL and not in one column, the read
	// one named twice: each is stored as given (its last mention).
	var x2, y, z casemgr.Activity
	write(t, db, func(tx casemgr.Tx) error {
		got, err := tx.Activities(ids(3000), true)
		if err != nil {
			return err
		}
		x := got[0]
		x.LockExpires, x.Priority = ptr(ms(at(2*time.Minute))), "2"
		x2 = x
		x2.Subject, x2.CustomAttributes = "second mention", map[string][]string{"tier": {"gold"}}
		y, z = *other, r
		y.Subject, y.LockExpires = "y", nil
		z.Pinned, z.LockExpires, z.Categories = false, nil, []string{"c"}
		return tx.UpdateActivities([]*casemgr.Activity{&x, &y, &z, &x2})
	})
	same(t, "Activities read and not read updated at once", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Activities(ids(2990, 3000, 3001), false)
	}), []casemgr.Activity{y, x2, z})

	// All three read: one column, NULL in one and a time in another, the
	// third unchanged; then nothing changed at all.
	write(t, db, func(tx casemgr.Tx) error {
		got, err := tx.Activities(ids(2990, 3000, 3001), true)
		if err != nil {
			return err
		}
		got[0].LockExpires, got[1].LockExpires = ptr(ms(at(3*time.Minute))), nil
		y, x2 = got[0], got[1]
		if err := tx.UpdateActivities([]*casemgr.Activity{&got[0], &got[1], &got[2]}); err != nil {
			return err
		}
		return tx.UpdateActivities([]*casemgr.Activity{&got[0], &got[1], &got[2]})
	})
	same(t, "Activities read, one column changed", get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		return tx.Activities(ids(2990, 3000, 3001), false)
	}), []casemgr.Activity{y, x2, z})
}

func testTimes(t *testing.T, db store.DB) {
	times := []time.Time{
		{}, // the zero time comes back as the zero time
		time.Unix(0, 0),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2026, 3, 29, 2, 30, 0, 1_500_000, time.FixedZone("x", -7*3600)),
		time.Date(2999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
	}
	write(t, db, func(tx casemgr.Tx) error {
		for i, tm := range times {
			if err := tx.InsertActivity(&casemgr.Activity{ID: casemgr.ID(i + 1), Created: tm, LastModified: tm,
				DueDate: ptr(tm), LockExpires: ptr(tm)}); err != nil {
				return err
			}
		}
		return nil
	})
	list := get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) { return tx.Activities(ids(1, 2, 3, 4, 5), false) })
	if len(list) != len(times) {
		t.Fatalf("%d activities", len(list))
	}
	for i, a := range list {
		want := casemgr.Millis(times[i])
		for name, got := range map[string]time.Time{"created": a.Created, "lastModified": a.LastModified,
			"dueDate": *a.DueDate, "lockExpires": *a.LockExpires} {
			if !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond()%int(time.Millisecond) != 0 {
				t.Errorf("%s of %v: got %v, want %v in UTC", name, times[i], got, want)
			}
			if got != want {
				t.Errorf("%s of %v: got %#v, want %#v (== must hold)", name, times[i], got, want)
			}
		}
	}
}

func testEmptyLists(t *testing.T, db store.DB) {
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "a", SharedWith: []casemgr.ID{}}); err != nil {
			return err
		}
		if err := tx.InsertUser(&casemgr.User{ID: 1, Name: "u", Licenses: []string{}, Actions: []string{},
			ForeignDepartments: []casemgr.ID{}, TransferTo: []casemgr.ID{}, PullUsers: []casemgr.ID{},
			PullQueues: []casemgr.ID{}, CustomAttributes: map[string]string{}}); err != nil {
			return err
		}
		if err := tx.InsertAttributeDef(&casemgr.AttributeDef{Object: "case", Name: "x", Values: []string{}}); err != nil {
			return err
		}
		if err := tx.InsertCustomer(&casemgr.Customer{ID: 1, Contacts: []casemgr.Contact{{ID: 1,
			ContactPoints: []casemgr.ContactPoint{{ID: 1, Kind: casemgr.KindEmail, Attrs: map[string]string{}}}}}}); err != nil {
			return err
		}
		if err := tx.InsertCustomer(&casemgr.Customer{ID: 2, Contacts: []casemgr.Contact{{ID: 2, ContactPoints: []casemgr.ContactPoint{}}}}); err != nil {
			return err
		}
		if err := tx.InsertCase(&casemgr.Case{ID: 1, RelatedCases: []casemgr.ID{}, CustomAttributes: map[string][]string{}}); err != nil {
			return err
		}
		return tx.InsertActivity(&casemgr.Activity{ID: 1, CustomAttributes: map[string][]string{"k": {}}})
	})
	read(t, db, func(tx casemgr.Tx) error {
		d, err := tx.Department(1)
		if err != nil {
			return err
		}
		same(t, "empty SharedWith", d.SharedWith, []casemgr.ID(nil))
		u, err := tx.User(1)
		if err != nil {
			return err
		}
		same(t, "user with empty lists", *u, casemgr.User{ID: 1, Name: "u"})
		defs, err := tx.AttributeDefs("case")
		if err != nil {
			return err
		}
		same(t, "empty Values", defs[0].Values, []string(nil))
		cs, err := tx.Customers(ids(1, 2))
		if err != nil {
			return err
		}
		same(t, "empty Attrs", cs[0].Contacts[0].ContactPoints[0].Attrs, map[string]string(nil))
		same(t, "contact without points", cs[1].Contacts[0].ContactPoints, []casemgr.ContactPoint(nil))
		cases, err := tx.Cases(ids(1), false)
		if err != nil {
			return err
		}
		same(t, "case RelatedCases and CustomAttributes", [2]any{cases[0].RelatedCases, cases[0].CustomAttributes},
			[2]any{[]casemgr.ID(nil), map[string][]string(nil)})
		acts, err := tx.Activities(ids(1), false)
		if err != nil {
			return err
		}
		// Inside a map, an attribute's empty value list is data, kept.
		same(t, "activity attribute with no values", acts[0].CustomAttributes, map[string][]string{"k": {}})
		return nil
	})
}

func testSearchActivities(t *testing.T, db store.DB) {
	// Twelve activities: id 1..12, spread over departments, statuses,
	// types, modes, cases, customers and assignees.
	type row struct {
		dept, cas, cust, user casemgr.ID
		status, typ, mode     string
		prio                  string
		due                   *time.Time
	}
	rows := []row{
		{10, 2000, 500, 1001, casemgr.StatusAssigned, casemgr.TypeEmail, casemgr.ModeInbound, "3", ptr(at(5 * time.Hour))},
		{10, 2000, 500, 0, casemgr.StatusAwaitingAssignment, casemgr.TypeEmail, casemgr.ModeOutbound, "1", nil},
		{11, 2000, 500, 1002, casemgr.StatusAssigned, casemgr.TypeCalltrack, casemgr.ModeInbound, "7", ptr(at(time.Hour))},
		{11, 2001, 501, 1002, casemgr.StatusCompleted, casemgr.TypeTask, "", "3", ptr(at(3 * time.Hour))},
		{12, 2001, 501, 1001, casemgr.StatusInWorkflow, casemgr.TypeEmail, casemgr.ModeInbound, "5", nil},
		{10, 2002, 0, 1001, casemgr.StatusAssigned, casemgr.TypeChat, casemgr.ModeInbound, "2", ptr(at(2 * time.Hour))},
		{12, 2002, 0, 0, casemgr.StatusAwaitingAssignment, casemgr.TypeSocial, casemgr.ModeInbound, "3", ptr(at(4 * time.Hour))},
		{10, 2003, 502, 1001, casemgr.StatusCompleted, casemgr.TypeEmail, casemgr.ModeComposed, "4", nil},
		{11, 2003, 502, 1003, casemgr.StatusAssigned, casemgr.TypeEmail, casemgr.ModeInbound, "6", ptr(at(6 * time.Hour))},
		{10, 2000, 500, 1001, casemgr.StatusAssigned, casemgr.TypeWeb, casemgr.ModeInbound, "3", ptr(at(time.Hour))},
		{12, 2004, 503, 1003, casemgr.StatusCompleted, "survey", casemgr.ModeOutbound, "1", nil},
		{10, 2004, 503, 1002, casemgr.StatusAssigned, casemgr.TypeEmail, casemgr.ModeInbound, "2", ptr(at(7 * time.Hour))},
	}
	write(t, db, func(tx casemgr.Tx) error {
		// Insert out of ID order, so ID order is the store's doing.
		for i := len(rows) - 1; i >= 0; i-- {
			r := rows[i]
			a := &casemgr.Activity{ID: casemgr.ID(i + 1), Department: r.dept, Case: r.cas, Customer: r.cust,
				AssignedUser: r.user, Status: r.status, Type: r.typ, Mode: r.mode, Priority: r.prio, DueDate: r.due,
				// created goes down as ids go up, lastModified in blocks
				Created:      at(-time.Duration(i) * time.Minute),
				LastModified: at(time.Duration(i/3) * time.Minute)}
			if err := tx.InsertActivity(a); err != nil {
				return err
			}
		}
		return nil
	})
	search := func(f casemgr.ActivityFilter) ([]casemgr.ID, int) {
		t.Helper()
		var out []casemgr.ID
		var total int
		read(t, db, func(tx casemgr.Tx) error {
			list, n, err := tx.SearchActivities(f)
			for _, a := range list {
				out = append(out, a.ID)
			}
			total = n
			return err
		})
		return out, total
	}
	check := func(name string, f casemgr.ActivityFilter, want []casemgr.ID, wantTotal int) {
		t.Helper()
		got, total := search(f)
		if !slices.Equal(got, want) || total != wantTotal {
			t.Errorf("%s: got %v (total %d), want %v (total %d)", name, got, total, want, wantTotal)
		}
	}
	all := ids(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
	check("no filter", casemgr.ActivityFilter{}, all, 12)
	check("case", casemgr.ActivityFilter{Case: 2000}, ids(1, 2, 3, 10), 4)
	check("statuses", casemgr.ActivityFilter{Statuses: []string{casemgr.StatusCompleted, casemgr.StatusInWorkflow}}, ids(4, 5, 8, 11), 4)
	check("types", casemgr.ActivityFilter{Types: []string{casemgr.TypeCalltrack, "survey"}}, ids(3, 11), 2)
	check("modes", casemgr.ActivityFilter{Modes: []string{casemgr.ModeOutbound}}, ids(2, 11), 2)
	check("department", casemgr.ActivityFilter{Department: 12}, ids(5, 7, 11), 3)
	check("customer", casemgr.ActivityFilter{Customer: 501}, ids(4, 5), 2)
	check("assigned to", casemgr.ActivityFilter{AssignedTo: 1002}, ids(3, 4, 12), 3)
	check("departments", casemgr.ActivityFilter{Departments: ids(11, 12)}, ids(3, 4, 5, 7, 9, 11), 6)
	check("no departments at all", casemgr.ActivityFilter{Departments: []casemgr.ID{}}, nil, 0)
	check("everything combined", casemgr.ActivityFilter{Case: 2000, Statuses: []string{casemgr.StatusAssigned},
		Types: []string{casemgr.TypeEmail, casemgr.TypeWeb, casemgr.TypeCalltrack}, Modes: []string{casemgr.ModeInbound},
		Department: 10, Customer: 500, AssignedTo: 1001, Departments: ids(10, 11)}, ids(1, 10), 2)
	check("nothing matches", casemgr.ActivityFilter{Case: 9999}, nil, 0)

	check("sort id desc", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "id", Descending: true}}, ids(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 12)
	check("sort created", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "created"}}, ids(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 12)
	check("sort created desc", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "created", Descending: true}}, all, 12)
	check("sort lastModified (ties by id)", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "lastModified"}}, all, 12)
	check("sort lastModified desc (ties by id desc)", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "lastModified", Descending: true}},
		ids(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 12)
	check("sort priority", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "priority"}}, ids(2, 11, 6, 12, 1, 4, 7, 10, 8, 5, 9, 3), 12)
	check("sort priority desc", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "priority", Descending: true}},
		ids(3, 9, 5, 8, 10, 7, 4, 1, 12, 6, 11, 2), 12)
	check("sort dueDate (none last)", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "dueDate"}}, ids(3, 10, 6, 4, 7, 1, 9, 12, 2, 5, 8, 11), 12)
	check("sort dueDate desc (none last)", casemgr.ActivityFilter{Page: casemgr.Page{Sort: "dueDate", Descending: true}},
		ids(12, 9, 1, 7, 4, 6, 10, 3, 11, 8, 5, 2), 12)

	check("page 1", casemgr.ActivityFilter{Page: casemgr.Page{Limit: 5}}, ids(1, 2, 3, 4, 5), 12)
	check("page 3", casemgr.ActivityFilter{Page: casemgr.Page{Offset: 10, Limit: 5}}, ids(11, 12), 12)
	check("past the end", casemgr.ActivityFilter{Page: casemgr.Page{Offset: 12, Limit: 5}}, nil, 12)
	check("offset without limit", casemgr.ActivityFilter{Page: casemgr.Page{Offset: 9}}, ids(10, 11, 12), 12)
	check("filtered, sorted page", casemgr.ActivityFilter{Departments: ids(10),
		Page: casemgr.Page{Sort: "priority", Descending: true, Offset: 1, Limit: 3}}, ids(10, 1, 12), 6)

	err := db.Read(t.Context(), func(tx casemgr.Tx) error {
		_, _, err := tx.SearchActivities(casemgr.ActivityFilter{Page: casemgr.Page{Sort: "subject; DROP TABLE activities"}})
		return err
	})
	if err == nil {
		t.Error("an unknown sort was accepted")
	}
	list := get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) {
		l, _, err := tx.SearchActivities(casemgr.ActivityFilter{Case: 2001, Page: casemgr.Page{Limit: 1}})
		return l, err
	})
	same(t, "a search returns whole activities", list[0].Status, casemgr.StatusCompleted)
}

func testHistory(t *testing.T, db store.DB) {
	entries := []casemgr.HistoryEntry{
		{Entity: "activity", EntityID: 3000, Action: "create", Actor: "user:1001", At: at(0), After: `{"id":"3000"}`},
		{Entity: "case", EntityID: 3000, Action: "changecase", Actor: "client:crm", At: at(time.Second), Before: `{}`, After: `{}`},
		{Entity: "activity", EntityID: 3001, Action: "create", Actor: "user:1001", At: at(time.Second)},
	}
	later := []casemgr.HistoryEntry{
		{Entity: "activity", EntityID: 3000, Action: "transfer", Actor: "user:1002", At: at(-time.Hour), Before: `{"a":1}`, After: `{"a":2}`},
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory(entries) })
	write(t, db, func(tx casemgr.Tx) error { return tx.AppendHistory(later) })
	if !(entries[0].Seq > 0 && entries[0].Seq < entries[1].Seq && entries[1].Seq < entries[2].Seq && entries[2].Seq < later[0].Seq) {
		t.Errorf("Seq not assigned in append order: %d %d %d %d", entries[0].Seq, entries[1].Seq, entries[2].Seq, later[0].Seq)
	}
	want := []casemgr.HistoryEntry{entries[0], later[0]}
	for i := range want {
		want[i].At = ms(want[i].At)
	}
	same(t, "History (in append order, not time order)", get(t, db, func(tx casemgr.Tx) ([]casemgr.HistoryEntry, error) {
		return tx.History("activity", 3000)
	}), want)
}

func testAttachments(t *testing.T, db store.DB) {
	data := []byte("%PDF-1.7 \x00\x01\x02\xff binary")
	a1 := &casemgr.Attachment{ID: "7b6c5fff-036e-4a40-b68a-a67c592fc079", Name: "report.pdf",
		ContentType: "application/pdf", Size: int64(len(data)), Data: data, Created: ms(at(0)), UploadedBy: "user:1001"}
	a2 := &casemgr.Attachment{ID: "0a000000-0000-4000-8000-000000000000", Name: "empty.txt",
		ContentType: "text/plain", Created: ms(at(time.Second)), UploadedBy: "client:crm"}
	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.InsertAttachment(a1); err != nil {
			return err
		}
		return tx.InsertAttachment(a2)
	})
	meta := func(a *casemgr.Attachment) casemgr.Attachment { x := *a; x.Data = nil; return x }
	same(t, "Attachments (no data, ID order)", get(t, db, func(tx casemgr.Tx) ([]casemgr.Attachment, error) {
		return tx.Attachments([]string{a1.ID, "missing", a2.ID}, false)
	}), []casemgr.Attachment{meta(a2), meta(a1)})
	same(t, "AttachmentData", get(t, db, func(tx casemgr.Tx) (*casemgr.Attachment, error) {
		return tx.AttachmentData(a1.ID)
	}), a1)
	same(t, "AttachmentData of an empty file", get(t, db, func(tx casemgr.Tx) (*casemgr.Attachment, error) {
		return tx.AttachmentData(a2.ID)
	}), a2)

	write(t, db, func(tx casemgr.Tx) error {
		if _, err := tx.Attachments([]string{a1.ID, a2.ID}, true); err != nil {
			return err
		}
		return tx.AttachAttachments([]string{a2.ID, a1.ID, a1.ID}, 3000)
	})
	m1, m2 := meta(a1), meta(a2)
	m1.Activity, m2.Activity = 3000, 3000
	same(t, "ActivityAttachments (upload order)", get(t, db, func(tx casemgr.Tx) ([]casemgr.Attachment, error) {
		return tx.ActivityAttachments(3000)
	}), []casemgr.Attachment{m1, m2})
	if got := get(t, db, func(tx casemgr.Tx) ([]casemgr.Attachment, error) { return tx.ActivityAttachments(1) }); len(got) != 0 {
		t.Errorf("ActivityAttachments of an activity without any = %v", got)
	}
	if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		return tx.AttachAttachments([]string{a1.ID, "missing"}, 3001)
	}); err == nil {
		t.Error("AttachAttachments of a missing attachment succeeded")
	}
}

func testSessions(t *testing.T, db store.DB) {
	now := ms(at(0))
	live := &casemgr.Session{ID: "s-live", User: 1001, ClientID: "web", Created: now.Add(-time.Minute), Expires: now.Add(time.Hour)}
	expired := &casemgr.Session{ID: "s-expired", User: 1002, ClientID: "web", Created: now.Add(-2 * time.Hour), Expires: now}
	revoked := &casemgr.Session{ID: "s-revoked", User: 1003, ClientID: "web", Created: now, Expires: now.Add(time.Hour),
		Revoked: ptr(now.Add(-time.Second))}
	app := &casemgr.Session{ID: "s-app", ClientID: "crm-bridge", Created: now, Expires: now.Add(time.Hour)}
	tok := &casemgr.Token{Hash: "sha256:abc", Session: "s-live", Kind: "access", Expires: now.Add(time.Hour)}
	write(t, db, func(tx casemgr.Tx) error {
		for _, s := range []*casemgr.Session{live, expired, revoked, app} {
			if err := tx.InsertSession(s); err != nil {
				return err
			}
		}
		return tx.InsertToken(tok)
	})
	same(t, "Session", get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) { return tx.Session("s-revoked") }), revoked)
	same(t, "Token", get(t, db, func(tx casemgr.Tx) (*casemgr.Token, error) { return tx.Token("sha256:abc") }), tok)

	loggedIn := func(user casemgr.ID, at time.Time) bool {
		t.Helper()
		return get(t, db, func(tx casemgr.Tx) (bool, error) { return tx.UserLoggedIn(user, at) })
	}
	for _, c := range []struct {
		user casemgr.ID
		at   time.Time
		want bool
	}{
		{1001, now, true},
		{1001, now.Add(time.Hour), false}, // expires is not after now
		{1002, now, false},                // expired
		{1002, now.Add(-time.Millisecond), true},
		{1003, now, false}, // revoked
		{1004, now, false}, // no session
		{0, now, false},    // client sessions belong to no user
	} {
		if got := loggedIn(c.user, c.at); got != c.want {
			t.Errorf("UserLoggedIn(%d, %v) = %v, want %v", c.user, c.at, got, c.want)
		}
	}

	write(t, db, func(tx casemgr.Tx) error {
		if err := tx.ExtendSession("s-expired", now.Add(30*time.Minute)); err != nil {
			return err
		}
		return tx.RevokeSession("s-live", now.Add(time.Second))
	})
	if !loggedIn(1002, now) {
		t.Error("an extended session doesn't count")
	}
	if loggedIn(1001, now.Add(2*time.Second)) {
		t.Error("a revoked session still counts")
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.RevokeSession("s-live", now.Add(time.Minute)) })
	s := get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) { return tx.Session("s-live") })
	if s.Revoked == nil || !s.Revoked.Equal(now.Add(time.Second)) {
		t.Errorf("revoking again changed the revocation time: %v", s.Revoked)
	}
	same(t, "extended session", get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) {
		return tx.Session("s-expired")
	}).Expires, now.Add(30*time.Minute))
}

func testIdempotency(t *testing.T, db store.DB) {
	rec := &casemgr.IdempotencyRecord{Actor: "user:1001", Key: "k-1", BodyHash: "h", Activity: 3005,
		Created: ms(at(0))}
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertIdempotencyRecord(rec) })
	same(t, "IdempotencyRecord", get(t, db, func(tx casemgr.Tx) (*casemgr.IdempotencyRecord, error) {
		return tx.IdempotencyRecord("user:1001", "k-1")
	}), rec)

	// The conflict is an error of the domain, and the transaction goes on
	// (a failed statement would abort a PostgreSQL transaction).
	write(t, db, func(tx casemgr.Tx) error {
		err := tx.InsertIdempotencyRecord(&casemgr.IdempotencyRecord{Actor: "user:1001", Key: "k-1", Created: ms(at(0))})
		if !casemgr.IsCode(err, casemgr.CodeIdempotencyInFlight) {
			t.Errorf("InsertIdempotencyRecord of a taken key: %v, want code %s", err, casemgr.CodeIdempotencyInFlight)
		}
		var e *casemgr.Error
		if errors.As(err, &e) && e.Args["value"] != "k-1" {
			t.Errorf("conflict error names %q, want the key", e.Args["value"])
		}
		return tx.InsertIdempotencyRecord(&casemgr.IdempotencyRecord{Actor: "user:1002", Key: "k-1", Created: ms(at(0))})
	})
	if r := get(t, db, func(tx casemgr.Tx) (*casemgr.IdempotencyRecord, error) {
		return tx.IdempotencyRecord("user:1002", "k-1")
	}); r == nil {
		t.Error("the same key of another actor was not stored")
	}
}

func testPurge(t *testing.T, db store.DB) {
	now := ms(at(0))
	write(t, db, func(tx casemgr.Tx) error {
		for _, s := range []*casemgr.Session{
			{ID: "live", User: 1001, Created: now, Expires: now.Add(time.Hour)},
			{ID: "expired", User: 1002, Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)},
			{ID: "revoked", User: 1003, Created: now, Expires: now.Add(time.Hour), Revoked: ptr(now.Add(-time.Minute))},
		} {
			if err := tx.InsertSession(s); err != nil {
				return err
			}
		}
		for _, k := range []*casemgr.Token{
			{Hash: "live-access", Session: "live", Kind: "access", Expires: now.Add(time.Hour)},
			{Hash: "live-old-access", Session: "live", Kind: "access", Expires: now.Add(-time.Second)},
			{Hash: "expired-refresh", Session: "expired", Kind: "refresh", Expires: now.Add(time.Hour)},
			{Hash: "revoked-access", Session: "revoked", Kind: "access", Expires: now.Add(time.Hour)},
		} {
			if err := tx.InsertToken(k); err != nil {
				return err
			}
		}
		for _, r := range []*casemgr.IdempotencyRecord{
			{Actor: "user:1001", Key: "old", Created: now.Add(-48 * time.Hour)},
			{Actor: "user:1001", Key: "new", Created: now},
		} {
			if err := tx.InsertIdempotencyRecord(r); err != nil {
				return err
			}
		}
		return nil
	})
	var n int64
	write(t, db, func(tx casemgr.Tx) (err error) { n, err = tx.Purge(now, now.Add(-24*time.Hour)); return err })
	if n != 6 {
		t.Errorf("Purge deleted %d rows, want 6 (3 tokens, 2 sessions, 1 record)", n)
	}
	for hash, want := range map[string]bool{"live-access": true, "live-old-access": false, "expired-refresh": false, "revoked-access": false} {
		tok := get(t, db, func(tx casemgr.Tx) (*casemgr.Token, error) { return tx.Token(hash) })
		if (tok != nil) != want {
			t.Errorf("token %s kept = %v, want %v", hash, tok != nil, want)
		}
	}
	for id, want := range map[string]bool{"live": true, "expired": false, "revoked": false} {
		s := get(t, db, func(tx casemgr.Tx) (*casemgr.Session, error) { return tx.Session(id) })
		if (s != nil) != want {
			t.Errorf("session %s kept = %v, want %v", id, s != nil, want)
		}
	}
	for key, want := range map[string]bool{"old": false, "new": true} {
		r := get(t, db, func(tx casemgr.Tx) (*casemgr.IdempotencyRecord, error) { return tx.IdempotencyRecord("user:1001", key) })
		if (r != nil) != want {
			t.Errorf("idempotency record %s kept = %v, want %v", key, r != nil, want)
		}
	}
	// Purging again finds nothing.
	write(t, db, func(tx casemgr.Tx) (err error) { n, err = tx.Purge(now, now.Add(-24*time.Hour)); return err })
	if n != 0 {
		t.Errorf("a second Purge deleted %d rows", n)
	}
}

func testNotFound(t *testing.T, db store.DB) {
	read(t, db, func(tx casemgr.Tx) error {
		checks := map[string]func() (any, error){
			"Department":        func() (any, error) { return tx.Department(1) },
			"DepartmentByName":  func() (any, error) { return tx.DepartmentByName("x") },
			"Queue":             func() (any, error) { return tx.Queue(1) },
			"User":              func() (any, error) { return tx.User(1) },
			"UserByName":        func() (any, error) { return tx.UserByName("x") },
			"ClientApp":         func() (any, error) { return tx.ClientApp("x") },
			"Session":           func() (any, error) { return tx.Session("x") },
			"Token":             func() (any, error) { return tx.Token("x") },
			"IdempotencyRecord": func() (any, error) { return tx.IdempotencyRecord("a", "k") },
			"AttachmentData":    func() (any, error) { return tx.AttachmentData("x") },
		}
		for name, fn := range checks {
			v, err := fn()
			if err != nil || !reflect.ValueOf(v).IsNil() {
				t.Errorf("%s of a missing entity = %v, %v; want nil, nil", name, v, err)
			}
		}
		lists := map[string]func() (int, error){
			"Departments":           func() (int, error) { l, err := tx.Departments(); return len(l), err },
			"Queues":                func() (int, error) { l, err := tx.Queues(); return len(l), err },
			"Users":                 func() (int, error) { l, err := tx.Users(); return len(l), err },
			"Customers":             func() (int, error) { l, err := tx.Customers(ids(1)); return len(l), err },
			"Contacts":              func() (int, error) { l, err := tx.Contacts(ids(1)); return len(l), err },
			"ContactPoints":         func() (int, error) { l, err := tx.ContactPoints(ids(1)); return len(l), err },
			"ContactPointsByValue":  func() (int, error) { l, err := tx.ContactPointsByValue("email", "x"); return len(l), err },
			"Cases":                 func() (int, error) { l, err := tx.Cases(ids(1), false); return len(l), err },
			"Activities":            func() (int, error) { l, err := tx.Activities(ids(1), false); return len(l), err },
			"CaseActivities":        func() (int, error) { l, err := tx.CaseActivities(ids(1), false); return len(l), err },
			"CaseActivityStatuses":  func() (int, error) { l, err := tx.CaseActivityStatuses(ids(1)); return len(l), err },
			"CaseActivityCustomers": func() (int, error) { l, err := tx.CaseActivityCustomers(1); return len(l), err },
			"Responses":             func() (int, error) { l, err := tx.Responses(ids(1), false); return len(l), err },
			"History":               func() (int, error) { l, err := tx.History("case", 1); return len(l), err },
			"Attachments":           func() (int, error) { l, err := tx.Attachments([]string{"x"}, false); return len(l), err },
			"AttributeDefs":         func() (int, error) { l, err := tx.AttributeDefs("case"); return len(l), err },
		}
		for name, fn := range lists {
			if n, err := fn(); n != 0 || err != nil {
				t.Errorf("%s of missing entities = %d entities, %v", name, n, err)
			}
		}
		return nil
	})
}

// seedWorld stores one of every entity.
func seedWorld(t *testing.T, db store.DB) {
	t.Helper()
	write(t, db, func(tx casemgr.Tx) error {
		steps := []error{
			tx.SetSettings(casemgr.Settings{CustomerDepartmentalization: true}),
			tx.InsertDepartment(fullDepartment(10, "Service")),
			tx.InsertQueue(&casemgr.Queue{ID: 100, Name: "inbox", Department: 10}),
			tx.InsertUser(fullUser(1001, "jenny")),
			tx.InsertClientApp(&casemgr.ClientApp{ClientID: "crm", Name: "CRM"}),
			tx.AddCalltrackSubtype("General"),
			tx.InsertAttributeDef(&casemgr.AttributeDef{Object: "case", Name: "region"}),
			tx.InsertCustomer(customer500()),
			tx.InsertCase(fullCase(2000)),
			tx.InsertCase(fullCase(2001)),
			tx.RelateCases(2000, 2001),
			tx.InsertActivity(fullActivity(3000)),
			tx.AppendHistory([]casemgr.HistoryEntry{{Entity: "case", EntityID: 2000, At: at(0)}}),
			tx.InsertAttachment(&casemgr.Attachment{ID: "a", Activity: 3000, Data: []byte("x"), Created: at(0)}),
			tx.InsertSession(&casemgr.Session{ID: "s", User: 1001, Created: at(0), Expires: at(time.Hour)}),
			tx.InsertToken(&casemgr.Token{Hash: "h", Session: "s", Expires: at(time.Hour)}),
			tx.InsertIdempotencyRecord(&casemgr.IdempotencyRecord{Actor: "user:1001", Key: "k", Created: at(0)}),
		}
		return errors.Join(steps...)
	})
}

func testEmptyExistsDeleteWorld(t *testing.T, db store.DB) {
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("a new store is not Empty")
	}
	for _, insert := range []func(tx casemgr.Tx) error{
		func(tx casemgr.Tx) error { return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}) },
		func(tx casemgr.Tx) error { return tx.InsertUser(&casemgr.User{ID: 1, Name: "u"}) },
		func(tx casemgr.Tx) error { return tx.InsertCustomer(&casemgr.Customer{ID: 1}) },
		func(tx casemgr.Tx) error { return tx.InsertCase(&casemgr.Case{ID: 1}) },
		func(tx casemgr.Tx) error { return tx.InsertActivity(&casemgr.Activity{ID: 1}) },
	} {
		write(t, db, insert)
		if get(t, db, casemgr.Tx.Empty) {
			t.Error("Empty with one entity")
		}
		write(t, db, casemgr.Tx.DeleteWorld)
	}

	seedWorld(t, db)
	exists := func(table string, list ...casemgr.ID) map[casemgr.ID]bool {
		return get(t, db, func(tx casemgr.Tx) (map[casemgr.ID]bool, error) { return tx.Exists(table, list) })
	}
	for table, id := range map[string]casemgr.ID{"department": 10, "queue": 100, "user": 1001, "customer": 500,
		"contact": 601, "contactpoint": 704, "case": 2001, "activity": 3000} {
		same(t, "Exists("+table+")", exists(table, id, 999999), map[casemgr.ID]bool{id: true, 999999: false})
	}
	same(t, "Exists of no IDs", exists("case"), map[casemgr.ID]bool{})
	if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
		_, err := tx.Exists("cases; DROP TABLE cases", ids(1))
		return err
	}); err == nil {
		t.Error("Exists of an unknown table succeeded")
	}

	write(t, db, casemgr.Tx.DeleteWorld)
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("not Empty after DeleteWorld")
	}
	read(t, db, func(tx casemgr.Tx) error {
		var left []string
		note := func(what string, n int, err error) {
			if err != nil {
				t.Errorf("%s: %v", what, err)
			} else if n > 0 {
				left = append(left, what)
			}
		}
		s, err := tx.Settings()
		note("settings", map[bool]int{true: 1}[s.CustomerDepartmentalization], err)
		l1, err := tx.Queues()
		note("queues", len(l1), err)
		l2, err := tx.CalltrackSubtypes()
		note("calltrack subtypes", len(l2), err)
		l3, err := tx.AttributeDefs("case")
		note("attribute defs", len(l3), err)
		c, err := tx.ClientApp("crm")
		note("client apps", map[bool]int{true: 1}[c != nil], err)
		l4, err := tx.Contacts(ids(600, 601))
		note("contacts", len(l4), err)
		l5, err := tx.ContactPoints(ids(700, 701))
		note("contact points", len(l5), err)
		l6, err := tx.History("case", 2000)
		note("history", len(l6), err)
		a, err := tx.AttachmentData("a")
		note("attachments", map[bool]int{true: 1}[a != nil], err)
		s2, err := tx.Session("s")
		note("sessions", map[bool]int{true: 1}[s2 != nil], err)
		k, err := tx.Token("h")
		note("tokens", map[bool]int{true: 1}[k != nil], err)
		r, err := tx.IdempotencyRecord("user:1001", "k")
		note("idempotency records", map[bool]int{true: 1}[r != nil], err)
		if len(left) > 0 {
			t.Errorf("DeleteWorld left: %s", strings.Join(left, ", "))
		}
		return nil
	})
	// The world can be loaded again with the same IDs, relations included.
	seedWorld(t, db)
	same(t, "related cases after reload", get(t, db, func(tx casemgr.Tx) ([]casemgr.Case, error) {
		return tx.Cases(ids(2000), false)
	})[0].RelatedCases, ids(2001))
}

func testSyncIDs(t *testing.T, db store.DB) {
	write(t, db, func(tx casemgr.Tx) error {
		return errors.Join(
			tx.InsertDepartment(&casemgr.Department{ID: 50, Name: "d"}),
			tx.InsertQueue(&casemgr.Queue{ID: 150}),
			tx.InsertUser(&casemgr.User{ID: 1050, Name: "u"}),
			tx.InsertCustomer(&casemgr.Customer{ID: 550, Contacts: []casemgr.Contact{{ID: 650,
				ContactPoints: []casemgr.ContactPoint{{ID: 750, Kind: casemgr.KindEmail}}}}}),
			tx.InsertCase(&casemgr.Case{ID: 5000}),
			tx.InsertActivity(&casemgr.Activity{ID: 7000}),
			tx.SyncIDs(),
		)
	})
	d := casemgr.Department{Name: "d2"}
	q := casemgr.Queue{}
	u := casemgr.User{Name: "u2"}
	cu := casemgr.Customer{Contacts: []casemgr.Contact{{ContactPoints: []casemgr.ContactPoint{{Kind: casemgr.KindPhone}}}}}
	c := casemgr.Case{}
	a := casemgr.Activity{}
	write(t, db, func(tx casemgr.Tx) error {
		return errors.Join(tx.InsertDepartment(&d), tx.InsertQueue(&q), tx.InsertUser(&u), tx.InsertCustomer(&cu),
			tx.InsertCase(&c), tx.InsertActivity(&a))
	})
	for name, p := range map[string][2]casemgr.ID{
		"department": {d.ID, 50}, "queue": {q.ID, 150}, "user": {u.ID, 1050}, "customer": {cu.ID, 550},
		"contact": {cu.Contacts[0].ID, 650}, "contact point": {cu.Contacts[0].ContactPoints[0].ID, 750},
		"case": {c.ID, 5000}, "activity": {a.ID, 7000},
	} {
		if p[0] <= p[1] {
			t.Errorf("new %s ID %d, want above %d", name, p[0], p[1])
		}
	}
	// SyncIDs again, with nothing new, breaks nothing.
	write(t, db, casemgr.Tx.SyncIDs)
	var c2 casemgr.Case
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertCase(&c2) })
	if c2.ID <= c.ID {
		t.Errorf("case ID %d after %d", c2.ID, c.ID)
	}

	// A SyncIDs whose Write fails is undone with it.
	_ = db.Write(t.Context(), func(tx casemgr.Tx) error {
		if err := tx.InsertCase(&casemgr.Case{ID: 9000}); err != nil {
			return err
		}
		if err := tx.SyncIDs(); err != nil {
			return err
		}
		return errors.New("undo")
	})
	var c3 casemgr.Case
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertCase(&c3) })
	if c3.ID <= c2.ID || c3.ID >= 9000 {
		t.Errorf("case ID %d after %d and an undone SyncIDs past 9000", c3.ID, c2.ID)
	}

	// After DeleteWorld and a reload, new IDs follow the reloaded world, as
	// they do on every engine: the largest ID plus one.
	write(t, db, func(tx casemgr.Tx) error {
		return errors.Join(tx.DeleteWorld(), tx.InsertCase(&casemgr.Case{ID: 100}), tx.SyncIDs())
	})
	var c4 casemgr.Case
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertCase(&c4) })
	if c4.ID != 101 {
		t.Errorf("first case ID after a reload up to 100: %d, want 101", c4.ID)
	}
}

func testRollbackOnError(t *testing.T, db store.DB) {
	sentinel := casemgr.E(casemgr.CodeStaleLastModified, "ids", "3000")
	err := db.Write(t.Context(), func(tx casemgr.Tx) error {
		if err := tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}); err != nil {
			return err
		}
		if err := tx.InsertCase(&casemgr.Case{ID: 2}); err != nil {
			return err
		}
		if err := tx.RelateCases(2, 3); err != nil {
			return err
		}
		return sentinel
	})
	if err != sentinel {
		t.Errorf("Write returned %v, want fn's error itself", err)
	}
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("a failed Write kept its changes")
	}
	// The store still writes.
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}) })
}

func testRollbackOnPanic(t *testing.T, db store.DB) {
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		_ = db.Write(t.Context(), func(tx casemgr.Tx) error {
			if err := tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}); err != nil {
				return err
			}
			panic("boom")
		})
		t.Error("Write swallowed the panic")
	}()
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("a panicking Write kept its changes")
	}
	write(t, db, func(tx casemgr.Tx) error { return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}) })
}

func testReadOnly(t *testing.T, db store.DB) {
	err := db.Read(t.Context(), func(tx casemgr.Tx) error {
		return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"})
	})
	if err == nil {
		t.Error("Read allowed a write")
	}
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("a write in a Read was kept")
	}
	// forUpdate in a Read is harmless.
	read(t, db, func(tx casemgr.Tx) error {
		_, err := tx.Activities(ids(1), true)
		return err
	})
}

func testConcurrentReads(t *testing.T, db store.DB) {
	seedWorld(t, db)
	inserted, release := make(chan struct{}), make(chan struct{})
	released := sync.OnceFunc(func() { close(release) })
	defer released()
	done := make(chan error, 1)
	go func() {
		done <- db.Write(t.Context(), func(tx casemgr.Tx) error {
			if err := tx.InsertDepartment(&casemgr.Department{ID: 77, Name: "uncommitted"}); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	select {
	case <-inserted:
	case err := <-done:
		t.Fatalf("Write: %v", err)
	}
	// While the write is open, reads proceed in parallel and see only
	// committed data.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			errs <- db.Read(t.Context(), func(tx casemgr.Tx) error {
				d, err := tx.Department(77)
				if err != nil {
					return err
				}
				if d != nil {
					return errors.New("a read saw an uncommitted department")
				}
				cs, err := tx.Customers(ids(500))
				if err != nil {
					return err
				}
				if len(cs) != 1 || len(cs[0].Contacts) != 2 {
					return fmt.Errorf("customer 500 read as %+v", cs)
				}
				return nil
			})
		})
	}
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		t.Fatal("reads blocked behind an open write")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	released()
	if err := <-done; err != nil {
		t.Fatalf("Write: %v", err)
	}
	if d := get(t, db, func(tx casemgr.Tx) (*casemgr.Department, error) { return tx.Department(77) }); d == nil {
		t.Error("the committed department is not read")
	}
}

func testConcurrentWrites(t *testing.T, db store.DB) {
	write(t, db, func(tx casemgr.Tx) error {
		return errors.Join(tx.InsertActivity(&casemgr.Activity{ID: 1}), tx.InsertActivity(&casemgr.Activity{ID: 2}))
	})
	const n = 20
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- db.Write(ctx, func(tx casemgr.Tx) error {
				// Lock both rows, in either order of the request: the
				// store locks in ID order, so this cannot deadlock.
				order := ids(1, 2)
				if i%2 == 1 {
					order = ids(2, 1)
				}
				list, err := tx.Activities(order, true)
				if err != nil {
					return err
				}
				if len(list) != 2 {
					return fmt.Errorf("%d activities", len(list))
				}
				for j := range list {
					list[j].Subject += "x"
				}
				time.Sleep(time.Millisecond) // widen the window for a lost update
				return tx.UpdateActivities([]*casemgr.Activity{&list[0], &list[1]})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Write: %v", err)
		}
	}
	for _, a := range get(t, db, func(tx casemgr.Tx) ([]casemgr.Activity, error) { return tx.Activities(ids(1, 2), false) }) {
		if len(a.Subject) != n {
			t.Errorf("activity %d: %d of %d updates kept", a.ID, len(a.Subject), n)
		}
	}
}

func testCanceled(t *testing.T, db store.DB) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := db.Read(ctx, func(tx casemgr.Tx) error { _, err := tx.Departments(); return err }); err == nil {
		t.Error("Read with a canceled context succeeded")
	}
	if err := db.Write(ctx, func(tx casemgr.Tx) error { return tx.InsertDepartment(&casemgr.Department{ID: 1, Name: "d"}) }); err == nil {
		t.Error("Write with a canceled context succeeded")
	}
	if !get(t, db, casemgr.Tx.Empty) {
		t.Error("a canceled Write kept its change")
	}
}

// The world records the sum of the document it was loaded from, until it is
// deleted; LockWorld makes two writers take turns until the first ends.
func testWorldOrigin(t *testing.T, db store.DB) {
	same(t, "origin of a new database", get(t, db, casemgr.Tx.WorldOrigin), "")
	write(t, db, func(tx casemgr.Tx) error { return tx.SetWorldOrigin("abc") })
	write(t, db, func(tx casemgr.Tx) error { return tx.SetWorldOrigin("def") })
	same(t, "origin after two loads", get(t, db, casemgr.Tx.WorldOrigin), "def")
	write(t, db, casemgr.Tx.DeleteWorld)
	same(t, "origin after DeleteWorld", get(t, db, casemgr.Tx.WorldOrigin), "")
	if err := db.Read(t.Context(), casemgr.Tx.LockWorld); err == nil {
		t.Error("LockWorld in a read transaction succeeded")
	}

	// The first writer holds the lock until it is told to end; the second
	// must not get it meanwhile.
	locked, release := make(chan struct{}), make(chan struct{})
	var order []string
	var mu sync.Mutex
	note := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		errs <- db.Write(t.Context(), func(tx casemgr.Tx) error {
			if err := tx.LockWorld(); err != nil {
				return err
			}
			note("first locked")
			close(locked)
			<-release
			note("first ends")
			return nil
		})
	})
	<-locked
	wg.Go(func() {
		errs <- db.Write(t.Context(), func(tx casemgr.Tx) error {
			if err := tx.LockWorld(); err != nil {
				return err
			}
			note("second locked")
			return nil
		})
	})
	time.Sleep(200 * time.Millisecond) // give the second writer a chance to cheat
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	same(t, "order of the writers", order, []string{"first locked", "first ends", "second locked"})
}

// testPullCandidates pins PullCandidates: awaiting assignment, in the
// queues and departments asked, not of an excluded type, never a response,
// by priority ("1" first, none last), created, then ID, up to the limit;
// and on an engine with row locks, rows another transaction holds locked
// are passed over, not waited for.
func testPullCandidates(t *testing.T, db store.DB) {
	type row struct {
		id      casemgr.ID
		queue   casemgr.ID
		dept    casemgr.ID
		status  string
		typ     string
		prio    string
		created time.Duration
		reply   casemgr.ID
	}
	aw := casemgr.StatusAwaitingAssignment
	rows := []row{
		{1, 100, 10, aw, casemgr.TypeEmail, "3", 0, 0},
		{2, 100, 10, aw, casemgr.TypeTask, "1", time.Minute, 0},
		{3, 100, 10, aw, "survey", "", -time.Hour, 0},                     // no priority: last
		{4, 100, 10, aw, casemgr.TypeTask, "3", -time.Minute, 0},          // before 1: created earlier
		{5, 100, 10, aw, casemgr.TypeTask, "3", 0, 0},                     // after 1: same created, higher ID
		{6, 101, 10, aw, casemgr.TypeTask, "1", 0, 0},                     // another queue
		{7, 100, 11, aw, casemgr.TypeTask, "1", 0, 0},                     // another department
		{8, 100, 10, casemgr.StatusAssigned, casemgr.TypeTask, "1", 0, 0}, // not waiting
		{9, 100, 10, aw, casemgr.TypeCalltrack, "1", 0, 0},                // excluded type
		{10, 100, 10, aw, casemgr.TypeEmail, "1", 0, 1},                   // a response
		{11, 102, 12, aw, casemgr.TypeTask, "2", 0, 0},                    // second queue and department asked
	}
	write(t, db, func(tx casemgr.Tx) error {
		for _, r := range rows {
			a := &casemgr.Activity{ID: r.id, Queue: r.queue, Department: r.dept, Status: r.status, Type: r.typ,
				Priority: r.prio, ResponseTo: r.reply, Created: at(r.created), LastModified: at(0)}
			if err := tx.InsertActivity(a); err != nil {
				return err
			}
		}
		return nil
	})
	f := casemgr.PullFilter{Queues: ids(100, 102), Departments: ids(10, 12),
		ExcludeTypes: []string{casemgr.TypeCalltrack, casemgr.TypeChat, casemgr.TypeWeb}, Limit: 10}
	pull := func(tx casemgr.Tx, f casemgr.PullFilter) ([]casemgr.ID, error) {
		list, err := tx.PullCandidates(f)
		var got []casemgr.ID
		for _, a := range list {
			got = append(got, a.ID)
		}
		return got, err
	}
	var got []casemgr.ID
	write(t, db, func(tx casemgr.Tx) (err error) { got, err = pull(tx, f); return err })
	same(t, "candidates", got, ids(2, 11, 4, 1, 5, 3))
	f.Limit = 2
	write(t, db, func(tx casemgr.Tx) (err error) { got, err = pull(tx, f); return err })
	same(t, "candidates up to the limit", got, ids(2, 11))
	f.ExcludeTypes = append(f.ExcludeTypes, casemgr.TypeTask, "survey")
	write(t, db, func(tx casemgr.Tx) (err error) { got, err = pull(tx, f); return err })
	same(t, "candidates of the types not excluded", got, ids(1))
	if db.Engine() != "postgres" {
		return // one writer at a time: nothing is ever held by another writer
	}
	f.ExcludeTypes, f.Limit = f.ExcludeTypes[:3], 1
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	var took []casemgr.ID
	go func() {
		done <- db.Write(t.Context(), func(tx casemgr.Tx) (err error) {
			took, err = pull(tx, f)
			close(held)
			<-release
			return err
		})
	}()
	<-held
	write(t, db, func(tx casemgr.Tx) (err error) { got, err = pull(tx, f); return err })
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	same(t, "the first pull", took, ids(2))
	same(t, "a candidate another transaction holds is skipped", got, ids(11))
}
