package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/fixtures"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// exportWorld reads GET /admin/v1/fixtures.
func (h *harness) exportWorld(t *testing.T) []byte {
	t.Helper()
	res := h.do("GET", "/admin/v1/fixtures", adminToken, "")
	res.expect(t, 200, "")
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	return res.Body
}

// TestExportReplaceExportGivesTheSameDocument pins world snapshots: the
// exported world, loaded back with PUT, is an equal world, so exporting
// it again gives the same document byte for byte; passwords and client
// secrets travel as hashes, which keep working after the load.
func TestExportReplaceExportGivesTheSameDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, fixtures.Demo)
		jenny := h.grant(url.Values{"grant_type": {"password"}, "username": {"jenny"}, "password": {"demo-jenny"}})
		// A world a sandbox user has changed: a transfer and a new case.
		h.do("PATCH", "/core/casemgr/v3/activity/transfer/department/11", jenny,
			`{"activity": [{"id": "3025", "lastModified": "2026-01-08T22:30:09.000Z"}]}`).expect(t, 204, "")
		h.do("PATCH", "/core/casemgr/v3/activity/3000/changecase", jenny, `{"subject": "Split off"}`).expect(t, 201, "")
		h.add(`{"users": [{"id": "1990", "name": "cora", "password": "pw-cora", "department": "10",
			"licenses": ["eGain Platform"], "actions": ["Create Customer", "View Agent Console"]}]}`)
		h.do("POST", "/core/customermgr/v3/customer", h.login("cora"), `{"department": {"name": "Service"}, "type": {"value": "individual"},
			"pin": "4321", "contacts": {"contact": [{"firstName": "Ana", "middleName": "M", "lastName": "Ruiz", "salutation": "Ms",
			"jobTitle": "Buyer", "email": [{"emailAddress": "ana.ruiz@example.com"}]}]}}`).expect(t, 201, "")

		first := h.exportWorld(t)
		for _, secret := range []string{"demo-jenny", "bridge-secret", "cti-secret"} {
			if bytes.Contains(first, []byte(secret)) {
				t.Errorf("the export shows the secret %q in clear", secret)
			}
		}
		var doc struct {
			Users []struct {
				Name, Password, PasswordHash string
			}
			ClientApplications []struct{ ClientID, ClientSecret, ClientSecretHash string }
			Activities         []struct{ ID, Department string }
			Cases              []struct{ ID, Subject string }
		}
		if err := json.Unmarshal(first, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Users) < 9 || len(doc.ClientApplications) < 3 || len(doc.Activities) < 30 {
			t.Fatalf("the export misses entities: %d users, %d clients, %d activities", len(doc.Users), len(doc.ClientApplications), len(doc.Activities))
		}
		for _, u := range doc.Users {
			if u.Password != "" || !strings.HasPrefix(u.PasswordHash, "$2") {
				t.Errorf("user %s exported with password %q, hash %q", u.Name, u.Password, u.PasswordHash)
			}
		}
		for _, a := range doc.Activities {
			if a.ID == "3025" && a.Department != "11" {
				t.Errorf("the export shows activity 3025 in department %s, not where it was transferred", a.Department)
			}
		}
		if !strings.Contains(string(first), `"subject": "Split off"`) {
			t.Error("the export lacks the case created by change-case")
		}
		for _, want := range []string{`"pin": "4321"`, `"jobTitle": "Buyer"`, `"middleName": "M"`} {
			if !strings.Contains(string(first), want) {
				t.Errorf("the export lacks the created customer's %s", want)
			}
		}

		entities := h.entities(t)
		h.do("PUT", "/admin/v1/fixtures", adminToken, string(first)).expect(t, 204, "")
		if after := h.entities(t); after != entities {
			t.Errorf("the loaded world differs from the exported one:\n%s", firstDiff([]byte(entities), []byte(after)))
		}
		second := h.exportWorld(t)
		if !bytes.Equal(first, second) {
			t.Errorf("export → replace → export changed the document:\n%s", firstDiff(first, second))
		}

		// The hashes loaded back: the same passwords and secrets log in.
		h.grant(url.Values{"grant_type": {"password"}, "username": {"jenny"}, "password": {"demo-jenny"}})
		h.grant(url.Values{"grant_type": {"client_credentials"}, "client_id": {"crm-bridge"}, "client_secret": {"bridge-secret"}})
	})
}

