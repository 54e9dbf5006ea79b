package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Tests of PATCH /core/casemgr/v3/activity/transfer/department/{id}: one
// subtest per rule of docs/operations/transfer-to-department.md, each on SQLite and PostgreSQL, each refusal checked to leave
// the world unchanged.

// transferWorld adds to the base world the activities the transfer tests
// use. Base world: 3000 inbound email assigned to jenny (case 2000, with the
// completed reply 3001), 3002 task waiting in queue 100. Departments: 10
// Service ⇄ 11 Billing shared, 12 Legal shared with nobody, 13 Archive
// (shared with 10) without a transfer workflow.
const transferWorld = `{"activities": [
 {"id": "3100", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-01T10:00:00.123Z"},
 {"id": "3101", "case": "2005", "department": "10", "type": "email", "mode": "composed", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:01:00.000Z"},
 {"id": "3102", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:02:00.000Z"},
 {"id": "3103", "case": "2005", "department": "10", "type": "feedback", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-01T10:03:00.000Z"},
 {"id": "3104", "case": "2005", "department": "10", "type": "social", "subtype": "Twitter", "mode": "inbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:04:00.000Z"},
 {"id": "3105", "case": "2005", "department": "10", "type": "call_track", "subtype": "General", "mode": "inbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:05:00.000Z"},
 {"id": "3106", "case": "2005", "department": "10", "type": "chat", "mode": "inbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:06:00.000Z"},
 {"id": "3107", "case": "2005", "department": "10", "type": "web", "mode": "inbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:07:00.000Z"},
 {"id": "3108", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "in_workflow", "created": "2026-02-01T10:08:00.000Z"},
 {"id": "3109", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "completed", "created": "2026-02-01T10:09:00.000Z"},
 {"id": "3110", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1002", "lockedBy": "1002", "created": "2026-02-01T10:10:00.000Z"},
 {"id": "3111", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "pinned": true, "created": "2026-02-01T10:11:00.000Z"},
 {"id": "3112", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1002", "lockedBy": "1002", "lockExpires": "2026-01-01T00:00:00.000Z", "created": "2026-02-01T10:12:00.000Z"},
 {"id": "3113", "case": "2004", "department": "11", "type": "task", "status": "awaiting_assignment", "queue": "110", "created": "2026-02-01T10:13:00.000Z"},
 {"id": "3114", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:14:00.000Z"},
 {"id": "3115", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1001", "responseTo": "3114", "created": "2026-02-01T10:15:00.000Z"},
 {"id": "3116", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "completed", "responseTo": "3114", "created": "2026-02-01T10:16:00.000Z"},
 {"id": "3117", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "101", "created": "2026-02-01T10:17:00.000Z"},
 {"id": "3118", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1005", "created": "2026-02-01T10:18:00.000Z"},
 {"id": "3119", "case": "2006", "department": "12", "type": "task", "status": "awaiting_assignment", "queue": "120", "created": "2026-02-01T10:19:00.000Z"},
 {"id": "3120", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "lockedBy": "1002", "created": "2026-02-01T10:20:00.000Z"},
 {"id": "3121", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "lockedBy": "1002", "created": "2026-02-01T10:21:00.000Z"},
 {"id": "3122", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1002", "lockedBy": "1003", "created": "2026-02-01T10:22:00.000Z"},
 {"id": "3123", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1002", "lockedBy": "1001", "created": "2026-02-01T10:23:00.000Z"},
 {"id": "3124", "case": "2005", "department": "10", "type": "email", "mode": "composed", "status": "assigned", "assignedUser": "1001", "created": "2026-02-01T10:24:00.000Z"},
 {"id": "3125", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1001", "responseTo": "3124", "created": "2026-02-01T10:25:00.000Z"},
 {"id": "3126", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1008", "created": "2026-02-01T10:26:00.000Z"},
 {"id": "3127", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1003", "created": "2026-02-01T10:27:00.000Z"},
 {"id": "3128", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1006", "created": "2026-02-01T10:28:00.000Z"},
 {"id": "3129", "case": "2004", "department": "11", "type": "task", "status": "assigned", "assignedUser": "1002", "created": "2026-02-01T10:29:00.000Z"},
 {"id": "3130", "case": "2006", "department": "12", "type": "task", "status": "assigned", "assignedUser": "1007", "created": "2026-02-01T10:30:00.000Z"},
 {"id": "3131", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "lockedBy": "1001", "created": "2026-02-01T10:31:00.000Z"},
 {"id": "3132", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1003", "pinned": true, "lockedBy": "1003", "created": "2026-02-01T10:32:00.000Z"}
]}`

// transferPath is the path of a transfer to a department, with an optional
// query ("unpin=yes").
func transferPath(dept string, query string) string {
	p := "/core/casemgr/v3/activity/transfer/department/" + dept
	if query != "" {
		p += "?" + query
	}
	return p
}

// transferBody is the JSON body naming activities with their current
// lastModified.
func (h *harness) transferBody(ids ...casemgr.ID) string {
	h.t.Helper()
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = fmt.Sprintf(`{"id": "%d", "lastModified": %q}`, id, h.stamp(id))
	}
	return `{"activity": [` + strings.Join(items, ", ") + `]}`
}

