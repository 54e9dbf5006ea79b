package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// csWorld adds to the base world customers with phone numbers in several
// forms, social identities of every network, custom attributes, and a
// corporate and a group customer; a customer of Legal (12), which jenny
// does not see; vera, who searches in Legal; and lonny, who holds the View
// Agent Console action but no license.
const csWorld = `{
 "customAttributes": {"case": [], "activity": [], "user": [],
   "customer": [{"name": "tier", "type": "enum", "values": ["gold", "silver"]}, {"name": "crm_id", "type": "string"}]},
 "users": [
  {"id": "1020", "name": "vera", "password": "pw-vera", "firstName": "Vera", "lastName": "Legal", "department": "12",
   "licenses": ["eGain Platform"], "actions": ["View Agent Console"]},
  {"id": "1021", "name": "lonny", "password": "pw-lonny", "firstName": "Lon", "lastName": "Ny", "department": "10",
   "licenses": [], "actions": ["View Agent Console"]}
 ],
 "customers": [
  {"id": "510", "customerName": "Ana Ruiz", "type": "individual", "department": "10",
   "customAttributes": {"tier": "gold"},
   "contacts": [{"id": "640", "firstName": "Ana", "lastName": "Ruiz",
     "email": [{"id": "740", "emailAddress": "Ana.Ruiz@Example.com"}],
     "phone": [{"id": "741", "phoneNo": "234 3456", "type": "office", "countryCode": "1", "areaCode": "408", "extension": "102"}],
     "social": [{"id": "742", "type": "YouTube", "socialId": "anaruiz"}]}]},
  {"id": "511", "customerName": "Ruiz Holdings", "type": "corporate", "department": "10",
   "customAttributes": {"tier": "silver", "crm_id": "C-9"},
   "contacts": [{"id": "641", "firstName": "Rita", "lastName": "Ruiz",
     "email": [{"id": "743", "emailAddress": "info@ruiz.example"}],
     "phone": [{"id": "744", "phoneNo": "(650) 555-0111", "type": "office"}],
     "social": [{"id": "745", "type": "Facebook", "socialId": "ruiz.fb"}, {"id": "746", "type": "Apple", "socialId": "apple-1"},
       {"id": "747", "type": "Instagram", "socialId": "ruiz.ig"}]}]},
  {"id": "512", "customerName": "Ruiz Family", "type": "group", "department": "11",
   "contacts": [{"id": "642", "firstName": "Rosa", "lastName": "Ruiz",
     "phone": [{"id": "748", "phoneNo": "+1 408 555 0100", "type": "home"}]}]},
  {"id": "513", "customerName": "Legal Ruiz", "type": "individual", "department": "12",
   "contacts": [{"id": "643", "firstName": "Lea", "lastName": "Ruiz",
     "phone": [{"id": "749", "phoneNo": "2343456", "type": "mobile"}]}]}
 ],
 "cases": [
  {"id": "2200", "department": "10", "status": "open", "owner": "1003", "customer": "510", "subject": "Ana's router",
   "severity": "high", "originatingChannel": "phone", "customAttributes": {"region": "APAC"},
   "dueDate": "2027-03-01T00:00:00.000Z", "created": "2026-02-01T00:00:00.000Z"},
  {"id": "2201", "department": "10", "status": "closed", "owner": "1001", "customer": "510", "subject": "Ana's old case",
   "severity": "low", "originatingChannel": "email", "created": "2026-01-01T00:00:00.000Z"},
  {"id": "2202", "department": "12", "status": "open", "owner": "1020", "customer": "513", "subject": "Legal matter",
   "severity": "low", "originatingChannel": "email", "created": "2026-01-15T00:00:00.000Z"}
 ]
}`

// csHarness serves the base world with csWorld added.
func csHarness(t *testing.T, db store.DB) *harness {
	t.Helper()
	h := newHarness(t, db, nil)
	h.add(csWorld)
	return h
}

