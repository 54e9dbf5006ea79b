package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Tests of PATCH /core/casemgr/v3/activity/pull: one subtest per rule of
// docs/operations/pull.md (PL1-PL3 and the permissions), and the order,
// limit and licence behaviours, each on SQLite and PostgreSQL, each refusal
// checked to leave the world unchanged.

// pullPath is the path of a pull.
const pullPath = "/core/casemgr/v3/activity/pull"

// pullWorld adds to the base world users who may and may not pull, and
// activities waiting in queues 100 and 101 (Service, department 10):
//
//	pia   Advisor Desktop, Pull Activities; pulls from 100, 101 and 120
//	      (Legal, a department she does not see); default limit (5)
//	pete  no Pull Activities action
//	pam   Pull Activities, no pull-option queue
//	pat   Pull Activities, pull option 101 but permission on 100 only
//	molly MailPlus only (email, not social); her own limit: 2
//	tina  eGain Knowledge only (tasks and user-defined types)
//	nora  no license at all
//
// In queue order (priority, created, ID) pia pulls 3303, 3302, 3300 (with
// its draft reply 3301), 3307, 3308, then the base world's 3002 (no
// priority: last). Never: calltrack 3304, chat 3305, web 3306; 3309 (Legal),
// 3310 (queue 110, not a pull option), 3311 (assigned).
const pullWorld = `{
 "users": [
  {"id": "1101", "name": "pia", "password": "pw-pia", "department": "10", "licenses": ["eGain Advisor Desktop"],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100", "101", "120"]}, "pullQueues": ["100", "101", "120"]},
  {"id": "1102", "name": "pete", "password": "pw-pete", "department": "10", "licenses": ["eGain Advisor Desktop"],
   "actions": ["Pick Activities"], "pullActivitiesFrom": {"queues": ["100"]}, "pullQueues": ["100"]},
  {"id": "1103", "name": "pam", "password": "pw-pam", "department": "10", "licenses": ["eGain Advisor Desktop"],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100"]}},
  {"id": "1104", "name": "pat", "password": "pw-pat", "department": "10", "licenses": ["eGain Advisor Desktop"],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100"]}, "pullQueues": ["101"]},
  {"id": "1105", "name": "molly", "password": "pw-molly", "department": "10", "licenses": ["eGain MailPlus"],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100", "101"]}, "pullQueues": ["100", "101"], "maxActivitiesToPull": 2},
  {"id": "1106", "name": "tina", "password": "pw-tina", "department": "10", "licenses": ["eGain Knowledge + AI"],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100", "101"]}, "pullQueues": ["100", "101"]},
  {"id": "1107", "name": "nora", "password": "pw-nora", "department": "10", "licenses": [],
   "actions": ["Pull Activities"], "pullActivitiesFrom": {"queues": ["100", "101"]}, "pullQueues": ["100", "101"]}
 ],
 "activities": [
  {"id": "3300", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "priority": "2", "lockedBy": "1002", "created": "2026-02-01T10:00:00.000Z"},
  {"id": "3301", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "awaiting_assignment", "queue": "100", "priority": "1", "responseTo": "3300", "created": "2026-02-01T10:00:30.000Z"},
  {"id": "3302", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "101", "priority": "1", "created": "2026-02-01T10:05:00.000Z"},
  {"id": "3303", "case": "2005", "department": "10", "type": "social", "subtype": "Twitter", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "priority": "1", "created": "2026-02-01T10:01:00.000Z"},
  {"id": "3304", "case": "2005", "department": "10", "type": "call_track", "subtype": "General", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "priority": "1", "created": "2026-02-01T09:00:00.000Z"},
  {"id": "3305", "case": "2005", "department": "10", "type": "chat", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "priority": "1", "created": "2026-02-01T09:00:00.000Z"},
  {"id": "3306", "case": "2005", "department": "10", "type": "web", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "priority": "1", "created": "2026-02-01T09:00:00.000Z"},
  {"id": "3307", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "priority": "3", "created": "2026-02-01T10:00:00.000Z"},
  {"id": "3308", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "priority": "3", "created": "2026-02-01T10:00:00.000Z"},
  {"id": "3309", "case": "2006", "department": "12", "type": "task", "status": "awaiting_assignment", "queue": "120", "priority": "1", "created": "2026-02-01T08:00:00.000Z"},
  {"id": "3310", "case": "2004", "department": "11", "type": "task", "status": "awaiting_assignment", "queue": "110", "priority": "1", "created": "2026-02-01T08:00:00.000Z"},
  {"id": "3311", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "priority": "1", "created": "2026-02-01T08:00:00.000Z"}
 ]}`

