package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Tests of PATCH /core/casemgr/v3/activity/complete: one test per rule of
// docs/operations/complete-activities.md, each on SQLite and PostgreSQL,
// each refusal checked to leave the world unchanged. The world is
// wrapUpWorld (editactivity_test.go) plus case 2043, whose two open tasks
// ella completes.

const completeWorld = `{
 "cases": [{"id": "2043", "department": "10", "status": "open", "owner": "1040", "subject": "Nearly done"}],
 "activities": [
  {"id": "3216", "case": "2043", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1040",
   "pinned": true, "lockedBy": "1040", "created": "2026-02-01T10:16:00.000Z"},
  {"id": "3217", "case": "2043", "department": "10", "type": "feedback", "status": "assigned", "assignedUser": "1040", "created": "2026-02-01T10:17:00.000Z"},
  {"id": "3218", "case": "2043", "department": "10", "type": "task", "status": "completed", "created": "2026-02-01T10:18:00.000Z"}
 ]
}`

const completePath = "/core/casemgr/v3/activity/complete"

func completeHarness(t *testing.T, db store.DB) *harness {
	t.Helper()
	h := wrapUpHarness(t, db)
	h.add(completeWorld)
	return h
}

func TestCompleteActivitiesClosesTheCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		before := h.activity(3216)
		res := h.do("PATCH", completePath, ella, h.transferBody(3216, 3217, 3214))
		res.expect(t, 200, "")
		body := res.JSON(t)
		wantAt(t, body, "activity.0.id", "3216")
		wantAt(t, body, "activity.0.link.0.href", "/core/casemgr/v3/activity/3216")
		wantAt(t, body, "activity.0.case.id", "2043")
		wantAt(t, body, "activity.0.case.link.0.href", "/core/casemgr/v3/case/2043")
		wantAt(t, body, "activity.0.case.status.value", "closed")
		wantAt(t, body, "activity.1.case.status.value", "closed")
		// The calltrack 3214 has no case.
		wantAt(t, body, "activity.2.id", "3214")
		if c := at(body, "activity.2.case"); c != nil {
			t.Errorf("an activity without a case shows case %v", c)
		}
		a := h.activity(3216)
		if a.Status != casemgr.StatusCompleted || a.Pinned || a.LockedBy != 0 || !a.LastModified.After(before.LastModified) ||
			a.LastModifiedBy != 1040 || a.AssignedUser != 1040 {
			t.Errorf("completed activity: %+v", a)
		}
		wantAt(t, h.readActivity(ella, 3216), "status.substatus.value", "done")
		if hist := h.history("activity", 3216); hist[len(hist)-1].Action != "complete" || hist[len(hist)-1].Actor != "user:1040" {
			t.Errorf("activity history %+v", hist[len(hist)-1])
		}
		c := h.caseOf(2043)
		if c.Status != casemgr.CaseClosed || c.LastClosed == nil {
			t.Errorf("case 2043: %+v", c)
		}
		if hist := h.history("case", 2043); len(hist) == 0 || hist[len(hist)-1].Action != "complete" {
			t.Errorf("case history %+v", hist)
		}
	})
}

func TestCompleteActivitiesKeepsACaseWithOpenActivities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		// 3200's draft reply 3209 is open, so case 2040 stays open.
		res := h.do("PATCH", completePath, h.login("ella"), h.transferBody(3200))
		res.expect(t, 200, "")
		wantAt(t, res.JSON(t), "activity.0.case.status.value", "open")
		if c := h.caseOf(2040); c.Status != casemgr.CaseOpen || c.LastClosed != nil {
			t.Errorf("case 2040: %+v", c)
		}
		if r := h.activity(3209); r.Status != casemgr.StatusAssigned {
			t.Errorf("the draft reply changed: %+v", r)
		}
	})
}

func TestCompleteActivitiesXML(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		res := h.do("PATCH", completePath, h.login("ella"), h.transferXMLBody(3216, 3217),
			"Content-Type", "application/xml", "Accept", "application/xml", "Accept-Language", "fr-FR")
		res.expect(t, 200, "")
		want := `<activities><activity><case><id>2043</id><link><href>/core/casemgr/v3/case/2043</href><rel>case</rel></link>` +
			`<status><displayValue>`
		if !strings.Contains(string(res.Body), want) || !strings.Contains(string(res.Body), "<value>closed</value>") {
			t.Errorf("XML answer: %s", res.Body)
		}
	})
}

