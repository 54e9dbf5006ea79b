package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Tests of PATCH /core/casemgr/v3/activity/changecustomer: one subtest per
// rule of docs/operations/change-customer.md, each on SQLite and PostgreSQL, named after the rule.

const ccPath = "/core/casemgr/v3/activity/changecustomer"

// ccWorld adds to the base world (testdata/base.json) what the rules need:
// an activity of every type and social subtype, every status, locks, a
// draft reply, activities outside the caller's departments or without a
// customer, and small cases for each branch of the case-customer rule.
//
//	customers 500 John (Service: email 700, phone 701, Twitter 702, postal 703, website 704)
//	          501 Ann (Service: email 710, phone 711, Twitter 712, Facebook 713,
//	              Instagram 714, LinkedIn 715, postal 716, website 717)
//	          502 Billing Corp (Billing: email 720, phone 721)
//	          503 Legal Ltd, 505 Lex Two (Legal: email 730, phone 731; email 750)
//	          504 Sam Second (Service: contact 640 email 740, Facebook 741; contact 641 phone 742)
//	          506 Bill Two (Billing: email 760, phone 761)
const ccWorld = `{
  "customers": [
    {"id": "503", "customerName": "Legal Ltd", "type": "corporate", "department": "12",
     "contacts": [{"id": "630", "firstName": "Lex", "lastName": "One",
       "email": [{"id": "730", "emailAddress": "lex@legal.example.com"}],
       "phone": [{"id": "731", "phoneNo": "5550003333", "type": "office"}]}]},
    {"id": "504", "customerName": "Sam Second", "type": "group", "department": "10",
     "contacts": [{"id": "640", "firstName": "Sam", "lastName": "Second",
       "email": [{"id": "740", "emailAddress": "sam@example.com"}],
       "social": [{"id": "741", "type": "Facebook", "socialId": "sam.second"}]},
      {"id": "641", "firstName": "Sue", "lastName": "Second",
       "phone": [{"id": "742", "phoneNo": "4085559999", "type": "mobile"}]}]},
    {"id": "505", "customerName": "Lex Two", "type": "individual", "department": "12",
     "contacts": [{"id": "650", "firstName": "Lex", "lastName": "Two",
       "email": [{"id": "750", "emailAddress": "lex2@legal.example.com"}]}]},
    {"id": "506", "customerName": "Bill Two", "type": "corporate", "department": "11",
     "contacts": [{"id": "660", "firstName": "Bill", "lastName": "Two",
       "email": [{"id": "760", "emailAddress": "bill2@corp.example.com"}],
       "phone": [{"id": "761", "phoneNo": "5550002222", "type": "office"}]}]}
  ],
  "cases": [
    {"id": "2010", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "One activity"},
    {"id": "2011", "department": "10", "status": "open", "owner": "1001", "customer": "500", "subject": "Half moved already"},
    {"id": "2012", "department": "10", "status": "open", "owner": "1001", "customer": "501", "subject": "Case already of Ann"}
  ],
  "activities": [
    {"id": "3100", "case": "2001", "department": "10", "type": "email", "mode": "inbound", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "700", "contactPointData": "john@example.com", "created": "2026-01-06T09:00:00.000Z"},
    {"id": "3101", "case": "2001", "department": "10", "type": "call_track", "subtype": "General", "mode": "inbound",
     "status": "assigned", "assignedUser": "1001", "contactPoint": "701", "contactPointData": "4085551234", "created": "2026-01-06T09:01:00.000Z"},
    {"id": "3102", "case": "2001", "department": "10", "type": "social", "subtype": "Twitter", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "702", "contactPointData": "@jt", "created": "2026-01-06T09:02:00.000Z"},
    {"id": "3103", "case": "2001", "department": "10", "type": "social", "subtype": "Facebook", "status": "assigned",
     "assignedUser": "1001", "customer": "500", "created": "2026-01-06T09:03:00.000Z"},
    {"id": "3104", "case": "2001", "department": "10", "type": "social", "subtype": "Instagram", "status": "assigned",
     "assignedUser": "1001", "customer": "500", "created": "2026-01-06T09:04:00.000Z"},
    {"id": "3105", "case": "2001", "department": "10", "type": "social", "subtype": "Reddit", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "702", "created": "2026-01-06T09:05:00.000Z"},
    {"id": "3106", "department": "10", "type": "chat", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "contactPointData": "john@example.com", "created": "2026-01-06T09:06:00.000Z"},
    {"id": "3107", "department": "10", "type": "web", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "704", "created": "2026-01-06T09:07:00.000Z"},
    {"id": "3108", "department": "10", "type": "survey", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "703", "created": "2026-01-06T09:08:00.000Z"},
    {"id": "3109", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100",
     "customer": "500", "created": "2026-01-06T09:09:00.000Z"},
    {"id": "3110", "department": "10", "type": "email", "status": "in_workflow", "contactPoint": "700",
     "created": "2026-01-06T09:10:00.000Z"},
    {"id": "3111", "department": "10", "type": "email", "status": "completed", "contactPoint": "700",
     "created": "2026-01-06T09:11:00.000Z"},
    {"id": "3112", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "created": "2026-01-06T09:12:00.000Z"},
    {"id": "3113", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1001",
     "responseTo": "3112", "contactPoint": "700", "created": "2026-01-06T09:13:00.000Z"},
    {"id": "3114", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1002", "lockExpires": "2099-01-01T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:14:00.000Z"},
    {"id": "3115", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1002", "lockExpires": "2026-01-07T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:15:00.000Z"},
    {"id": "3116", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1001", "lockExpires": "2099-01-01T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:16:00.000Z"},
    {"id": "3117", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1002", "contactPoint": "700", "created": "2026-01-06T09:17:00.000Z"},
    {"id": "3118", "case": "2006", "department": "12", "type": "email", "status": "assigned", "assignedUser": "1007",
     "contactPoint": "730", "created": "2026-01-06T09:18:00.000Z"},
    {"id": "3119", "case": "2004", "department": "11", "type": "email", "status": "assigned", "assignedUser": "1002",
     "contactPoint": "720", "created": "2026-01-06T09:19:00.000Z"},
    {"id": "3120", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPointData": "someone@example.com", "created": "2026-01-06T09:20:00.000Z"},
    {"id": "3121", "department": "11", "type": "email", "status": "assigned", "assignedUser": "1002",
     "created": "2026-01-06T09:21:00.000Z"},
    {"id": "3122", "department": "11", "type": "email", "status": "assigned", "assignedUser": "1002",
     "contactPoint": "700", "created": "2026-01-06T09:22:00.000Z"},
    {"id": "3123", "department": "10", "type": "email", "status": "awaiting_assignment", "queue": "100",
     "contactPoint": "700", "created": "2026-01-06T09:23:00.000Z"},
    {"id": "3124", "department": "10", "type": "email", "mode": "outbound", "status": "completed",
     "responseTo": "3125", "contactPoint": "700", "contactPointData": "john@example.com", "created": "2026-01-06T09:24:00.000Z"},
    {"id": "3125", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "created": "2026-01-06T09:25:00.000Z"},
    {"id": "3140", "case": "2010", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "created": "2026-01-06T09:40:00.000Z"},
    {"id": "3141", "case": "2011", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "710", "created": "2026-01-06T09:41:00.000Z"},
    {"id": "3142", "case": "2011", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "created": "2026-01-06T09:42:00.000Z"},
    {"id": "3143", "case": "2012", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "contactPoint": "700", "created": "2026-01-06T09:43:00.000Z"}
  ]
}`