// pulled decodes a 200 answer of a pull: the IDs in order, each checked
// to link to itself.
func pulled(t testing.TB, res *response) []casemgr.ID {
	t.Helper()
	res.expect(t, 200, "")
	var body struct {
		Activity []struct {
			ID   string
			Link []struct{ Rel, Href string }
		}
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		t.Fatalf("pull answer: %v: %s", err, res.Body)
	}
	var ids []casemgr.ID
	for _, a := range body.Activity {
		id, ok := casemgr.ParseID(a.ID)
		if !ok || len(a.Link) != 1 || a.Link[0].Rel != "self" || a.Link[0].Href != "/core/casemgr/v3/activity/"+a.ID {
			t.Fatalf("pull answer item %+v: %s", a, res.Body)
		}
		ids = append(ids, id)
	}
	return ids
}

// wantPulled fails unless got lists want, in order.
func wantPulled(t testing.TB, got []casemgr.ID, want ...casemgr.ID) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pulled %v, want %v", got, want)
	}
}

// pullCheckAssigned checks that a pull assigned an activity to user: out
// of its queue, unpinned, unlocked, a newer lastModified by the user and a
// "pull" history entry by them.
func pullCheckAssigned(t testing.TB, h *harness, before casemgr.Activity, user casemgr.ID) {
	t.Helper()
	a := h.activity(before.ID)
	if a.Status != casemgr.StatusAssigned || a.AssignedUser != user || a.Queue != 0 || a.Department != before.Department {
		t.Errorf("activity %d: status %s assigned %d queue %d department %d, want assigned to %d, no queue, department %d",
			a.ID, a.Status, a.AssignedUser, a.Queue, a.Department, user, before.Department)
	}
	if a.Pinned || a.LockedBy != 0 || a.LockExpires != nil {
		t.Errorf("activity %d: pinned %v lock %d, want unpinned and unlocked", a.ID, a.Pinned, a.LockedBy)
	}
	if !a.LastModified.After(before.LastModified) || a.LastModifiedBy != user {
		t.Errorf("activity %d: lastModified %v by %d, want after %v by %d", a.ID, a.LastModified, a.LastModifiedBy, before.LastModified, user)
	}
	hist := h.history("activity", a.ID)
	if len(hist) == 0 {
		t.Fatalf("activity %d: no history", a.ID)
	}
	if last := hist[len(hist)-1]; last.Action != "pull" || last.Actor != fmt.Sprintf("user:%d", user) || last.Before == "" {
		t.Errorf("activity %d: last history entry %+v, want a pull by user %d", a.ID, last, user)
	}
}

func TestPullRefusals(t *testing.T) {
	onEngines(t, pullWorld, func(t *testing.T, h *harness) {
		t.Run("PL1_client_application_is_403_105", func(t *testing.T) {
			h.refused(403, "403-105", "PATCH", pullPath, h.client(), "")
		})
		t.Run("PL2_body_is_400_470", func(t *testing.T) {
			h.refused(400, "400-470", "PATCH", pullPath, h.login("pia"), `{"activity": [{"id": "3300"}]}`)
			h.refused(400, "400-470", "PATCH", pullPath, h.login("pia"), `{}`)
			h.refused(400, "400-470", "PATCH", pullPath, h.login("pia"), `<activities/>`, "Content-Type", "application/xml")
		})
		t.Run("PL2_body_comes_before_PL1", func(t *testing.T) {
			h.refused(400, "400-470", "PATCH", pullPath, h.client(), `{}`)
		})
		t.Run("PL3_no_pull_option_queue_is_400_471", func(t *testing.T) {
			res := h.refused(400, "400-471", "PATCH", pullPath, h.login("pam"), "")
			if !strings.Contains(devMessage(t, res), "pam") {
				t.Errorf("the message does not name the user: %s", res.Body)
			}
		})
		t.Run("pull_activities_action_is_403_105", func(t *testing.T) {
			h.refused(403, "403-105", "PATCH", pullPath, h.login("pete"), "")
		})
		t.Run("pull_permission_on_a_pull_option_queue_is_403_430", func(t *testing.T) {
			h.refused(403, "403-430", "PATCH", pullPath, h.login("pat"), "")
		})
		t.Run("parameters_are_400_101", func(t *testing.T) {
			h.refused(400, "400-101", "PATCH", pullPath+"?unpin=yes", h.login("pia"), "")
		})
		t.Run("xml_refusal_is_xml", func(t *testing.T) {
			res := h.refused(403, "403-430", "PATCH", pullPath, h.login("pat"), "", "Accept", "application/xml")
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
		})
	})
}