// transferXMLBody is the XML form of transferBody.
func (h *harness) transferXMLBody(ids ...casemgr.ID) string {
	h.t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><activities>`)
	for _, id := range ids {
		fmt.Fprintf(&b, "<activity><id>%d</id><lastModified>%s</lastModified></activity>", id, h.stamp(id))
	}
	b.WriteString("</activities>")
	return b.String()
}

// transferCheckMoved checks the effects of a transfer on one activity read
// back from the store: new department, old one kept as lastDepartment, the
// target's transfer-workflow queue, status and assignee, unpinned,
// unlocked, a newer lastModified and a transfer history entry by actor.
func transferCheckMoved(t testing.TB, h *harness, before casemgr.Activity, dept, queue casemgr.ID, status string, user casemgr.ID, actor string) {
	t.Helper()
	a := h.activity(before.ID)
	if a.Department != dept || a.LastDepartment != before.Department {
		t.Errorf("activity %d: department %d lastDepartment %d, want %d and %d", a.ID, a.Department, a.LastDepartment, dept, before.Department)
	}
	if a.Queue != queue {
		t.Errorf("activity %d: queue %d, want %d", a.ID, a.Queue, queue)
	}
	if a.Status != status || a.AssignedUser != user {
		t.Errorf("activity %d: status %s assigned %d, want %s and %d", a.ID, a.Status, a.AssignedUser, status, user)
	}
	if a.Pinned || a.LockedBy != 0 || a.LockExpires != nil {
		t.Errorf("activity %d: pinned %v lock %d/%v, want unpinned and unlocked", a.ID, a.Pinned, a.LockedBy, a.LockExpires)
	}
	if !a.LastModified.After(before.LastModified) {
		t.Errorf("activity %d: lastModified %v did not move on from %v", a.ID, a.LastModified, before.LastModified)
	}
	hist := h.history("activity", a.ID)
	if len(hist) == 0 {
		t.Fatalf("activity %d: no history entry", a.ID)
	}
	last := hist[len(hist)-1]
	if last.Action != "transfer" || last.Actor != actor || last.Before == "" || last.After == "" {
		t.Errorf("activity %d: last history entry %+v, want a transfer by %s with before and after", a.ID, last, actor)
	}
}

// transferUnmoved fails when an activity changed.
func transferUnmoved(t testing.TB, h *harness, before casemgr.Activity) {
	t.Helper()
	after := h.activity(before.ID)
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Errorf("activity %d changed:\nbefore %s\nafter  %s", before.ID, b, a)
	}
}

func TestTransfer(t *testing.T) {
	// --- Success and effects. ---

	t.Run("transfers_inbound_email_assigned_to_caller_with_every_effect", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			before := h.activity(3000)
			res := h.do("PATCH", transferPath("11", ""), tok, h.transferBody(3000))
			res.expect(t, 204, "")
			if len(res.Body) != 0 {
				t.Errorf("204 with a body: %s", res.Body)
			}
			// Unassigned, awaiting assignment in Billing's queue 110.
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			if a := h.activity(3000); a.LastModifiedBy != 1001 {
				t.Errorf("lastModifiedBy %d, want 1001", a.LastModifiedBy)
			}
			// The completed reply 3001 stays where it is.
			if r := h.activity(3001); r.Department != 10 {
				t.Errorf("completed reply moved to %d", r.Department)
			}

			// Read back through the API.
			get := h.do("GET", "/core/casemgr/v3/activity/3000?$attribute=all", tok, "")
			get.expect(t, 200, "")
			var body struct {
				Activity []struct {
					Department     struct{ ID, Name string }
					LastDepartment struct{ ID, Name string }
					Queue          struct{ ID, Name string }
					Status         struct {
						Value    string
						Assigned *struct{ User struct{ ID string } }
					}
					Pinned       bool
					Lock         *struct{}
					LastModified string
				}
			}
			if err := json.Unmarshal(get.Body, &body); err != nil || len(body.Activity) != 1 {
				t.Fatalf("GET activity: %v: %s", err, get.Body)
			}
			got := body.Activity[0]
			if got.Department.ID != "11" || got.Department.Name != "Billing" || got.LastDepartment.ID != "10" ||
				got.Queue.ID != "110" || got.Status.Value != "awaiting_assignment" || got.Status.Assigned != nil ||
				got.Pinned || got.Lock != nil || got.LastModified != h.stamp(3000) {
				t.Errorf("GET after transfer: %s", get.Body)
			}
			hist := h.do("GET", "/core/casemgr/v3/activity/3000/history", tok, "")
			hist.expect(t, 200, "")
			if !strings.Contains(string(hist.Body), `"action":"transfer"`) {
				t.Errorf("history has no transfer entry: %s", hist.Body)
			}
		})
	})

	t.Run("transfers_queued_task_into_target_transfer_queue", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3002)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3002)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("transfers_from_foreign_department_back_to_home", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3113 waits in Billing's queue 110; jenny is a foreign user of
			// Billing and may pull from 110.
			before := h.activity(3113)
			h.do("PATCH", transferPath("10", ""), h.login("jenny"), h.transferBody(3113)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 10, 100, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("transfers_email_task_and_generic_activities_of_several_cases_at_once", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			ids := []casemgr.ID{3000, 3002, 3100, 3101, 3103}
			befores := map[casemgr.ID]casemgr.Activity{}
			for _, id := range ids {
				befores[id] = h.activity(id)
			}
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(ids...)).expect(t, 204, "")
			for _, id := range ids {
				transferCheckMoved(t, h, befores[id], 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			}
		})
	})

	t.Run("transfers_composed_email", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3101)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3101)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("transfers_user_defined_generic_activity", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3103)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3103)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("transfers_75_activities", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			var acts []string
			var items []string
			var ids []casemgr.ID
			for i := 0; i < casemgr.MaxActivities; i++ {
				id := casemgr.ID(4000 + i)
				ids = append(ids, id)
				acts = append(acts, fmt.Sprintf(`{"id": "%d", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "created": "2026-03-01T00:00:00.000Z"}`, id))
				items = append(items, fmt.Sprintf(`{"id": "%d", "lastModified": "2026-03-01T00:00:00.000Z"}`, id))
			}
			h.add(`{"activities": [` + strings.Join(acts, ",") + `]}`)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [`+strings.Join(items, ",")+`]}`).expect(t, 204, "")
			for _, id := range []casemgr.ID{ids[0], ids[74]} {
				if a := h.activity(id); a.Department != 11 || a.Queue != 110 {
					t.Errorf("activity %d in %d/%d, want 11/110", id, a.Department, a.Queue)
				}
			}
		})
	})

	t.Run("moves_draft_replies_of_inbound_emails_with_them", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3114 inbound email; 3115 its draft reply; 3116 its completed reply.
			draft := h.activity(3115)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3114)).expect(t, 204, "")
			transferCheckMoved(t, h, draft, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			if r := h.activity(3116); r.Department != 10 || r.LastDepartment != 0 {
				t.Errorf("completed reply 3116 moved: %+v", r)
			}
		})
	})

	t.Run("keeps_draft_replies_of_composed_emails", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// Only draft replies of incoming emails move.
			draft := h.activity(3125)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3124)).expect(t, 204, "")
			transferUnmoved(t, h, draft)
		})
	})

	t.Run("reassign_yes_keeps_caller_assigned_when_member_of_target", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// jenny is a foreign user of Billing (11).
			before := h.activity(3000)
			draft := h.activity(3115)
			h.do("PATCH", transferPath("11", "reassign=yes"), h.login("jenny"), h.transferBody(3000, 3114)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAssigned, 1001, "user:1001")
			// The draft reply follows its activity, assigned to jenny too.
			transferCheckMoved(t, h, draft, 11, 110, casemgr.StatusAssigned, 1001, "user:1001")
			get := h.do("GET", "/core/casemgr/v3/activity/3000", h.login("jenny"), "")
			get.expect(t, 200, "")
			var body struct {
				Activity []struct {
					Status struct {
						Value    string
						Assigned struct{ User struct{ ID, Name string } }
					}
				}
			}
			if err := json.Unmarshal(get.Body, &body); err != nil || len(body.Activity) != 1 ||
				body.Activity[0].Status.Value != "assigned" || body.Activity[0].Status.Assigned.User.ID != "1001" {
				t.Errorf("GET does not show jenny assigned: %v %s", err, get.Body)
			}
		})
	})

	t.Run("reassign_yes_leaves_activities_of_others_waiting_in_queue", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3002 waits in queue 100, 3112 is frank's: neither is jenny's.
			b1, b2 := h.activity(3002), h.activity(3112)
			h.do("PATCH", transferPath("11", "reassign=yes"), h.login("jenny"), h.transferBody(3002, 3112)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("reassign_yes_unassigns_when_caller_not_member_of_target", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// mia works only in Service: her own email goes to Billing's queue.
			before := h.activity(3127)
			h.do("PATCH", transferPath("11", "reassign=yes"), h.login("mia"), h.transferBody(3127)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1003")
		})
	})

	t.Run("reassign_yes_by_client_application_unassigns", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3000)
			h.do("PATCH", transferPath("11", "reassign=yes"), h.client(), h.transferBody(3000)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
		})
	})

	t.Run("unpin_yes_transfers_pinned_activity_unpinned", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3111)
			h.do("PATCH", transferPath("11", "unpin=yes"), h.login("jenny"), h.transferBody(3111)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("unpin_yes_and_reassign_yes_together", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3111)
			h.do("PATCH", transferPath("11", "unpin=yes&reassign=yes"), h.login("jenny"), h.transferBody(3111)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAssigned, 1001, "user:1001")
		})
	})

	t.Run("unpin_of_another_users_pinned_activity_needs_the_unpin_action", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3111 is jenny's pinned task. carl may pick from jenny (Pick
			// Activities, Pull Activities on 1001) but lacks Unpin: with
			// unpin=yes the pick permissions refuse it (403-111).
			res := h.refused(403, "403-111", "PATCH", transferPath("11", "unpin=yes"), h.login("carl"), h.transferBody(3111),
				"X-egain-error-message", "yes", "Accept-Language", "fr-FR")
			hasDetail(t, res, "3111", "403-111")
			if msg := atString(res.JSON(t), "userMessage"); !strings.Contains(msg, "Unpin") || strings.Contains(msg, "You are not") {
				t.Errorf("userMessage %q: want the French message naming the Unpin action", msg)
			}
			// Without unpin=yes the pinned activity breaks the business
			// rule instead.
			h.refused(400, "400-243", "PATCH", transferPath("11", ""), h.login("carl"), h.transferBody(3111))
			// jenny holds Unpin and may pick from mia; a client
			// application needs no action.
			h.add(`{"activities": [
				{"id": "3901", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1003", "pinned": true},
				{"id": "3902", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1003", "pinned": true}]}`)
			b1, b2 := h.activity(3901), h.activity(3902)
			h.do("PATCH", transferPath("11", "unpin=yes"), h.login("jenny"), h.transferBody(3901)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			h.do("PATCH", transferPath("11", "unpin=yes"), h.client(), h.transferBody(3902)).expect(t, 204, "")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
		})
	})

	t.Run("releases_lock_and_pin_of_own_activity", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3131 is jenny's, locked by jenny herself; 3132 is mia's, pinned and locked by mia.
			b1 := h.activity(3131)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3131)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			b2 := h.activity(3132)
			h.do("PATCH", transferPath("11", "unpin=yes"), h.login("mia"), h.transferBody(3132)).expect(t, 204, "")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1003")
		})
	})

	t.Run("transfers_activity_whose_assignee_lock_expired", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3112)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3112)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("lock_rule_applies_only_to_activities_assigned_to_another_user", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3120 is jenny's but locked by frank; 3121 waits in queue 100
			// locked by frank; 3123 is frank's, locked by jenny herself.
			// The rule refuses only a lock on an activity assigned to
			// another user (by someone other than the caller).
			ids := []casemgr.ID{3120, 3121, 3123}
			befores := map[casemgr.ID]casemgr.Activity{}
			for _, id := range ids {
				befores[id] = h.activity(id)
			}
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(ids...)).expect(t, 204, "")
			for _, id := range ids {
				transferCheckMoved(t, h, befores[id], 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			}
		})
	})

	t.Run("client_application_needs_no_permission_or_license", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3118 is nolan's (nobody pulls from him), 3117 waits in queue
			// 101, 3113 is in Billing: a client transfers them all.
			b1, b2 := h.activity(3118), h.activity(3117)
			h.do("PATCH", transferPath("11", ""), h.client(), h.transferBody(3118, 3117)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
			if a := h.activity(3118); a.LastModifiedBy != 0 {
				t.Errorf("lastModifiedBy %d for a client application, want none", a.LastModifiedBy)
			}
			b3 := h.activity(3113)
			h.do("PATCH", transferPath("10", ""), h.client(), h.transferBody(3113)).expect(t, 204, "")
			transferCheckMoved(t, h, b3, 10, 100, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
		})
	})

	t.Run("accepts_xml_body", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			b1, b2 := h.activity(3000), h.activity(3002)
			res := h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferXMLBody(3000, 3002),
				"Content-Type", "application/xml", "Accept", "application/xml")
			res.expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("accepts_xml_body_with_single_activity_and_charset", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			before := h.activity(3002)
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), h.transferXMLBody(3002),
				"Content-Type", "application/xml; charset=utf-8").expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("accepts_lastModified_in_another_notation_of_the_same_instant", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3000 was last modified at 2026-01-05T09:30:00.000Z.
			before := h.activity(3000)
			body := `{"activity": [{"id": 3000, "lastModified": "2026-01-05T10:30:00+01:00"}]}`
			h.do("PATCH", transferPath("11", ""), h.login("jenny"), body).expect(t, 204, "")
			transferCheckMoved(t, h, before, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1001")
		})
	})

	t.Run("transfers_back_and_forth_with_fresh_lastModified", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			h.do("PATCH", transferPath("11", ""), tok, h.transferBody(3002)).expect(t, 204, "")
			mid := h.activity(3002)
			h.do("PATCH", transferPath("10", ""), tok, h.transferBody(3002)).expect(t, 204, "")
			transferCheckMoved(t, h, mid, 10, 100, casemgr.StatusAwaitingAssignment, 0, "user:1001")
			if n := len(h.history("activity", 3002)); n != 2 {
				t.Errorf("%d history entries, want 2", n)
			}
		})
	})

	// --- Path, activities and count (what the request must name before anything is checked). ---

	t.Run("refuses_unknown_department_404", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(404, "404-101", "PATCH", transferPath("9999", ""), h.login("jenny"), h.transferBody(3000))
		})
	})

	t.Run("unknown_department_404_comes_before_permissions_and_rules", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(404, "404-101", "PATCH", transferPath("9999", ""), h.login("nolan"), h.transferBody(3000))
			h.refused(404, "404-101", "PATCH", transferPath("9999", ""), h.login("jenny"), h.transferBody(3105, 3109))
			h.refused(404, "404-101", "PATCH", transferPath("9999", ""), h.login("jenny"), `{"activity": [{"id": "9999", "lastModified": "2026-01-05T09:30:00.000Z"}]}`)
		})
	})

	t.Run("refuses_invalid_department_id", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-108", "PATCH", transferPath("abc", ""), h.login("jenny"), h.transferBody(3000))
		})
	})

	t.Run("refuses_activity_that_does_not_exist", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			body := `{"activity": [{"id": "3000", "lastModified": "` + h.stamp(3000) + `"},
				{"id": "3999", "lastModified": "2026-01-05T09:30:00.000Z"}]}`
			res := h.refused(400, "400-203", "PATCH", transferPath("11", ""), h.login("jenny"), body)
			hasDetail(t, res, "3999", "400-203")
			if _, ok := details(t, res)["3000"]; ok {
				t.Errorf("details name the existing activity 3000: %s", res.Body)
			}
		})
	})

	t.Run("refuses_target_department_without_transfer_workflow", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// Archive (13) is shared with Service but has no transfer workflow.
			res := h.refused(400, "400-240", "PATCH", transferPath("13", ""), h.login("jenny"), h.transferBody(3000))
			if !strings.Contains(string(res.Body), "Archive") {
				t.Errorf("message does not name the department: %s", res.Body)
			}
			h.refused(400, "400-240", "PATCH", transferPath("13", ""), h.client(), h.transferBody(3002))
		})
	})

	t.Run("refuses_more_than_75_activities", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			items := make([]string, casemgr.MaxActivities+1)
			for i := range items {
				items[i] = fmt.Sprintf(`{"id": "%d", "lastModified": "2026-01-05T09:30:00.000Z"}`, 3000+i)
			}
			h.refused(400, "400-202", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [`+strings.Join(items, ",")+`]}`)
		})
	})

	t.Run("refuses_empty_activity_list", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-201", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": []}`)
		})
	})

	t.Run("refuses_activity_named_twice", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-206", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000, 3002, 3000))
		})
	})

	// --- Types, modes and statuses. ---

	for _, c := range []struct {
		name string
		id   casemgr.ID
	}{
		{"refuses_social_activity", 3104},
		{"refuses_calltrack_activity", 3105},
		{"refuses_chat_activity", 3106},
		{"refuses_web_activity", 3107},
	} {
		t.Run(c.name, func(t *testing.T) {
			onEngines(t, transferWorld, func(t *testing.T, h *harness) {
				res := h.refused(400, "400-241", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(c.id))
				hasDetail(t, res, casemgr.FormatID(c.id), "400-241")
			})
		})
	}

	t.Run("refuses_outbound_email", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-242", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3102))
		})
	})

	t.Run("refuses_activity_in_workflow", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-204", "PATCH", transferPath("11", ""), h.client(), h.transferBody(3108))
		})
	})

	t.Run("refuses_completed_activity", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-204", "PATCH", transferPath("11", ""), h.client(), h.transferBody(3109))
		})
	})

	// --- Lock and pin of an assigned activity. ---

	t.Run("refuses_activity_assigned_to_another_user_and_locked_by_that_user_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3110 is frank's and locked by frank; jenny may pull from frank.
			res := h.refused(403, "403-201", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3110))
			hasDetail(t, res, "3110", "403-201")
			// A client application is not the assignee either.
			h.refused(403, "403-201", "PATCH", transferPath("11", ""), h.client(), h.transferBody(3110))
		})
	})

	t.Run("refuses_activity_assigned_to_another_user_and_locked_by_a_third_user", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// 3122 is frank's and locked by mia.
			h.refused(403, "403-201", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3122))
		})
	})

	t.Run("refuses_pinned_activity_without_unpin_yes", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "400-243", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3111))
			hasDetail(t, res, "3111", "400-243")
			h.refused(400, "400-243", "PATCH", transferPath("11", "reassign=yes"), h.login("jenny"), h.transferBody(3111))
		})
	})

	// --- Target department. ---

	t.Run("refuses_activity_already_in_target_department", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-244", "PATCH", transferPath("10", ""), h.login("jenny"), h.transferBody(3000))
			h.refused(400, "400-244", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3113))
		})
	})

	t.Run("already_in_target_is_400_not_403_sharing", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// Legal (12) is shared with nobody; leo's own Legal activity
			// sent to Legal breaks the business rule, not the sharing one.
			h.refused(400, "400-244", "PATCH", transferPath("12", ""), h.login("leo"), h.transferBody(3130))
		})
	})

	t.Run("already_in_target_is_400_not_403_picking", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// frank works in Billing but may pull from no queue; a Billing
			// task waiting in queue 110, sent to Billing, breaks the
			// business rule, not the Pick Activities permission.
			h.add(`{"activities": [{"id": "3900", "case": "2004", "department": "11", "type": "task",
				"status": "awaiting_assignment", "queue": "110", "customer": "502", "created": "2026-02-01T08:00:00.000Z"}]}`)
			h.refused(400, "400-244", "PATCH", transferPath("11", ""), h.login("frank"), h.transferBody(3900))
		})
	})

	t.Run("loser_of_a_race_who_no_longer_sees_the_activity_gets_not_found", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// carl works in Service only; the client moves the task to
			// Billing first. carl's transfer with the lastModified he read
			// names an activity he no longer sees: not found, as a missing
			// one, never a 409 telling him it exists and changed.
			read := h.transferBody(3002)
			h.do("PATCH", transferPath("11", ""), h.client(), read).expect(t, 204, "")
			inv := h.refused(400, "400-203", "PATCH", transferPath("11", ""), h.login("carl"), read)
			missing := h.refused(400, "400-203", "PATCH", transferPath("11", ""), h.login("carl"), strings.ReplaceAll(read, "3002", "3999"))
			sameAnswer(t, inv, "3002", missing, "3999")
		})
	})

	// --- lastModified. ---

	t.Run("refuses_stale_lastModified_409", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			body := `{"activity": [{"id": "3000", "lastModified": "2026-01-05T09:30:00.001Z"}]}`
			res := h.refused(409, "409-101", "PATCH", transferPath("11", ""), h.login("jenny"), body)
			hasDetail(t, res, "3000", "409-101")
			// A difference below the millisecond is a difference too.
			body = `{"activity": [{"id": "3000", "lastModified": "2026-01-05T09:30:00.0004Z"}]}`
			h.refused(409, "409-101", "PATCH", transferPath("11", ""), h.login("jenny"), body)
		})
	})

	t.Run("refuses_stale_lastModified_of_one_activity_among_several", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			body := `{"activity": [{"id": "3000", "lastModified": "` + h.stamp(3000) + `"}, {"id": "3002", "lastModified": "2020-01-01T00:00:00.000Z"}]}`
			res := h.refused(409, "409-101", "PATCH", transferPath("11", ""), h.login("jenny"), body)
			hasDetail(t, res, "3002", "409-101")
		})
	})

	t.Run("refuses_lastModified_read_before_the_last_transfer", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// The second transfer with the same (now stale) lastModified
			// breaks "already in the department", judged on the current
			// state, which comes before the 409; the details still name
			// the stale lastModified.
			tok := h.login("jenny")
			body := h.transferBody(3002)
			h.do("PATCH", transferPath("11", ""), tok, body).expect(t, 204, "")
			res := h.refused(400, "400-244", "PATCH", transferPath("11", ""), tok, body)
			hasDetail(t, res, "3002", "409-101")
		})
	})

	t.Run("refuses_item_without_lastModified", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-245", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [{"id": "3000"}]}`)
			h.refused(400, "400-245", "PATCH", transferPath("11", ""), h.login("jenny"),
				`<activities><activity><id>3000</id></activity></activities>`, "Content-Type", "application/xml")
		})
	})

	t.Run("refuses_item_without_id", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-245", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [{"lastModified": "2026-01-05T09:30:00.000Z"}]}`)
		})
	})

	t.Run("refuses_malformed_lastModified", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			for _, v := range []string{"yesterday", "2026-01-05", "2026-01-05 09:30:00", ""} {
				h.refused(400, "400-246", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [{"id": "3000", "lastModified": "`+v+`"}]}`)
			}
		})
	})

	t.Run("refuses_invalid_activity_id", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-152", "PATCH", transferPath("11", ""), h.login("jenny"), `{"activity": [{"id": "abc", "lastModified": "2026-01-05T09:30:00.000Z"}]}`)
		})
	})

	// --- All or nothing; every violation listed. ---

	t.Run("refuses_whole_request_when_one_activity_breaks_a_rule", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "400-242", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000, 3002, 3102))
			hasDetail(t, res, "3102", "400-242")
			if d := details(t, res); len(d["3000"])+len(d["3002"]) != 0 {
				t.Errorf("details name activities that broke no rule: %s", res.Body)
			}
		})
	})

	t.Run("lists_every_activity_and_every_rule_it_broke", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3102, 3104, 3108, 3109, 3111, 3113))
			hasDetail(t, res, "3102", "400-242")
			hasDetail(t, res, "3104", "400-241")
			hasDetail(t, res, "3108", "400-204")
			hasDetail(t, res, "3109", "400-204")
			hasDetail(t, res, "3111", "400-243")
			hasDetail(t, res, "3113", "400-244")
			// A stale lastModified is listed with the rules, after them.
			body := `{"activity": [{"id": "3102", "lastModified": "2020-01-01T00:00:00.000Z"}]}`
			res = h.refused(400, "400-242", "PATCH", transferPath("11", ""), h.login("jenny"), body)
			hasDetail(t, res, "3102", "400-242")
			hasDetail(t, res, "3102", "409-101")
		})
	})

	// --- Permissions and licenses. ---

	t.Run("refuses_user_without_any_license_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.add(`{"activities": [{"id": "3200", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1005", "created": "2026-02-02T00:00:00.000Z"}]}`)
			// Even nolan's own task.
			h.refused(403, "403-106", "PATCH", transferPath("11", ""), h.login("nolan"), h.transferBody(3200))
		})
	})

	t.Run("activity_outside_home_and_foreign_departments_is_not_found", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// leo (Legal) and Service's 3000; jenny and Legal's 3119;
			// frank (Billing only) and Service's 3002 to Billing. Each
			// answers exactly as an activity that does not exist.
			for _, c := range []struct {
				user, dept string
				id         casemgr.ID
			}{{"leo", "11", 3000}, {"jenny", "10", 3119}, {"frank", "11", 3002}} {
				body := h.transferBody(c.id)
				inv := h.refused(400, "400-203", "PATCH", transferPath(c.dept, ""), h.login(c.user), body)
				hasDetail(t, inv, casemgr.FormatID(c.id), "400-203")
				missing := h.refused(400, "400-203", "PATCH", transferPath(c.dept, ""), h.login(c.user),
					strings.ReplaceAll(body, casemgr.FormatID(c.id), "3999"))
				sameAnswer(t, inv, casemgr.FormatID(c.id), missing, "3999")
			}
		})
	})

	t.Run("refuses_target_not_shared_with_activity_department_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(403, "403-108", "PATCH", transferPath("12", ""), h.login("jenny"), h.transferBody(3000))
			hasDetail(t, res, "3000", "403-108")
			// Service is not shared with Legal either: leo's own Legal task.
			h.refused(403, "403-108", "PATCH", transferPath("10", ""), h.login("leo"), h.transferBody(3130))
		})
	})

	t.Run("client_application_may_transfer_to_unshared_department", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// Sharing is a permission of users; a client
			// application needs none, so Service → Legal succeeds.
			before := h.activity(3002)
			h.do("PATCH", transferPath("12", ""), h.client(), h.transferBody(3002)).expect(t, 204, "")
			transferCheckMoved(t, h, before, 12, 120, casemgr.StatusAwaitingAssignment, 0, "client:bridge")
		})
	})

	t.Run("refuses_picking_without_pick_activities_action_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// paula and nadia lack Pick Activities; 3002 waits in queue 100.
			res := h.refused(403, "403-105", "PATCH", transferPath("11", ""), h.login("paula"), h.transferBody(3002))
			hasDetail(t, res, "3002", "403-105")
			h.refused(403, "403-105", "PATCH", transferPath("11", ""), h.login("nadia"), h.transferBody(3000))
		})
	})

	t.Run("own_activity_needs_no_pick_permissions", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// paula (Platform license only, no Pick Activities) and nadia (no
			// actions) transfer activities assigned to themselves.
			b1, b2 := h.activity(3126), h.activity(3128)
			h.do("PATCH", transferPath("11", ""), h.login("paula"), h.transferBody(3126)).expect(t, 204, "")
			h.do("PATCH", transferPath("11", ""), h.login("nadia"), h.transferBody(3128)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1008")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1006")
		})
	})

	t.Run("refuses_picking_from_user_without_pull_permission_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// jenny pulls from frank and mia, not from nolan (3118).
			res := h.refused(403, "403-109", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3118))
			hasDetail(t, res, "3118", "403-109")
		})
	})

	t.Run("refuses_picking_from_queue_without_pull_permission_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// carl pulls from queue 100 only; 3117 waits in queue 101.
			h.refused(403, "403-109", "PATCH", transferPath("11", ""), h.login("carl"), h.transferBody(3117))
			// frank pulls from no queue: Billing's 3113 in queue 110.
			h.refused(403, "403-109", "PATCH", transferPath("10", ""), h.login("frank"), h.transferBody(3113))
		})
	})

	t.Run("picking_with_pull_permissions_succeeds", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// carl (CallTrackPlus) picks the task waiting in queue 100;
			// mia (MailPlus) picks jenny's email; frank his own Billing task.
			b1, b2, b3 := h.activity(3002), h.activity(3000), h.activity(3129)
			h.do("PATCH", transferPath("11", ""), h.login("carl"), h.transferBody(3002)).expect(t, 204, "")
			h.do("PATCH", transferPath("11", ""), h.login("mia"), h.transferBody(3000)).expect(t, 204, "")
			h.do("PATCH", transferPath("10", ""), h.login("frank"), h.transferBody(3129)).expect(t, 204, "")
			transferCheckMoved(t, h, b1, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1004")
			transferCheckMoved(t, h, b2, 11, 110, casemgr.StatusAwaitingAssignment, 0, "user:1003")
			transferCheckMoved(t, h, b3, 10, 100, casemgr.StatusAwaitingAssignment, 0, "user:1002")
		})
	})

	t.Run("refuses_picking_email_without_mailplus_or_advisor_desktop_403", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// carl (CallTrackPlus only) may pull from jenny, but 3000 is an email.
			res := h.refused(403, "403-106", "PATCH", transferPath("11", ""), h.login("carl"), h.transferBody(3000))
			hasDetail(t, res, "3000", "403-106")
			// ... and the email waiting in queue 100.
			h.refused(403, "403-106", "PATCH", transferPath("11", ""), h.login("carl"), h.transferBody(3100))
		})
	})

	t.Run("permissions_403_come_before_business_rules", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			// nadia may not pick jenny's chat (403) although chats are
			// never transferred (400); leo may not touch Service's outbound
			// email.
			h.refused(403, "403-105", "PATCH", transferPath("11", ""), h.login("nadia"), h.transferBody(3106))
			h.refused(403, "403-106", "PATCH", transferPath("13", ""), h.login("nolan"), h.transferBody(3000))
			h.refused(403, "403-108", "PATCH", transferPath("12", ""), h.login("jenny"), h.transferBody(3000))
		})
	})

	t.Run("stale_lastModified_comes_after_department_access_and_permissions", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			stale := `{"activity": [{"id": "%d", "lastModified": "2020-01-01T00:00:00.000Z"}]}`
			// An activity leo does not see, with a stale lastModified:
			// not found, exactly as a missing one. A 409 would tell him
			// it exists (and that its timestamp is not the one sent).
			inv := h.refused(400, "400-203", "PATCH", transferPath("11", ""), h.login("leo"), fmt.Sprintf(stale, 3000))
			missing := h.refused(400, "400-203", "PATCH", transferPath("11", ""), h.login("leo"), fmt.Sprintf(stale, 3999))
			sameAnswer(t, inv, "3000", missing, "3999")
			// A permission comes before the 409 too: Legal is not shared
			// with Service.
			h.refused(403, "403-108", "PATCH", transferPath("12", ""), h.login("jenny"), fmt.Sprintf(stale, 3000))
			// Nothing else broken: 409.
			h.refused(409, "409-101", "PATCH", transferPath("11", ""), h.login("jenny"), fmt.Sprintf(stale, 3000))
		})
	})

	t.Run("refuses_whole_request_when_one_activity_is_not_permitted", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(403, "403-109", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000, 3002, 3118))
			hasDetail(t, res, "3118", "403-109")
		})
	})

	// --- Malformed requests. ---

	t.Run("refuses_unknown_query_parameter", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "400-101", "PATCH", transferPath("11", "force=yes"), h.login("jenny"), h.transferBody(3000))
			if !strings.Contains(string(res.Body), "force") {
				t.Errorf("message does not name the parameter: %s", res.Body)
			}
		})
	})

	t.Run("unpin_and_reassign_accept_only_yes", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			for _, q := range []string{"unpin=no", "unpin=true", "unpin=YES", "unpin=", "reassign=no", "reassign=1", "reassign=", "unpin=yes&unpin=yes"} {
				h.refused(400, "400-102", "PATCH", transferPath("11", q), tok, h.transferBody(3111))
			}
		})
	})

	t.Run("refuses_unknown_body_element", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			lm := h.stamp(3000)
			res := h.refused(400, "400-104", "PATCH", transferPath("11", ""), tok,
				`{"activity": [{"id": "3000", "lastModified": "`+lm+`"}], "department": {"id": "11"}}`)
			if !strings.Contains(string(res.Body), "department") {
				t.Errorf("message does not name the element: %s", res.Body)
			}
			res = h.refused(400, "400-104", "PATCH", transferPath("11", ""), tok,
				`{"activity": [{"id": "3000", "lastModified": "`+lm+`", "status": {"value": "assigned"}}]}`)
			if !strings.Contains(string(res.Body), "activity[0].status") {
				t.Errorf("message does not name the element: %s", res.Body)
			}
			res = h.refused(400, "400-104", "PATCH", transferPath("11", ""), tok,
				`<activities><activity><id>3000</id><lastModified>`+lm+`</lastModified><queue>5</queue></activity></activities>`,
				"Content-Type", "application/xml")
			if !strings.Contains(string(res.Body), "queue") {
				t.Errorf("message does not name the element: %s", res.Body)
			}
			// The XML root of the collection is <activities>.
			h.refused(400, "400-104", "PATCH", transferPath("11", ""), tok,
				`<activity><id>3000</id><lastModified>`+lm+`</lastModified></activity>`, "Content-Type", "application/xml")
		})
	})

	t.Run("refuses_body_without_activity_element", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-105", "PATCH", transferPath("11", ""), h.login("jenny"), `{}`)
		})
	})

	t.Run("refuses_missing_body", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-264", "PATCH", transferPath("11", ""), h.login("jenny"), "")
			h.refused(400, "400-264", "PATCH", transferPath("11", ""), h.login("jenny"), "  \n", "Content-Type", "application/json")
		})
	})

	t.Run("refuses_invalid_json_and_xml", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			h.refused(400, "400-103", "PATCH", transferPath("11", ""), tok, `{"activity": [{"id": "3000",`)
			h.refused(400, "400-103", "PATCH", transferPath("11", ""), tok, `{"activity": []} trailing`)
			h.refused(400, "400-103", "PATCH", transferPath("11", ""), tok, `<activities><activity><id>3000</id></activities>`, "Content-Type", "application/xml")
		})
	})

	t.Run("refuses_unsupported_content_type", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(415, "415-100", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000), "Content-Type", "text/plain")
			h.refused(415, "415-100", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000), "Content-Type", "application/x-www-form-urlencoded")
		})
	})

	t.Run("malformed_request_400_comes_before_404", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(400, "400-101", "PATCH", transferPath("9999", "force=yes"), h.login("jenny"), h.transferBody(3000))
			h.refused(400, "400-104", "PATCH", transferPath("9999", ""), h.login("jenny"), `{"activities": []}`)
		})
	})

	t.Run("refuses_missing_or_invalid_token", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			body := h.transferBody(3000)
			res := h.refused(401, "401-104", "PATCH", transferPath("11", ""), "", body)
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			h.refused(401, "401-101", "PATCH", transferPath("11", ""), "not-a-token", body)
			h.refused(401, "401-101", "PATCH", transferPath("11", ""), h.login("jenny")+"x", body)
		})
	})

	t.Run("refuses_unacceptable_accept_and_language_406", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			h.refused(406, "406-101", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000), "Accept", "text/html")
			h.refused(406, "406-100", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3000), "Accept-Language", "xx-XX")
		})
	})

	t.Run("answers_errors_in_xml_when_asked", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "400-241", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferXMLBody(3106),
				"Content-Type", "application/xml", "Accept", "application/xml", "X-egain-error-message", "yes")
			body := string(res.Body)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") ||
				!strings.Contains(body, "<error>") || !strings.Contains(body, "<code>400-241</code>") ||
				!strings.Contains(body, "<details><key>3106</key>") || !strings.Contains(body, "<userMessage>") {
				t.Errorf("XML error body: %s", body)
			}
			res = h.refused(409, "409-101", "PATCH", transferPath("11", ""), h.login("jenny"),
				`{"activity": [{"id": "3000", "lastModified": "2020-01-01T00:00:00.000Z"}]}`, "Accept", "application/xml")
			if !strings.Contains(string(res.Body), "<code>409-101</code>") {
				t.Errorf("XML error body: %s", res.Body)
			}
		})
	})

	t.Run("translates_user_message", func(t *testing.T) {
		onEngines(t, transferWorld, func(t *testing.T, h *harness) {
			res := h.refused(400, "400-243", "PATCH", transferPath("11", ""), h.login("jenny"), h.transferBody(3111),
				"Accept-Language", "de-DE", "X-egain-error-message", "yes")
			var e struct{ DeveloperMessage, UserMessage string }
			_ = json.Unmarshal(res.Body, &e)
			if e.UserMessage == "" || e.UserMessage == e.DeveloperMessage {
				t.Errorf("userMessage not translated: %s", res.Body)
			}
			if res.Header.Get("Content-Language") != "de-DE" {
				t.Errorf("Content-Language %q", res.Header.Get("Content-Language"))
			}
		})
	})
}