// ccItem is one activity of a change-customer body naming one contact
// point of a kind.
func ccItem(id, kind, point string) string {
	return fmt.Sprintf(`{"id": "%s", "customer": {"contacts": {"contact": [{"%s": [{"id": "%s"}]}]}}}`, id, kind, point)
}

// ccBody is a change-customer JSON body of items.
func ccBody(items ...string) string {
	return `{"activity": [` + strings.Join(items, ", ") + `]}`
}

// ccWantCustomer fails unless an activity, read back from the store, has
// the customer, contact and contact point.
func ccWantCustomer(t testing.TB, h *harness, id, customer, contact, point casemgr.ID) casemgr.Activity {
	t.Helper()
	a := h.activity(id)
	if a.Customer != customer || a.Contact != contact || a.ContactPoint != point {
		t.Fatalf("activity %d: customer/contact/point %d/%d/%d, want %d/%d/%d",
			id, a.Customer, a.Contact, a.ContactPoint, customer, contact, point)
	}
	return a
}

// ccOK sends a change-customer request that must succeed with 204.
func ccOK(t testing.TB, h *harness, token, body string, header ...string) {
	t.Helper()
	res := h.do("PATCH", ccPath, token, body, header...)
	res.expect(t, 204, "")
	if len(res.Body) != 0 {
		t.Fatalf("204 with a body: %s", res.Body)
	}
}

func TestChangeCustomer(t *testing.T) {
	ccCountRules(t)
	ccExistenceRules(t)
	ccStatusRules(t)
	ccContactPointRules(t)
	ccTypeRules(t)
	ccDepartmentalizationRules(t)
	ccPermissionRules(t)
	ccEffects(t)
	ccCaseRule(t)
	ccWireFormats(t)
	ccMalformedInput(t)
}

// ---- At least one activity; at most 75; each once ----

func ccCountRules(t *testing.T) {
	rule(t, "refuses_request_without_activities", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{`{"activity": []}`, `{}`, `{"activity": null}`} {
			h.refused(400, "400-201", "PATCH", ccPath, tok, body)
		}
		h.refused(400, "400-201", "PATCH", ccPath, tok, `<activities/>`, "Content-Type", "application/xml")
		h.refused(400, "400-201", "PATCH", ccPath, tok, `<activities></activities>`, "Content-Type", "application/xml")
	})

	rule(t, "refuses_more_than_75_activities", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		var items []string
		for i := 0; i < 76; i++ {
			items = append(items, ccItem(fmt.Sprint(3200+i), "email", "710"))
		}
		res := h.refused(400, "400-202", "PATCH", ccPath, tok, ccBody(items...))
		if msg := devMessage(t, res); !strings.Contains(msg, "75") || !strings.Contains(msg, "76") {
			t.Fatalf("developerMessage %q names neither the limit nor the count", msg)
		}
	})

	rule(t, "accepts_exactly_75_activities", ccWorld, func(t *testing.T, h *harness) {
		var acts, items []string
		for i := 0; i < 75; i++ {
			id := 3200 + i
			acts = append(acts, fmt.Sprintf(`{"id": "%d", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001", "contactPoint": "700"}`, id))
			items = append(items, ccItem(fmt.Sprint(id), "email", "710"))
		}
		h.add(`{"activities": [` + strings.Join(acts, ",") + `]}`)
		ccOK(t, h, h.login("jenny"), ccBody(items...))
		for i := 0; i < 75; i++ {
			ccWantCustomer(t, h, casemgr.ID(3200+i), 501, 610, 710)
		}
	})

	rule(t, "refuses_activity_named_twice", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-206", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3106", "email", "710"), ccItem("3100", "email", "710")))
		if msg := devMessage(t, res); !strings.Contains(msg, "3100") {
			t.Fatalf("developerMessage %q does not name 3100", msg)
		}
	})
}

// ---- All activities must exist ----

func ccExistenceRules(t *testing.T) {
	rule(t, "refuses_unknown_activity", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-203", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3999", "email", "710"), ccItem("3998", "phone", "711")))
		if msg := devMessage(t, res); !strings.Contains(msg, "3999") || !strings.Contains(msg, "3998") {
			t.Fatalf("developerMessage %q does not name 3999 and 3998", msg)
		}
		wantDetails(t, res, map[string][]string{"3998": {"400-203"}, "3999": {"400-203"}})
	})

	rule(t, "refuses_unknown_activity_as_client_application", ccWorld, func(t *testing.T, h *harness) {
		h.refused(400, "400-203", "PATCH", ccPath, h.client(), ccBody(ccItem("3999", "email", "710")))
	})
}

