package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// newCustomerWorld adds to the customer-search world the configured lists a
// created customer takes its values from, and cora, who may create
// customers in Service (and, as a foreign user, in Billing).
const newCustomerWorld = `{
 "customerAttributes": {"groupTypes": ["Club", "Family"], "regions": ["EMEA", "APAC"],
   "levels": ["Gold", "Silver"], "industries": ["Retail", "Banking"], "socialTypes": ["Mastodon"]},
 "users": [
  {"id": "1030", "name": "cora", "password": "pw-cora", "firstName": "Cora", "lastName": "Create", "department": "10",
   "foreignDepartments": ["11"], "licenses": ["eGain Platform"], "actions": ["Create Customer", "View Agent Console"]}
 ]
}`

func ccHarness(t *testing.T, db store.DB) *harness {
	t.Helper()
	h := csHarness(t, db)
	h.add(newCustomerWorld)
	return h
}

// customersDump renders every customer with its history, so that a test
// can check that a refused creation changed nothing.
func (h *harness) customersDump() string {
	h.t.Helper()
	var b strings.Builder
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) error {
		ids, _, err := tx.SearchCustomers(casemgr.CustomerFilter{Page: casemgr.Page{Limit: 100000}})
		if err != nil {
			return err
		}
		list, err := tx.Customers(ids)
		if err != nil {
			return err
		}
		for _, c := range list {
			j, _ := json.Marshal(c)
			b.Write(j)
			hist, err := tx.History("customer", c.ID)
			if err != nil {
				return err
			}
			j, _ = json.Marshal(hist)
			b.Write(j)
			b.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		h.t.Fatalf("reading the customers: %v", err)
	}
	return b.String()
}

// ccRefused sends a creation that must be refused with status and code and
// checks that neither customers nor anything else changed.
func (h *harness) ccRefused(status int, code, token, path, body string, header ...string) *response {
	h.t.Helper()
	before := h.customersDump()
	res := h.refused(status, code, "POST", path, token, body, header...)
	if after := h.customersDump(); after != before {
		h.t.Fatalf("a refused creation (%s) changed the customers:\nbefore:\n%s\nafter:\n%s", code, before, after)
	}
	return res
}

// ccCreate creates a customer and reads it back as the API shows it.
func (h *harness) ccCreate(token, path, body string, header ...string) map[string]any {
	h.t.Helper()
	res := h.do("POST", path, token, body, header...)
	res.expect(h.t, 201, "")
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, customersPath+"/") {
		h.t.Fatalf("Location %q", loc)
	}
	got := h.do("GET", loc, token, "")
	got.expect(h.t, 200, "")
	return at(got.JSON(h.t), "customer.0").(map[string]any)
}

// individual is a valid individual customer of Service with one contact,
// edited by the tests: edits are JSON fragments merged over it.
const individual = `{"department": {"name": "Service"}, "type": {"value": "individual"},
 "contacts": {"contact": [{"firstName": "Ana", "middleName": "M", "lastName": "Ortiz", "salutation": "Ms",
   "email": [{"emailAddress": "ana.ortiz@example.com", "priority": {"value": "high"}}],
   "phone": [{"type": {"value": "mobile"}, "phoneNo": "555 0100", "countryCode": "1", "areaCode": "408", "extension": "7",
     "availability": {"days": {"value": "weekdays"}, "times": {"value": "mornings"}}}],
   "postal": [{"type": {"value": "home"}, "address_1": "1 Main St", "city": "San Jose", "zip": "95110"}],
   "website": [{"url": "https://ortiz.example"}],
   "social": [{"type": {"value": "Mastodon"}, "socialId": "@ana@social.example"}]}]},
 "role": {"value": "Customer"}, "level": {"value": "Gold"}, "industry": {"value": "Retail"}, "pin": "1234",
 "customAttributes": {"customAttribute": [{"attribName": "tier", "attribValues": {"attribValue": [{"value": "gold"}]}}]}}`

