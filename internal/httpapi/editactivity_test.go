package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Tests of PATCH /core/casemgr/v3/activity (edit activity): one test per
// rule of docs/operations/edit-activity.md, each on SQLite and PostgreSQL,
// each refusal checked to leave the world unchanged.

// wrapUpWorld adds to the base world the users and activities of the
// wrap-up tests (edit and complete). ella (1040) holds Edit Activity and
// Complete with eGain Advisor Desktop; eric (1041) holds them with eGain
// Platform only; jenny (1001) holds neither.
const wrapUpWorld = `{
 "departments": [
  {"id": "14", "name": "Quality", "forceCategorization": true, "forceResolutionCode": true}
 ],
 "queues": [{"id": "140", "name": "Quality inbox", "department": "14"}],
 "users": [
  {"id": "1040", "name": "ella", "password": "pw-ella", "firstName": "Ella", "lastName": "Wrap",
   "department": "10", "foreignDepartments": ["11", "14"], "licenses": ["eGain Advisor Desktop"],
   "actions": ["Edit Activity", "Complete"]},
  {"id": "1041", "name": "eric", "password": "pw-eric", "firstName": "Eric", "lastName": "Platform",
   "department": "10", "licenses": ["eGain Platform"], "actions": ["Edit Activity", "Complete"]}
 ],
 "cases": [
  {"id": "2040", "department": "10", "status": "open", "owner": "1040", "subject": "Wrap-up case"},
  {"id": "2041", "department": "10", "status": "open", "owner": "1040", "subject": "Two open activities"},
  {"id": "2042", "department": "14", "status": "open", "owner": "1040", "subject": "Quality case"}
 ],
 "activities": [
  {"id": "3200", "case": "2040", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1040",
   "priority": "3", "customAttributes": {"reference": "R-1", "channel_detail": "ivr"}, "created": "2026-02-01T10:00:00.000Z"},
  {"id": "3201", "case": "2041", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-01T10:01:00.000Z"},
  {"id": "3202", "case": "2041", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:02:00.000Z"},
  {"id": "3203", "case": "2041", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1040", "lockedBy": "1002", "created": "2026-02-01T10:03:00.000Z"},
  {"id": "3204", "case": "2041", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1040", "lockedBy": "1002",
   "lockExpires": "2026-01-01T00:00:00.000Z", "created": "2026-02-01T10:04:00.000Z"},
  {"id": "3205", "case": "2006", "department": "12", "type": "task", "status": "assigned", "assignedUser": "1007", "created": "2026-02-01T10:05:00.000Z"},
  {"id": "3206", "case": "2041", "department": "10", "type": "chat", "status": "assigned", "assignedUser": "1040", "created": "2026-02-01T10:06:00.000Z"},
  {"id": "3207", "case": "2041", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1041", "created": "2026-02-01T10:07:00.000Z"},
  {"id": "3208", "case": "2041", "department": "10", "type": "web", "status": "assigned", "assignedUser": "1040", "created": "2026-02-01T10:08:00.000Z"},
  {"id": "3209", "case": "2040", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1040",
   "responseTo": "3200", "created": "2026-02-01T10:09:00.000Z"},
  {"id": "3210", "case": "2042", "department": "14", "type": "task", "status": "assigned", "assignedUser": "1040", "created": "2026-02-01T10:10:00.000Z"},
  {"id": "3211", "case": "2042", "department": "14", "type": "task", "status": "assigned", "assignedUser": "1040",
   "categories": ["Billing"], "created": "2026-02-01T10:11:00.000Z"},
  {"id": "3212", "case": "2042", "department": "14", "type": "task", "status": "assigned", "assignedUser": "1040",
   "categories": ["Billing"], "resolutionCodes": ["Fixed"], "created": "2026-02-01T10:12:00.000Z"},
  {"id": "3213", "case": "2041", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1040",
   "awaitingSupervision": true, "created": "2026-02-01T10:13:00.000Z"},
  {"id": "3214", "department": "10", "type": "call_track", "subtype": "General", "status": "assigned", "assignedUser": "1040",
   "created": "2026-02-01T10:14:00.000Z"},
  {"id": "3215", "case": "2041", "department": "10", "type": "task", "status": "completed", "created": "2026-02-01T10:15:00.000Z"}
 ]
}`