// ---- Status, responses, locks ----

func ccStatusRules(t *testing.T) {
	rule(t, "refuses_activity_not_awaiting_assignment_or_assigned", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, id := range []string{"3110", "3111"} { // in_workflow, completed
			res := h.refused(400, "400-204", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "710"), ccItem(id, "email", "710")))
			wantDetails(t, res, map[string][]string{id: {"400-204"}})
		}
		// A completed response named in the request is refused the same way.
		h.refused(400, "400-204", "PATCH", ccPath, tok, ccBody(ccItem("3001", "email", "710")))
	})

	rule(t, "accepts_activities_awaiting_assignment_and_assigned", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3123", "email", "710"), ccItem("3100", "email", "710")))
		ccWantCustomer(t, h, 3123, 501, 610, 710)
		ccWantCustomer(t, h, 3100, 501, 610, 710)
		if a := h.activity(3123); a.Status != casemgr.StatusAwaitingAssignment || a.Queue != 100 {
			t.Fatalf("status/queue changed: %s/%d", a.Status, a.Queue)
		}
	})

	rule(t, "refuses_activity_with_response_not_completed", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-205", "PATCH", ccPath, h.login("jenny"), ccBody(ccItem("3112", "email", "710")))
		wantDetails(t, res, map[string][]string{"3112": {"400-205"}})
	})

	rule(t, "refuses_activity_locked_by_another_user", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, id := range []string{"3114", "3117"} { // lock until 2099; lock without expiry
			res := h.refused(403, "403-201", "PATCH", ccPath, tok, ccBody(ccItem(id, "email", "710")))
			wantDetails(t, res, map[string][]string{id: {"403-201"}})
		}
		// A client application is "another user" to every user's lock.
		h.refused(403, "403-201", "PATCH", ccPath, h.client(), ccBody(ccItem("3116", "email", "710")))
	})

	rule(t, "ignores_expired_lock", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3115", "email", "710")))
		ccWantCustomer(t, h, 3115, 501, 610, 710)
	})

	rule(t, "accepts_activity_locked_by_the_caller", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3116", "email", "710")))
		a := ccWantCustomer(t, h, 3116, 501, 610, 710)
		if a.LockedBy != 1001 {
			t.Fatalf("the caller's lock was dropped: %d", a.LockedBy)
		}
	})
}

// ---- One contact point per activity; it exists; one customer; a new one ----

func ccContactPointRules(t *testing.T) {
	rule(t, "refuses_activity_without_contact_point", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, item := range []string{
			`{"id": "3100"}`,
			`{"id": "3100", "customer": {}}`,
			`{"id": "3100", "customer": {"contacts": {}}}`,
			`{"id": "3100", "customer": {"contacts": {"contact": []}}}`,
			`{"id": "3100", "customer": {"contacts": {"contact": [{}]}}}`,
			`{"id": "3100", "customer": {"contacts": {"contact": [{"email": []}]}}}`,
		} {
			res := h.refused(400, "400-210", "PATCH", ccPath, tok, ccBody(ccItem("3106", "email", "710"), item))
			wantDetails(t, res, map[string][]string{"3100": {"400-210"}})
		}
	})

	rule(t, "refuses_activity_with_more_than_one_contact_point", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, item := range []string{
			`{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}, {"id": "710"}]}]}}}`,
			`{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}], "phone": [{"id": "711"}]}]}}}`,
			`{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}, {"email": [{"id": "740"}]}]}}}`,
		} {
			h.refused(400, "400-210", "PATCH", ccPath, tok, ccBody(item))
		}
	})

	rule(t, "refuses_unknown_contact_point", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-211", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3106", "email", "799")))
		if msg := devMessage(t, res); !strings.Contains(msg, "799") {
			t.Fatalf("developerMessage %q does not name 799", msg)
		}
		wantDetails(t, res, map[string][]string{"3106": {"400-211"}})
	})

	rule(t, "refuses_contact_point_named_under_another_kind", ccWorld, func(t *testing.T, h *harness) {
		// 711 is a phone: there is no email contact point 711.
		h.refused(400, "400-211", "PATCH", ccPath, h.login("jenny"), ccBody(ccItem("3106", "email", "711")))
	})

	rule(t, "refuses_contact_points_of_different_customers", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-212", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3106", "email", "740"), ccItem("3107", "phone", "711")))
		wantDetails(t, res, map[string][]string{"3106": {"400-212"}})
	})

	rule(t, "refuses_target_customer_equal_to_current_customer", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		// The same point, and another point of the same customer.
		h.refused(400, "400-213", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "700")))
		res := h.refused(400, "400-213", "PATCH", ccPath, tok, ccBody(ccItem("3141", "email", "710"), ccItem("3106", "website", "717")))
		wantDetails(t, res, map[string][]string{"3141": {"400-213"}})
	})
}

// ---- Type rules ----

