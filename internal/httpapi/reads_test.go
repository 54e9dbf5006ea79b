package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// rtWorld adds to the base world what the read tests look at: an activity of
// a department no base user but leo sees (Legal, 12), a calltrack activity
// with every field set, an activity of a foreign department (Billing, 11),
// one of a department shared with Service (Archive, 13, which no Service
// user sees: sharing is not visibility), a case with every
// field set, and a customer of Legal.
const rtWorld = `{
 "customers": [
  {"id": "503", "customerName": "Legal Person", "type": "group", "department": "12",
   "contacts": [{"id": "630", "firstName": "Lee", "lastName": "Gal",
     "phone": [{"id": "730", "phoneNo": "5550002222", "type": "office", "countryCode": "1",
      "lastModified": "2021-10-27T09:46:34.000Z", "availability": {"days": "any_day"}}]}]}
 ],
 "cases": [
  {"id": "2100", "department": "10", "status": "closed", "owner": "1001", "customer": "501",
   "subject": "Everything set", "description": "A description", "solution": "A solution",
   "severity": "low", "originatingChannel": "call_track", "dueDate": "2027-02-01T00:00:00.000Z",
   "relatedCases": ["2003"], "customAttributes": {"region": "EMEA"},
   "created": "2026-01-02T08:00:00.000Z", "lastClosed": "2026-01-10T00:00:00.000Z"}
 ],
 "activities": [
  {"id": "3100", "case": "2006", "department": "12", "type": "task", "status": "awaiting_assignment",
   "queue": "120", "subject": "Legal task", "priority": "2", "created": "2026-01-06T09:00:00.000Z"},
  {"id": "3101", "case": "2003", "department": "10", "lastDepartment": "11", "type": "call_track",
   "subtype": "General", "mode": "inbound", "status": "assigned", "assignedUser": "1004", "pinned": true,
   "lockedBy": "1002", "lockExpires": "2099-01-01T00:00:00.000Z", "customer": "501", "contactPoint": "711",
   "contactPointData": "4085550000", "subject": "Phone call", "content": {"text": "Hello", "html": "<p>Hello</p>"},
   "priority": "1", "dueDate": "2027-01-01T00:00:00.000Z",
   "customAttributes": {"reference": "R-1", "channel_detail": "ivr"}, "created": "2026-01-07T09:00:00.000Z"},
  {"id": "3102", "case": "2004", "department": "11", "type": "email", "subtype": "general", "mode": "inbound",
   "status": "assigned", "assignedUser": "1002", "customer": "502", "contactPoint": "720", "subject": "Invoice",
   "priority": "5", "lockedBy": "1001", "lockExpires": "2020-01-01T00:00:00.000Z",
   "dueDate": "2026-12-01T00:00:00.000Z", "created": "2026-01-04T09:00:00.000Z"},
  {"id": "3103", "case": "2005", "department": "13", "type": "social", "subtype": "Twitter", "mode": "inbound",
   "status": "completed", "subject": "Tweet", "priority": "7", "created": "2026-01-03T09:00:00.000Z"}
 ]
}`

// rtHarness serves the base world with rtWorld added.
func rtHarness(t *testing.T, db store.DB) *harness {
	t.Helper()
	h := newHarness(t, db, nil)
	h.add(rtWorld)
	return h
}

// rtIDs lists the ids of the items of a collection body.
func rtIDs(t testing.TB, res *response, key string) []string {
	t.Helper()
	var ids []string
	list, _ := res.JSON(t)[key].([]any)
	for _, item := range list {
		ids = append(ids, atString(item, "id"))
	}
	return ids
}