const customersPath = "/core/customermgr/v3/customer"

// foundIDs runs a search at path and lists the IDs of the items of key it
// found (nil for 204).
func foundIDs(t *testing.T, h *harness, path, key, token, query string) []string {
	t.Helper()
	res := h.do("GET", path+query, token, "")
	if res.Status == http.StatusNoContent {
		if len(res.Body) != 0 {
			t.Errorf("204 with a body: %s", res.Body)
		}
		return nil
	}
	res.expect(t, 200, "")
	return rtIDs(t, res, key)
}

// searchesFind checks searches at path against the IDs of the items of
// key they must find.
func searchesFind(t *testing.T, h *harness, path, key, token string, want map[string][]string) {
	t.Helper()
	for query, ids := range want {
		rtWant(t, query, foundIDs(t, h, path, key, token, query), ids)
	}
}

// customerIDs runs a customer search and lists the IDs found (nil for
// 204).
func customerIDs(t *testing.T, h *harness, token, query string) []string {
	t.Helper()
	return foundIDs(t, h, customersPath, "customer", token, query)
}

// searches checks customer searches against the IDs they must find.
func searches(t *testing.T, h *harness, token string, want map[string][]string) {
	t.Helper()
	searchesFind(t, h, customersPath, "customer", token, want)
}

func TestSC1CustomerSearchNeedsAFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		h.refused(400, "400-112", "GET", customersPath, jenny, "")
		h.refused(400, "400-112", "GET", customersPath+"?$sort=id&$pagesize=5", jenny, "")
		h.refused(400, "400-101", "GET", customersPath+"?phone=1&shoe=1", jenny, "")
	})
}

func TestSC2CustomerFiltersCombineWithAnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		searches(t, h, h.login("jenny"), map[string][]string{
			"?phone=14085550100&type=group":               {"512"},
			"?phone=14085550100&type=individual":          nil,
			"?customerName=ruiz&custom.tier=silver":       {"511"},
			"?email=info@ruiz.example&facebookId=ruiz.fb": {"511"},
			"?email=info@ruiz.example&twitterId=@jt":      nil,
		})
	})
}

func TestSC3CustomerNameIsACaseInsensitiveSubstring(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		searches(t, h, h.login("jenny"), map[string][]string{
			"?customerName=ruiz":     {"510", "511", "512"},
			"?customerName=RUIZ%20h": {"511"},
			"?customerName=n":        {"500", "501", "502", "510", "511"},
			"?customerName=%25":      nil, // a literal "%", no wildcard
			"?customerName=_":        nil,
			"?email=ana.ruiz":        nil, // other filters match exactly
			"?facebookId=ruiz":       nil,
		})
		h.refused(400, "400-102", "GET", customersPath+"?customerName=", h.login("jenny"), "")
	})
}

func TestSC4PhoneMatcher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		searches(t, h, jenny, map[string][]string{
			"?phone=14082343456102": {"510"}, // country, area, number, extension
			"?phone=14082343456":    {"510"},
			"?phone=4082343456102":  {"510"},
			"?phone=4082343456":     {"510"},
			"?phone=2343456102":     {"510"},
			"?phone=2343456":        {"510"}, // 513 has it too, in Legal
			"?phone=%2B14082343456": {"510"},
			"?phone=6505550111":     {"511"}, // stored as "(650) 555-0111"
			"?phone=14085550100":    {"512"}, // stored as "+1 408 555 0100"
			"?phone=4085551234":     {"500"},
			"?phone=408234":         nil,
			"?phone=1408":           nil,
		})
		searches(t, h, h.login("vera"), map[string][]string{"?phone=2343456": {"513"}})
		for _, bad := range []string{"408-555", "%2B%2B1", "abc", "%2B", "4O8"} {
			h.refused(400, "400-102", "GET", customersPath+"?phone="+bad, jenny, "")
		}
	})
}