const editPath = "/core/casemgr/v3/activity"

func wrapUpHarness(t *testing.T, db store.DB) *harness {
	t.Helper()
	h := newHarness(t, db, nil)
	h.add(wrapUpWorld)
	return h
}

// editBody is the JSON body editing activity id (with its current
// lastModified) with the further elements given as JSON ("" for none).
func (h *harness) editBody(id casemgr.ID, more string) string {
	h.t.Helper()
	item := fmt.Sprintf(`"id": "%d", "lastModified": %q`, id, h.stamp(id))
	if more != "" {
		item += ", " + more
	}
	return `{"activity": [{` + item + `}]}`
}

func TestEditActivitySetsEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		before := h.activity(3200)
		res := h.do("PATCH", editPath, ella, h.editBody(3200, `"dueDate": "2099-01-01T00:00:00.000Z", "priority": "5",
			"language": {"value": "en"}, "customAttributes": {"customAttribute": [{"attribName": "reference",
			"attribValues": {"attribValue": [{"value": "CRM-77"}]}}]}`))
		res.expect(t, 204, "")
		if len(res.Body) != 0 {
			t.Errorf("204 with a body: %s", res.Body)
		}
		a := h.readActivity(ella, 3200)
		wantAt(t, a, "dueDate", "2099-01-01T00:00:00.000Z")
		wantAt(t, a, "priority", "5")
		wantAt(t, a, "language.value", "en")
		wantAt(t, a, "lastModifiedBy.user.id", "1040")
		// Merged by name: reference replaced, channel_detail kept.
		got := h.activity(3200).CustomAttributes
		if fmt.Sprint(got) != "map[channel_detail:[ivr] reference:[CRM-77]]" {
			t.Errorf("custom attributes %v", got)
		}
		if after := h.activity(3200); !after.LastModified.After(before.LastModified) || after.Status != before.Status {
			t.Errorf("lastModified %v (before %v), status %s", after.LastModified, before.LastModified, after.Status)
		}
		hist := h.history("activity", 3200)
		if last := hist[len(hist)-1]; last.Action != "edit" || last.Actor != "user:1040" || last.Before == "" {
			t.Errorf("history entry %+v, want an edit by user:1040", last)
		}
		// Only what is sent changes.
		h.do("PATCH", editPath, ella, h.editBody(3200, `"priority": "1"`)).expect(t, 204, "")
		a = h.readActivity(ella, 3200)
		wantAt(t, a, "priority", "1")
		wantAt(t, a, "dueDate", "2099-01-01T00:00:00.000Z")
	})
}

func TestEditActivityXML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		body := fmt.Sprintf(`<activities><activity><id>3200</id><lastModified>%s</lastModified>`+
			`<priority>6</priority><language><value>en</value></language>`+
			`<customAttributes><customAttribute><attribName>channel_detail</attribName>`+
			`<attribValues><attribValue><value>direct</value></attribValue></attribValues></customAttribute></customAttributes>`+
			`</activity></activities>`, h.stamp(3200))
		h.do("PATCH", editPath, h.login("ella"), body, "Content-Type", "application/xml").expect(t, 204, "")
		a := h.activity(3200)
		if a.Priority != "6" || a.Language != "en" || fmt.Sprint(a.CustomAttributes["channel_detail"]) != "[direct]" {
			t.Errorf("after the XML edit: %+v", a)
		}
		res := h.refused(400, "400-404", "PATCH", editPath, h.login("ella"), strings.Replace(body, "<priority>6", "<priority>9", 1),
			"Content-Type", "application/xml", "Accept", "application/xml")
		if !strings.Contains(string(res.Body), "<code>400-404</code>") {
			t.Errorf("XML error: %s", res.Body)
		}
	})
}