func ccTypeRules(t *testing.T) {
	rule(t, "refuses_email_activity_with_non_email_contact_point", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for kind, point := range map[string]string{"phone": "711", "social": "712", "postal": "716", "website": "717"} {
			res := h.refused(400, "400-214", "PATCH", ccPath, tok, ccBody(ccItem("3100", kind, point)))
			wantDetails(t, res, map[string][]string{"3100": {"400-214"}})
		}
	})

	rule(t, "refuses_calltrack_activity_with_non_phone_contact_point", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for kind, point := range map[string]string{"email": "710", "social": "712", "postal": "716", "website": "717"} {
			h.refused(400, "400-215", "PATCH", ccPath, tok, ccBody(ccItem("3101", kind, point)))
		}
	})

	rule(t, "refuses_social_activity_with_non_social_contact_point", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-216", "PATCH", ccPath, tok, ccBody(ccItem("3102", "email", "710")))   // Twitter
		h.refused(400, "400-216", "PATCH", ccPath, tok, ccBody(ccItem("3105", "phone", "711")))   // other subtype
		h.refused(400, "400-216", "PATCH", ccPath, tok, ccBody(ccItem("3103", "website", "717"))) // Facebook
	})

	rule(t, "refuses_twitter_activity_with_other_social_type", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, point := range []string{"713", "714", "715"} {
			res := h.refused(400, "400-217", "PATCH", ccPath, tok, ccBody(ccItem("3102", "social", point)))
			if msg := devMessage(t, res); !strings.Contains(msg, "Twitter") {
				t.Fatalf("developerMessage %q does not name Twitter", msg)
			}
		}
	})

	rule(t, "refuses_facebook_activity_with_other_social_type", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, point := range []string{"712", "714", "715"} {
			h.refused(400, "400-217", "PATCH", ccPath, tok, ccBody(ccItem("3103", "social", point)))
		}
	})

	rule(t, "refuses_instagram_activity_with_other_social_type", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, point := range []string{"712", "713", "715"} {
			h.refused(400, "400-217", "PATCH", ccPath, tok, ccBody(ccItem("3104", "social", point)))
		}
	})

	rule(t, "accepts_twitter_facebook_instagram_activity_with_point_of_its_type", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3102", "social", "712"), ccItem("3103", "social", "713"), ccItem("3104", "social", "714")))
		ccWantCustomer(t, h, 3102, 501, 610, 712)
		ccWantCustomer(t, h, 3103, 501, 610, 713)
		ccWantCustomer(t, h, 3104, 501, 610, 714)
	})

	rule(t, "accepts_other_social_subtype_with_any_social_point", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3105", "social", "715"))) // Reddit ← LinkedIn
		ccWantCustomer(t, h, 3105, 501, 610, 715)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3105", "social", "741"))) // Reddit ← Facebook
		ccWantCustomer(t, h, 3105, 504, 640, 741)
	})

	rule(t, "accepts_any_contact_point_for_other_activity_types", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(
			ccItem("3106", "phone", "711"),   // chat
			ccItem("3107", "email", "710"),   // web
			ccItem("3108", "postal", "716"),  // user-defined "survey"
			ccItem("3109", "website", "717"), // task
			ccItem("3002", "social", "713"),  // task
		))
		ccWantCustomer(t, h, 3106, 501, 610, 711)
		ccWantCustomer(t, h, 3107, 501, 610, 710)
		ccWantCustomer(t, h, 3108, 501, 610, 716)
		ccWantCustomer(t, h, 3109, 501, 610, 717)
		ccWantCustomer(t, h, 3002, 501, 610, 713)
	})
}

// ---- Customer departmentalization ----

func ccDepartmentalizationRules(t *testing.T) {
	rule(t, "refuses_target_customer_outside_department_of_current_customer", ccWorld, func(t *testing.T, h *harness) {
		// 3100's customer 500 is in Service; 502 is in Billing.
		res := h.refused(400, "400-218", "PATCH", ccPath, h.login("jenny"), ccBody(ccItem("3100", "email", "720")))
		wantDetails(t, res, map[string][]string{"3100": {"400-218"}})
		// The same for a client application.
		h.refused(400, "400-218", "PATCH", ccPath, h.client(), ccBody(ccItem("3100", "email", "720")))
	})

	rule(t, "compares_with_department_of_current_customer_not_of_activity", ccWorld, func(t *testing.T, h *harness) {
		// 3122 is in Billing but belongs to 500 of Service: a Billing
		// customer is refused, a Service customer accepted.
		tok := h.login("jenny")
		h.refused(400, "400-218", "PATCH", ccPath, tok, ccBody(ccItem("3122", "email", "760")))
		ccOK(t, h, tok, ccBody(ccItem("3122", "email", "710")))
		ccWantCustomer(t, h, 3122, 501, 610, 710)
	})

	rule(t, "activity_without_customer_compares_with_its_own_department", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-218", "PATCH", ccPath, tok, ccBody(ccItem("3120", "email", "720"))) // Service activity, Billing customer
		ccOK(t, h, tok, ccBody(ccItem("3120", "email", "710")))                                 // Service customer
		ccWantCustomer(t, h, 3120, 501, 610, 710)
		h.refused(400, "400-218", "PATCH", ccPath, tok, ccBody(ccItem("3121", "email", "740"))) // Billing activity, Service customer
		ccOK(t, h, tok, ccBody(ccItem("3121", "email", "760")))                                 // Billing customer
		ccWantCustomer(t, h, 3121, 506, 660, 760)
	})

	rule(t, "allows_customer_of_any_department_when_departmentalization_is_off", ccWorld, func(t *testing.T, h *harness) {
		h.add(`{"settings": {"customerDepartmentalization": false}}`)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3100", "email", "720"), ccItem("3101", "phone", "721")))
		ccWantCustomer(t, h, 3100, 502, 620, 720)
		ccWantCustomer(t, h, 3101, 502, 620, 721)
	})
}

// ---- Permissions and licenses ----