func TestSC5EmailMatchesCaseInsensitively(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		searches(t, h, h.login("jenny"), map[string][]string{
			"?email=ANA.RUIZ@example.COM": {"510"},
			"?email=ana.ruiz@example.com": {"510"},
			"?email=john@example.com":     {"500"},
			"?email=nobody@example.com":   nil,
		})
	})
}

func TestSC6CustomAttributeFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		searches(t, h, jenny, map[string][]string{
			"?custom.tier=gold":  {"510"},
			"?custom.tier=GOLD":  nil,
			"?custom.crm_id=C-9": {"511"},
			"?custom.crm_id=C":   nil,
		})
		h.refused(400, "400-102", "GET", customersPath+"?custom.nosuch=1", jenny, "")
		h.refused(400, "400-102", "GET", customersPath+"?custom.reference=1", jenny, "") // an activity attribute
	})
}

func TestSC7SocialIdentities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		searches(t, h, h.login("jenny"), map[string][]string{
			"?youTubeId=anaruiz":     {"510"},
			"?facebookId=ruiz.fb":    {"511"},
			"?instagramId=ruiz.ig":   {"511"},
			"?appleOpaqueId=apple-1": {"511"},
			"?twitterId=@jt":         {"500"},
			"?twitterId=ruiz.fb":     nil, // the network follows the parameter
			"?facebookId=ann.lee":    {"501"},
		})
	})
}

func TestSC8CreatedIsADateRange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		searches(t, h, jenny, map[string][]string{
			"?created=[2000-01-01T00:00:00.000Z,]&customerName=ruiz": {"510", "511", "512"},
			"?created=[,2000-01-01T00:00:00.000Z]":                   nil,
		})
		for _, bad := range []string{"[,]", "2026-01-01T00:00:00.000Z", "[yesterday,]"} {
			h.refused(400, "400-102", "GET", customersPath+"?created="+bad, jenny, "")
		}
	})
}

func TestSC9TypeIsIndividualCorporateOrGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		searches(t, h, jenny, map[string][]string{
			"?type=corporate": {"502", "511"},
			"?type=group":     {"512"},
		})
		h.refused(400, "400-102", "GET", customersPath+"?type=person", jenny, "")
		h.refused(400, "400-102", "GET", customersPath+"?type=Corporate", jenny, "")
	})
}

func TestSC10ActivityFilterIsNotSupported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		h.refused(400, "400-102", "GET", customersPath+"?activity=%7B%7D", h.login("jenny"), "")
		h.refused(400, "400-102", "GET", customersPath+"?activity=%7B%7D&department=10", h.client(), "")
	})
}

func TestSC11DepartmentOnlyFromClientApplications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		h.refused(400, "400-101", "GET", customersPath+"?phone=2343456&department=10", h.login("jenny"), "")
		rtWant(t, "client", customerIDs(t, h, h.client(), "?phone=2343456&department=10"), []string{"510"})
	})
}

func TestSC12ClientSendsADepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		client := h.client()
		h.refused(400, "400-112", "GET", customersPath+"?phone=2343456", client, "")
		searches(t, h, client, map[string][]string{
			"?phone=2343456&department=Legal":       {"513"},
			"?customerName=ruiz&department=billing": {"512"},
			"?customerName=ruiz&department=11":      {"512"},
			"?customerName=ruiz&department=SERVICE": {"510", "511"},
		})
		h.refused(400, "400-102", "GET", customersPath+"?phone=2343456&department=Nowhere", client, "")
		h.refused(400, "400-102", "GET", customersPath+"?phone=2343456&department=99", client, "")
		// With departmentalization off, every customer is found, and a
		// department is not required.
		h.add(`{"settings": {"customerDepartmentalization": false}}`)
		searches(t, h, client, map[string][]string{
			"?phone=2343456":                  {"510", "513"},
			"?phone=2343456&department=Legal": {"513"},
		})
		searches(t, h, h.login("jenny"), map[string][]string{"?phone=2343456": {"510", "513"}})
	})
}