// rtWant fails unless got equals want.
func rtWant(t testing.TB, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// rtHas fails unless the decoded value has (or, with want false, lacks) a
// field at path.
func rtHas(t testing.TB, v any, path string, want bool) {
	t.Helper()
	if got := at(v, path) != nil; got != want {
		t.Errorf("field %s present = %v, want %v", path, got, want)
	}
}

func TestGetActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")

		t.Run("every_field_with_attribute_all", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101?$attribute=all", jenny, "")
			res.expect(t, 200, "")
			a := at(res.JSON(t), "activity.0")
			for path, want := range map[string]string{
				"id":                                          "3101",
				"link.0.rel":                                  "self",
				"link.0.href":                                 "/core/casemgr/v3/activity/3101",
				"case.id":                                     "2003",
				"case.link.0.href":                            "/core/casemgr/v3/case/2003",
				"department.id":                               "10",
				"department.name":                             "Service",
				"lastDepartment.id":                           "11",
				"lastDepartment.name":                         "Billing",
				"type.value":                                  "call_track",
				"type.displayValue":                           "Calltrack",
				"type.subtype.value":                          "General",
				"type.subtype.displayValue":                   "General",
				"mode.value":                                  "inbound",
				"mode.displayValue":                           "Inbound",
				"status.value":                                "assigned",
				"status.displayValue":                         "Assigned to a user",
				"status.assigned.user.id":                     "1004",
				"status.assigned.user.name":                   "carl",
				"status.assigned.user.firstName":              "Carl",
				"status.assigned.user.lastName":               "Call",
				"customer.id":                                 "501",
				"customer.customerName":                       "Ann Lee",
				"customer.link.0.href":                        "/core/customermgr/v3/customer/501",
				"customer.contacts.contact.0.id":              "610",
				"customer.contacts.contact.0.lastName":        "Lee",
				"customer.contacts.contact.0.phone.0.id":      "711",
				"customer.contacts.contact.0.phone.0.phoneNo": "4085550000",
				"customer.contacts.contact.0.phone.0.type.value":        "home",
				"customer.contacts.contact.0.phone.0.type.displayValue": "Home",
				"contactPointData":               "4085550000",
				"subject":                        "Phone call",
				"payload.calltrack.content.text": "Hello",
				"payload.calltrack.content.html": "<p>Hello</p>",
				"priority":                       "1",
				"dueDate":                        "2027-01-01T00:00:00.000Z",
				"created":                        "2026-01-07T09:00:00.000Z",
				"lastModified":                   "2026-01-07T09:00:00.000Z",
				"lock.user.id":                   "1002",
				"lock.expires":                   "2099-01-01T00:00:00.000Z",
				"customAttributes.customAttribute.0.attribName":                       "channel_detail",
				"customAttributes.customAttribute.0.attribValues.attribValue.0.value": "ivr",
				"customAttributes.customAttribute.1.attribName":                       "reference",
				"attachments.link.0.href":                                             "/core/casemgr/v3/activity/3101/attachment",
			} {
				rtWant(t, path, atString(a, path), want)
			}
			rtWant(t, "pinned", at(a, "pinned"), true)
			rtWant(t, "attachments.count", at(a, "attachments.count"), 0)
			// Only the activity's own contact point, not the
			// customer's others.
			rtHas(t, a, "customer.contacts.contact.0.email", false)
			rtHas(t, a, "customer.contacts.contact.0.phone.1", false)
			rtHas(t, a, "queue", false)
			rtHas(t, a, "responseTo", false)
		})

		t.Run("summary_by_default", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101", jenny, "")
			res.expect(t, 200, "")
			a := at(res.JSON(t), "activity.0")
			rtHas(t, a, "payload", false)
			rtHas(t, a, "customAttributes", false)
			rtHas(t, a, "attachments", false)
			rtHas(t, a, "status.assigned.user", true)
			rtHas(t, a, "lock", true)
		})

		t.Run("attribute_selects_fields", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101?$attribute=subject,status,payload", jenny, "")
			res.expect(t, 200, "")
			a, _ := at(res.JSON(t), "activity.0").(map[string]any)
			var keys []string
			for k := range a {
				keys = append(keys, k)
			}
			rtWant(t, "fields", len(keys), 5)
			for _, k := range []string{"id", "link", "subject", "status", "payload"} {
				rtHas(t, a, k, true)
			}
		})

		t.Run("queue_response_and_expired_lock", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3002,3001,3102", jenny, "")
			res.expect(t, 200, "")
			body := res.JSON(t)
			rtWant(t, "queue", atString(body, "activity.0.queue.name"), "Service inbox")
			rtWant(t, "queue id", atString(body, "activity.0.queue.id"), "100")
			rtWant(t, "status", atString(body, "activity.0.status.value"), "awaiting_assignment")
			rtHas(t, body, "activity.0.status.assigned", false)
			rtWant(t, "responseTo", atString(body, "activity.1.responseTo.id"), "3000")
			rtWant(t, "responseTo link", atString(body, "activity.1.responseTo.link.0.href"), "/core/casemgr/v3/activity/3000")
			rtWant(t, "pinned", at(body, "activity.1.pinned"), false)
			rtHas(t, body, "activity.2.lock", false) // expired in 2020
		})

		t.Run("in_the_order_asked_once_each", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101,3000,3101", jenny, "")
			res.expect(t, 200, "")
			rtWant(t, "ids", rtIDs(t, res, "activity"), []string{"3101", "3000"})
		})

		t.Run("url_encoded_commas", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3000%2C3001", jenny, "")
			res.expect(t, 200, "")
			rtWant(t, "ids", rtIDs(t, res, "activity"), []string{"3000", "3001"})
		})

		t.Run("localized_display_values", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101", jenny, "", "Accept-Language", "fr-FR")
			res.expect(t, 200, "")
			a := at(res.JSON(t), "activity.0")
			rtWant(t, "type", atString(a, "type.displayValue"), "Suivi d'appel")
			rtWant(t, "subtype", atString(a, "type.subtype.displayValue"), "Général")
			rtWant(t, "mode", atString(a, "mode.displayValue"), "Entrant")
			rtWant(t, "status", atString(a, "status.displayValue"), "Attribuée à un utilisateur")
			rtWant(t, "phone type", atString(a, "customer.contacts.contact.0.phone.0.type.displayValue"), "Domicile")
			rtWant(t, "value", atString(a, "status.value"), "assigned")
			rtWant(t, "Content-Language", res.Header.Get("Content-Language"), "fr-FR")
		})

		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3101,3000?$attribute=all", jenny, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			body := string(res.Body)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
			for _, want := range []string{
				"<activities><activity>",
				"<id>3101</id>",
				"<displayValue>Calltrack</displayValue>",
				"<pinned>true</pinned>",
				"<html>&lt;p&gt;Hello&lt;/p&gt;</html>",
				"</activity><activity>",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("XML lacks %s: %s", want, body)
				}
			}
		})

		t.Run("client_application_sees_every_department", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3100,3000", h.client(), "")
			res.expect(t, 200, "")
			rtWant(t, "ids", rtIDs(t, res, "activity"), []string{"3100", "3000"})
		})
	})
}

func TestGetActivitiesVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny, leo := h.login("jenny"), h.login("leo")

		t.Run("unshared_department_is_not_found", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3100", jenny, "")
			res.expect(t, 404, "404-101")
			if msg := atString(res.JSON(t), "developerMessage"); !strings.Contains(msg, "3100") {
				t.Errorf("developerMessage %q does not name 3100", msg)
			}
		})

		t.Run("names_every_missing_or_invisible_id", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/activity/3000,3100,9999", jenny, "", "X-egain-error-message", "yes")
			res.expect(t, 404, "404-101")
			body := res.JSON(t)
			rtWant(t, "details", []string{atString(body, "details.0.key"), atString(body, "details.1.key")}, []string{"3100", "9999"})
			rtHas(t, body, "userMessage", true)
			if msg := atString(body, "developerMessage"); strings.Contains(msg, "3000") {
				t.Errorf("developerMessage %q names the visible 3000", msg)
			}
		})

		t.Run("foreign_department_is_seen", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3102", jenny, "").expect(t, 200, "")
		})

		t.Run("shared_department_is_not_found", func(t *testing.T) {
			// Archive (13) is shared with Service: sharing lets jenny
			// transfer there, it does not let her read Archive's data.
			h.do("GET", "/core/casemgr/v3/activity/3103", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3103", h.client(), "").expect(t, 200, "")
		})

		t.Run("user_of_the_other_department", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3100", leo, "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/activity/3000", leo, "").expect(t, 404, "404-101")
		})
	})
}

func TestGetActivitiesStrictRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		many := make([]string, 76)
		for i := range many {
			many[i] = strconv.Itoa(3000 + i)
		}
		for _, tc := range []struct {
			name, path string
			header     []string
			status     int
			code       string
		}{
			{"unknown_parameter", "/core/casemgr/v3/activity/3000?foo=1", nil, 400, "400-101"},
			{"unknown_attribute", "/core/casemgr/v3/activity/3000?$attribute=colour", nil, 400, "400-102"},
			{"repeated_parameter", "/core/casemgr/v3/activity/3000?$attribute=all&$attribute=id", nil, 400, "400-102"},
			{"more_than_75_ids", "/core/casemgr/v3/activity/" + strings.Join(many, ","), nil, 400, "400-107"},
			{"malformed_id", "/core/casemgr/v3/activity/3000,abc", nil, 400, "400-108"},
			{"empty_id", "/core/casemgr/v3/activity/3000,,3001", nil, 400, "400-108"},
			{"negative_id", "/core/casemgr/v3/activity/-3", nil, 400, "400-108"},
			{"unsupported_accept", "/core/casemgr/v3/activity/3000", []string{"Accept", "text/html"}, 406, "406-101"},
			{"unsupported_language", "/core/casemgr/v3/activity/3000", []string{"Accept-Language", "xx-XX"}, 406, "406-100"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h.do("GET", tc.path, jenny, "", tc.header...).expect(t, tc.status, tc.code)
			})
		}
		t.Run("missing_token", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3000", "", "").expect(t, 401, "401-104")
		})
		t.Run("invalid_token", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3000", "not-a-token", "").expect(t, 401, "401-101")
		})
	})
}

func TestSearchActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		search := func(t *testing.T, token, query string, header ...string) *response {
			t.Helper()
			return h.do("GET", "/core/casemgr/v3/activity"+query, token, "", header...)
		}
		ids := func(t *testing.T, token, query string) []string {
			t.Helper()
			res := search(t, token, query)
			if res.Status == http.StatusNoContent {
				return nil
			}
			res.expect(t, 200, "")
			return rtIDs(t, res, "activity")
		}

		t.Run("without_filters_lists_what_the_caller_sees", func(t *testing.T) {
			res := search(t, jenny, "")
			res.expect(t, 200, "")
			rtWant(t, "ids", rtIDs(t, res, "activity"), []string{"3000", "3001", "3002", "3101", "3102"})
			info := at(res.JSON(t), "paginationInfo")
			rtWant(t, "count", at(info, "count"), 5)
			rtWant(t, "pagenum", at(info, "pagenum"), 1)
			rtWant(t, "pagesize", at(info, "pagesize"), 25)
			rtHas(t, info, "link", false)
			rtWant(t, "client", ids(t, h.client(), ""), []string{"3000", "3001", "3002", "3100", "3101", "3102", "3103"})
			rtWant(t, "leo", ids(t, h.login("leo"), ""), []string{"3100"})
		})

		t.Run("filters", func(t *testing.T) {
			for query, want := range map[string][]string{
				"?case=2000":                         {"3000", "3001", "3002"},
				"?caseID=2000":                       {"3000", "3001", "3002"},
				"?status=assigned":                   {"3000", "3101", "3102"},
				"?status=assigned,completed":         {"3000", "3001", "3101", "3102"},
				"?type=email":                        {"3000", "3001", "3102"},
				"?type=task,social":                  {"3002"},
				"?mode=Inbound":                      {"3000", "3002", "3101", "3102"},
				"?mode=outbound":                     {"3001"},
				"?department=11":                     {"3102"},
				"?department=11,13":                  {"3102"}, // Archive is only shared with Service
				"?department=12":                     nil,      // not visible to jenny
				"?customerID=500":                    {"3000", "3001", "3002"},
				"?assignedTo=1004":                   {"3101"},
				"?case=2000&status=completed":        {"3001"},
				"?case=2001":                         nil,
				"?status=in_workflow":                nil,
				"?case=2000&type=task&mode=outbound": nil,
			} {
				rtWant(t, query, ids(t, jenny, query), want)
			}
		})

		t.Run("nothing_matches_is_204_without_body", func(t *testing.T) {
			res := search(t, jenny, "?case=2001")
			res.expect(t, 204, "")
			if len(res.Body) != 0 {
				t.Errorf("204 with a body: %q", res.Body)
			}
		})

		t.Run("pages", func(t *testing.T) {
			res := search(t, jenny, "?$pagesize=2")
			res.expect(t, 200, "")
			rtWant(t, "page 1", rtIDs(t, res, "activity"), []string{"3000", "3001"})
			info := at(res.JSON(t), "paginationInfo")
			rtWant(t, "count", at(info, "count"), 5)
			rtWant(t, "links", atString(info, "link.0.rel"), "next")
			rtWant(t, "next", atString(info, "link.0.href"), "/core/casemgr/v3/activity?$pagenum=2&$pagesize=2")

			res = search(t, jenny, "?$pagenum=2&$pagesize=2")
			rtWant(t, "page 2", rtIDs(t, res, "activity"), []string{"3002", "3101"})
			info = at(res.JSON(t), "paginationInfo")
			rtWant(t, "prev", atString(info, "link.0.href"), "/core/casemgr/v3/activity?$pagenum=1&$pagesize=2")
			rtWant(t, "next", atString(info, "link.1.href"), "/core/casemgr/v3/activity?$pagenum=3&$pagesize=2")

			res = search(t, jenny, "?$pagenum=3&$pagesize=2&type=email,task,call_track,social")
			rtWant(t, "page 3", rtIDs(t, res, "activity"), []string{"3102"})
			info = at(res.JSON(t), "paginationInfo")
			rtWant(t, "last page links", atString(info, "link.0.rel"), "prev")
			rtHas(t, info, "link.1", false)
			rtWant(t, "prev keeps filters", atString(info, "link.0.href"),
				"/core/casemgr/v3/activity?$pagenum=2&$pagesize=2&type=email,task,call_track,social")

			search(t, jenny, "?$pagenum=4&$pagesize=2").expect(t, 204, "")
		})

		t.Run("ranges", func(t *testing.T) {
			res := search(t, jenny, "?$rangestart=2&$rangesize=3")
			res.expect(t, 200, "")
			rtWant(t, "range", rtIDs(t, res, "activity"), []string{"3001", "3002", "3101"})
			info := at(res.JSON(t), "paginationInfo")
			rtWant(t, "rangestart", at(info, "rangestart"), 2)
			rtWant(t, "rangesize", at(info, "rangesize"), 3)
			rtWant(t, "prev", atString(info, "link.0.href"), "/core/casemgr/v3/activity?$rangesize=3&$rangestart=1")
			rtWant(t, "next", atString(info, "link.1.href"), "/core/casemgr/v3/activity?$rangesize=3&$rangestart=5")
		})

		t.Run("sorting", func(t *testing.T) {
			for query, want := range map[string][]string{
				"?$sort=id&$order=desc":           {"3102", "3101", "3002", "3001", "3000"},
				"?$sort=created":                  {"3102", "3000", "3001", "3002", "3101"},
				"?$sort=created&$order=desc":      {"3101", "3002", "3001", "3000", "3102"},
				"?$sort=priority&status=assigned": {"3101", "3000", "3102"},
				"?$sort=dueDate":                  {"3102", "3101", "3000", "3001", "3002"},
				"?$sort=dueDate&$order=desc":      {"3101", "3102", "3002", "3001", "3000"},
				"?$sort=lastModified&$order=asc":  {"3102", "3000", "3001", "3002", "3101"},
			} {
				rtWant(t, query, ids(t, jenny, query), want)
			}
		})

		t.Run("strict_parameters", func(t *testing.T) {
			for query, code := range map[string]string{
				"?foo=1":                            "400-101",
				"?caseid=2000":                      "400-101",
				"?$pagenum=1&$rangesize=2":          "400-106",
				"?$pagesize=2&$rangestart=1":        "400-106",
				"?$pagesize=0":                      "400-102",
				"?$pagesize=76":                     "400-102",
				"?$pagenum=abc":                     "400-102",
				"?$pagenum=0":                       "400-102",
				"?$rangesize=100":                   "400-102",
				"?$order=desc":                      "400-109",
				"?$sort=subject":                    "400-102",
				"?$sort=id&$order=sideways":         "400-102",
				"?status=bogus":                     "400-102",
				"?status=assigned,":                 "400-102",
				"?mode=sideways":                    "400-102",
				"?case=abc":                         "400-102",
				"?case=2000&caseID=2000":            "400-102",
				"?department=ten":                   "400-102",
				"?customerID=-1":                    "400-102",
				"?assignedTo=":                      "400-102",
				"?$attribute=nothing":               "400-102",
				"?status=assigned&status=completed": "400-102",
			} {
				search(t, jenny, query).expect(t, 400, code)
			}
		})

		t.Run("attribute", func(t *testing.T) {
			res := search(t, jenny, "?case=2003&$attribute=payload")
			res.expect(t, 200, "")
			rtWant(t, "payload", atString(res.JSON(t), "activity.0.payload.calltrack.content.text"), "Hello")
			rtHas(t, res.JSON(t), "activity.0.subject", false)
		})

		t.Run("xml", func(t *testing.T) {
			res := search(t, jenny, "?$pagesize=1", "Accept", "application/xml", "Accept-Language", "de-DE")
			res.expect(t, 200, "")
			body := string(res.Body)
			for _, want := range []string{"<activities><activity>", "<paginationInfo><count>5</count>", "<rel>next</rel>"} {
				if !strings.Contains(body, want) {
					t.Errorf("XML lacks %s: %s", want, body)
				}
			}
		})
	})
}

