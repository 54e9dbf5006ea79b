package httpapi

import (
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The case search runs over the customer-search world (csWorld): the base
// world's cases and Ana's (510) and Legal Ruiz's (513).

const casesPath = "/core/casemgr/v3/case"

// caseSearches checks case searches against the IDs they must find.
func caseSearches(t *testing.T, h *harness, token string, want map[string][]string) {
	t.Helper()
	searchesFind(t, h, casesPath, "case", token, want)
}

func TestCS1CaseSearchNeedsAFilterAndFiltersCombine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		h.refused(400, "400-112", "GET", casesPath, jenny, "")
		h.refused(400, "400-112", "GET", casesPath+"?$sort=created", jenny, "")
		h.refused(400, "400-101", "GET", casesPath+"?status=open&shoe=1", jenny, "")
		caseSearches(t, h, jenny, map[string][]string{
			"?customer=500&status=open":   {"2000", "2001"},
			"?customer=510&status=closed": {"2201"},
			"?customer=510&owner=1001":    {"2201"},
			"?customer=500&owner=1003":    nil,
		})
	})
}

func TestCS2DepartmentFromClientApplicationsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		client := h.client()
		h.refused(400, "400-101", "GET", casesPath+"?customer=500&department=10", h.login("jenny"), "")
		h.refused(400, "400-112", "GET", casesPath+"?customer=500", client, "")
		h.refused(400, "400-102", "GET", casesPath+"?customer=500&department=Nowhere", client, "")
		h.refused(400, "400-102", "GET", casesPath+"?customer=500&department=77", client, "")
		caseSearches(t, h, client, map[string][]string{
			"?customer=513&department=legal":   {"2202"},
			"?customer=513&department=12":      {"2202"},
			"?customer=513&department=Service": nil,
			"?status=open&department=Billing":  {"2004"},
		})
	})
}

func TestCS3StatusIsOpenOrClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		caseSearches(t, h, jenny, map[string][]string{
			"?status=open":   {"2000", "2001", "2003", "2004", "2005", "2200"},
			"?status=closed": {"2002", "2201"},
		})
		h.refused(400, "400-102", "GET", casesPath+"?status=assigned", jenny, "")
		h.refused(400, "400-102", "GET", casesPath+"?status=Open", jenny, "")
	})
}

func TestCS4CustomerEmailAndPhone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		caseSearches(t, h, jenny, map[string][]string{
			"?customer=510":                       {"2200", "2201"},
			"?email=ANA.RUIZ@example.com":         {"2200", "2201"},
			"?phone=%2B14082343456102":            {"2200", "2201"},
			"?phone=2343456&status=open":          {"2200"}, // 513's case is in Legal
			"?email=john@example.com&status=open": {"2000", "2001"},
			"?phone=999":                          nil,
		})
		caseSearches(t, h, h.login("vera"), map[string][]string{"?phone=2343456": {"2202"}})
		h.refused(400, "400-102", "GET", casesPath+"?customer=abc", jenny, "")
		h.refused(400, "400-102", "GET", casesPath+"?phone=408-234", jenny, "")
		h.refused(400, "400-102", "GET", casesPath+"?email=", jenny, "")
	})
}

func TestCS5CaseCustomAttributeFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		caseSearches(t, h, jenny, map[string][]string{
			"?custom.region=APAC": {"2200"},
			"?custom.region=EMEA": nil,
		})
		h.refused(400, "400-102", "GET", casesPath+"?custom.tier=gold", jenny, "") // a customer attribute
		h.refused(400, "400-102", "GET", casesPath+"?custom.nosuch=1", jenny, "")
	})
}

func TestCS6OwnerByIDOrLoginName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		caseSearches(t, h, jenny, map[string][]string{
			"?owner=1003":              {"2200"},
			"?owner=mia":               {"2200"},
			"?owner=MIA":               {"2200"},
			"?owner=frank&status=open": {"2004"},
			"?owner=nobody":            nil,
			"?owner=9999":              nil,
		})
		h.refused(400, "400-102", "GET", casesPath+"?owner=", jenny, "")
	})
}