func TestSC13SortAndAttribute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		searches(t, h, jenny, map[string][]string{
			"?customerName=ruiz&$sort=customerName":             {"510", "512", "511"},
			"?customerName=ruiz&$sort=customerName&$order=desc": {"511", "512", "510"},
			"?customerName=ruiz&$sort=type":                     {"511", "512", "510"},
			"?customerName=ruiz&$sort=id&$order=desc":           {"512", "511", "510"},
			"?customerName=ruiz&$pagesize=2&$pagenum=2":         {"512"},
		})
		res := h.do("GET", customersPath+"?customerName=ruiz&$pagesize=2", jenny, "")
		res.expect(t, 200, "")
		body := res.JSON(t)
		rtWant(t, "count", at(body, "paginationInfo.count"), 3)
		rtWant(t, "next", atString(body, "paginationInfo.link.0.href"), customersPath+"?$pagenum=2&$pagesize=2&customerName=ruiz")
		rtWant(t, "self", atString(body, "link.0.href"), customersPath+"?customerName=ruiz&$pagesize=2")

		res = h.do("GET", customersPath+"?email=info@ruiz.example&$attribute=customerName", jenny, "")
		res.expect(t, 200, "")
		rtHas(t, res.JSON(t), "customer.0.customerName", true)
		rtHas(t, res.JSON(t), "customer.0.contacts", false)
		h.refused(400, "400-102", "GET", customersPath+"?customerName=ruiz&$sort=created", jenny, "")
		h.refused(400, "400-102", "GET", customersPath+"?customerName=ruiz&$sort=custom", jenny, "")
		h.refused(400, "400-109", "GET", customersPath+"?customerName=ruiz&$order=desc", jenny, "")
		h.refused(400, "400-106", "GET", customersPath+"?customerName=ruiz&$pagenum=1&$rangesize=2", jenny, "")
	})
}

func TestCustomerSearchPermissionsAndVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		h.refused(403, "403-105", "GET", customersPath+"?phone=2343456", h.login("nadia"), "")
		h.refused(403, "403-300", "GET", customersPath+"?phone=2343456", h.login("lonny"), "")
		h.refused(401, "401-104", "GET", customersPath+"?phone=2343456", "", "")
		// The order of checks: a bad parameter is a 400 before the 403.
		h.refused(400, "400-102", "GET", customersPath+"?phone=x", h.login("nadia"), "")
		// A user sees home and foreign departments only.
		searches(t, h, h.login("vera"), map[string][]string{"?customerName=ruiz": {"513"}})
		searches(t, h, h.login("jenny"), map[string][]string{"?customerName=legal": nil})
	})
}

func TestCustomerSearchShowsCustomersLikeGetCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		res := h.do("GET", customersPath+"?youTubeId=anaruiz", jenny, "")
		res.expect(t, 200, "")
		one := h.do("GET", customersPath+"/510", jenny, "")
		one.expect(t, 200, "")
		rtWant(t, "same customer", at(res.JSON(t), "customer.0"), at(one.JSON(t), "customer.0"))
		body := res.JSON(t)
		rtWant(t, "cases link", atString(body, "customer.0.cases.link.0.href"), "/core/casemgr/v3/case?customer=510")
		rtWant(t, "custom", atString(body, "customer.0.customAttributes.customAttribute.0.attribValues.attribValue.0.value"), "gold")
		rtWant(t, "extension", atString(body, "customer.0.contacts.contact.0.phone.0.extension"), "102")

		res = h.do("GET", customersPath+"?youTubeId=anaruiz", jenny, "", "Accept", "application/xml")
		res.expect(t, 200, "")
		if !strings.HasPrefix(strings.TrimPrefix(string(res.Body), `<?xml version="1.0" encoding="UTF-8"?>`+"\n"), "<customers>") {
			t.Errorf("XML root: %s", res.Body)
		}
	})
}