func ccPermissionRules(t *testing.T) {
	rule(t, "refuses_user_without_change_customer_action", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(403, "403-105", "PATCH", ccPath, h.login("nadia"), ccBody(ccItem("3100", "email", "710")))
		if msg := devMessage(t, res); !strings.Contains(msg, "Change Customer") {
			t.Fatalf("developerMessage %q does not name the action", msg)
		}
	})

	rule(t, "activity_outside_home_and_foreign_departments_is_not_found", ccWorld, func(t *testing.T, h *harness) {
		// 3118 is Legal's: for jenny it does not exist, exactly as 3999.
		inv := h.refused(400, "400-203", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3118", "email", "710")))
		wantDetails(t, inv, map[string][]string{"3118": {"400-203"}})
		missing := h.refused(400, "400-203", "PATCH", ccPath, h.login("jenny"),
			ccBody(ccItem("3100", "email", "710"), ccItem("3999", "email", "710")))
		sameAnswer(t, inv, "3118", missing, "3999")
		// frank works in Billing only: a Service activity is not found.
		h.refused(400, "400-203", "PATCH", ccPath, h.login("frank"), ccBody(ccItem("3100", "email", "760")))
	})

	rule(t, "accepts_activity_of_foreign_department", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3119", "email", "760"))) // Billing: foreign for jenny
		ccWantCustomer(t, h, 3119, 506, 660, 760)
	})

	rule(t, "accepts_activity_of_home_department", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("frank"), ccBody(ccItem("3119", "email", "760")))
		ccWantCustomer(t, h, 3119, 506, 660, 760)
		ccOK(t, h, h.login("leo"), ccBody(ccItem("3118", "email", "750")))
		ccWantCustomer(t, h, 3118, 505, 650, 750)
	})

	rule(t, "refuses_email_or_social_activity_without_mailplus_or_advisor_desktop", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("carl") // CallTrackPlus only
		res := h.refused(403, "403-106", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "710")))
		wantDetails(t, res, map[string][]string{"3100": {"403-106"}})
		h.refused(403, "403-106", "PATCH", ccPath, tok, ccBody(ccItem("3102", "social", "712")))
		h.refused(403, "403-106", "PATCH", ccPath, h.login("paula"), ccBody(ccItem("3100", "email", "710"))) // eGain Platform only
	})

	rule(t, "refuses_calltrack_activity_without_calltrackplus_or_advisor_desktop", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(403, "403-106", "PATCH", ccPath, h.login("mia"), ccBody(ccItem("3101", "phone", "711"))) // MailPlus only
		wantDetails(t, res, map[string][]string{"3101": {"403-106"}})
		h.refused(403, "403-106", "PATCH", ccPath, h.login("paula"), ccBody(ccItem("3101", "phone", "711")))
	})

	rule(t, "refuses_other_activity_types_without_any_user_license", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("nolan") // no license at all
		for _, item := range []string{ccItem("3109", "email", "710"), ccItem("3106", "email", "710"), ccItem("3108", "email", "710")} {
			h.refused(403, "403-106", "PATCH", ccPath, tok, ccBody(item))
		}
	})

	rule(t, "accepts_user_with_the_license_of_each_type", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("mia"), ccBody(ccItem("3100", "email", "710"), ccItem("3102", "social", "712")))    // MailPlus
		ccOK(t, h, h.login("carl"), ccBody(ccItem("3101", "phone", "711")))                                    // CallTrackPlus
		ccOK(t, h, h.login("paula"), ccBody(ccItem("3109", "website", "717"), ccItem("3106", "email", "710"))) // any license
		ccWantCustomer(t, h, 3100, 501, 610, 710)
		ccWantCustomer(t, h, 3102, 501, 610, 712)
		ccWantCustomer(t, h, 3101, 501, 610, 711)
		ccWantCustomer(t, h, 3109, 501, 610, 717)
		ccWantCustomer(t, h, 3106, 501, 610, 710)
	})

	rule(t, "client_application_needs_no_action_license_or_department", ccWorld, func(t *testing.T, h *harness) {
		tok := h.client()
		ccOK(t, h, tok, ccBody(ccItem("3118", "email", "750"))) // Legal
		ccOK(t, h, tok, ccBody(ccItem("3101", "phone", "711"), ccItem("3102", "social", "712")))
		ccWantCustomer(t, h, 3118, 505, 650, 750)
		ccWantCustomer(t, h, 3101, 501, 610, 711)
		if a := h.activity(3101); a.LastModifiedBy != 0 {
			t.Fatalf("lastModifiedBy %d for a client application, want none", a.LastModifiedBy)
		}
	})

	rule(t, "checks_permissions_before_business_rules", ccWorld, func(t *testing.T, h *harness) {
		// 3110 breaks a rule (in_workflow), nadia lacks the action:
		// the 403 is answered.
		h.refused(403, "403-105", "PATCH", ccPath, h.login("nadia"), ccBody(ccItem("3110", "email", "700")))
		// 3100 is an email of jenny's; carl lacks MailPlus and Advisor
		// Desktop, and 3110 breaks a rule: the license 403 is answered.
		h.refused(403, "403-106", "PATCH", ccPath, h.login("carl"), ccBody(ccItem("3100", "email", "710"), ccItem("3110", "email", "710")))
	})

	rule(t, "checks_request_shape_before_permissions", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("nadia")
		h.refused(400, "400-104", "PATCH", ccPath, tok, `{"activity": [], "force": true}`)
		h.refused(400, "400-101", "PATCH", ccPath+"?force=yes", tok, ccBody(ccItem("3100", "email", "710")))
	})

	rule(t, "refusal_lists_every_activity_and_rule_it_broke", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-204", "PATCH", ccPath, h.login("jenny"), ccBody(
			ccItem("3106", "email", "710"), // fine
			ccItem("3110", "email", "710"), // in_workflow
			ccItem("3112", "email", "710"), // draft reply
			ccItem("3101", "email", "710"), // calltrack with an email point
			ccItem("3111", "phone", "711"), // completed, and an email with a phone point
		))
		wantDetails(t, res, map[string][]string{
			"3101": {"400-215"},
			"3110": {"400-204"},
			"3111": {"400-204", "400-214"},
			"3112": {"400-205"},
		})
		if msg := devMessage(t, res); !strings.Contains(msg, "3110") || !strings.Contains(msg, "3111") {
			t.Fatalf("developerMessage %q does not name 3110 and 3111", msg)
		}
	})
}

// ---- Effects ----