func TestCA1BulkBody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		h.refused(400, "400-264", "PATCH", completePath, ella, "")
		h.refused(400, "400-105", "PATCH", completePath, ella, `{}`)
		h.refused(400, "400-201", "PATCH", completePath, ella, `{"activity": []}`)
		items := make([]string, 76)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id": "%d", "lastModified": "2026-01-01T00:00:00.000Z"}`, 5000+i)
		}
		h.refused(400, "400-202", "PATCH", completePath, ella, `{"activity": [`+strings.Join(items, ",")+`]}`)
		h.refused(400, "400-206", "PATCH", completePath, ella, h.transferBody(3216, 3216))
		h.refused(400, "400-245", "PATCH", completePath, ella, `{"activity": [{"id": "3216"}]}`)
		h.refused(400, "400-104", "PATCH", completePath, ella,
			fmt.Sprintf(`{"activity": [{"id": "3216", "lastModified": %q, "status": "completed"}]}`, h.stamp(3216)))
		res := h.refused(400, "400-203", "PATCH", completePath, ella, h.transferBody(3216)[:len(h.transferBody(3216))-2]+
			`, {"id": "9999", "lastModified": "2026-01-01T00:00:00.000Z"}]}`)
		wantDetails(t, res, map[string][]string{"9999": {"400-203"}})
		h.refused(400, "400-203", "PATCH", completePath, ella, h.transferBody(3205))
		res = h.refused(409, "409-101", "PATCH", completePath, ella, `{"activity": [{"id": "3216", "lastModified": "2026-02-01T10:16:00.001Z"}]}`)
		wantDetails(t, res, map[string][]string{"3216": {"409-101"}})
		h.refused(400, "400-101", "PATCH", completePath+"?unpin=yes", ella, h.transferBody(3216))
	})
}

func TestCA2AssignedToTheCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		h.refused(400, "400-410", "PATCH", completePath, ella, h.transferBody(3201))
		h.refused(400, "400-410", "PATCH", completePath, ella, h.transferBody(3202))
		h.refused(400, "400-410", "PATCH", completePath, ella, h.transferBody(3215))
		h.refused(400, "400-410", "PATCH", completePath, h.client(), h.transferBody(3201))
		// A client application completes an activity assigned to anyone.
		h.do("PATCH", completePath, h.client(), h.transferBody(3202)).expect(t, 200, "")
	})
}

func TestCA3TypeIsCompletable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		res := h.refused(400, "400-411", "PATCH", completePath, ella, h.transferBody(3206, 3208, 3204))
		wantDetails(t, res, map[string][]string{"3206": {"400-411"}, "3208": {"400-411"}})
	})
}

func TestCA4NotADraftReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		h.refused(400, "400-430", "PATCH", completePath, h.login("ella"), h.transferBody(3209))
	})
}

func TestCA5CategoryAndResolutionCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		res := h.refused(400, "400-413", "PATCH", completePath, ella, h.transferBody(3210, 3211))
		wantDetails(t, res, map[string][]string{"3210": {"400-413", "400-414"}, "3211": {"400-414"}})
		h.do("PATCH", completePath, ella, h.transferBody(3212)).expect(t, 200, "")
	})
}

func TestCA6NotAwaitingSupervision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		h.refused(400, "400-415", "PATCH", completePath, h.login("ella"), h.transferBody(3213))
	})
}

func TestCA7LockedByAnotherUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		ella := h.login("ella")
		h.refused(403, "403-401", "PATCH", completePath, ella, h.transferBody(3203))
		// An expired lock does not count.
		h.do("PATCH", completePath, ella, h.transferBody(3204)).expect(t, 200, "")
	})
}

func TestCompleteActivitiesPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := completeHarness(t, db)
		h.refused(403, "403-105", "PATCH", completePath, h.login("jenny"), h.transferBody(3000))
		eric := h.login("eric")
		h.add(`{"activities": [
		 {"id": "3290", "department": "10", "type": "email", "status": "assigned", "assignedUser": "1041", "created": "2026-02-01T10:00:00.000Z"},
		 {"id": "3291", "department": "10", "type": "call_track", "status": "assigned", "assignedUser": "1041", "created": "2026-02-01T10:00:00.000Z"}]}`)
		res := h.refused(403, "403-106", "PATCH", completePath, eric, h.transferBody(3290, 3291, 3207))
		wantDetails(t, res, map[string][]string{"3290": {"403-106"}, "3291": {"403-106"}})
		h.do("PATCH", completePath, eric, h.transferBody(3207)).expect(t, 200, "")
		// The permissions come before the business rules.
		h.refused(403, "403-105", "PATCH", completePath, h.login("jenny"), h.transferBody(3201))
		h.refused(401, "401-104", "PATCH", completePath, "", h.transferBody(3216))
	})
}