func TestActivityAttributes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		const path = "/core/casemgr/v3/activity/attributes"

		t.Run("types_with_calltrack_subtypes", func(t *testing.T) {
			res := h.do("GET", path+"?$attribute=type", jenny, "")
			res.expect(t, 200, "")
			body := res.JSON(t)
			rtWant(t, "name", atString(body, "attribute.0.name"), "type")
			values, _ := at(body, "attribute.0.value").([]any)
			var calltrack any
			var types []string
			for _, v := range values {
				types = append(types, atString(v, "value"))
				if atString(v, "value") == "call_track" {
					calltrack = v
				}
			}
			rtWant(t, "types", types, []string{"email", "call_track", "social", "chat", "web", "task"})
			rtWant(t, "calltrack", atString(calltrack, "displayValue"), "Calltrack")
			rtWant(t, "subtypes", []string{atString(calltrack, "subtype.0.value"), atString(calltrack, "subtype.1.value")},
				[]string{"General", "Complaint"})
		})

		t.Run("localized", func(t *testing.T) {
			res := h.do("GET", path+"?$attribute=type", jenny, "", "Accept-Language", "fr-FR")
			res.expect(t, 200, "")
			rtWant(t, "calltrack", atString(res.JSON(t), "attribute.0.value.1.displayValue"), "Suivi d'appel")
			rtWant(t, "general", atString(res.JSON(t), "attribute.0.value.1.subtype.0.displayValue"), "Général")
		})

		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", path+"?$attribute=type", h.client(), "", "Accept", "application/xml")
			res.expect(t, 200, "")
			if !strings.Contains(string(res.Body), "<attributes><attribute><name>type</name>") {
				t.Errorf("XML: %s", res.Body)
			}
		})

		t.Run("strict_parameters", func(t *testing.T) {
			h.do("GET", path, jenny, "").expect(t, 400, "400-112")
			h.do("GET", path+"?$attribute=mode", jenny, "").expect(t, 400, "400-102")
			h.do("GET", path+"?$attribute=type&x=1", jenny, "").expect(t, 400, "400-101")
		})
	})
}

func TestActivityHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")

		t.Run("none_is_204", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3000/history", jenny, "").expect(t, 204, "")
		})

		t.Run("a_change_is_recorded_before_and_after", func(t *testing.T) {
			h.do("PATCH", "/core/casemgr/v3/activity/changecustomer", jenny,
				`{"activity": [{"id": "3000", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`).
				expect(t, 204, "")
			res := h.do("GET", "/core/casemgr/v3/activity/3000/history", jenny, "")
			res.expect(t, 200, "")
			e := at(res.JSON(t), "history.0")
			rtWant(t, "action", atString(e, "action"), "changecustomer")
			rtWant(t, "actor", atString(e, "actor"), "user:1001")
			rtWant(t, "before customer", atString(e, "before.customer.id"), "500")
			rtWant(t, "before point", atString(e, "before.customer.contacts.contact.0.email.0.emailAddress"), "john@example.com")
			rtWant(t, "after customer", atString(e, "after.customer.id"), "501")
			rtWant(t, "after point", atString(e, "after.customer.contacts.contact.0.email.0.emailAddress"), "ann@example.com")
			rtWant(t, "after modifier", atString(e, "after.lastModifiedBy.user.name"), "jenny")
			if atString(e, "at") == "" {
				t.Error("no at")
			}

			// The activity itself now shows the change.
			res = h.do("GET", "/core/casemgr/v3/activity/3000", jenny, "")
			rtWant(t, "customer", atString(res.JSON(t), "activity.0.customer.customerName"), "Ann Lee")
			rtWant(t, "lastModifiedBy", atString(res.JSON(t), "activity.0.lastModifiedBy.user.id"), "1001")

			res = h.do("GET", "/core/casemgr/v3/activity/3000/history", jenny, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			if !strings.Contains(string(res.Body), "<histories><history><action>changecustomer</action>") {
				t.Errorf("XML: %s", res.Body)
			}
		})

		t.Run("whole_row_entries_of_before_and_changed_fields_render_alike", func(t *testing.T) {
			activityHistoryOfBothShapes(t, h)
		})

		t.Run("invisible_or_missing_is_404", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/3100/history", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/9999/history", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/activity/3100/history", h.client(), "").expect(t, 204, "")
		})

		t.Run("strict", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/activity/abc/history", jenny, "").expect(t, 400, "400-108")
			h.do("GET", "/core/casemgr/v3/activity/3000/history?x=1", jenny, "").expect(t, 400, "400-101")
		})
	})
}

func TestGetCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")

		t.Run("every_field", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/case/2100", jenny, "")
			res.expect(t, 200, "")
			c := at(res.JSON(t), "case.0")
			for path, want := range map[string]string{
				"id":                              "2100",
				"link.0.href":                     "/core/casemgr/v3/case/2100",
				"activities.link.0.rel":           "activity",
				"activities.link.0.href":          "/core/casemgr/v3/activity?case=2100",
				"department.name":                 "Service",
				"status.value":                    "closed",
				"status.displayValue":             "Closed",
				"owner.user.id":                   "1001",
				"owner.user.name":                 "jenny",
				"owner.user.firstName":            "Jenny",
				"customer.id":                     "501",
				"customer.customerName":           "Ann Lee",
				"customer.link.0.href":            "/core/customermgr/v3/customer/501",
				"severity.value":                  "low",
				"severity.displayValue":           "Low",
				"subject":                         "Everything set",
				"description":                     "A description",
				"solution":                        "A solution",
				"dueDate":                         "2027-02-01T00:00:00.000Z",
				"originatingChannel.value":        "call_track",
				"originatingChannel.displayValue": "Calltrack",
				"relatedCases.case.0.id":          "2003",
				"relatedCases.case.0.link.0.href": "/core/casemgr/v3/case/2003",
				"customAttributes.customAttribute.0.attribName":                       "region",
				"customAttributes.customAttribute.0.attribValues.attribValue.0.value": "EMEA",
				"created":    "2026-01-02T08:00:00.000Z",
				"lastClosed": "2026-01-10T00:00:00.000Z",
			} {
				rtWant(t, path, atString(c, path), want)
			}
		})

		t.Run("without_customer", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/case/2005,2000", jenny, "")
			res.expect(t, 200, "")
			rtHas(t, res.JSON(t), "case.0.customer", false)
			rtHas(t, res.JSON(t), "case.0.severity", false)
			rtWant(t, "order", rtIDs(t, res, "case"), []string{"2005", "2000"})
		})

		t.Run("localized", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/case/2004", jenny, "", "Accept-Language", "fr-FR")
			res.expect(t, 200, "")
			rtWant(t, "severity", atString(res.JSON(t), "case.0.severity.displayValue"), "Urgente")
			rtWant(t, "status", atString(res.JSON(t), "case.0.status.displayValue"), "Ouvert")
		})

		t.Run("attribute", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/case/2000?$attribute=subject", jenny, "")
			res.expect(t, 200, "")
			rtHas(t, res.JSON(t), "case.0.status", false)
			rtWant(t, "subject", atString(res.JSON(t), "case.0.subject"), "Router keeps rebooting")
			h.do("GET", "/core/casemgr/v3/case/2000?$attribute=payload", jenny, "").expect(t, 400, "400-102")
		})

		t.Run("visibility", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/case/2006", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/casemgr/v3/case/2006", h.client(), "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/case/2006", h.login("leo"), "").expect(t, 200, "")
			h.do("GET", "/core/casemgr/v3/case/2004", jenny, "").expect(t, 200, "") // foreign department
		})

		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/case/2000,2100", jenny, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			for _, want := range []string{"<cases><case>", "<relatedCases><case><id>2003</id>"} {
				if !strings.Contains(string(res.Body), want) {
					t.Errorf("XML lacks %s: %s", want, res.Body)
				}
			}
		})

		t.Run("strict", func(t *testing.T) {
			many := strings.TrimSuffix(strings.Repeat("2000,", 76), ",")
			h.do("GET", "/core/casemgr/v3/case/"+many, jenny, "").expect(t, 400, "400-107")
			h.do("GET", "/core/casemgr/v3/case/x", jenny, "").expect(t, 400, "400-108")
			h.do("GET", "/core/casemgr/v3/case/2000?sort=id", jenny, "").expect(t, 400, "400-101")
			h.do("GET", "/core/casemgr/v3/case/2999", jenny, "").expect(t, 404, "404-101")
		})
	})
}

func TestGetCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")

		t.Run("contacts_and_every_kind_of_contact_point", func(t *testing.T) {
			res := h.do("GET", "/core/customermgr/v3/customer/500", jenny, "")
			res.expect(t, 200, "")
			c := at(res.JSON(t), "customer.0")
			for path, want := range map[string]string{
				"id":                            "500",
				"link.0.href":                   "/core/customermgr/v3/customer/500",
				"customerName":                  "John Tierney",
				"type.value":                    "individual",
				"type.displayValue":             "Individual",
				"department.id":                 "10",
				"department.name":               "Service",
				"contacts.contact.0.id":         "600",
				"contacts.contact.0.firstName":  "John",
				"contacts.contact.0.email.0.id": "700",
				"contacts.contact.0.email.0.emailAddress":       "john@example.com",
				"contacts.contact.0.phone.0.phoneNo":            "4085551234",
				"contacts.contact.0.phone.0.type.value":         "mobile",
				"contacts.contact.0.social.0.socialId":          "@jt",
				"contacts.contact.0.social.0.type.value":        "Twitter",
				"contacts.contact.0.social.0.type.displayValue": "Twitter",
				"contacts.contact.0.postal.0.address_1":         "1 Main St",
				"contacts.contact.0.postal.0.city":              "Springfield",
				"contacts.contact.0.website.0.url":              "https://john.example.com",
			} {
				rtWant(t, path, atString(c, path), want)
			}
		})

		t.Run("kinds_without_points_are_left_out", func(t *testing.T) {
			res := h.do("GET", "/core/customermgr/v3/customer/503", h.client(), "", "Accept-Language", "de-DE")
			res.expect(t, 200, "")
			c := at(res.JSON(t), "customer.0")
			rtHas(t, c, "contacts.contact.0.email", false)
			rtWant(t, "countryCode", atString(c, "contacts.contact.0.phone.0.countryCode"), "1")
			// Fields beyond the format's are kept from the fixture.
			rtWant(t, "extra", atString(c, "contacts.contact.0.phone.0.lastModified"), "2021-10-27T09:46:34.000Z")
			rtWant(t, "extra object", atString(c, "contacts.contact.0.phone.0.availability"), `{"days":"any_day"}`)
			rtWant(t, "type", atString(c, "type.value"), "group")
			if atString(c, "type.displayValue") == "Group" {
				t.Errorf("customer type not localized for de-DE: %v", at(c, "type"))
			}
		})

		t.Run("visibility", func(t *testing.T) {
			h.do("GET", "/core/customermgr/v3/customer/503", jenny, "").expect(t, 404, "404-101")
			h.do("GET", "/core/customermgr/v3/customer/500,502", jenny, "").expect(t, 200, "") // 502: foreign department
			h.do("GET", "/core/customermgr/v3/customer/503", h.login("leo"), "").expect(t, 200, "")
			h.do("GET", "/core/customermgr/v3/customer/500,9999", h.client(), "").expect(t, 404, "404-101")
		})

		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", "/core/customermgr/v3/customer/500", jenny, "", "Accept", "application/xml")
			res.expect(t, 200, "")
			for _, want := range []string{"<customers><customer>", "<contacts><contact>", "<email><emailAddress>john@example.com</emailAddress><id>700</id></email>"} {
				if !strings.Contains(string(res.Body), want) {
					t.Errorf("XML lacks %s: %s", want, res.Body)
				}
			}
		})

		t.Run("strict", func(t *testing.T) {
			h.do("GET", "/core/customermgr/v3/customer/500?x=1", jenny, "").expect(t, 400, "400-101")
			h.do("GET", "/core/customermgr/v3/customer/5.0", jenny, "").expect(t, 400, "400-108")
		})
	})
}

