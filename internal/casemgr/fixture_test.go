package casemgr_test

import (
	"context"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// plainHash stands in for bcrypt in loader tests: it marks the secret as
// hashed without the cost, so the tests can check it was applied.
func plainHash(s string) (string, error) { return "hashed:" + s, nil }

func load(t *testing.T, db store.DB, doc string, mode casemgr.LoadMode) error {
	t.Helper()
	return casemgr.LoadFixture(context.Background(), db, []byte(doc), casemgr.LoadOptions{Mode: mode, Hash: plainHash})
}

func isEmpty(t *testing.T, db store.DB) bool {
	t.Helper()
	var empty bool
	if err := db.Read(context.Background(), func(tx casemgr.Tx) (err error) { empty, err = tx.Empty(); return err }); err != nil {
		t.Fatal(err)
	}
	return empty
}

const small = `{
  "settings": {"customerDepartmentalization": true},
  "departments": [{"id": "10", "name": "Service", "transferWorkflow": {"queue": "100"}}],
  "queues": [{"id": "100", "name": "Inbox", "department": "10"}],
  "users": [{"id": "1001", "name": "jenny", "password": "pw", "department": "10", "licenses": ["eGain CallTrackPlus"]}],
  "clientApplications": [{"clientId": "app", "clientSecret": "sec"}],
  "customers": [{"id": "500", "customerName": "John", "department": "10",
    "contacts": [{"id": "600", "email": [{"id": "700", "emailAddress": "john@example.com"}]}]}],
  "cases": [{"id": "2000", "department": "10", "customer": "500"}],
  "activities": [{"id": "3000", "case": "2000", "department": "10", "type": "email", "status": "assigned",
    "assignedUser": "1001", "contactPoint": "700", "created": "2026-01-05T09:30:00.123Z"}]
}`

func TestFixtureLoading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		t.Run("loads_the_demo_world", func(t *testing.T) {
			db := reopen(t, db)
			if err := casemgr.LoadFixture(context.Background(), db, fixtures.Demo, casemgr.LoadOptions{Hash: plainHash}); err != nil {
				t.Fatal(err)
			}
			err := db.Read(context.Background(), func(tx casemgr.Tx) error {
				acts, n, err := tx.SearchActivities(casemgr.ActivityFilter{Limit: 1000})
				if err != nil {
					return err
				}
				if n != 200 || len(acts) != 200 {
					t.Errorf("demo world has %d activities, want 200", n)
				}
				users, err := tx.Users()
				if err != nil {
					return err
				}
				if len(users) < 8 {
					t.Errorf("demo world has %d users", len(users))
				}
				for _, u := range users {
					if !strings.HasPrefix(u.PasswordHash, "hashed:") {
						t.Errorf("password of %s not hashed: %q", u.Name, u.PasswordHash)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

// reopen gives each subtest its own empty store of the same engine.
func reopen(t *testing.T, db store.DB) store.DB {
	t.Helper()
	if db.Engine() == "postgres" {
		return storetest.OpenPostgres(t)
	}
	return storetest.OpenSQLite(t)
}

func TestFixtureRefusals(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"dangling_case_reference_names_the_path",
			`{"departments": [{"id": "10", "name": "S"}], "activities": [{"id": "1", "department": "10", "type": "task", "status": "completed"}, {"id": "2", "department": "10", "type": "task", "status": "completed"}, {"id": "3", "department": "10", "type": "task", "status": "completed"}, {"id": "4", "case": "2999", "department": "10", "type": "task", "status": "completed"}]}`,
			`activities[3].case: case "2999" does not exist`},
		{"duplicate_id",
			`{"departments": [{"id": "10", "name": "A"}, {"id": "10", "name": "B"}]}`,
			`departments[1].id: duplicate department id "10"`},
		{"unknown_license",
			`{"departments": [{"id": "10", "name": "A"}], "users": [{"id": "1", "name": "u", "department": "10", "licenses": ["eGain Everything"]}]}`,
			`users[0].licenses[0]: unknown license "eGain Everything"`},
		{"unknown_status",
			`{"departments": [{"id": "10", "name": "A"}], "activities": [{"id": "1", "department": "10", "type": "task", "status": "sleeping"}]}`,
			`activities[0].status: unknown status "sleeping"`},
		{"awaiting_assignment_needs_a_queue",
			`{"departments": [{"id": "10", "name": "A"}], "activities": [{"id": "1", "department": "10", "type": "task", "status": "awaiting_assignment"}]}`,
			`activities[0].queue: an activity awaiting assignment needs a queue`},
		{"pinned_needs_an_assigned_user",
			`{"departments": [{"id": "10", "name": "A"}], "activities": [{"id": "1", "department": "10", "type": "task", "status": "completed", "pinned": true}]}`,
			`activities[0].pinned`},
		{"contact_point_of_another_customer",
			`{"departments": [{"id": "10", "name": "A"}], "customers": [{"id": "5", "customerName": "a", "contacts": [{"id": "6", "email": [{"id": "7", "emailAddress": "a@example.com"}]}]}, {"id": "8", "customerName": "b"}], "activities": [{"id": "1", "department": "10", "type": "email", "status": "completed", "customer": "8", "contactPoint": "7"}]}`,
			`activities[0].contactPoint: contact point 7 does not belong to customer 8`},
		{"wrong_type_of_a_known_key",
			`{"departments": [{"id": "10", "name": 7}]}`,
			`departments.name: expected string`},
		{"id_not_digits",
			`{"departments": [{"id": "ten", "name": "A"}]}`,
			`departments[0].id: id "ten" is not a string of digits`},
		{"customer_needs_department_when_departmentalized",
			`{"settings": {"customerDepartmentalization": true}, "customers": [{"id": "5", "customerName": "a"}]}`,
			`customers[0].department: department is required`},
		{"enum_custom_attribute_value",
			`{"customAttributes": {"case": [{"name": "region", "type": "enum", "values": ["EMEA"]}]}, "departments": [{"id": "10", "name": "A"}], "cases": [{"id": "1", "department": "10", "customAttributes": {"region": "MARS"}}]}`,
			`cases[0].customAttributes.region: value "MARS" is not one of the allowed values`},
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db := reopen(t, db)
				err := load(t, db, c.doc, casemgr.LoadIntoEmpty)
				if err == nil {
					t.Fatal("document was loaded")
				}
				if !casemgr.IsCode(err, casemgr.CodeFixtureInvalid) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want 400-301 containing %q", err, c.want)
				}
				if !isEmpty(t, db) {
					t.Fatal("a refused document left data behind")
				}
			})
		}
	})
}