func TestCS7SortAndAttribute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		caseSearches(t, h, jenny, map[string][]string{
			"?customer=510&$sort=created":              {"2201", "2200"},
			"?customer=510&$sort=created&$order=desc":  {"2200", "2201"},
			"?customer=510&$sort=dueDate":              {"2200", "2201"}, // no due date last
			"?customer=510&$sort=dueDate&$order=desc":  {"2200", "2201"},
			"?customer=510&$sort=id&$order=desc":       {"2201", "2200"},
			"?customer=500&$pagesize=2&$pagenum=2":     {"2002"},
			"?customer=500&$rangestart=2&$rangesize=1": {"2001"},
		})
		h.refused(400, "400-102", "GET", casesPath+"?customer=510&$sort=severity", jenny, "")
		h.refused(400, "400-102", "GET", casesPath+"?customer=510&$attribute=shoe", jenny, "")

		res := h.do("GET", casesPath+"?customer=510&status=open&$attribute=created,custom.region,notes", jenny, "")
		res.expect(t, 200, "")
		body := res.JSON(t)
		rtHas(t, body, "case.0.created", true)
		rtHas(t, body, "case.0.customAttributes", true)
		rtHas(t, body, "case.0.description", false)
		rtHas(t, body, "case.0.originatingChannel", false)
		rtHas(t, body, "case.0.subject", true)

		full := h.do("GET", casesPath+"/2200", jenny, "")
		full.expect(t, 200, "")
		res = h.do("GET", casesPath+"?customer=510&status=open", jenny, "")
		res.expect(t, 200, "")
		rtWant(t, "like GET case/{id}", at(res.JSON(t), "case.0"), at(full.JSON(t), "case.0"))
		rtWant(t, "count", at(res.JSON(t), "paginationInfo.count"), 1)
	})
}

func TestCaseSearchPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		h.refused(403, "403-105", "GET", casesPath+"?customer=500", h.login("nadia"), "")
		h.refused(403, "403-300", "GET", casesPath+"?customer=500", h.login("lonny"), "")
		h.refused(400, "400-102", "GET", casesPath+"?status=x", h.login("nadia"), "")
		// jenny does not see Legal's cases, even by their customer.
		caseSearches(t, h, h.login("jenny"), map[string][]string{"?customer=513": nil})
	})
}

// Every customer's cases.link resolves to the search of its cases.
func TestCustomerCasesLinkResolves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		jenny := h.login("jenny")
		for _, c := range []string{"500", "510", "502"} {
			res := h.do("GET", customersPath+"/"+c, jenny, "")
			res.expect(t, 200, "")
			link := atString(res.JSON(t), "customer.0.cases.link.0.href")
			rtWant(t, "rel", atString(res.JSON(t), "customer.0.cases.link.0.rel"), "case")
			cases := h.do("GET", link, jenny, "")
			cases.expect(t, 200, "")
			for _, item := range cases.JSON(t)["case"].([]any) {
				rtWant(t, "customer of "+atString(item, "id"), atString(item, "customer.id"), c)
			}
		}
		res := h.do("GET", casesPath+"?customer=510", jenny, "", "Accept", "application/xml")
		res.expect(t, 200, "")
	})
}

// A number the customer search finds also logs the call: create calltrack
// matches contactPointData with the same phone matcher, and the first match
// by contact point ID in the activity's department wins.
func TestCalltrackFindsCallersByThePhoneMatcher(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := csHarness(t, db)
		for _, data := range []string{"14082343456102", "14082343456", "4082343456", "2343456102", "2343456"} {
			found := customerIDs(t, h, h.login("jenny"), "?phone="+data)
			rtWant(t, "search "+data, found, []string{"510"})
			a := h.activity(h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", data)))
			if a.Customer != 510 || a.Contact != 640 || a.ContactPoint != 741 || a.ContactPointData != data {
				t.Errorf("%s: customer/contact/point/data = %d/%d/%d/%q", data, a.Customer, a.Contact, a.ContactPoint, a.ContactPointData)
			}
		}
		// "(650) 555-0111" as stored, found by its digits.
		a := h.activity(h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", "6505550111")))
		if a.Customer != 511 || a.ContactPoint != 744 {
			t.Errorf("customer/point = %d/%d", a.Customer, a.ContactPoint)
		}
		// In Legal, the same digits find Legal's customer.
		h.login("leo")
		a = h.activity(h.ctCreate("client", ctBody("department.name", "Legal", "customer", ctDelete{}, "contactPointData", "2343456",
			"status.assigned.user.id", "1007")))
		if a.Customer != 513 || a.ContactPoint != 749 {
			t.Errorf("Legal: customer/point = %d/%d", a.Customer, a.ContactPoint)
		}
	})
}