// TestFixtureSecretHashes pins the loader's rules for hashed secrets: a
// hash must be a bcrypt hash, and a user or client gives the secret or its
// hash, not both; a refused document changes nothing.
func TestFixtureSecretHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		before := h.exportWorld(t)
		for _, tc := range []struct{ name, doc, path string }{
			{"refuses_a_password_hash_that_is_not_bcrypt",
				`{"users": [{"id": "1901", "name": "hashy", "passwordHash": "md5:abc", "department": "10", "licenses": []}]}`,
				"users[0].passwordHash"},
			{"refuses_a_password_and_its_hash_together",
				`{"users": [{"id": "1901", "name": "hashy", "password": "x", "passwordHash": "$2a$04$abcdefghijklmnopqrstuu5VE8ZKlbxzEO1yDdU9/1b9vbxQt9ZW6", "department": "10", "licenses": []}]}`,
				"users[0].password"},
			{"refuses_a_client_secret_hash_that_is_not_bcrypt",
				`{"clientApplications": [{"clientId": "hashy", "clientSecretHash": "plain"}]}`,
				"clientApplications[0].clientSecretHash"},
			{"refuses_a_client_without_secret_or_hash",
				`{"clientApplications": [{"clientId": "hashy"}]}`,
				"clientApplications[0].clientSecret"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := h.do("POST", "/admin/v1/fixtures", adminToken, tc.doc)
				res.expect(t, 400, "400-301")
				if !strings.Contains(string(res.Body), tc.path) {
					t.Errorf("the refusal does not name %s: %s", tc.path, res.Body)
				}
				if after := h.exportWorld(t); !bytes.Equal(before, after) {
					t.Errorf("a refused document changed the world:\n%s", firstDiff(before, after))
				}
			})
		}
		t.Run("accepts_a_bcrypt_hash_that_then_logs_in", func(t *testing.T) {
			hash, err := testHash("hashed-pw")
			if err != nil {
				t.Fatal(err)
			}
			doc := `{"users": [{"id": "1901", "name": "hashy", "passwordHash": "` + hash + `", "department": "10", "licenses": []}]}`
			h.do("POST", "/admin/v1/fixtures", adminToken, doc).expect(t, 204, "")
			h.grant(url.Values{"grant_type": {"password"}, "username": {"hashy"}, "password": {"hashed-pw"}})
		})
		t.Run("export_needs_the_admin_token", func(t *testing.T) {
			h.do("GET", "/admin/v1/fixtures", "", "").expect(t, 401, "401-101")
			h.do("GET", "/admin/v1/fixtures", "wrong", "").expect(t, 401, "401-101")
		})
	})
}

// entities renders the configuration and every customer, case and
// activity as the store holds them, but for who created or last changed a case or an activity, which the
// fixture format does not carry (a loaded case is the owner's, an activity
// its assignee's).
func (h *harness) entities(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) error {
		// The configuration, with the users' password hashes.
		settings, err := tx.Settings()
		if err != nil {
			return err
		}
		depts, err := tx.Departments()
		if err != nil {
			return err
		}
		queues, err := tx.Queues()
		if err != nil {
			return err
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		clients, err := tx.ClientApps()
		if err != nil {
			return err
		}
		subtypes, err := tx.CalltrackSubtypes()
		if err != nil {
			return err
		}
		config := []any{settings, depts, queues, users, clients, subtypes}
		for _, object := range []string{"case", "activity", "user", "customer", casemgr.ListObject} {
			defs, err := tx.AttributeDefs(object)
			if err != nil {
				return err
			}
			config = append(config, defs)
		}
		j, _ := json.MarshalIndent(config, "", " ")
		b.Write(j)
		for _, table := range []string{"customer", "case", "activity"} {
			ids, err := tx.IDs(table)
			if err != nil {
				return err
			}
			var list any
			switch table {
			case "customer":
				cs, err := tx.Customers(ids)
				for i := range cs {
					// Loading stamps customers with the load time.
					cs[i].Created, cs[i].LastModified = time.Time{}, time.Time{}
				}
				list = cs
				if err != nil {
					return err
				}
			case "case":
				cs, err := tx.Cases(ids, false)
				for i := range cs {
					cs[i].CreatedBy, cs[i].LastModifiedBy = 0, 0
				}
				list = cs
				if err != nil {
					return err
				}
			case "activity":
				as, err := tx.Activities(ids, false)
				for i := range as {
					as[i].CreatedBy, as[i].LastModifiedBy = 0, 0
				}
				list = as
				if err != nil {
					return err
				}
			}
			j, _ := json.MarshalIndent(list, "", " ")
			b.Write(j)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// firstDiff shows where two documents first differ.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			lo := max(0, i-5)
			return "line " + itoa(i+1) + ":\n- " + strings.Join(al[lo:min(i+3, len(al))], "\n- ") + "\n+ " + strings.Join(bl[lo:min(i+3, len(bl))], "\n+ ")
		}
	}
	return "lengths " + itoa(len(al)) + " and " + itoa(len(bl)) + " lines"
}