func ccEffects(t *testing.T) {
	kinds := []struct{ name, activity, kind, point string }{
		{"email", "3100", "email", "710"},
		{"phone", "3101", "phone", "711"},
		{"social", "3102", "social", "712"},
		{"postal", "3108", "postal", "716"},
		{"website", "3107", "website", "717"},
	}
	for _, k := range kinds {
		rule(t, "changes_customer_to_"+k.name+"_contact_point", ccWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			id, _ := casemgr.ParseID(k.activity)
			point, _ := casemgr.ParseID(k.point)
			ccOK(t, h, tok, ccBody(ccItem(k.activity, k.kind, k.point)))
			ccWantCustomer(t, h, id, 501, 610, point)
			got := h.readActivity(tok, id)
			if at(got, "customer.id") != "501" || at(got, "customer.contacts.contact.0.id") != "610" ||
				at(got, "customer.contacts.contact.0."+k.kind+".0.id") != k.point {
				t.Fatalf("GET shows customer %v", got["customer"])
			}
		})
	}

	rule(t, "changes_contact_to_the_contact_of_the_point", ccWorld, func(t *testing.T, h *harness) {
		// 742 belongs to Sue (641), the second contact of 504.
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3106", "phone", "742")))
		ccWantCustomer(t, h, 3106, 504, 641, 742)
	})

	rule(t, "keeps_contact_point_data", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		ccOK(t, h, tok, ccBody(ccItem("3100", "email", "710"), ccItem("3101", "phone", "711"), ccItem("3120", "email", "710")))
		for id, want := range map[casemgr.ID]string{3100: "john@example.com", 3101: "4085551234", 3120: "someone@example.com"} {
			if got := h.activity(id).ContactPointData; got != want {
				t.Fatalf("activity %d: contactPointData %q, want %q", id, got, want)
			}
			if got := h.readActivity(tok, id)["contactPointData"]; got != want {
				t.Fatalf("GET activity %d: contactPointData %v, want %q", id, got, want)
			}
		}
	})

	rule(t, "completed_responses_follow_their_activity", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		ccOK(t, h, tok, ccBody(ccItem("3000", "email", "710"), ccItem("3125", "email", "710")))
		ccWantCustomer(t, h, 3001, 501, 610, 710) // response of 3000
		ccWantCustomer(t, h, 3124, 501, 610, 710) // response of 3125 (lower ID than its parent)
		if got := h.activity(3124).ContactPointData; got != "john@example.com" {
			t.Fatalf("response's contactPointData %q changed", got)
		}
		if r := h.activity(3001); r.Status != casemgr.StatusCompleted || r.LastModifiedBy != 1001 {
			t.Fatalf("response 3001: status %s, lastModifiedBy %d", r.Status, r.LastModifiedBy)
		}
		if got := h.readActivity(tok, 3001); at(got, "customer.id") != "501" {
			t.Fatalf("GET response shows customer %v", got["customer"])
		}
	})

	rule(t, "does_not_touch_other_activities", ccWorld, func(t *testing.T, h *harness) {
		before := h.activity(3107)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3106", "email", "710")))
		if after := h.activity(3107); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("activity 3107 changed:\n%v\n%v", before, after)
		}
	})

	rule(t, "updates_last_modified_and_last_modified_by", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		before := h.activity(3100)
		ccOK(t, h, tok, ccBody(ccItem("3100", "email", "710")))
		after := h.activity(3100)
		if !after.LastModified.After(before.LastModified) || after.LastModifiedBy != 1001 {
			t.Fatalf("lastModified %v → %v, lastModifiedBy %d", before.LastModified, after.LastModified, after.LastModifiedBy)
		}
		got := h.readActivity(tok, 3100)
		if got["lastModified"] != casemgr.FormatTime(after.LastModified) || at(got, "lastModifiedBy.user.id") != "1001" {
			t.Fatalf("GET shows lastModified %v by %v", got["lastModified"], got["lastModifiedBy"])
		}
		// A second change moves lastModified on again, even within the
		// same millisecond.
		ccOK(t, h, tok, ccBody(ccItem("3100", "email", "740")))
		if again := h.activity(3100); !again.LastModified.After(after.LastModified) {
			t.Fatalf("lastModified did not move: %v → %v", after.LastModified, again.LastModified)
		}
	})

	rule(t, "records_history_of_every_changed_activity", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		ccOK(t, h, tok, ccBody(ccItem("3000", "email", "710")))
		for _, id := range []casemgr.ID{3000, 3001} {
			hist := h.history("activity", id)
			if len(hist) != 1 || hist[0].Action != "changecustomer" || hist[0].Actor != "user:1001" {
				t.Fatalf("history of %d: %+v", id, hist)
			}
			var before, after casemgr.Activity
			if json.Unmarshal([]byte(hist[0].Before), &before) != nil || json.Unmarshal([]byte(hist[0].After), &after) != nil {
				t.Fatalf("history snapshots of %d: %+v", id, hist[0])
			}
			if before.Customer != 500 || before.ContactPoint != 700 || after.Customer != 501 || after.ContactPoint != 710 {
				t.Fatalf("history of %d: before %d/%d, after %d/%d", id, before.Customer, before.ContactPoint, after.Customer, after.ContactPoint)
			}
		}
		// The case did not change (3002 is still John's): no entry.
		if hist := h.history("case", 2000); len(hist) != 0 {
			t.Fatalf("case history %+v", hist)
		}
		res := h.do("GET", "/core/casemgr/v3/activity/3000/history", tok, "")
		res.expect(t, 200, "")
		m := res.JSON(t)
		if at(m, "history.0.before.customer.id") != "500" || at(m, "history.0.after.customer.id") != "501" ||
			at(m, "history.0.action") != "changecustomer" {
			t.Fatalf("GET history: %s", res.Body)
		}
	})
}

// ---- The customer of the case ----