// TestGetCustomersWithoutDepartment pins that, without customer
// departmentalization, a customer of no department is visible to every
// user.
func TestGetCustomersWithoutDepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		var doc map[string]any
		if err := json.Unmarshal(baseWorld(t), &doc); err != nil {
			t.Fatal(err)
		}
		doc["settings"] = map[string]any{"customerDepartmentalization": false}
		doc["customers"] = append(doc["customers"].([]any), map[string]any{
			"id": "509", "customerName": "Nobody's", "type": "corporate",
			"contacts": []any{map[string]any{"id": "690", "firstName": "No", "lastName": "Body"}},
		})
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, db, raw)
		for _, user := range []string{"jenny", "leo"} {
			res := h.do("GET", "/core/customermgr/v3/customer/509", h.login(user), "")
			res.expect(t, 200, "")
			rtHas(t, res.JSON(t), "customer.0.department", false)
			rtWant(t, "contact", atString(res.JSON(t), "customer.0.contacts.contact.0.lastName"), "Body")
		}
		h.do("GET", "/core/customermgr/v3/customer/500", h.login("leo"), "").expect(t, 404, "404-101")
	})
}

// TestReadsOddInputs pins that odd paths and parameters are refused as
// client errors, never answered 5xx.
func TestReadsOddInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := rtHarness(t, db)
		jenny := h.login("jenny")
		for _, target := range []string{
			"/core/casemgr/v3/activity/",
			"/core/casemgr/v3/activity/%2C",
			"/core/casemgr/v3/activity/0",
			"/core/casemgr/v3/activity/99999999999999999999",
			"/core/casemgr/v3/activity/3000?$attribute=",
			"/core/casemgr/v3/activity/3000?$attribute=,",
			"/core/casemgr/v3/activity/3000?$attribute=ALL",
			"/core/casemgr/v3/activity?$pagenum=99999999999",
			"/core/casemgr/v3/activity?$pagenum=2147483647&$pagesize=75",
			"/core/casemgr/v3/activity?$rangestart=2147483647",
			"/core/casemgr/v3/activity?$sort=",
			"/core/casemgr/v3/activity?type=",
			"/core/casemgr/v3/activity?department=,",
			"/core/casemgr/v3/activity?%zz=1",
			"/core/casemgr/v3/activity/attributes?$attribute=",
			"/core/casemgr/v3/activity/3000/history/",
			"/core/casemgr/v3/activity/0/attachment",
			"/core/casemgr/v3/activity/3000/attachment/%00",
			"/core/casemgr/v3/case/%20",
			"/core/customermgr/v3/customer/-1,2",
		} {
			res := h.do("GET", target, jenny, "")
			if res.Status >= 500 {
				t.Errorf("GET %s: %d %s", target, res.Status, res.Body)
			}
		}
	})
}

// activityHistoryOfBothShapes records a change of activity 3002 as history
// recorded it before issue 19 (the whole activity before and after), then
// changes its customer, recorded as now (the changed fields only), and
// checks that the history shows the whole activity before and after each:
// the old entry's after is the new entry's before.
func activityHistoryOfBothShapes(t *testing.T, h *harness) {
	jenny := h.login("jenny")
	cur := h.activity(3002)
	old := cur
	old.Subject, old.LastModified = "An earlier subject", cur.LastModified.Add(-time.Hour)
	b, _ := json.Marshal(old)
	a, _ := json.Marshal(cur)
	if err := h.db.Write(context.Background(), func(tx casemgr.Tx) error {
		return tx.AppendHistory([]casemgr.HistoryEntry{{Entity: "activity", EntityID: 3002, Action: "edit",
			Actor: "user:1001", At: cur.LastModified, Before: string(b), After: string(a)}})
	}); err != nil {
		t.Fatal(err)
	}
	h.do("PATCH", "/core/casemgr/v3/activity/changecustomer", jenny,
		`{"activity": [{"id": "3002", "customer": {"contacts": {"contact": [{"phone": [{"id": "711"}]}]}}}]}`).
		expect(t, 204, "")
	hist := h.history("activity", 3002)
	if len(hist) != 2 || strings.Contains(hist[1].After, "Subject") || !strings.Contains(hist[1].After, `"Customer":501`) {
		t.Fatalf("history recorded: %+v", hist)
	}
	res := h.do("GET", "/core/casemgr/v3/activity/3002/history", jenny, "")
	res.expect(t, 200, "")
	m := res.JSON(t)
	rtWant(t, "old before subject", atString(m, "history.0.before.subject"), "An earlier subject")
	rtWant(t, "old after subject", atString(m, "history.0.after.subject"), cur.Subject)
	rtWant(t, "old after customer", atString(m, "history.0.after.customer.id"), "500")
	rtWant(t, "new before customer", atString(m, "history.1.before.customer.id"), "500")
	rtWant(t, "new after customer", atString(m, "history.1.after.customer.id"), "501")
	rtWant(t, "new after subject", atString(m, "history.1.after.subject"), cur.Subject)
	rtWant(t, "new action", atString(m, "history.1.action"), "changecustomer")
	if !reflect.DeepEqual(at(m, "history.0.after"), at(m, "history.1.before")) {
		t.Errorf("the old entry's after %v and the new entry's before %v differ", at(m, "history.0.after"), at(m, "history.1.before"))
	}
}
