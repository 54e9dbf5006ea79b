package httpapi

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// editCustomerWorld adds to the create-customer world edna, who may edit
// customers of Service (and, as a foreign user, of Billing), and elle, who
// holds the Edit Customer action but no license.
const editCustomerWorld = `{
 "users": [
  {"id": "1031", "name": "edna", "password": "pw-edna", "firstName": "Edna", "lastName": "Edit", "department": "10",
   "foreignDepartments": ["11"], "licenses": ["eGain Platform"], "actions": ["Edit Customer", "Create Customer", "View Agent Console"]},
  {"id": "1032", "name": "elle", "password": "pw-elle", "firstName": "Elle", "lastName": "Nolicense", "department": "10",
   "licenses": [], "actions": ["Edit Customer"]}
 ]
}`

// ecRefused sends an edit that must be refused with status and code and
// checks that neither the customers (with their history) nor anything else
// changed.
func (h *harness) ecRefused(status int, code, token, path, body string, header ...string) *response {
	h.t.Helper()
	before := h.customersDump()
	res := h.refused(status, code, "PATCH", path, token, body, header...)
	if after := h.customersDump(); after != before {
		h.t.Fatalf("a refused edit (%s) changed the customers:\nbefore:\n%s\nafter:\n%s", code, before, after)
	}
	return res
}

// ecEdit sends an edit that must succeed (204, no body) and reads the
// customer back as the API shows it.
func (h *harness) ecEdit(token, path, body string, header ...string) map[string]any {
	h.t.Helper()
	res := h.do("PATCH", path, token, body, header...)
	res.expect(h.t, 204, "")
	if len(res.Body) != 0 {
		h.t.Fatalf("204 with a body: %s", res.Body)
	}
	id := strings.TrimPrefix(path, customersPath)
	if id == "" {
		var m map[string]any
		if strings.HasPrefix(strings.TrimSpace(body), "<") {
			id = "/" + strings.TrimSpace(body[strings.Index(body, "<id>")+4:strings.Index(body, "</id>")])
		} else {
			m = mustJSON(h.t, body)
			id = "/" + m["id"].(string)
		}
	}
	got := h.do("GET", customersPath+id, token, "")
	got.expect(h.t, 200, "")
	return at(got.JSON(h.t), "customer.0").(map[string]any)
}

func mustJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	r := &response{Body: []byte(s)}
	return r.JSON(t)
}