// withEdit returns the individual body with keys replaced (nil deletes).
func withEdit(t *testing.T, base string, edits map[string]any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(base), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range edits {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// contactWith returns the individual's contact with keys replaced.
func contactWith(t *testing.T, edits map[string]any) map[string]any {
	t.Helper()
	var m map[string]any
	_ = json.Unmarshal([]byte(individual), &m)
	c := at(m, "contacts.contact.0").(map[string]any)
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return map[string]any{"contact": []any{c}}
}

func TestCreateCustomerIndividualRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		c := h.ccCreate(cora, customersPath, individual)
		rtWant(t, "name", atString(c, "customerName"), "Ana M Ortiz")
		rtWant(t, "type", atString(c, "type.value"), "individual")
		rtWant(t, "department", atString(c, "department.name"), "Service")
		rtWant(t, "level", atString(c, "level.value"), "Gold")
		rtWant(t, "pin", atString(c, "pin"), "1234")
		rtWant(t, "custom", atString(c, "customAttributes.customAttribute.0.attribValues.attribValue.0.value"), "gold")
		ct := at(c, "contacts.contact.0")
		rtWant(t, "salutation", atString(ct, "salutation"), "Ms")
		rtWant(t, "email", atString(ct, "email.0.emailAddress"), "ana.ortiz@example.com")
		rtWant(t, "priority", atString(ct, "email.0.priority.value"), "high")
		rtWant(t, "phone", atString(ct, "phone.0.phoneNo"), "555 0100")
		rtWant(t, "days", atString(ct, "phone.0.availability.days.value"), "weekdays")
		rtWant(t, "city", atString(ct, "postal.0.city"), "San Jose")
		rtWant(t, "url", atString(ct, "website.0.url"), "https://ortiz.example")
		rtWant(t, "social", atString(ct, "social.0.type.value"), "Mastodon")
		// The new customer is found by the phone matcher at once.
		id := atString(c, "id")
		rtWant(t, "search", customerIDs(t, h, h.login("jenny"), "?phone=140855501007"), []string{id})
		rtWant(t, "created = lastModified", atString(c, "created"), atString(c, "lastModified"))
		// The creation is recorded.
		var hist []casemgr.HistoryEntry
		cid, _ := casemgr.ParseID(id)
		_ = h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
			hist, err = tx.History("customer", cid)
			return err
		})
		if len(hist) != 1 || hist[0].Action != "create" || hist[0].Actor != "user:1030" {
			t.Errorf("history %+v", hist)
		}
	})
}

func TestCreateCustomerXMLRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		body := `<customer><department><name>Billing</name></department>
  <type><value>group</value><group><type><value>Club</value></type><region><value>EMEA</value></region></group></type>
  <customerName>Chess Club</customerName>
  <contacts><contact><firstName>Bo</firstName><email><emailAddress>bo@chess.example</emailAddress></email>
    <phone><type><value>home</value></type><phoneNo>4085559999</phoneNo></phone>
    <phone><type><value>office</value></type><phoneNo>4085559998</phoneNo></phone></contact>
  <contact><firstName>Cy</firstName></contact></contacts></customer>`
		c := h.ccCreate(h.login("cora"), customersPath+"/group", body, "Content-Type", "application/xml")
		rtWant(t, "name", atString(c, "customerName"), "Chess Club")
		rtWant(t, "group type", atString(c, "type.group.type.value"), "Club")
		rtWant(t, "region", atString(c, "type.group.region.value"), "EMEA")
		rtWant(t, "phones", atString(c, "contacts.contact.0.phone.1.phoneNo"), "4085559998")
		rtWant(t, "second contact", atString(c, "contacts.contact.1.firstName"), "Cy")
		res := h.do("GET", customersPath+"/"+atString(c, "id"), h.login("cora"), "", "Accept", "application/xml")
		res.expect(t, 200, "")
		if !strings.Contains(string(res.Body), "<customerName>Chess Club</customerName>") {
			t.Errorf("XML: %s", res.Body)
		}
	})
}

func TestCC1BodyIsMandatory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		h.ccRefused(400, "400-264", h.login("cora"), customersPath, "")
	})
}

func TestCC2TypeIsRequiredAndAgreesWithThePath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		h.ccRefused(400, "400-302", cora, customersPath, withEdit(t, individual, map[string]any{"type": nil}))
		h.ccRefused(400, "400-302", cora, customersPath, withEdit(t, individual, map[string]any{"type": map[string]any{"value": "person"}}))
		h.ccRefused(400, "400-303", cora, customersPath+"/corp", individual)
		h.ccCreate(cora, customersPath+"/individual", individual)
	})
}

func TestCC3DepartmentIsRequiredAndExists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		h.ccRefused(400, "400-304", cora, customersPath, withEdit(t, individual, map[string]any{"department": nil}))
		h.ccRefused(400, "400-305", cora, customersPath, withEdit(t, individual, map[string]any{"department": map[string]any{"name": "Nowhere"}}))
		// Legal is neither cora's home nor foreign department.
		h.ccRefused(403, "403-107", cora, customersPath, withEdit(t, individual, map[string]any{"department": map[string]any{"name": "Legal"}}))
		c := h.ccCreate(cora, customersPath, withEdit(t, individual, map[string]any{"department": map[string]any{"name": "billing"}}))
		rtWant(t, "department", atString(c, "department.id"), "11")
	})
}