func TestFixtureModes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		if err := load(t, db, small, casemgr.LoadIntoEmpty); err != nil {
			t.Fatal(err)
		}
		t.Run("into_empty_refuses_a_full_database", func(t *testing.T) {
			err := load(t, db, small, casemgr.LoadIntoEmpty)
			if !casemgr.IsCode(err, casemgr.CodeFixtureDataPresent) {
				t.Fatalf("got %v, want 409-103", err)
			}
		})
		t.Run("add_refuses_existing_ids", func(t *testing.T) {
			err := load(t, db, `{"departments": [{"id": "10", "name": "Other"}]}`, casemgr.LoadAdd)
			if !casemgr.IsCode(err, casemgr.CodeFixtureIDExists) || !strings.Contains(err.Error(), "departments[0].id") {
				t.Fatalf("got %v, want 409-104 naming departments[0].id", err)
			}
		})
		t.Run("add_refers_to_stored_entities", func(t *testing.T) {
			doc := `{"activities": [{"id": "3001", "case": "2000", "department": "10", "type": "task",
				"status": "awaiting_assignment", "queue": "100", "customer": "500", "responseTo": "3000"}]}`
			if err := load(t, db, doc, casemgr.LoadAdd); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("add_checks_references_against_the_database", func(t *testing.T) {
			err := load(t, db, `{"activities": [{"id": "3002", "case": "2777", "department": "10", "type": "task", "status": "completed"}]}`, casemgr.LoadAdd)
			if !casemgr.IsCode(err, casemgr.CodeFixtureInvalid) || !strings.Contains(err.Error(), `activities[0].case: case "2777" does not exist`) {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("stored_as_given", func(t *testing.T) {
			err := db.Read(context.Background(), func(tx casemgr.Tx) error {
				acts, err := tx.Activities([]casemgr.ID{3000}, false)
				if err != nil || len(acts) != 1 {
					t.Fatalf("activity 3000: %v", err)
				}
				a := acts[0]
				if a.Customer != 500 || a.Contact != 600 || a.ContactPoint != 700 {
					t.Errorf("customer/contact/point = %d/%d/%d, want 500/600/700 (taken from the contact point)", a.Customer, a.Contact, a.ContactPoint)
				}
				if got := casemgr.FormatTime(a.Created); got != "2026-01-05T09:30:00.123Z" {
					t.Errorf("created %s, want millisecond precision kept", got)
				}
				if !a.LastModified.Equal(a.Created) {
					t.Errorf("lastModified %v defaults to created %v", a.LastModified, a.Created)
				}
				app, err := tx.ClientApp("app")
				if err != nil || app == nil || app.SecretHash != "hashed:sec" {
					t.Errorf("client secret not hashed: %+v %v", app, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("new_ids_never_collide_with_fixture_ids", func(t *testing.T) {
			err := db.Write(context.Background(), func(tx casemgr.Tx) error {
				c := casemgr.Case{Department: 10, Status: casemgr.CaseOpen}
				if err := tx.InsertCase(&c); err != nil {
					return err
				}
				if c.ID <= 2000 {
					t.Errorf("new case got ID %d, not above the fixture's 2000", c.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("replace_swaps_the_world", func(t *testing.T) {
			if err := load(t, db, `{"departments": [{"id": "77", "name": "Only"}]}`, casemgr.LoadReplace); err != nil {
				t.Fatal(err)
			}
			err := db.Read(context.Background(), func(tx casemgr.Tx) error {
				depts, err := tx.Departments()
				if err != nil {
					return err
				}
				if len(depts) != 1 || depts[0].ID != 77 {
					t.Errorf("departments after replace: %+v", depts)
				}
				acts, _ := tx.Activities([]casemgr.ID{3000}, false)
				if len(acts) != 0 {
					t.Error("activities of the old world survived the replace")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}