func TestEA1ExactlyOneActivity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		item := fmt.Sprintf(`{"id": "3200", "lastModified": %q, "priority": "2"}`, h.stamp(3200))
		h.refused(400, "400-400", "PATCH", editPath, ella, `{"activity": []}`)
		h.refused(400, "400-400", "PATCH", editPath, ella, `{}`)
		h.refused(400, "400-400", "PATCH", editPath, ella, `{"activity": [`+item+`, `+item+`]}`)
		h.refused(400, "400-264", "PATCH", editPath, ella, "")
	})
}

func TestEA2IDAndLastModifiedAreRequired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		h.refused(400, "400-401", "PATCH", editPath, ella, `{"activity": [{"id": "3200", "priority": "2"}]}`)
		h.refused(400, "400-401", "PATCH", editPath, ella, fmt.Sprintf(`{"activity": [{"lastModified": %q, "priority": "2"}]}`, h.stamp(3200)))
		h.refused(400, "400-246", "PATCH", editPath, ella, `{"activity": [{"id": "3200", "lastModified": "yesterday", "priority": "2"}]}`)
		// An unknown ID, and one the user does not see, answer alike.
		res := h.refused(400, "400-203", "PATCH", editPath, ella, `{"activity": [{"id": "9999", "lastModified": "2026-01-01T00:00:00.000Z", "priority": "2"}]}`)
		wantDetails(t, res, map[string][]string{"9999": {"400-203"}})
		h.refused(400, "400-203", "PATCH", editPath, ella, h.editBody(3205, `"priority": "2"`))
	})
}

func TestEA3SomethingIsEdited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		h.refused(400, "400-402", "PATCH", editPath, ella, h.editBody(3200, ""))
		h.refused(400, "400-402", "PATCH", editPath, ella, h.editBody(3200, `"customAttributes": {"customAttribute": []}`))
	})
}

func TestEA4OtherElementsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		for _, extra := range []string{`"subject": "x"`, `"status": {"value": "completed"}`, `"case": {"id": "2000"}`,
			`"payload": {}`, `"language": {"value": "en", "name": "English"}`} {
			h.refused(400, "400-104", "PATCH", editPath, ella, h.editBody(3200, `"priority": "2", `+extra))
		}
		h.refused(400, "400-104", "PATCH", editPath, ella, `{"activity": [], "case": {}}`)
		h.refused(400, "400-104", "PATCH", editPath, ella, `<activity><id>3200</id></activity>`, "Content-Type", "application/xml")
	})
}

func TestEA5DueDateIsInTheFuture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		h.refused(400, "400-403", "PATCH", editPath, ella, h.editBody(3200, `"dueDate": "2020-01-01T00:00:00.000Z"`))
		h.refused(400, "400-403", "PATCH", editPath, ella, h.editBody(3200, `"dueDate": "next week"`))
		h.do("PATCH", editPath, ella, h.editBody(3200, `"dueDate": "2099-12-31T23:59:59.999Z"`)).expect(t, 204, "")
	})
}

func TestEA6PriorityIsOneToSeven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		for _, p := range []string{`"0"`, `"8"`, `"high"`, `""`, `"07"`} {
			h.refused(400, "400-404", "PATCH", editPath, ella, h.editBody(3200, `"priority": `+p))
		}
		h.do("PATCH", editPath, ella, h.editBody(3200, `"priority": "7"`)).expect(t, 204, "")
		if p := h.activity(3200).Priority; p != "7" {
			t.Errorf("priority %q", p)
		}
	})
}

func TestEA7LanguageIsAnActivityLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		// The base world configures no languages: "en" is the default.
		h.refused(400, "400-405", "PATCH", editPath, ella, h.editBody(3200, `"language": {"value": "fr"}`))
		h.refused(400, "400-405", "PATCH", editPath, ella, h.editBody(3200, `"language": {}`))
		h.do("PATCH", editPath, ella, h.editBody(3200, `"language": {"value": "en", "displayValue": "English"}`)).expect(t, 204, "")
		h.add(`{"activityLanguages": ["en-US", "fr-FR"]}`)
		h.refused(400, "400-405", "PATCH", editPath, ella, h.editBody(3200, `"language": {"value": "en"}`))
		h.do("PATCH", editPath, ella, h.editBody(3200, `"language": {"value": "fr-FR"}`)).expect(t, 204, "")
	})
}