func TestPull(t *testing.T) {
	rule(t, "orders_by_priority_created_id_up_to_the_default_limit_drafts_follow", pullWorld, func(t *testing.T, h *harness) {
		tok := h.login("pia")
		before := map[casemgr.ID]casemgr.Activity{}
		for _, id := range []casemgr.ID{3300, 3301, 3302, 3303, 3307, 3308, 3002} {
			before[id] = h.activity(id)
		}
		wantPulled(t, pulled(t, h.do("PATCH", pullPath, tok, "")), 3303, 3302, 3300, 3307, 3308)
		for _, id := range []casemgr.ID{3303, 3302, 3300, 3301, 3307, 3308} {
			pullCheckAssigned(t, h, before[id], 1101)
		}
		// Fewer waiting means fewer pulled; the answer may be XML.
		res := h.do("PATCH", pullPath, tok, "", "Accept", "application/xml")
		res.expect(t, 200, "")
		if want := `<activities><activity><id>3002</id><link><href>/core/casemgr/v3/activity/3002</href><rel>self</rel></link></activity></activities>`; !strings.Contains(string(res.Body), want) {
			t.Errorf("XML answer %s lacks %s", res.Body, want)
		}
		pullCheckAssigned(t, h, before[3002], 1101)
		// Nothing left: 204, nothing changed.
		world := h.world()
		res = h.do("PATCH", pullPath, tok, "")
		res.expect(t, 204, "")
		if len(res.Body) != 0 || h.world() != world {
			t.Errorf("204 with a body or a change: %s", res.Body)
		}
		// Never calltrack, chat or web; never from a department she does
		// not see, a queue that is not a pull option, or assigned.
		for _, id := range []casemgr.ID{3304, 3305, 3306, 3309, 3310, 3311} {
			if a := h.activity(id); a.AssignedUser == 1101 {
				t.Errorf("activity %d (%s in queue %d) was pulled", id, a.Type, a.Queue)
			}
		}
	})
	rule(t, "only_licensed_types_and_the_users_own_limit", pullWorld, func(t *testing.T, h *harness) {
		// No license: nothing to pull, 204, nothing changed.
		world := h.world()
		h.do("PATCH", pullPath, h.login("nora"), "").expect(t, 204, "")
		if h.world() != world {
			t.Error("a pull of nothing changed the world")
		}
		// MailPlus: email but not social; molly's own limit is 2.
		wantPulled(t, pulled(t, h.do("PATCH", pullPath, h.login("molly"), "")), 3302, 3300)
		if a := h.activity(3301); a.AssignedUser != 1105 {
			t.Errorf("the draft reply 3301 did not follow 3300: assigned %d", a.AssignedUser)
		}
		// eGain Knowledge: tasks and user-defined types only.
		wantPulled(t, pulled(t, h.do("PATCH", pullPath, h.login("tina"), "")), 3307, 3308, 3002)
		if a := h.activity(3303); a.Status != casemgr.StatusAwaitingAssignment {
			t.Errorf("the social activity 3303 was pulled by a user without Advisor Desktop: %+v", a)
		}
	})
	rule(t, "setting_max_activities_to_pull_limits_the_pull", pullWorld+"\n", func(t *testing.T, h *harness) {
		h.add(`{"settings": {"customerDepartmentalization": true, "maxActivitiesToPull": 1}}`)
		wantPulled(t, pulled(t, h.do("PATCH", pullPath, h.login("pia"), "")), 3303)
		// molly's own limit (2) overrides the setting.
		wantPulled(t, pulled(t, h.do("PATCH", pullPath, h.login("molly"), "")), 3302, 3300)
	})
}
