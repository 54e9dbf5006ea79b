package httpapi

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Tests of PATCH /core/casemgr/v3/activity/{ids}/changecase: one subtest per
// rule of docs/operations/change-case.md, and per effect, each on SQLite and PostgreSQL, named after the
// rule. Every refusal is checked with h.refused: status, eGain code, and a
// world read back unchanged.

// chcWorld adds to the base world (testdata/base.json) what the rules need.
//
//	2000 John, open: 3000 email assigned (completed response 3001), 3002 task queued   (base)
//	2001 John, open, empty; 2002 John, closed, empty; 2003 Ann, open; 2004 Billing Corp (dept 11)  (base)
//	2005 no customer, open: 3220, 3221 tasks assigned;  2006 Legal, no customer: 3219
//	2010 John, open: 3200 email, 3201 calltrack, 3202 social, 3203 chat, 3204 task queued,
//	     3205 in_workflow, 3206 completed, 3207 generic "feedback", 3208 email with draft reply 3209,
//	     3214 locked by frank, 3215 locked by jenny, 3216 lock of frank expired
//	2011 John, open: 3210 email assigned with completed response 3211 (its only activities)
//	2012 John, open: 3212 email assigned with draft reply 3213
//	2013 no customer, open, empty;  2015 Billing Corp (dept 11), open, empty
//	2017 John, open: 3223 assigned, 3224 completed
//	3217 task without a case;  3218 email of Billing in case 2004
const chcWorld = `{
  "cases": [
    {"id": "2010", "department": "10", "status": "open", "owner": "1001", "customer": "500",
     "subject": "Printer on fire", "severity": "high", "originatingChannel": "phone",
     "description": "Original description", "solution": "Original solution",
     "dueDate": "2099-06-01T00:00:00.000Z", "customAttributes": {"region": "EMEA"},
     "created": "2026-01-04T08:00:00.000Z"},
    {"id": "2011", "department": "10", "status": "open", "owner": "1002", "customer": "500",
     "subject": "Only one open activity", "originatingChannel": "email", "created": "2026-01-04T08:00:00.000Z"},
    {"id": "2012", "department": "10", "status": "open", "owner": "1001", "customer": "500",
     "subject": "Draft reply pending", "created": "2026-01-04T08:00:00.000Z"},
    {"id": "2013", "department": "10", "status": "open", "owner": "1001",
     "subject": "Second case without customer", "created": "2026-01-04T08:00:00.000Z"},
    {"id": "2015", "department": "11", "status": "open", "owner": "1002", "customer": "502",
     "subject": "Second billing case", "created": "2026-01-04T08:00:00.000Z"},
    {"id": "2017", "department": "10", "status": "open", "owner": "1001", "customer": "500",
     "subject": "One open, one completed", "created": "2026-01-04T08:00:00.000Z"}
  ],
  "activities": [
    {"id": "3200", "case": "2010", "department": "10", "type": "email", "mode": "inbound", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "700", "created": "2026-01-06T09:00:00.000Z"},
    {"id": "3201", "case": "2010", "department": "10", "type": "call_track", "subtype": "General", "mode": "inbound",
     "status": "assigned", "assignedUser": "1001", "contactPoint": "701", "created": "2026-01-06T09:01:00.000Z"},
    {"id": "3202", "case": "2010", "department": "10", "type": "social", "subtype": "Twitter", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "702", "created": "2026-01-06T09:02:00.000Z"},
    {"id": "3203", "case": "2010", "department": "10", "type": "chat", "status": "assigned",
     "assignedUser": "1001", "customer": "500", "created": "2026-01-06T09:03:00.000Z"},
    {"id": "3204", "case": "2010", "department": "10", "type": "task", "status": "awaiting_assignment",
     "queue": "100", "customer": "500", "created": "2026-01-06T09:04:00.000Z"},
    {"id": "3205", "case": "2010", "department": "10", "type": "email", "status": "in_workflow",
     "contactPoint": "700", "created": "2026-01-06T09:05:00.000Z"},
    {"id": "3206", "case": "2010", "department": "10", "type": "email", "status": "completed",
     "contactPoint": "700", "created": "2026-01-06T09:06:00.000Z"},
    {"id": "3207", "case": "2010", "department": "10", "type": "feedback", "status": "assigned",
     "assignedUser": "1001", "customer": "500", "created": "2026-01-06T09:07:00.000Z"},
    {"id": "3208", "case": "2010", "department": "10", "type": "email", "mode": "inbound", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "700", "created": "2026-01-06T09:08:00.000Z"},
    {"id": "3209", "case": "2010", "department": "10", "type": "email", "mode": "outbound", "status": "assigned",
     "assignedUser": "1001", "responseTo": "3208", "contactPoint": "700", "created": "2026-01-06T09:09:00.000Z"},
    {"id": "3214", "case": "2010", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1002", "lockExpires": "2099-01-01T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:14:00.000Z"},
    {"id": "3215", "case": "2010", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1001", "lockExpires": "2099-01-01T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:15:00.000Z"},
    {"id": "3216", "case": "2010", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1001",
     "lockedBy": "1002", "lockExpires": "2026-01-07T00:00:00.000Z", "contactPoint": "700", "created": "2026-01-06T09:16:00.000Z"},
    {"id": "3210", "case": "2011", "department": "10", "type": "email", "mode": "inbound", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "700", "created": "2026-01-06T09:10:00.000Z"},
    {"id": "3211", "case": "2011", "department": "10", "type": "email", "mode": "outbound", "status": "completed",
     "responseTo": "3210", "contactPoint": "700", "created": "2026-01-06T09:11:00.000Z"},
    {"id": "3212", "case": "2012", "department": "10", "type": "email", "mode": "inbound", "status": "assigned",
     "assignedUser": "1001", "contactPoint": "700", "created": "2026-01-06T09:12:00.000Z"},
    {"id": "3213", "case": "2012", "department": "10", "type": "email", "mode": "outbound", "status": "assigned",
     "assignedUser": "1001", "responseTo": "3212", "contactPoint": "700", "created": "2026-01-06T09:13:00.000Z"},
    {"id": "3217", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001",
     "created": "2026-01-06T09:17:00.000Z"},
    {"id": "3218", "case": "2004", "department": "11", "type": "email", "status": "assigned", "assignedUser": "1002",
     "contactPoint": "720", "created": "2026-01-06T09:18:00.000Z"},
    {"id": "3219", "case": "2006", "department": "12", "type": "email", "status": "assigned", "assignedUser": "1007",
     "created": "2026-01-06T09:19:00.000Z"},
    {"id": "3220", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001",
     "created": "2026-01-06T09:20:00.000Z"},
    {"id": "3221", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001",
     "created": "2026-01-06T09:21:00.000Z"},
    {"id": "3223", "case": "2017", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001",
     "customer": "500", "created": "2026-01-06T09:23:00.000Z"},
    {"id": "3224", "case": "2017", "department": "10", "type": "task", "status": "completed",
     "customer": "500", "created": "2026-01-06T09:24:00.000Z"}
  ]
}`