func TestCC4IndividualHasOneContactAndNoName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		h.ccRefused(400, "400-306", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": nil}))
		two := contactWith(t, nil)
		two["contact"] = append(two["contact"].([]any), map[string]any{"firstName": "Second"})
		h.ccRefused(400, "400-306", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": two}))
		h.ccRefused(400, "400-104", cora, customersPath, withEdit(t, individual, map[string]any{"customerName": "Ana"}))
	})
}

func TestCC5CorporateAndGroupNeedAName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		corp := withEdit(t, individual, map[string]any{"type": map[string]any{"value": "corporate"}})
		h.ccRefused(400, "400-307", cora, customersPath, corp)
		h.ccRefused(400, "400-307", cora, customersPath, withEdit(t, corp, map[string]any{"customerName": strings.Repeat("x", 125)}))
		c := h.ccCreate(cora, customersPath, withEdit(t, corp, map[string]any{"customerName": strings.Repeat("é", 124), "contacts": nil}))
		rtHas(t, c, "contacts", false)
	})
}

func TestCC6GroupTypeAndRegionAreConfigured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		group := func(typ map[string]any) string {
			return withEdit(t, individual, map[string]any{"type": typ, "customerName": "The Group"})
		}
		h.ccRefused(400, "400-308", cora, customersPath, group(map[string]any{"value": "group"}))
		h.ccRefused(400, "400-308", cora, customersPath, group(map[string]any{"value": "group", "group": map[string]any{"type": map[string]any{"value": "Band"}}}))
		h.ccRefused(400, "400-309", cora, customersPath, group(map[string]any{"value": "group",
			"group": map[string]any{"type": map[string]any{"value": "Club"}, "region": "LATAM"}}))
		h.ccRefused(400, "400-309", cora, customersPath, withEdit(t, individual, map[string]any{"customerName": "Corp",
			"type": map[string]any{"value": "corporate", "corporate": map[string]any{"region": map[string]any{"value": "Mars"}}}}))
		h.ccRefused(400, "400-104", cora, customersPath, group(map[string]any{"value": "group",
			"group": map[string]any{"type": map[string]any{"value": "Club"}, "members": "3"}}))
		c := h.ccCreate(cora, customersPath, withEdit(t, individual, map[string]any{"customerName": "Corp",
			"type": map[string]any{"value": "corporate", "corporate": map[string]any{"region": "APAC"}}}))
		rtWant(t, "region", atString(c, "type.corporate.region.value"), "APAC")
	})
}

func TestCC7CustomerElements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		for _, edit := range []map[string]any{
			{"role": map[string]any{"value": "Boss"}},
			{"howReferred": map[string]any{"value": "Radio"}},
			{"level": map[string]any{"value": "Platinum"}},
			{"industry": map[string]any{"value": "Mining"}},
			{"pin": strings.Repeat("1", 256)},
			{"marketSegment": strings.Repeat("m", 51)},
			{"entitlements": strings.Repeat("e", 1025)},
		} {
			h.ccRefused(400, "400-310", cora, customersPath, withEdit(t, individual, edit))
		}
		h.ccRefused(400, "400-104", cora, customersPath, withEdit(t, individual, map[string]any{"preferredAgent": map[string]any{"id": "1001"}}))
		custom := func(name, value string) map[string]any {
			return map[string]any{"customAttributes": map[string]any{"customAttribute": []any{map[string]any{
				"attribName": name, "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": value}}}}}}}
		}
		h.ccRefused(400, "400-230", cora, customersPath, withEdit(t, individual, custom("region", "EMEA")))
		h.ccRefused(400, "400-231", cora, customersPath, withEdit(t, individual, custom("tier", "bronze")))
		h.ccRefused(400, "400-231", cora, customersPath, withEdit(t, individual, custom("crm_id", "a<b")))
		c := h.ccCreate(cora, customersPath, withEdit(t, individual, custom("crm_id", "C-1 (ok) #2 é")))
		rtWant(t, "custom", atString(c, "customAttributes.customAttribute.0.attribValues.attribValue.0.value"), "C-1 (ok) #2 é")
	})
}

func TestCC8ContactNeedsAFirstName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		h.ccRefused(400, "400-312", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"firstName": nil})}))
		h.ccRefused(400, "400-313", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"jobTitle": strings.Repeat("j", 256)})}))
		h.ccRefused(400, "400-104", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"gender": "f"})}))
	})
}