func ccCaseRule(t *testing.T) {
	rule(t, "case_follows_when_all_its_activities_change_together", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		before := h.caseOf(2000)
		ccOK(t, h, tok, ccBody(ccItem("3000", "email", "710"), ccItem("3002", "phone", "711")))
		c := h.caseOf(2000)
		if c.Customer != 501 || !c.LastModified.After(before.LastModified) || c.LastModifiedBy != 1001 {
			t.Fatalf("case 2000: customer %d, lastModified %v → %v by %d", c.Customer, before.LastModified, c.LastModified, c.LastModifiedBy)
		}
		hist := h.history("case", 2000)
		if len(hist) != 1 || hist[0].Action != "changecustomer" {
			t.Fatalf("case history %+v", hist)
		}
		var b, a casemgr.Case
		_ = json.Unmarshal([]byte(hist[0].Before), &b)
		_ = json.Unmarshal([]byte(hist[0].After), &a)
		if b.Customer != 500 || a.Customer != 501 {
			t.Fatalf("case history before %d after %d", b.Customer, a.Customer)
		}
		res := h.do("GET", "/core/casemgr/v3/case/2000", tok, "")
		res.expect(t, 200, "")
		if got := at(res.JSON(t), "case.0.customer.id"); got != "501" {
			t.Fatalf("GET case shows customer %v", got)
		}
	})

	rule(t, "case_keeps_customer_while_other_activities_keep_theirs", ccWorld, func(t *testing.T, h *harness) {
		before := h.caseOf(2000)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3000", "email", "710"))) // 3002 stays John's
		if c := h.caseOf(2000); fmt.Sprint(c) != fmt.Sprint(before) {
			t.Fatalf("case 2000 changed: %+v", c)
		}
	})

	rule(t, "case_keeps_customer_when_activities_of_several_cases_change", ccWorld, func(t *testing.T, h *harness) {
		// Afterwards every activity of 2000 and of 2010 belongs to 501,
		// but the request spans two cases: neither case changes.
		b0, b10 := h.caseOf(2000), h.caseOf(2010)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3000", "email", "710"), ccItem("3002", "email", "710"), ccItem("3140", "email", "710")))
		ccWantCustomer(t, h, 3140, 501, 610, 710)
		if c0, c10 := h.caseOf(2000), h.caseOf(2010); fmt.Sprint(c0) != fmt.Sprint(b0) || fmt.Sprint(c10) != fmt.Sprint(b10) {
			t.Fatalf("cases changed: %d, %d", c0.Customer, c10.Customer)
		}
	})

	rule(t, "case_follows_when_its_other_activities_already_have_the_target", ccWorld, func(t *testing.T, h *harness) {
		// 3141 of case 2011 belongs to 501 already; moving 3142 to 501
		// leaves the whole case with 501.
		ccOK(t, h, h.client(), ccBody(ccItem("3142", "email", "710")))
		if c := h.caseOf(2011); c.Customer != 501 || c.LastModifiedBy != 0 {
			t.Fatalf("case 2011: customer %d, lastModifiedBy %d", c.Customer, c.LastModifiedBy)
		}
		if hist := h.history("case", 2011); len(hist) != 1 || hist[0].Actor != "client:bridge" {
			t.Fatalf("case history %+v", hist)
		}
	})

	rule(t, "case_already_of_the_target_customer_is_not_touched", ccWorld, func(t *testing.T, h *harness) {
		before := h.caseOf(2012)
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3143", "email", "710")))
		if c := h.caseOf(2012); fmt.Sprint(c) != fmt.Sprint(before) {
			t.Fatalf("case 2012 changed: %+v", c)
		}
		if hist := h.history("case", 2012); len(hist) != 0 {
			t.Fatalf("case history %+v", hist)
		}
	})

	rule(t, "activity_without_case_changes_alone", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), ccBody(ccItem("3106", "email", "710"), ccItem("3107", "email", "710")))
		ccWantCustomer(t, h, 3106, 501, 610, 710)
		ccWantCustomer(t, h, 3107, 501, 610, 710)
	})
}

// ---- JSON and XML ----

func ccWireFormats(t *testing.T) {
	rule(t, "accepts_xml_body", ccWorld, func(t *testing.T, h *harness) {
		body := `<?xml version="1.0" encoding="UTF-8"?>
<activities>
  <activity>
    <id>3000</id>
    <customer><contacts><contact><email><id>710</id></email></contact></contacts></customer>
  </activity>
  <activity>
    <id>3002</id>
    <customer><contacts><contact><phone><id>711</id></phone></contact></contacts></customer>
  </activity>
</activities>`
		ccOK(t, h, h.login("jenny"), body, "Content-Type", "application/xml")
		ccWantCustomer(t, h, 3000, 501, 610, 710)
		ccWantCustomer(t, h, 3002, 501, 610, 711)
		if c := h.caseOf(2000); c.Customer != 501 {
			t.Fatalf("case 2000: customer %d", c.Customer)
		}
	})

	rule(t, "accepts_xml_body_with_one_activity", ccWorld, func(t *testing.T, h *harness) {
		body := `<activities><activity><id>3102</id><customer><contacts><contact><social><id>712</id></social></contact></contacts></customer></activity></activities>`
		ccOK(t, h, h.login("jenny"), body, "Content-Type", "application/xml; charset=utf-8")
		ccWantCustomer(t, h, 3102, 501, 610, 712)
	})

	rule(t, "accepts_json_numbers_as_ids", ccWorld, func(t *testing.T, h *harness) {
		ccOK(t, h, h.login("jenny"), `{"activity": [{"id": 3100, "customer": {"contacts": {"contact": [{"email": [{"id": 710}]}]}}}]}`,
			"Content-Type", "application/json; charset=utf-8")
		ccWantCustomer(t, h, 3100, 501, 610, 710)
	})

	rule(t, "answers_errors_in_xml", ccWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-203", "PATCH", ccPath, h.login("jenny"), ccBody(ccItem("3999", "email", "710")),
			"Accept", "application/xml")
		body := string(res.Body)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") ||
			!strings.Contains(body, "<error>") || !strings.Contains(body, "<code>400-203</code>") ||
			!strings.Contains(body, "<details><key>3999</key>") || !strings.Contains(body, "<developerMessage>Activity 3999 does not exist.</developerMessage>") {
			t.Fatalf("XML error: %s", body)
		}
		// XML in, XML out.
		res = h.refused(400, "400-214", "PATCH", ccPath, h.login("jenny"),
			`<activities><activity><id>3100</id><customer><contacts><contact><phone><id>711</id></phone></contact></contacts></customer></activity></activities>`,
			"Content-Type", "application/xml", "Accept", "application/xml")
		if !strings.Contains(string(res.Body), "<code>400-214</code>") {
			t.Fatalf("XML error: %s", res.Body)
		}
	})

	rule(t, "translates_user_message_on_request", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-213", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "700")))
		if _, ok := res.JSON(t)["userMessage"]; ok {
			t.Fatalf("userMessage without X-egain-error-message: %s", res.Body)
		}
		en := h.refused(400, "400-213", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "700")), "X-egain-error-message", "yes")
		de := h.refused(400, "400-213", "PATCH", ccPath, tok, ccBody(ccItem("3100", "email", "700")),
			"X-egain-error-message", "yes", "Accept-Language", "de-DE")
		enMsg, _ := en.JSON(t)["userMessage"].(string)
		deMsg, _ := de.JSON(t)["userMessage"].(string)
		if enMsg == "" || deMsg == "" || enMsg == deMsg || !strings.Contains(deMsg, "3100") {
			t.Fatalf("userMessage en %q, de %q", enMsg, deMsg)
		}
	})
}