// chcPath is the path of a change-case request; query is "" or e.g.
// "relateCase=yes".
func chcPath(ids, query string) string {
	p := "/core/casemgr/v3/activity/" + ids + "/changecase"
	if query != "" {
		p += "?" + query
	}
	return p
}

// chcRelated lists the IDs of a case's relatedCases as the API shows them.
func chcRelated(c map[string]any) []string {
	list, _ := at(c, "relatedCases.case").([]any)
	var ids []string
	for _, x := range list {
		ids = append(ids, fmt.Sprint(at(x, "id")))
	}
	return ids
}

// TestChangeCase pins every rule of docs/operations/change-case.md.
func TestChangeCase(t *testing.T) {
	// ---- Business rules ----

	rule(t, "refuses_activities_that_do_not_exist", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(404, "404-101", "PATCH", chcPath("9999", ""), tok, `{"id": "2001"}`)
		if !strings.Contains(devMessage(t, res), "9999") {
			t.Fatalf("developerMessage does not name 9999: %s", res.Body)
		}
		// One missing among existing ones: nothing moves, the missing
		// ones are named.
		res = h.refused(404, "404-101", "PATCH", chcPath("3200,9998,3201,9999", ""), tok, `{"id": "2001"}`)
		wantDetails(t, res, map[string][]string{"9998": {"404-101"}, "9999": {"404-101"}})
		if msg := devMessage(t, res); !strings.Contains(msg, "9998, 9999") || strings.Contains(msg, "3200") {
			t.Fatalf("developerMessage %q", msg)
		}
	})

	rule(t, "refuses_activities_of_different_cases", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-220", "PATCH", chcPath("3200,3000", ""), h.login("jenny"), `{"id": "2001"}`)
		wantDetails(t, res, map[string][]string{"3000": {"400-220"}, "3200": {"400-220"}})
		h.refused(400, "400-220", "PATCH", chcPath("3200,3210", ""), h.login("jenny"), `{}`)
	})

	rule(t, "refuses_activities_whose_case_does_not_exist", chcWorld, func(t *testing.T, h *harness) {
		h.refused(400, "400-221", "PATCH", chcPath("3217", ""), h.login("jenny"), `{"id": "2001"}`)
		h.refused(400, "400-221", "PATCH", chcPath("3217", ""), h.login("jenny"), `{}`)
	})

	rule(t, "refuses_activities_not_awaiting_assignment_or_assigned", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-204", "PATCH", chcPath("3205", ""), tok, `{"id": "2001"}`) // in_workflow
		h.refused(400, "400-204", "PATCH", chcPath("3206", ""), tok, `{"id": "2001"}`) // completed
		h.refused(400, "400-204", "PATCH", chcPath("3206", ""), tok, `{}`)
		// A completed response cannot be moved on its own either.
		h.refused(400, "400-204", "PATCH", chcPath("3211", ""), tok, `{"id": "2001"}`)
		// One bad activity among good ones: none moves, the bad one is named.
		res := h.refused(400, "400-204", "PATCH", chcPath("3200,3204,3205", ""), tok, `{"id": "2001"}`)
		wantDetails(t, res, map[string][]string{"3205": {"400-204"}})
	})

	rule(t, "accepts_activities_awaiting_assignment_and_assigned", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3200,3204", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		for _, id := range []casemgr.ID{3200, 3204} {
			if c := h.activity(id).Case; c != 2001 {
				t.Fatalf("activity %d is in case %d, want 2001", id, c)
			}
		}
	})

	rule(t, "refuses_target_case_with_another_customer", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		// John -> Ann.
		res := h.refused(400, "400-222", "PATCH", chcPath("3200", ""), tok, `{"id": "2003"}`)
		if !strings.Contains(devMessage(t, res), "2003") {
			t.Fatalf("developerMessage does not name case 2003: %s", res.Body)
		}
		// John -> a case without a customer.
		h.refused(400, "400-222", "PATCH", chcPath("3200", ""), tok, `{"id": "2013"}`)
		// No customer -> John.
		h.refused(400, "400-222", "PATCH", chcPath("3220", ""), tok, `{"id": "2000"}`)
		// John (dept 10) -> Billing Corp (dept 11).
		h.refused(400, "400-222", "PATCH", chcPath("3200", ""), tok, `{"id": "2004"}`)
	})

	rule(t, "accepts_target_case_without_customer_when_original_has_none", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3220", ""), h.login("jenny"), `{"id": "2013"}`).expect(t, 204, "")
		if c := h.activity(3220).Case; c != 2013 {
			t.Fatalf("activity 3220 is in case %d, want 2013", c)
		}
	})

	rule(t, "refuses_existing_target_case_id_that_does_not_exist", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-223", "PATCH", chcPath("3200", ""), tok, `{"id": "9999"}`)
		if !strings.Contains(devMessage(t, res), "9999") {
			t.Fatalf("developerMessage does not name case 9999: %s", res.Body)
		}
		// An ID of the body not found is a 400, never a 404: only the IDs of
		// the path are resources of the request (docs/api.md, Errors).
		h.refused(400, "400-223", "PATCH", chcPath("3200", ""), tok, `{"case": {"id": "9999"}}`)
	})

	rule(t, "target_case_the_user_cannot_see_does_not_exist_for_them", chcWorld, func(t *testing.T, h *harness) {
		// Case 2006 is in Legal, which jenny neither works in nor shares.
		h.refused(400, "400-223", "PATCH", chcPath("3200", ""), h.login("jenny"), `{"id": "2006"}`)
	})

	rule(t, "refuses_activities_with_responses_not_completed", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-205", "PATCH", chcPath("3212", ""), tok, `{"id": "2000"}`)
		wantDetails(t, res, map[string][]string{"3212": {"400-205"}})
		h.refused(400, "400-205", "PATCH", chcPath("3212", ""), tok, `{}`)
	})

	rule(t, "refuses_more_than_75_activities", chcWorld, func(t *testing.T, h *harness) {
		ids := make([]string, 76)
		for i := range ids {
			ids[i] = fmt.Sprint(3200 + i)
		}
		tok := h.login("jenny")
		res := h.refused(400, "400-202", "PATCH", chcPath(strings.Join(ids, ","), ""), tok, `{"id": "2001"}`)
		if msg := devMessage(t, res); !strings.Contains(msg, "75") || !strings.Contains(msg, "76") {
			t.Fatalf("developerMessage %q", msg)
		}
		// Encoded commas count alike.
		h.refused(400, "400-202", "PATCH", chcPath(strings.Join(ids, "%2C"), ""), tok, `{"id": "2001"}`)
	})

	rule(t, "accepts_75_activities", chcWorld, func(t *testing.T, h *harness) {
		// 75 activities of case 2001, moved to case 2000 at once.
		var acts, ids []string
		for i := 0; i < 75; i++ {
			id := 3300 + i
			ids = append(ids, fmt.Sprint(id))
			acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "2001", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001"}`, id))
		}
		h.add(`{"activities": [` + strings.Join(acts, ",") + `]}`)
		h.do("PATCH", chcPath(strings.Join(ids, ","), ""), h.login("jenny"), `{"id": "2000"}`).expect(t, 204, "")
		for _, id := range []casemgr.ID{3300, 3374} {
			if c := h.activity(id).Case; c != 2000 {
				t.Fatalf("activity %d in case %d", id, c)
			}
		}
		if st := h.caseOf(2001).Status; st != "closed" {
			t.Fatalf("case 2001 is %s, want closed", st)
		}
	})

	// ---- Locks, lastModified and the target case ----

	rule(t, "refuses_activity_locked_by_another_user", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(403, "403-201", "PATCH", chcPath("3214", ""), tok, `{"id": "2001"}`)
		wantDetails(t, res, map[string][]string{"3214": {"403-201"}})
		h.refused(403, "403-201", "PATCH", chcPath("3200,3214", ""), tok, `{}`)
	})

	rule(t, "accepts_activity_locked_by_the_caller_or_with_expired_lock", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3215,3216", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		for _, id := range []casemgr.ID{3215, 3216} {
			if c := h.activity(id).Case; c != 2001 {
				t.Fatalf("activity %d in case %d", id, c)
			}
		}
	})

	rule(t, "client_application_is_refused_activity_locked_by_a_user", chcWorld, func(t *testing.T, h *harness) {
		// A client application is not the user holding the lock: a live
		// lock of any user refuses it too.
		h.refused(403, "403-201", "PATCH", chcPath("3214", ""), h.client(), `{"id": "2001"}`)
	})

	rule(t, "refuses_moving_activities_to_the_case_they_are_in", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-224", "PATCH", chcPath("3200", ""), tok, `{"id": "2010"}`)
		if !strings.Contains(devMessage(t, res), "2010") {
			t.Fatalf("developerMessage does not name 2010: %s", res.Body)
		}
		h.refused(400, "400-224", "PATCH", chcPath("3200,3201", "relateCase=yes"), tok, `{"case": {"id": "2010"}}`)
	})

	rule(t, "relateCase_accepts_only_yes", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, v := range []string{"no", "YES", "true", ""} {
			res := h.refused(400, "400-102", "PATCH", chcPath("3200", "relateCase="+url.QueryEscape(v)), tok, `{"id": "2001"}`)
			if !strings.Contains(devMessage(t, res), "relateCase") {
				t.Fatalf("developerMessage does not name relateCase: %s", res.Body)
			}
		}
		h.refused(400, "400-102", "PATCH", chcPath("3200", "relateCase=yes&relateCase=yes"), tok, `{"id": "2001"}`)
	})

	rule(t, "existing_case_id_allows_no_other_element", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{
			`{"id": "2001", "subject": "New subject"}`,
			`{"case": {"id": "2001", "severity": {"value": "high"}}}`,
			`{"id": "2001", "customAttributes": {"customAttribute": []}}`,
		} {
			h.refused(400, "400-226", "PATCH", chcPath("3200", ""), tok, body)
		}
		res := h.refused(400, "400-226", "PATCH", chcPath("3200", ""), tok, `{"case": {"id": "2001", "solution": "x", "dueDate": "2099-01-01T00:00:00.000Z"}}`)
		if msg := devMessage(t, res); !strings.Contains(msg, "case.dueDate") {
			t.Fatalf("developerMessage %q does not name case.dueDate", msg)
		}
		// An element of no case at all is unsupported, whatever the id.
		res = h.refused(400, "400-104", "PATCH", chcPath("3200", ""), tok, `{"id": "2001", "owner": "1001"}`)
		if msg := devMessage(t, res); !strings.Contains(msg, "owner") {
			t.Fatalf("developerMessage %q does not name owner", msg)
		}
		h.refused(400, "400-226", "PATCH", chcPath("3200", ""), tok,
			`<case><id>2001</id><subject>x</subject></case>`, "Content-Type", "application/xml")
	})

	// ---- Elements of a new case ----

	rule(t, "new_case_dueDate_must_be_a_valid_future_date", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, due := range []string{"2020-01-01T00:00:00.000Z", "tomorrow", "2099-13-01T00:00:00.000Z", ""} {
			res := h.refused(400, "400-227", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"case": {"dueDate": %q}}`, due))
			if due != "" && !strings.Contains(devMessage(t, res), due) {
				t.Fatalf("developerMessage does not name %q: %s", due, res.Body)
			}
		}
		past := casemgr.FormatTime(time.Now().Add(-time.Minute))
		h.refused(400, "400-227", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"dueDate": %q}`, past))
	})

	rule(t, "new_case_severity_must_be_urgent_high_medium_or_low", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, sev := range []string{"critical", "High", ""} {
			h.refused(400, "400-228", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"case": {"severity": {"value": %q}}}`, sev))
		}
		// Each valid severity is accepted.
		for i, sev := range []string{"urgent", "high", "medium", "low"} {
			act := []string{"3200", "3201", "3202", "3203"}[i]
			id := created(t, h.do("PATCH", chcPath(act, ""), tok, fmt.Sprintf(`{"case": {"severity": {"value": %q}}}`, sev)), "case")
			if got := h.caseOf(id).Severity; got != sev {
				t.Fatalf("severity %q, want %q", got, sev)
			}
		}
	})

	rule(t, "new_case_subject_at_most_1024_characters", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-229", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"subject": %q}`, strings.Repeat("é", 1025)))
		if msg := devMessage(t, res); !strings.Contains(msg, "1025") {
			t.Fatalf("developerMessage %q", msg)
		}
		// 1024 characters (2048 bytes) are fine.
		subject := strings.Repeat("é", 1024)
		id := created(t, h.do("PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"subject": %q}`, subject)), "case")
		if got := h.caseOf(id).Subject; got != subject {
			t.Fatalf("subject of %d runes stored, want 1024", len([]rune(got)))
		}
	})

	rule(t, "new_case_description_and_solution_at_most_1024_characters", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		long := strings.Repeat("x", 1025)
		res := h.refused(400, "400-232", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"description": %q}`, long))
		if msg := devMessage(t, res); !strings.Contains(msg, "description") {
			t.Fatalf("developerMessage %q", msg)
		}
		h.refused(400, "400-232", "PATCH", chcPath("3200", ""), tok, fmt.Sprintf(`{"case": {"solution": %q}}`, long))
	})

	rule(t, "new_case_custom_attributes_must_be_defined_for_cases", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		ca := func(name, value string) string {
			return fmt.Sprintf(`{"case": {"customAttributes": {"customAttribute": [{"attribName": %q, "attribValues": {"attribValue": [{"value": %q}]}}]}}}`, name, value)
		}
		res := h.refused(400, "400-230", "PATCH", chcPath("3200", ""), tok, ca("colour", "red"))
		if msg := devMessage(t, res); !strings.Contains(msg, "colour") {
			t.Fatalf("developerMessage %q", msg)
		}
		// channel_detail is defined for activities, not for cases.
		h.refused(400, "400-230", "PATCH", chcPath("3200", ""), tok, ca("channel_detail", "ivr"))
		// An enumeration takes only its values.
		res = h.refused(400, "400-231", "PATCH", chcPath("3200", ""), tok, ca("region", "MARS"))
		if msg := devMessage(t, res); !strings.Contains(msg, "MARS") || !strings.Contains(msg, "region") {
			t.Fatalf("developerMessage %q", msg)
		}
		h.refused(400, "400-231", "PATCH", chcPath("3200", ""), tok, ca("region", "emea"))
		// Defined names and allowed values are stored.
		id := created(t, h.do("PATCH", chcPath("3200", ""), tok,
			`{"case": {"customAttributes": {"customAttribute": [
			  {"attribName": "region", "attribValues": {"attribValue": [{"value": "APAC"}]}},
			  {"attribName": "reference", "attribValues": {"attribValue": [{"value": "any text"}]}}]}}}`), "case")
		got := h.caseOf(id).CustomAttributes
		if fmt.Sprint(got) != "map[reference:[any text] region:[APAC]]" {
			t.Fatalf("custom attributes %v", got)
		}
	})

	// ---- Permissions and licenses ----

	rule(t, "user_needs_the_change_case_action", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(403, "403-105", "PATCH", chcPath("3200", ""), h.login("nadia"), `{"id": "2001"}`)
		if !strings.Contains(devMessage(t, res), "Change Case") {
			t.Fatalf("developerMessage does not name the action: %s", res.Body)
		}
		h.refused(403, "403-105", "PATCH", chcPath("3200", ""), h.login("nadia"), `{}`)
	})

	rule(t, "activity_outside_home_and_foreign_departments_is_not_found", chcWorld, func(t *testing.T, h *harness) {
		// leo works in Legal only, frank in Billing only, jenny in
		// Service and Billing, not Legal. An activity of a department
		// the user does not see answers exactly as a missing one.
		for _, c := range []struct{ user, id, body string }{
			{"leo", "3200", `{"id": "2001"}`}, {"jenny", "3219", `{}`}, {"frank", "3200", `{"id": "2001"}`},
		} {
			inv := h.refused(404, "404-101", "PATCH", chcPath(c.id, ""), h.login(c.user), c.body)
			missing := h.refused(404, "404-101", "PATCH", chcPath("3999", ""), h.login(c.user), c.body)
			sameAnswer(t, inv, c.id, missing, "3999")
		}
		// Among visible ones, only the invisible is named.
		res := h.refused(404, "404-101", "PATCH", chcPath("3200,3219", ""), h.login("jenny"), `{}`)
		wantDetails(t, res, map[string][]string{"3219": {"404-101"}})
	})

	rule(t, "user_of_foreign_department_may_change_case", chcWorld, func(t *testing.T, h *harness) {
		// jenny is a foreign user of Billing.
		h.do("PATCH", chcPath("3218", ""), h.login("jenny"), `{"id": "2015"}`).expect(t, 204, "")
		if c := h.activity(3218).Case; c != 2015 {
			t.Fatalf("activity 3218 in case %d", c)
		}
	})

	rule(t, "user_of_home_department_may_change_case", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3218", ""), h.login("frank"), `{"id": "2015"}`).expect(t, 204, "")
	})

	rule(t, "email_and_social_need_advisor_desktop_or_mailplus", chcWorld, func(t *testing.T, h *harness) {
		// carl has CallTrackPlus only; paula eGain Platform only; nolan none.
		for _, user := range []string{"carl", "paula", "nolan"} {
			for _, act := range []string{"3200", "3202"} {
				res := h.refused(403, "403-106", "PATCH", chcPath(act, ""), h.login(user), `{"id": "2001"}`)
				if msg := devMessage(t, res); !strings.Contains(msg, "eGain MailPlus") || !strings.Contains(msg, "eGain Advisor Desktop") {
					t.Fatalf("%s %s: developerMessage %q", user, act, msg)
				}
			}
		}
		// mia has MailPlus: email and social together.
		h.do("PATCH", chcPath("3200,3202", ""), h.login("mia"), `{"id": "2001"}`).expect(t, 204, "")
	})

	rule(t, "email_and_social_accepted_with_advisor_desktop", chcWorld, func(t *testing.T, h *harness) {
		// jenny has Advisor Desktop (and CallTrackPlus), not MailPlus.
		h.do("PATCH", chcPath("3200,3202", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
	})

	rule(t, "calltrack_needs_advisor_desktop_or_calltrackplus", chcWorld, func(t *testing.T, h *harness) {
		for _, user := range []string{"mia", "paula", "nolan"} {
			h.refused(403, "403-106", "PATCH", chcPath("3201", ""), h.login(user), `{"id": "2001"}`)
		}
		h.do("PATCH", chcPath("3201", ""), h.login("carl"), `{"id": "2001"}`).expect(t, 204, "")
	})

	rule(t, "other_types_need_any_user_license", chcWorld, func(t *testing.T, h *harness) {
		// nolan has no license at all.
		for _, act := range []string{"3203", "3204", "3207"} {
			h.refused(403, "403-106", "PATCH", chcPath(act, ""), h.login("nolan"), `{"id": "2001"}`)
		}
		// Any one license will do: eGain Platform (paula), MailPlus (mia),
		// CallTrackPlus (carl).
		h.do("PATCH", chcPath("3203", ""), h.login("paula"), `{"id": "2001"}`).expect(t, 204, "")
		h.do("PATCH", chcPath("3204", ""), h.login("mia"), `{"id": "2001"}`).expect(t, 204, "")
		h.do("PATCH", chcPath("3207", ""), h.login("carl"), `{"id": "2001"}`).expect(t, 204, "")
	})

	rule(t, "license_refusal_names_every_activity_lacking_one", chcWorld, func(t *testing.T, h *harness) {
		// carl: calltrack fine, email and social not.
		res := h.refused(403, "403-106", "PATCH", chcPath("3200,3201,3202", ""), h.login("carl"), `{"id": "2001"}`)
		wantDetails(t, res, map[string][]string{"3200": {"403-106"}, "3202": {"403-106"}})
	})

	rule(t, "client_application_needs_no_permission_or_license", chcWorld, func(t *testing.T, h *harness) {
		// Legal (no user of the base world but leo works there) and every type.
		id := created(t, h.do("PATCH", chcPath("3219", ""), h.client(), `{}`), "case")
		c := h.caseOf(id)
		if c.Department != 12 || c.LastModifiedBy != 0 || c.CreatedBy != 0 {
			t.Fatalf("case %+v", c)
		}
		h.do("PATCH", chcPath("3200,3201,3202,3203,3204,3207", ""), h.client(), `{"id": "2001"}`).expect(t, 204, "")
		if a := h.activity(3200); a.Case != 2001 || a.LastModifiedBy != 0 {
			t.Fatalf("activity 3200: case %d, lastModifiedBy %d", a.Case, a.LastModifiedBy)
		}
	})

	// ---- Order of checks (docs/api.md, Errors) ----

	rule(t, "checks_in_order_malformed_then_404_then_403_then_rules", chcWorld, func(t *testing.T, h *harness) {
		nadia := h.login("nadia")
		// Malformed before anything else.
		h.refused(400, "400-101", "PATCH", chcPath("9999", "foo=1"), nadia, `{"id": "2001"}`)
		h.refused(400, "400-104", "PATCH", chcPath("9999", ""), nadia, `{"bogus": "1"}`)
		h.refused(400, "400-228", "PATCH", chcPath("9999", ""), nadia, `{"severity": {"value": "extreme"}}`)
		// IDs of the path before permissions.
		h.refused(404, "404-101", "PATCH", chcPath("3205,9999", ""), nadia, `{"id": "2001"}`)
		// Permissions before the rules.
		h.refused(403, "403-105", "PATCH", chcPath("3205", ""), nadia, `{"id": "9999"}`)
		h.refused(404, "404-101", "PATCH", chcPath("3205", ""), h.login("leo"), `{"id": "2003"}`)
		h.refused(403, "403-106", "PATCH", chcPath("3205", ""), h.login("carl"), `{"id": "2010"}`)
	})

	rule(t, "bulk_refusal_lists_every_activity_and_rule", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-204", "PATCH", chcPath("3205,3206,3214,3200,3208", ""), h.login("jenny"), `{"id": "2003"}`)
		wantDetails(t, res, map[string][]string{
			"3200": {"400-222"},
			"3205": {"400-204", "400-222"},
			"3206": {"400-204", "400-222"},
			"3208": {"400-222", "400-205"},
			"3214": {"400-222", "403-201"},
		})
		if msg := devMessage(t, res); !strings.Contains(msg, "3205, 3206") {
			t.Fatalf("developerMessage %q does not name 3205 and 3206", msg)
		}
	})

	rule(t, "refuses_an_activity_named_twice", chcWorld, func(t *testing.T, h *harness) {
		h.refused(400, "400-206", "PATCH", chcPath("3200,3201,3200", ""), h.login("jenny"), `{"id": "2001"}`)
	})

	// ---- Effects ----

	rule(t, "moves_activities_to_existing_case", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		before := h.activity(3200)
		start := casemgr.Millis(time.Now())
		res := h.do("PATCH", chcPath("3200,3201", ""), tok, `{"id": "2001"}`)
		res.expect(t, 204, "")
		if len(res.Body) != 0 || res.Header.Get("Location") != "" {
			t.Fatalf("204 with body %q, Location %q", res.Body, res.Header.Get("Location"))
		}
		for _, id := range []casemgr.ID{3200, 3201} {
			a := h.activity(id)
			if a.Case != 2001 || a.LastModifiedBy != 1001 || a.LastModified.Before(start) {
				t.Fatalf("activity %d: case %d, lastModifiedBy %d, lastModified %v", id, a.Case, a.LastModifiedBy, a.LastModified)
			}
		}
		// Only the case moves.
		after := h.activity(3200)
		after.Case, after.LastModified, after.LastModifiedBy = before.Case, before.LastModified, before.LastModifiedBy
		if fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", before) {
			t.Fatalf("more than the case changed:\n%+v\n%+v", before, after)
		}
		// The source keeps its other activities open; both cases stay open.
		if h.caseOf(2010).Status != "open" || h.caseOf(2001).Status != "open" {
			t.Fatal("a case changed status")
		}
		// Through the API.
		if got := at(h.readActivity(tok, 3200), "case.id"); got != "2001" {
			t.Fatalf("GET activity 3200: case %v", got)
		}
		res = h.do("GET", "/core/casemgr/v3/activity?case=2001", tok, "")
		res.expect(t, 200, "")
		if n := len(res.JSON(t)["activity"].([]any)); n != 2 {
			t.Fatalf("case 2001 has %d activities: %s", n, res.Body)
		}
	})

	rule(t, "accepts_url_encoded_commas", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3200%2C3201", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		if h.activity(3201).Case != 2001 {
			t.Fatal("activity 3201 did not move")
		}
	})

	rule(t, "completed_responses_move_with_their_activities", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.do("PATCH", chcPath("3000", ""), tok, `{"id": "2001"}`).expect(t, 204, "")
		for _, id := range []casemgr.ID{3000, 3001} {
			if c := h.activity(id).Case; c != 2001 {
				t.Fatalf("activity %d in case %d, want 2001", id, c)
			}
		}
		if r := h.activity(3001); r.LastModifiedBy != 1001 || r.Status != "completed" {
			t.Fatalf("response 3001 %+v", r)
		}
		if got := at(h.readActivity(tok, 3001), "case.id"); got != "2001" {
			t.Fatalf("GET activity 3001: case %v", got)
		}
		if hist := h.history("activity", 3001); len(hist) != 1 || hist[0].Action != "changecase" {
			t.Fatalf("history of 3001: %+v", hist)
		}
		// To a new case too.
		id := created(t, h.do("PATCH", chcPath("3210", ""), tok, `{}`), "case")
		for _, a := range []casemgr.ID{3210, 3211} {
			if c := h.activity(a).Case; c != id {
				t.Fatalf("activity %d in case %d, want %d", a, c, id)
			}
		}
	})

	rule(t, "closed_target_case_reopens", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		before := h.caseOf(2002)
		h.do("PATCH", chcPath("3200", ""), tok, `{"id": "2002"}`).expect(t, 204, "")
		c := h.caseOf(2002)
		if c.Status != "open" || !c.LastModified.After(before.LastModified) || c.LastModifiedBy != 1001 {
			t.Fatalf("case 2002 after: %+v", c)
		}
		if got := at(h.readCase(tok, 2002), "status.value"); got != "open" {
			t.Fatalf("GET case 2002: status %v", got)
		}
		hist := h.history("case", 2002)
		if len(hist) != 1 || hist[0].Action != "changecase" || !strings.Contains(hist[0].Before, `"closed"`) || !strings.Contains(hist[0].After, `"open"`) {
			t.Fatalf("history of case 2002: %+v", hist)
		}
	})

	rule(t, "source_case_left_without_open_activities_closes", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		start := casemgr.Millis(time.Now())
		// 2011 holds 3210 and its completed response 3211 only.
		h.do("PATCH", chcPath("3210", ""), tok, `{"id": "2001"}`).expect(t, 204, "")
		c := h.caseOf(2011)
		if c.Status != "closed" || c.LastClosed == nil || c.LastClosed.Before(start) || c.LastModifiedBy != 1001 {
			t.Fatalf("case 2011 after: %+v", c)
		}
		api := h.readCase(tok, 2011)
		if at(api, "status.value") != "closed" || at(api, "lastClosed") != casemgr.FormatTime(*c.LastClosed) {
			t.Fatalf("GET case 2011: %v", api)
		}
		hist := h.history("case", 2011)
		if len(hist) != 1 || hist[0].Action != "changecase" || hist[0].Actor != "user:1001" {
			t.Fatalf("history of case 2011: %+v", hist)
		}
		// The target stays open.
		if h.caseOf(2001).Status != "open" {
			t.Fatal("case 2001 is not open")
		}
	})

	rule(t, "source_case_left_with_only_completed_activities_closes", chcWorld, func(t *testing.T, h *harness) {
		// 2017: 3223 assigned, 3224 completed.
		h.do("PATCH", chcPath("3223", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		if c := h.caseOf(2017); c.Status != "closed" || c.LastClosed == nil {
			t.Fatalf("case 2017: %+v", c)
		}
		if h.activity(3224).Case != 2017 {
			t.Fatal("the completed activity moved")
		}
	})

	rule(t, "source_case_with_open_activities_left_stays_open", chcWorld, func(t *testing.T, h *harness) {
		before := h.caseOf(2000)
		// 3002 (queued) stays in 2000.
		h.do("PATCH", chcPath("3000", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		after := h.caseOf(2000)
		if fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", before) {
			t.Fatalf("case 2000 changed:\n%+v\n%+v", before, after)
		}
		if hist := h.history("case", 2000); len(hist) != 0 {
			t.Fatalf("history of an unchanged case: %+v", hist)
		}
		// Moving the rest closes it.
		h.do("PATCH", chcPath("3002", ""), h.login("jenny"), `{"id": "2001"}`).expect(t, 204, "")
		if h.caseOf(2000).Status != "closed" {
			t.Fatal("case 2000 did not close")
		}
	})

	rule(t, "new_case_is_like_the_original", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		start := casemgr.Millis(time.Now())
		// 2011 is owned by frank (1002), originating channel email.
		res := h.do("PATCH", chcPath("3210", ""), tok, `{}`)
		id := created(t, res, "case")
		if len(res.Body) != 0 {
			t.Fatalf("201 with a body: %s", res.Body)
		}
		c := h.caseOf(id)
		orig := h.caseOf(2011)
		if c.Department != 10 || c.Status != "open" || c.Owner != 1002 || c.Customer != 500 ||
			c.OriginatingChannel != "email" || c.Subject != "Only one open activity" || c.LastClosed != nil ||
			c.CreatedBy != 1001 || c.LastModifiedBy != 1001 || c.Created.Before(start) {
			t.Fatalf("new case %+v", c)
		}
		// Nothing else is copied: the rule names no more.
		if c.Severity != "" || c.Description != "" || c.Solution != "" || c.DueDate != nil || len(c.CustomAttributes) != 0 || len(c.RelatedCases) != 0 {
			t.Fatalf("new case copied more than the rule says: %+v", c)
		}
		// The original was left without open activities.
		if orig.Status != "closed" {
			t.Fatalf("case 2011 is %s", orig.Status)
		}
		api := h.readCase(tok, id)
		if at(api, "status.value") != "open" || at(api, "department.id") != "10" ||
			at(api, "owner.user.id") != "1002" || at(api, "customer.id") != "500" ||
			at(api, "originatingChannel.value") != "email" || at(api, "subject") != "Only one open activity" {
			t.Fatalf("GET new case: %v", api)
		}
		hist := h.history("case", id)
		if len(hist) != 1 || hist[0].Action != "create" || hist[0].Before != "" {
			t.Fatalf("history of the new case: %+v", hist)
		}
	})

	rule(t, "new_case_of_case_without_customer_has_no_customer", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		id := created(t, h.do("PATCH", chcPath("3220", ""), tok, `{}`), "case")
		if c := h.caseOf(id); c.Customer != 0 || c.OriginatingChannel != "chat" || c.Subject != "Case without customer" {
			t.Fatalf("new case %+v", c)
		}
		if _, ok := h.readCase(tok, id)["customer"]; ok {
			t.Fatal("GET new case shows a customer")
		}
		// 3221 stays in 2005, which stays open.
		if h.caseOf(2005).Status != "open" {
			t.Fatal("case 2005 closed")
		}
	})

	rule(t, "new_case_takes_the_elements_sent", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		id := created(t, h.do("PATCH", chcPath("3200,3201", ""), tok, `{"case": {
		  "subject": "Split from 2010", "severity": {"value": "urgent"},
		  "dueDate": "2099-01-02T03:04:05.678Z", "description": "Why we split", "solution": "Replace it",
		  "customAttributes": {"customAttribute": [{"attribName": "region", "attribValues": {"attribValue": [{"value": "EMEA"}]}}]}}}`), "case")
		c := h.caseOf(id)
		if c.Subject != "Split from 2010" || c.Severity != "urgent" || c.DueDate == nil ||
			casemgr.FormatTime(*c.DueDate) != "2099-01-02T03:04:05.678Z" || c.Description != "Why we split" ||
			c.Solution != "Replace it" || fmt.Sprint(c.CustomAttributes) != "map[region:[EMEA]]" {
			t.Fatalf("new case %+v", c)
		}
		if c.Owner != 1001 || c.Customer != 500 || c.OriginatingChannel != "phone" || c.Department != 10 {
			t.Fatalf("new case %+v", c)
		}
		for _, a := range []casemgr.ID{3200, 3201} {
			if h.activity(a).Case != id {
				t.Fatalf("activity %d not in the new case", a)
			}
		}
		api := h.readCase(tok, id)
		if at(api, "severity.value") != "urgent" || at(api, "dueDate") != "2099-01-02T03:04:05.678Z" ||
			at(api, "description") != "Why we split" || at(api, "solution") != "Replace it" {
			t.Fatalf("GET new case: %v", api)
		}
	})

	rule(t, "new_case_accepts_unwrapped_elements", chcWorld, func(t *testing.T, h *harness) {
		id := created(t, h.do("PATCH", chcPath("3200", ""), h.login("jenny"),
			`{"subject": "Unwrapped", "severity": {"value": "low"}}`), "case")
		if c := h.caseOf(id); c.Subject != "Unwrapped" || c.Severity != "low" {
			t.Fatalf("new case %+v", c)
		}
		id2 := created(t, h.do("PATCH", chcPath("3201", ""), h.login("jenny"), `{"case": {}}`), "case")
		if id2 == id {
			t.Fatal("the same case twice")
		}
	})

	rule(t, "existing_case_accepts_wrapped_id", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3200", ""), h.login("jenny"), `{"case": {"id": "2001"}}`).expect(t, 204, "")
		h.do("PATCH", chcPath("3201", ""), h.login("jenny"), `{"id": 2001}`).expect(t, 204, "")
		if h.activity(3200).Case != 2001 || h.activity(3201).Case != 2001 {
			t.Fatal("not moved")
		}
	})

	rule(t, "relateCase_yes_relates_existing_cases_both_ways", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.do("PATCH", chcPath("3200", "relateCase=yes"), tok, `{"id": "2001"}`).expect(t, 204, "")
		if r := h.caseOf(2010).RelatedCases; fmt.Sprint(r) != "[2001]" {
			t.Fatalf("case 2010 related to %v", r)
		}
		if r := h.caseOf(2001).RelatedCases; fmt.Sprint(r) != "[2010]" {
			t.Fatalf("case 2001 related to %v", r)
		}
		if r := chcRelated(h.readCase(tok, 2010)); fmt.Sprint(r) != "[2001]" {
			t.Fatalf("GET case 2010: related %v", r)
		}
		if r := chcRelated(h.readCase(tok, 2001)); fmt.Sprint(r) != "[2010]" {
			t.Fatalf("GET case 2001: related %v", r)
		}
		for _, id := range []casemgr.ID{2010, 2001} {
			if hist := h.history("case", id); len(hist) != 1 || hist[0].Action != "changecase" {
				t.Fatalf("history of case %d: %+v", id, hist)
			}
		}
		// Relating again changes neither case.
		before := h.caseOf(2001)
		h.do("PATCH", chcPath("3201", "relateCase=yes"), tok, `{"id": "2001"}`).expect(t, 204, "")
		if after := h.caseOf(2001); fmt.Sprintf("%+v", after) != fmt.Sprintf("%+v", before) {
			t.Fatalf("case 2001 changed:\n%+v\n%+v", before, after)
		}
	})

	rule(t, "relateCase_yes_relates_new_case_both_ways", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		id := created(t, h.do("PATCH", chcPath("3200", "relateCase=yes"), tok, `{}`), "case")
		if r := h.caseOf(id).RelatedCases; fmt.Sprint(r) != "[2010]" {
			t.Fatalf("new case related to %v", r)
		}
		if r := h.caseOf(2010).RelatedCases; fmt.Sprint(r) != fmt.Sprintf("[%d]", id) {
			t.Fatalf("case 2010 related to %v", r)
		}
		if r := chcRelated(h.readCase(tok, 2010)); fmt.Sprint(r) != fmt.Sprintf("[%d]", id) {
			t.Fatalf("GET case 2010: related %v", r)
		}
	})

	rule(t, "without_relateCase_cases_are_not_related", chcWorld, func(t *testing.T, h *harness) {
		id := created(t, h.do("PATCH", chcPath("3200", ""), h.login("jenny"), `{}`), "case")
		if len(h.caseOf(id).RelatedCases) != 0 || len(h.caseOf(2010).RelatedCases) != 0 {
			t.Fatal("cases related without relateCase")
		}
	})

	rule(t, "history_records_every_activity_and_case_changed", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		// 3210 (and its response 3211) leave 2011, which closes; 2002
		// reopens; both are related.
		h.do("PATCH", chcPath("3210", "relateCase=yes"), tok, `{"id": "2002"}`).expect(t, 204, "")
		for _, id := range []casemgr.ID{3210, 3211} {
			hist := h.history("activity", id)
			if len(hist) != 1 || hist[0].Action != "changecase" || hist[0].Actor != "user:1001" ||
				!strings.Contains(hist[0].Before, `"Case":2011`) || !strings.Contains(hist[0].After, `"Case":2002`) {
				t.Fatalf("history of activity %d: %+v", id, hist)
			}
		}
		for _, id := range []casemgr.ID{2011, 2002} {
			if hist := h.history("case", id); len(hist) != 1 || hist[0].Action != "changecase" {
				t.Fatalf("history of case %d: %+v", id, hist)
			}
		}
		c := h.caseOf(2011)
		if c.Status != "closed" || fmt.Sprint(c.RelatedCases) != "[2002]" {
			t.Fatalf("case 2011: %+v", c)
		}
		// Through the API.
		res := h.do("GET", "/core/casemgr/v3/activity/3210/history", tok, "")
		res.expect(t, 200, "")
		list, _ := res.JSON(t)["history"].([]any)
		if len(list) != 1 || at(list[0], "action") != "changecase" ||
			at(list[0], "before.case.id") != "2011" || at(list[0], "after.case.id") != "2002" {
			t.Fatalf("GET history: %s", res.Body)
		}
	})

	// ---- XML ----

	rule(t, "xml_body_to_existing_case", chcWorld, func(t *testing.T, h *harness) {
		h.do("PATCH", chcPath("3200,3201", "relateCase=yes"), h.login("jenny"),
			`<?xml version="1.0" encoding="UTF-8"?><case><id>2001</id></case>`,
			"Content-Type", "application/xml").expect(t, 204, "")
		if h.activity(3200).Case != 2001 || h.activity(3201).Case != 2001 || fmt.Sprint(h.caseOf(2001).RelatedCases) != "[2010]" {
			t.Fatal("not moved and related")
		}
	})

	rule(t, "xml_body_to_new_case", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.do("PATCH", chcPath("3200", ""), tok, `<case>
		  <subject>From XML</subject>
		  <severity><value>medium</value></severity>
		  <dueDate>2099-05-05T05:05:05.000Z</dueDate>
		  <description>Described in XML</description>
		  <solution>Solved in XML</solution>
		  <customAttributes>
		    <customAttribute><attribName>region</attribName><attribValues><attribValue><value>APAC</value></attribValue></attribValues></customAttribute>
		    <customAttribute><attribName>reference</attribName><attribValues><attribValue><value>R-1</value></attribValue><attribValue><value>R-2</value></attribValue></attribValues></customAttribute>
		  </customAttributes>
		</case>`, "Content-Type", "application/xml", "Accept", "application/xml")
		id := created(t, res, "case")
		c := h.caseOf(id)
		if c.Subject != "From XML" || c.Severity != "medium" || c.DueDate == nil || c.Description != "Described in XML" ||
			c.Solution != "Solved in XML" || fmt.Sprint(c.CustomAttributes) != "map[reference:[R-1 R-2] region:[APAC]]" {
			t.Fatalf("new case %+v", c)
		}
		// An empty <case/> is a new case without elements.
		id2 := created(t, h.do("PATCH", chcPath("3201", ""), tok, `<case/>`, "Content-Type", "application/xml"), "case")
		if c := h.caseOf(id2); c.Subject != "Printer on fire" {
			t.Fatalf("new case %+v", c)
		}
	})

	rule(t, "xml_error_answers", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		res := h.refused(400, "400-224", "PATCH", chcPath("3200", ""), tok, `<case><id>2010</id></case>`,
			"Content-Type", "application/xml", "Accept", "application/xml")
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Fatalf("Content-Type %q", ct)
		}
		if !strings.Contains(string(res.Body), "<developerMessage>") || !strings.Contains(string(res.Body), "<details>") {
			t.Fatalf("XML error body %s", res.Body)
		}
		res = h.refused(404, "404-101", "PATCH", chcPath("9999", ""), tok, `{"id": "2001"}`, "Accept", "application/xml")
		if !strings.HasPrefix(string(res.Body), "<?xml") {
			t.Fatalf("XML error body %s", res.Body)
		}
		// An XML body whose root is not <case>.
		res = h.refused(400, "400-104", "PATCH", chcPath("3200", ""), tok, `<activity><id>2001</id></activity>`,
			"Content-Type", "application/xml", "Accept", "application/xml")
		if !strings.Contains(string(res.Body), "activity") {
			t.Fatalf("error does not name the root: %s", res.Body)
		}
	})

	rule(t, "user_message_is_translated_on_request", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-224", "PATCH", chcPath("3200", ""), h.login("jenny"), `{"id": "2010"}`,
			"Accept-Language", "fr-FR", "X-egain-error-message", "yes")
		m := res.JSON(t)
		um, _ := m["userMessage"].(string)
		if um == "" || um == m["developerMessage"] {
			t.Fatalf("userMessage %q", um)
		}
		res = h.refused(400, "400-224", "PATCH", chcPath("3200", ""), h.login("jenny"), `{"id": "2010"}`)
		if _, ok := res.JSON(t)["userMessage"]; ok {
			t.Fatal("userMessage without X-egain-error-message")
		}
	})

	// ---- Malformed requests ----

	rule(t, "refuses_unknown_query_parameter", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(400, "400-101", "PATCH", chcPath("3200", "relatecase=yes"), h.login("jenny"), `{"id": "2001"}`)
		if !strings.Contains(devMessage(t, res), "relatecase") {
			t.Fatalf("developerMessage %s", res.Body)
		}
		h.refused(400, "400-101", "PATCH", chcPath("3200", "relateCase=yes&x=1"), h.login("jenny"), `{}`)
	})

	rule(t, "refuses_unknown_body_elements", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for body, name := range map[string]string{
			`{"bogus": 1}`: "bogus",
			`{"case": {"subject": "x", "owner": "1001"}}`:             "case.owner",
			`{"case": {"severity": {"value": "high", "x": "1"}}}`:     "case.severity.x",
			`{"case": {}, "id": "2001"}`:                              "id",
			`{"severity": {"value": "high", "displayValue": "High"}}`: "severity.displayValue",
			`{"customAttributes": {"customAttribute": [{"attribName": "region", "attribValues": {"attribValue": [{"value": "EMEA", "x": "1"}]}}]}}`: "x",
		} {
			res := h.refused(400, "400-104", "PATCH", chcPath("3200", ""), tok, body)
			if !strings.Contains(devMessage(t, res), name) {
				t.Fatalf("%s: developerMessage does not name %s: %s", body, name, res.Body)
			}
		}
		h.refused(400, "400-104", "PATCH", chcPath("3200", ""), tok, `<case><bogus>1</bogus></case>`, "Content-Type", "application/xml")
	})

	rule(t, "refuses_bad_element_values", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{
			`{"id": "abc"}`, `{"id": "-1"}`, `{"id": {"x": 1}}`, `{"case": "2001"}`, `{"case": null}`,
			`{"severity": "high"}`, `{"subject": ["a"]}`, `{"subject": {"x": "1"}}`,
		} {
			h.refused(400, "400-152", "PATCH", chcPath("3200", ""), tok, body)
		}
		h.refused(400, "400-105", "PATCH", chcPath("3200", ""), tok, `{"severity": {}}`)
		h.refused(400, "400-105", "PATCH", chcPath("3200", ""), tok, `{"id": null}`)
	})

	rule(t, "refuses_bad_ids_in_the_path", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, ids := range []string{"abc", "3200,x", "3200,,3201", "-1", "0"} {
			h.refused(400, "400-108", "PATCH", chcPath(ids, ""), tok, `{"id": "2001"}`)
		}
	})

	rule(t, "refuses_missing_body", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(400, "400-264", "PATCH", chcPath("3200", ""), tok, "")
		h.refused(400, "400-264", "PATCH", chcPath("3200", ""), tok, "  \n", "Content-Type", "application/json")
	})

	rule(t, "refuses_invalid_json_and_xml", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, body := range []string{`{"id": "2001"`, `{"id": "2001"} {}`, `not json`, `[]`, `"2001"`, `42`} {
			h.refused(400, "400-103", "PATCH", chcPath("3200", ""), tok, body)
		}
		for _, body := range []string{`<case><id>2001</case>`, `<case>`, `<case><id>2001</id></case><case/>`, `<case>text<id>1</id></case>`} {
			h.refused(400, "400-103", "PATCH", chcPath("3200", ""), tok, body, "Content-Type", "application/xml")
		}
	})

	rule(t, "refuses_wrong_content_type", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "bogus"} {
			h.refused(415, "415-100", "PATCH", chcPath("3200", ""), tok, `{"id": "2001"}`, "Content-Type", ct)
		}
	})

	rule(t, "refuses_missing_or_invalid_token", chcWorld, func(t *testing.T, h *harness) {
		res := h.refused(401, "401-104", "PATCH", chcPath("3200", ""), "", `{"id": "2001"}`)
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("no WWW-Authenticate")
		}
		h.refused(401, "401-101", "PATCH", chcPath("3200", ""), "not-a-token", `{"id": "2001"}`)
	})

	rule(t, "refuses_unacceptable_accept_and_language", chcWorld, func(t *testing.T, h *harness) {
		tok := h.login("jenny")
		h.refused(406, "406-101", "PATCH", chcPath("3200", ""), tok, `{"id": "2001"}`, "Accept", "text/html")
		h.refused(406, "406-100", "PATCH", chcPath("3200", ""), tok, `{"id": "2001"}`, "Accept-Language", "xx-XX")
	})
}