func TestCC9EmailAddressIsValid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		for _, bad := range []string{"", "ana", "ana@example", "a@b@example.com", "ana@example.com.", "ana @example.com",
			"an(a)@example.com", `a\\b@example.com`, "ana@.com", strings.Repeat("a", 250) + "@ex.com"} {
			body := withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"email": []any{map[string]any{"emailAddress": bad}}})})
			h.ccRefused(400, "400-314", cora, customersPath, body)
		}
		h.ccRefused(400, "400-314", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"email": []any{map[string]any{}}})}))
	})
}

func TestCC10EmailAddressIsNotInUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		email := func(addrs ...string) string {
			var list []any
			for _, a := range addrs {
				list = append(list, map[string]any{"emailAddress": a})
			}
			return withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"email": list})})
		}
		h.ccRefused(400, "400-315", cora, customersPath, email("JOHN@example.com")) // John, Service
		h.ccRefused(400, "400-315", cora, customersPath, email("new@example.com", "New@Example.com"))
		// With departmentalization on, an address of another department's
		// customer is free here (bill@corp.example.com is Billing's).
		h.ccCreate(cora, customersPath, email("bill@corp.example.com"))
		h.add(`{"settings": {"customerDepartmentalization": false}}`)
		h.ccRefused(400, "400-315", cora, customersPath, email("info@ruiz.example"))
	})
}

func TestCC11PhonePoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		phone := func(p map[string]any) string {
			return withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"phone": []any{p}})})
		}
		for _, p := range []map[string]any{
			{"phoneNo": "1"},
			{"type": map[string]any{"value": "car"}, "phoneNo": "1"},
			{"type": map[string]any{"value": "home"}},
			{"type": map[string]any{"value": "home"}, "phoneNo": strings.Repeat("1", 41)},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "countryCode": "+1"},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "countryCode": "1234567890"},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "areaCode": "12345678901"},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "extension": "12345678901"},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "availability": map[string]any{"days": map[string]any{"value": "sundays"}}},
			{"type": map[string]any{"value": "home"}, "phoneNo": "1", "availability": map[string]any{"times": map[string]any{"value": "night"}}},
		} {
			h.ccRefused(400, "400-316", cora, customersPath, phone(p))
		}
		h.ccCreate(cora, customersPath, phone(map[string]any{"type": map[string]any{"value": "pager"}, "phoneNo": "(408) 555-0199 ext"}))
	})
}

func TestCC12PostalPoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		postal := func(p map[string]any) string {
			return withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"postal": []any{p}})})
		}
		for _, p := range []map[string]any{
			{"address_1": "1 Main"},
			{"type": map[string]any{"value": "castle"}, "address_1": "1 Main"},
			{"type": map[string]any{"value": "home"}},
			{"type": map[string]any{"value": "home"}, "address_1": "1 Main", "city": strings.Repeat("c", 256)},
		} {
			h.ccRefused(400, "400-317", cora, customersPath, postal(p))
		}
	})
}

func TestCC13WebsitePoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		for _, p := range []map[string]any{{}, {"url": "https://" + strings.Repeat("w", 1020)}} {
			h.ccRefused(400, "400-318", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"website": []any{p}})}))
		}
	})
}

func TestCC14SocialPoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		for _, p := range []map[string]any{
			{"socialId": "x"},
			{"type": map[string]any{"value": "MySpace"}, "socialId": "x"},
			{"type": map[string]any{"value": "Twitter"}},
		} {
			h.ccRefused(400, "400-319", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"social": []any{p}})}))
		}
		c := h.ccCreate(cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"social": []any{
			map[string]any{"type": map[string]any{"value": "YouTube"}, "socialId": "ana.yt"}}})}))
		rtWant(t, "found", customerIDs(t, h, cora, "?youTubeId=ana.yt"), []string{atString(c, "id")})
	})
}

func TestCC15PointPriority(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		cora := h.login("cora")
		h.ccRefused(400, "400-320", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"website": []any{
			map[string]any{"url": "https://x.example", "priority": map[string]any{"value": "urgent"}}}})}))
		h.ccRefused(400, "400-104", cora, customersPath, withEdit(t, individual, map[string]any{"contacts": contactWith(t, map[string]any{"website": []any{
			map[string]any{"url": "https://x.example", "customAttributes": map[string]any{}}}})}))
	})
}

func TestCreateCustomerPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := ccHarness(t, db)
		h.ccRefused(403, "403-105", h.login("jenny"), customersPath, individual)
		h.ccRefused(401, "401-104", "", customersPath, individual)
		// A bad body is a 400 before the 403.
		h.ccRefused(400, "400-302", h.login("jenny"), customersPath, withEdit(t, individual, map[string]any{"type": nil}))
		// A client application needs no action.
		c := h.ccCreate(h.client(), customersPath, individual)
		rtWant(t, "client", atString(c, "customerName"), "Ana M Ortiz")
	})
}