// ---- Malformed requests: 400/401/415, never 500, never a partial write ----

func ccMalformedInput(t *testing.T) {
	rule(t, "refuses_unknown_query_parameter", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		body := ccBody(ccItem("3100", "email", "710"))
		for _, q := range []string{"?foo=1", "?unpin=yes", "?relateCase=yes", "?$attribute=all", "?foo"} {
			res := h.refused(400, "400-101", "PATCH", ccPath+q, tok, body)
			name := strings.TrimPrefix(strings.SplitN(q, "=", 2)[0], "?")
			if msg := devMessage(t, res); !strings.Contains(msg, name) {
				t.Fatalf("developerMessage %q does not name %s", msg, name)
			}
		}
	})

	rule(t, "refuses_unknown_body_element", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		cases := map[string]string{
			`{"activity": [], "customer": {"id": "501"}}`: "customer",
			`{"activity": [{"id": "3100", "lastModified": "2026-01-06T09:00:00.000Z", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`: "activity[0].lastModified",
			`{"activity": [{"id": "3100", "customer": {"id": "501", "contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`:                                "activity[0].customer.id",
			`{"activity": [{"id": "3100", "customer": {"contacts": {"count": 1, "contact": [{"email": [{"id": "710"}]}]}}}]}`:                                 "activity[0].customer.contacts.count",
			`{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"id": "610", "email": [{"id": "710"}]}]}}}]}`:                                "activity[0].customer.contacts.contact[0].id",
			`{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"fax": [{"id": "710"}]}]}}}]}`:                                               "activity[0].customer.contacts.contact[0].fax",
			`{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{"id": "710", "emailAddress": "x@y.z"}]}]}}}]}`:                    "activity[0].customer.contacts.contact[0].email[0].emailAddress",
		}
		for body, name := range cases {
			res := h.refused(400, "400-104", "PATCH", ccPath, tok, body)
			if msg := devMessage(t, res); !strings.Contains(msg, "'"+name+"'") {
				t.Fatalf("developerMessage %q does not name %s", msg, name)
			}
		}
		// XML: an unknown element, and a root other than <activities>.
		res := h.refused(400, "400-104", "PATCH", ccPath, tok,
			`<activities><activity><id>3100</id><note>x</note></activity></activities>`, "Content-Type", "application/xml")
		if msg := devMessage(t, res); !strings.Contains(msg, "activity[0].note") {
			t.Fatalf("developerMessage %q", msg)
		}
		h.refused(400, "400-104", "PATCH", ccPath, tok,
			`<activity><id>3100</id></activity>`, "Content-Type", "application/xml")
	})

	rule(t, "refuses_invalid_body_value", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{
			`{"activity": [{"id": "abc", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`,
			`{"activity": [{"id": "0", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`,
			`{"activity": [{"id": "-3100", "customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`,
			`{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{"id": "7 10"}]}]}}}]}`,
			`{"activity": [{"id": true}]}`,
			`{"activity": ["3100"]}`,
			`{"activity": [{"id": "3100", "customer": "501"}]}`,
			`{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"email": ["710"]}]}}}]}`,
			`["3100"]`,
		} {
			h.refused(400, "400-152", "PATCH", ccPath, tok, body)
		}
	})

	rule(t, "refuses_activity_or_contact_point_without_id", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-105", "PATCH", ccPath, tok, `{"activity": [{"customer": {"contacts": {"contact": [{"email": [{"id": "710"}]}]}}}]}`)
		if msg := devMessage(t, res); !strings.Contains(msg, "activity[0].id") {
			t.Fatalf("developerMessage %q", msg)
		}
		h.refused(400, "400-105", "PATCH", ccPath, tok, `{"activity": [{"id": "3100", "customer": {"contacts": {"contact": [{"email": [{}]}]}}}]}`)
	})

	rule(t, "refuses_missing_body", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-264", "PATCH", ccPath, tok, "")
		h.refused(400, "400-264", "PATCH", ccPath, tok, "  \n", "Content-Type", "application/json")
		h.refused(400, "400-264", "PATCH", ccPath, tok, "", "Content-Type", "application/xml")
	})

	rule(t, "refuses_malformed_json_or_xml", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{`{"activity": [`, `{"activity": []} {}`, `not json`, `{"activity": [{"id": "3100",}]}`} {
			h.refused(400, "400-103", "PATCH", ccPath, tok, body)
		}
		for _, body := range []string{`<activities><activity>`, `<activities></activity>`, `<activities/><more/>`, `plain text`} {
			h.refused(400, "400-103", "PATCH", ccPath, tok, body, "Content-Type", "application/xml")
		}
	})

	rule(t, "refuses_unsupported_content_type", ccWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		body := ccBody(ccItem("3100", "email", "710"))
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json;;"} {
			h.refused(415, "415-100", "PATCH", ccPath, tok, body, "Content-Type", ct)
		}
	})

	rule(t, "refuses_missing_or_invalid_token", ccWorld, func(t *testing.T, h *harness) {
		body := ccBody(ccItem("3100", "email", "710"))
		res := h.refused(401, "401-104", "PATCH", ccPath, "", body)
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("401 without WWW-Authenticate")
		}
		h.refused(401, "401-101", "PATCH", ccPath, "not-a-token", body)
		h.refused(401, "401-101", "PATCH", ccPath, "", body, "Authorization", "Basic amVubnk6cHctamVubnk=")
	})
}