// TestEditCustomer pins every rule of edit customer (EC1–EC8) on both
// engines, one world per engine: each refusal checks its status and code
// and that nothing changed.
func TestEditCustomer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		h.add(editCustomerWorld)
		edna := h.login("edna")
		c500 := customersPath + "/500"

		t.Run("EC1_id_is_required_and_names_an_existing_customer", func(t *testing.T) {
			h.ecRefused(400, "400-321", edna, customersPath, `{"pin": "1"}`)
			h.ecRefused(400, "400-322", edna, customersPath, `{"id": "99999", "pin": "1"}`)
			h.ecRefused(404, "404-101", edna, customersPath+"/99999", `{"pin": "1"}`)
			h.ecRefused(400, "400-323", edna, c500, `{"id": "501", "pin": "1"}`)
			h.ecRefused(400, "400-152", edna, customersPath, `{"id": "five", "pin": "1"}`)
			// Legal's customer 513 is invisible to edna: it answers as a
			// customer that does not exist.
			inv := h.ecRefused(400, "400-322", edna, customersPath, `{"id": "513", "pin": "1"}`)
			miss := h.do("PATCH", customersPath, edna, `{"id": "99999", "pin": "1"}`)
			if strings.ReplaceAll(string(inv.Body), "513", "{id}") != strings.ReplaceAll(string(miss.Body), "99999", "{id}") {
				t.Errorf("invisible and missing customers answer differently:\n%s\n%s", inv.Body, miss.Body)
			}
			h.ecRefused(404, "404-101", edna, customersPath+"/513", `{"pin": "1"}`)
			// The body's id may be left out in the path form, or repeat it.
			c := h.ecEdit(edna, c500, `{"id": "500", "pin": "11"}`)
			rtWant(t, "pin", atString(c, "pin"), "11")
		})

		t.Run("EC2_at_least_one_element_besides_id", func(t *testing.T) {
			h.ecRefused(400, "400-324", edna, customersPath, `{"id": "500"}`)
			h.ecRefused(400, "400-324", edna, c500, `{}`)
			h.ecRefused(400, "400-324", edna, c500, `{"lastModified": "2026-01-01T00:00:00.000Z"}`)
			h.ecRefused(400, "400-264", edna, c500, ``)
		})

		t.Run("EC3_customer_elements_follow_CC7", func(t *testing.T) {
			for _, body := range []string{`{"role": {"value": "Boss"}}`, `{"level": {"value": "Platinum"}}`,
				`{"industry": {"value": "Mining"}}`, `{"pin": "` + strings.Repeat("1", 256) + `"}`} {
				h.ecRefused(400, "400-310", edna, c500, body)
			}
			custom := func(name, value string) string {
				return `{"customAttributes": {"customAttribute": [{"attribName": "` + name +
					`", "attribValues": {"attribValue": [{"value": "` + value + `"}]}}]}}`
			}
			h.ecRefused(400, "400-230", edna, customersPath+"/511", custom("region", "EMEA"))
			h.ecRefused(400, "400-231", edna, customersPath+"/511", custom("tier", "bronze"))
			// customerName belongs to corporate and group customers only.
			h.ecRefused(400, "400-104", edna, c500, `{"customerName": "Johnny"}`)
			h.ecRefused(400, "400-307", edna, customersPath+"/511", `{"customerName": "`+strings.Repeat("x", 125)+`"}`)
			h.ecRefused(400, "400-307", edna, customersPath+"/511", `{"customerName": " "}`)
			// type and department are never edited.
			h.ecRefused(400, "400-104", edna, c500, `{"type": {"value": "corporate"}}`)
			h.ecRefused(400, "400-104", edna, c500, `{"department": {"name": "Billing"}}`)
			// Custom attributes are replaced by name, the others kept.
			c := h.ecEdit(edna, customersPath+"/511", `{"customerName": "Ruiz Holdings Ltd", "role": {"value": "Partner"},
				"level": {"value": "Silver"}, "customAttributes": {"customAttribute": [{"attribName": "tier",
				"attribValues": {"attribValue": [{"value": "gold"}]}}]}}`)
			rtWant(t, "name", atString(c, "customerName"), "Ruiz Holdings Ltd")
			rtWant(t, "role", atString(c, "role.value"), "Partner")
			rtWant(t, "level", atString(c, "level.value"), "Silver")
			custom511 := map[string]string{}
			for _, a := range at(c, "customAttributes.customAttribute").([]any) {
				custom511[atString(a, "attribName")] = atString(a, "attribValues.attribValue.0.value")
			}
			rtWant(t, "custom", custom511, map[string]string{"tier": "gold", "crm_id": "C-9"})
		})

		t.Run("EC4_contact_with_id_is_the_customers_new_contact_follows_CC8", func(t *testing.T) {
			h.ecRefused(400, "400-325", edna, c500, `{"contacts": {"contact": [{"id": "610", "firstName": "X"}]}}`)
			h.ecRefused(400, "400-325", edna, c500, `{"contacts": {"contact": [{"id": "99999", "firstName": "X"}]}}`)
			h.ecRefused(400, "400-312", edna, customersPath+"/511", `{"contacts": {"contact": [{"lastName": "Nofirst"}]}}`)
			h.ecRefused(400, "400-312", edna, c500, `{"contacts": {"contact": [{"id": "600", "firstName": ""}]}}`)
			h.ecRefused(400, "400-313", edna, c500, `{"contacts": {"contact": [{"id": "600", "jobTitle": "`+strings.Repeat("j", 256)+`"}]}}`)
			h.ecRefused(400, "400-104", edna, c500, `{"contacts": {"contact": [{"id": "600", "gender": "m"}]}}`)
			// A corporate customer gets a new contact with a point; an
			// individual's name follows its contact's names.
			c := h.ecEdit(edna, customersPath+"/511", `{"contacts": {"contact": [{"firstName": "Raul", "lastName": "Ruiz",
				"phone": [{"type": {"value": "mobile"}, "phoneNo": "4085557777"}]}]}}`)
			rtWant(t, "new contact", atString(c, "contacts.contact.1.firstName"), "Raul")
			rtWant(t, "kept contact", atString(c, "contacts.contact.0.firstName"), "Rita")
			rtWant(t, "found by the new phone", customerIDs(t, h, edna, "?phone=4085557777"), []string{"511"})
			c = h.ecEdit(edna, c500, `{"contacts": {"contact": [{"id": "600", "middleName": "Q", "jobTitle": "CTO"}]}}`)
			rtWant(t, "individual's name", atString(c, "customerName"), "John Q Tierney")
			rtWant(t, "jobTitle", atString(c, "contacts.contact.0.jobTitle"), "CTO")
		})

		t.Run("EC5_individual_never_gets_a_second_contact", func(t *testing.T) {
			h.ecRefused(400, "400-326", edna, c500, `{"contacts": {"contact": [{"firstName": "Second"}]}}`)
			h.ecRefused(400, "400-326", edna, customersPath+"/510", `{"contacts": {"contact": [{"id": "640", "firstName": "Ana"}, {"firstName": "Second"}]}}`)
		})

		t.Run("EC6_edited_point_is_the_contacts_of_its_kind_and_changes_something", func(t *testing.T) {
			h.ecRefused(400, "400-327", edna, c500, `{"contacts": {"contact": [{"id": "600", "email": [{"id": "710", "emailAddress": "x@example.com"}]}]}}`)
			h.ecRefused(400, "400-327", edna, c500, `{"contacts": {"contact": [{"id": "600", "email": [{"id": "99999", "emailAddress": "x@example.com"}]}]}}`)
			h.ecRefused(400, "400-327", edna, customersPath+"/511", `{"contacts": {"contact": [{"firstName": "New", "email": [{"id": "743", "emailAddress": "x@example.com"}]}]}}`)
			h.ecRefused(400, "400-328", edna, c500, `{"contacts": {"contact": [{"id": "600", "phone": [{"id": "700", "phoneNo": "4085550100"}]}]}}`)
			h.ecRefused(400, "400-328", edna, c500, `{"contacts": {"contact": [{"id": "600", "email": [{"id": "701", "emailAddress": "x@example.com"}]}]}}`)
			h.ecRefused(400, "400-329", edna, c500, `{"contacts": {"contact": [{"id": "600", "email": [{"id": "700"}]}]}}`)
		})

		t.Run("EC7_new_and_edited_points_follow_CC9_to_CC15", func(t *testing.T) {
			point := func(kind, p string) string {
				return `{"contacts": {"contact": [{"id": "600", "` + kind + `": [` + p + `]}]}}`
			}
			h.ecRefused(400, "400-314", edna, c500, point("email", `{"emailAddress": "not-an-address"}`))
			h.ecRefused(400, "400-314", edna, c500, point("email", `{"id": "700", "emailAddress": "a@b"}`))
			h.ecRefused(400, "400-314", edna, c500, point("email", `{}`))
			h.ecRefused(400, "400-316", edna, c500, point("phone", `{"id": "701", "type": {"value": "car"}}`))
			h.ecRefused(400, "400-316", edna, c500, point("phone", `{"phoneNo": "4085550100"}`))
			h.ecRefused(400, "400-316", edna, c500, point("phone", `{"id": "701", "phoneNo": ""}`))
			h.ecRefused(400, "400-317", edna, c500, point("postal", `{"id": "703", "city": "`+strings.Repeat("c", 256)+`"}`))
			h.ecRefused(400, "400-318", edna, c500, point("website", `{"id": "704", "url": ""}`))
			h.ecRefused(400, "400-319", edna, c500, point("social", `{"id": "702", "type": {"value": "MySpace"}}`))
			h.ecRefused(400, "400-320", edna, c500, point("website", `{"id": "704", "priority": {"value": "urgent"}}`))
			h.ecRefused(400, "400-104", edna, c500, point("website", `{"id": "704", "customAttributes": {}}`))
			// CC10: an address of another customer of Service is in use;
			// the point's own address (in any case) is not.
			h.ecRefused(400, "400-315", edna, c500, point("email", `{"id": "700", "emailAddress": "ANN@example.com"}`))
			h.ecRefused(400, "400-315", edna, c500, point("email", `{"emailAddress": "ann@example.com"}`))
			h.ecRefused(400, "400-315", edna, c500, point("email", `{"emailAddress": "john@example.com"}`))
			h.ecRefused(400, "400-315", edna, c500, point("email", `{"emailAddress": "n@example.com"}, {"emailAddress": "N@example.com"}`))
			c := h.ecEdit(edna, c500, point("email", `{"id": "700", "emailAddress": "John@Example.com"}`))
			rtWant(t, "own address", atString(c, "contacts.contact.0.email.0.emailAddress"), "John@Example.com")
			// An edited phone is found by its new number and no longer by
			// its old one; its other fields stay.
			c = h.ecEdit(edna, c500, point("phone", `{"id": "701", "phoneNo": "555 0142", "areaCode": "650", "countryCode": "1"}`))
			rtWant(t, "phone", atString(c, "contacts.contact.0.phone.0.phoneNo"), "555 0142")
			rtWant(t, "phone type kept", atString(c, "contacts.contact.0.phone.0.type.value"), "mobile")
			rtWant(t, "found by new digits", customerIDs(t, h, edna, "?phone=16505550142"), []string{"500"})
			rtWant(t, "not found by old digits", customerIDs(t, h, edna, "?phone=4085551234"), []string(nil))
		})

		t.Run("EC8_stale_lastModified_is_409", func(t *testing.T) {
			h.ecRefused(409, "409-300", edna, c500, `{"lastModified": "2020-01-01T00:00:00.000Z", "pin": "8"}`)
			h.ecRefused(400, "400-152", edna, c500, `{"lastModified": "yesterday", "pin": "8"}`)
			read := h.do("GET", c500, edna, "")
			read.expect(t, 200, "")
			lm := atString(read.JSON(t), "customer.0.lastModified")
			c := h.ecEdit(edna, c500, `{"lastModified": "`+lm+`", "pin": "8"}`)
			if atString(c, "lastModified") <= lm {
				t.Errorf("lastModified %s did not move past %s", atString(c, "lastModified"), lm)
			}
			// The lastModified read before that edit is now stale.
			h.ecRefused(409, "409-300", edna, c500, `{"lastModified": "`+lm+`", "pin": "9"}`)
		})

		t.Run("permissions", func(t *testing.T) {
			h.ecRefused(403, "403-105", h.login("cora"), c500, `{"pin": "1"}`)
			h.ecRefused(403, "403-300", h.login("elle"), c500, `{"pin": "1"}`)
			h.ecRefused(401, "401-104", "", c500, `{"pin": "1"}`)
			// A bad body is a 400 before the 403, a missing customer of
			// the path a 404 before it.
			h.ecRefused(400, "400-324", h.login("cora"), c500, `{}`)
			h.ecRefused(404, "404-101", h.login("cora"), customersPath+"/99999", `{"pin": "1"}`)
			// A client application needs no action and sees every
			// department.
			c := h.ecEdit(h.client(), customersPath+"/513", `{"pin": "513"}`)
			rtWant(t, "client", atString(c, "pin"), "513")
		})

		t.Run("changes_only_what_is_sent_and_records_history", func(t *testing.T) {
			before := h.history("customer", 501)
			c := h.ecEdit(edna, customersPath, `{"id": "501", "contacts": {"contact": [{"id": "610",
				"email": [{"id": "710", "emailAddress": "ann.lee@example.com"}, {"emailAddress": "ann2@example.com"}]}]}}`)
			ct := at(c, "contacts.contact.0")
			rtWant(t, "edited", atString(ct, "email.0.emailAddress"), "ann.lee@example.com")
			rtWant(t, "added", atString(ct, "email.1.emailAddress"), "ann2@example.com")
			rtWant(t, "kept phone", atString(ct, "phone.0.phoneNo"), "4085550000")
			rtWant(t, "kept socials", len(at(ct, "social").([]any)), 4)
			rtWant(t, "kept postal", atString(ct, "postal.0.city"), "Shelbyville")
			after := h.history("customer", 501)
			if len(after) != len(before)+1 {
				t.Fatalf("history %d entries, want %d", len(after), len(before)+1)
			}
			last := after[len(after)-1]
			if last.Action != "edit" || last.Actor != "user:1031" || !strings.Contains(last.Before, "ann@example.com") ||
				!strings.Contains(last.After, "ann.lee@example.com") {
				t.Errorf("history entry %+v", last)
			}
			// The edit is a customer.changed event of Service naming the
			// points changed.
			var events []casemgr.Event
			if err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
				events, err = tx.Events(casemgr.EventQuery{Through: math.MaxInt64, Types: []string{casemgr.EventCustomerChanged}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n := len(events); n == 0 || events[n-1].EntityID != 501 || events[n-1].Department != 10 ||
				!strings.Contains(events[n-1].Changes, "ann.lee@example.com") {
				t.Errorf("events %+v", events)
			}
			// Activity 3000 keeps its contact point, which shows its new
			// value.
			h.ecEdit(edna, c500, `{"contacts": {"contact": [{"id": "600", "email": [{"id": "700", "emailAddress": "jt@example.com"}]}]}}`)
			a := h.readActivity(edna, 3000)
			rtWant(t, "activity's point", atString(a, "customer.contacts.contact.0.email.0.emailAddress"), "jt@example.com")
			rtWant(t, "activity's point id", atString(a, "customer.contacts.contact.0.email.0.id"), "700")
		})

		t.Run("XML_round_trip", func(t *testing.T) {
			xml := "application/xml"
			// Create in XML, edit in XML, read back in XML and JSON.
			res := h.do("POST", customersPath+"/corp", edna, `<customer><department><name>Service</name></department>
  <type><value>corporate</value></type><customerName>Xml Corp</customerName>
  <contacts><contact><firstName>Xena</firstName><email><emailAddress>xena@xml.example</emailAddress></email></contact></contacts></customer>`,
				"Content-Type", xml)
			res.expect(t, 201, "")
			id := strings.TrimPrefix(res.Header.Get("Location"), customersPath+"/")
			c := h.ecEdit(edna, customersPath+"/"+id, `<customer><id>`+id+`</id><customerName>Xml Corp Ltd</customerName>
  <pin>77</pin><level><value>Gold</value></level>
  <contacts><contact><id>`+mustContact(t, h, edna, id)+`</id><lastName>Xu</lastName>
    <phone><type><value>office</value></type><phoneNo>4085553333</phoneNo></phone>
    <phone><type><value>fax</value></type><phoneNo>4085553334</phoneNo></phone></contact>
  <contact><firstName>Yan</firstName><website><url>https://yan.example</url></website></contact></contacts></customer>`,
				"Content-Type", xml)
			rtWant(t, "name", atString(c, "customerName"), "Xml Corp Ltd")
			rtWant(t, "pin", atString(c, "pin"), "77")
			rtWant(t, "level", atString(c, "level.value"), "Gold")
			rtWant(t, "lastName", atString(c, "contacts.contact.0.lastName"), "Xu")
			rtWant(t, "kept email", atString(c, "contacts.contact.0.email.0.emailAddress"), "xena@xml.example")
			rtWant(t, "fax", atString(c, "contacts.contact.0.phone.1.type.value"), "fax")
			rtWant(t, "second contact", atString(c, "contacts.contact.1.website.0.url"), "https://yan.example")
			got := h.do("GET", customersPath+"/"+id, edna, "", "Accept", xml)
			got.expect(t, 200, "")
			for _, want := range []string{"<customerName>Xml Corp Ltd</customerName>", "<phoneNo>4085553334</phoneNo>", "<url>https://yan.example</url>"} {
				if !strings.Contains(string(got.Body), want) {
					t.Errorf("XML read lacks %s: %s", want, got.Body)
				}
			}
			// An XML edit is refused by the same rules as JSON.
			h.ecRefused(400, "400-104", edna, customersPath+"/"+id, `<customer><type><value>group</value></type></customer>`, "Content-Type", xml)
			h.ecRefused(400, "400-104", edna, customersPath+"/"+id, `<customers><pin>1</pin></customers>`, "Content-Type", xml)
		})
	})
}

// mustContact returns the ID of a customer's first contact.
func mustContact(t *testing.T, h *harness, token, id string) string {
	t.Helper()
	res := h.do("GET", customersPath+"/"+id, token, "")
	res.expect(t, 200, "")
	return atString(res.JSON(t), "customer.0.contacts.contact.0.id")
}