func TestEA8CustomAttributesAreTheActivitys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		attr := func(name, value string) string {
			return fmt.Sprintf(`"customAttributes": {"customAttribute": [{"attribName": %q, "attribValues": {"attribValue": [{"value": %q}]}}]}`, name, value)
		}
		h.refused(400, "400-230", "PATCH", editPath, ella, h.editBody(3200, attr("region", "EMEA")))
		h.refused(400, "400-231", "PATCH", editPath, ella, h.editBody(3200, attr("channel_detail", "fax")))
		h.refused(400, "400-231", "PATCH", editPath, ella, h.editBody(3200, attr("reference", "<script>")))
		h.do("PATCH", editPath, ella, h.editBody(3200, attr("reference", `Ünïcode (ok) #1 = "A"`))).expect(t, 204, "")
	})
}

func TestEA9StatusIsAssigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		h.refused(400, "400-406", "PATCH", editPath, h.login("ella"), h.editBody(3201, `"priority": "2"`))
		h.refused(400, "400-406", "PATCH", editPath, h.client(), h.editBody(3215, `"priority": "2"`))
	})
}

func TestEA10AssignedToTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		h.refused(400, "400-407", "PATCH", editPath, h.login("ella"), h.editBody(3202, `"priority": "2"`))
		// A client application edits any assigned activity.
		h.do("PATCH", editPath, h.client(), h.editBody(3202, `"priority": "2"`)).expect(t, 204, "")
		hist := h.history("activity", 3202)
		if last := hist[len(hist)-1]; last.Actor != "client:bridge" {
			t.Errorf("history actor %s", last.Actor)
		}
	})
}

func TestEA11LockedByAnotherUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		h.refused(403, "403-400", "PATCH", editPath, ella, h.editBody(3203, `"priority": "2"`))
		// An expired lock does not count.
		h.do("PATCH", editPath, ella, h.editBody(3204, `"priority": "2"`)).expect(t, 204, "")
	})
}

func TestEA12StaleLastModified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		ella := h.login("ella")
		stale := `{"activity": [{"id": "3200", "lastModified": "2026-02-01T10:00:00.001Z", "priority": "2"}]}`
		res := h.refused(409, "409-400", "PATCH", editPath, ella, stale)
		wantDetails(t, res, map[string][]string{"3200": {"409-400"}})
		// Another rule broken too: the rule is answered, the stale
		// lastModified listed.
		res = h.refused(400, "400-407", "PATCH", editPath, ella,
			`{"activity": [{"id": "3202", "lastModified": "2026-02-01T10:00:00.000Z", "priority": "2"}]}`)
		wantDetails(t, res, map[string][]string{"3202": {"400-407", "409-400"}})
	})
}

func TestEditActivityPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := wrapUpHarness(t, db)
		// jenny holds 3000 but not the Edit Activity action.
		h.refused(403, "403-105", "PATCH", editPath, h.login("jenny"), h.editBody(3000, `"priority": "2"`))
		// eric (eGain Platform) may edit a task, not an email or a chat.
		eric := h.login("eric")
		h.do("PATCH", editPath, eric, h.editBody(3207, `"priority": "2"`)).expect(t, 204, "")
		h.add(`{"activities": [
		 {"id": "3290", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1041", "created": "2026-02-01T10:00:00.000Z"},
		 {"id": "3291", "department": "10", "type": "chat", "status": "assigned", "assignedUser": "1041", "created": "2026-02-01T10:00:00.000Z"}]}`)
		h.refused(403, "403-106", "PATCH", editPath, eric, h.editBody(3290, `"priority": "2"`))
		h.refused(403, "403-106", "PATCH", editPath, eric, h.editBody(3291, `"priority": "2"`))
		// ella (Advisor Desktop) may edit her chat.
		h.do("PATCH", editPath, h.login("ella"), h.editBody(3206, `"priority": "2"`)).expect(t, 204, "")
		// The permission comes before the business rules.
		h.refused(403, "403-105", "PATCH", editPath, h.login("jenny"), h.editBody(3201, `"priority": "2"`))
		h.refused(401, "401-104", "PATCH", editPath, "", h.editBody(3200, `"priority": "2"`))
	})
}
