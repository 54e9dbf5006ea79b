package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Tests of transfer to a user (PATCH /activity/transfer/user/{id}), to a
// queue (PATCH /activity/transfer/queue/{id}) and pick (PATCH
// /activity/pick): one subtest per rule of docs/operations/transfer-to-user.md,
// transfer-to-queue.md and pick.md, on SQLite and PostgreSQL. One world per
// engine: the refusals run first (each checked to leave the world
// unchanged), the successes last, each on activities of its own.

// routingWorld adds to the base world the users, queue and activities of the
// routing tests. rita (1020, Service, foreign Billing, Advisor Desktop, Pick
// Activities and Unpin) is the router: she may transfer to tom, tina, tess
// and ulla and to queues 100, 101, 102 and 110, and pull from jenny, mia,
// tom and tina and from queues 100 and 101. Targets: tom (1021, Service, AD),
// tina (1022, Service, CallTrackPlus only), tess (1023, Legal), ulla (1024,
// Service, no license). Queue 102 is inactive.
const routingWorld = `{
 "queues": [{"id": "102", "name": "Service archive", "department": "10", "active": false}],
 "users": [
  {"id": "1020", "name": "rita", "password": "pw-rita", "department": "10", "foreignDepartments": ["11"],
   "licenses": ["eGain Advisor Desktop"], "actions": ["Pick Activities", "Unpin"],
   "transferActivitiesTo": ["1021", "1022", "1023", "1024"], "transferActivitiesToQueues": ["100", "101", "102", "110"],
   "pullActivitiesFrom": {"users": ["1001", "1003", "1021", "1022"], "queues": ["100", "101"]}},
  {"id": "1021", "name": "tom", "password": "pw-tom", "department": "10", "licenses": ["eGain Advisor Desktop"],
   "actions": ["Pick Activities"], "pullActivitiesFrom": {"queues": ["100"]}},
  {"id": "1022", "name": "tina", "password": "pw-tina", "department": "10", "licenses": ["eGain CallTrackPlus"]},
  {"id": "1023", "name": "tess", "password": "pw-tess", "department": "12", "licenses": ["eGain Advisor Desktop"]},
  {"id": "1024", "name": "ulla", "password": "pw-ulla", "department": "10", "licenses": []}
 ],
 "activities": [
  {"id": "3300", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:00:00.000Z"},
  {"id": "3301", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:01:00.000Z"},
  {"id": "3302", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1020", "responseTo": "3301", "created": "2026-02-02T10:02:00.000Z"},
  {"id": "3303", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:03:00.000Z"},
  {"id": "3304", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "completed", "responseTo": "3301", "created": "2026-02-02T10:04:00.000Z"},
  {"id": "3305", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1020", "pinned": true, "lockedBy": "1020", "created": "2026-02-02T10:05:00.000Z"},
  {"id": "3306", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1003", "created": "2026-02-02T10:06:00.000Z"},
  {"id": "3307", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1003", "responseTo": "3306", "created": "2026-02-02T10:07:00.000Z"},
  {"id": "3308", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:08:00.000Z"},
  {"id": "3309", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1021", "pinned": true, "created": "2026-02-02T10:09:00.000Z"},
  {"id": "3310", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1021", "responseTo": "3309", "created": "2026-02-02T10:10:00.000Z"},
  {"id": "3311", "case": "2005", "department": "10", "type": "feedback", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:11:00.000Z"},
  {"id": "3312", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "101", "created": "2026-02-02T10:12:00.000Z"},
  {"id": "3313", "case": "2005", "department": "10", "type": "social", "subtype": "Twitter", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:13:00.000Z"},
  {"id": "3340", "case": "2006", "department": "12", "type": "task", "status": "awaiting_assignment", "queue": "120", "created": "2026-02-02T10:40:00.000Z"},
  {"id": "3341", "case": "2004", "department": "11", "type": "task", "status": "awaiting_assignment", "queue": "110", "created": "2026-02-02T10:41:00.000Z"},
  {"id": "3342", "case": "2005", "department": "10", "type": "call_track", "subtype": "General", "mode": "inbound", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:42:00.000Z"},
  {"id": "3343", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:43:00.000Z"},
  {"id": "3344", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "in_workflow", "created": "2026-02-02T10:44:00.000Z"},
  {"id": "3345", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1021", "lockedBy": "1021", "created": "2026-02-02T10:45:00.000Z"},
  {"id": "3346", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1020", "pinned": true, "created": "2026-02-02T10:46:00.000Z"},
  {"id": "3347", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1021", "created": "2026-02-02T10:47:00.000Z"},
  {"id": "3348", "case": "2005", "department": "10", "type": "task", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:48:00.000Z"},
  {"id": "3349", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:49:00.000Z"},
  {"id": "3350", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:50:00.000Z"},
  {"id": "3351", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1020", "responseTo": "3350", "created": "2026-02-02T10:51:00.000Z"},
  {"id": "3352", "case": "2004", "department": "11", "type": "task", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:52:00.000Z"},
  {"id": "3353", "case": "2005", "department": "10", "type": "chat", "mode": "inbound", "status": "awaiting_assignment", "queue": "100", "created": "2026-02-02T10:53:00.000Z"},
  {"id": "3354", "case": "2005", "department": "10", "type": "email", "mode": "inbound", "status": "assigned", "assignedUser": "1021", "created": "2026-02-02T10:54:00.000Z"},
  {"id": "3355", "case": "2005", "department": "10", "type": "email", "mode": "outbound", "status": "assigned", "assignedUser": "1021", "responseTo": "3354", "created": "2026-02-02T10:55:00.000Z"},
  {"id": "3356", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:56:00.000Z"},
  {"id": "3357", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1021", "pinned": true, "created": "2026-02-02T10:57:00.000Z"},
  {"id": "3358", "case": "2005", "department": "10", "type": "task", "status": "assigned", "assignedUser": "1001", "pinned": true, "created": "2026-02-02T10:58:00.000Z"},
  {"id": "3359", "case": "2005", "department": "10", "type": "social", "subtype": "Twitter", "mode": "outbound", "status": "assigned", "assignedUser": "1020", "created": "2026-02-02T10:59:00.000Z"}
 ]}`

const (
	pickPath = "/core/casemgr/v3/activity/pick"
)

func toUserPath(user, query string) string {
	return withQuery("/core/casemgr/v3/activity/transfer/user/"+user, query)
}

func toQueuePath(queue, query string) string {
	return withQuery("/core/casemgr/v3/activity/transfer/queue/"+queue, query)
}

func withQuery(p, query string) string {
	if query != "" {
		return p + "?" + query
	}
	return p
}

// on returns the harness reporting to t, for subtests of one world.
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// routingCase is one refusal: who sends what where, and the answer.
type routingCase struct {
	name   string
	user   string // "" for the client application
	path   string
	ids    []casemgr.ID
	body   string // instead of ids
	status int
	code   string
	// detail, when set, is an item and code the details must hold.
	detail [2]string
}

func (c routingCase) run(t *testing.T, h *harness) {
	t.Helper()
	tok := h.client()
	if c.user != "" {
		tok = h.login(c.user)
	}
	body := c.body
	if body == "" {
		body = h.transferBody(c.ids...)
	}
	res := h.refused(c.status, c.code, "PATCH", c.path, tok, body)
	if c.detail[0] != "" {
		hasDetail(t, res, c.detail[0], c.detail[1])
	}
}

// movedTo checks an activity read back after a move: its status, assignee
// and queue, the department unchanged, unpinned and unlocked, a newer
// lastModified and lastModifiedBy, and a last history entry of the action.
func movedTo(t *testing.T, h *harness, before casemgr.Activity, status string, user, queue casemgr.ID, action, actor string, by casemgr.ID) {
	t.Helper()
	a := h.activity(before.ID)
	if a.Status != status || a.AssignedUser != user || a.Queue != queue {
		t.Errorf("activity %d: %s user %d queue %d, want %s user %d queue %d", a.ID, a.Status, a.AssignedUser, a.Queue, status, user, queue)
	}
	if a.Department != before.Department || a.LastDepartment != before.LastDepartment {
		t.Errorf("activity %d: department %d/%d, want it unchanged (%d/%d)", a.ID, a.Department, a.LastDepartment, before.Department, before.LastDepartment)
	}
	if a.Pinned || a.LockedBy != 0 || a.LockExpires != nil {
		t.Errorf("activity %d: pinned %v lock %d, want unpinned and unlocked", a.ID, a.Pinned, a.LockedBy)
	}
	if !a.LastModified.After(before.LastModified) || a.LastModifiedBy != by {
		t.Errorf("activity %d: lastModified %v by %d, want after %v by %d", a.ID, a.LastModified, a.LastModifiedBy, before.LastModified, by)
	}
	hist := h.history("activity", a.ID)
	if len(hist) == 0 {
		t.Fatalf("activity %d: no history", a.ID)
	}
	if last := hist[len(hist)-1]; last.Action != action || last.Actor != actor || last.Before == "" || last.After == "" {
		t.Errorf("activity %d: last history %+v, want %s by %s", a.ID, last, action, actor)
	}
}

// bodyOf names activities with lastModified values as given.
func bodyOf(items ...string) string {
	return `{"activity": [` + strings.Join(items, ", ") + `]}`
}

func TestRouting(t *testing.T) {
	onEngines(t, routingWorld, func(t *testing.T, h *harness) {
		stale := func(id casemgr.ID) string {
			return fmt.Sprintf(`{"id": "%d", "lastModified": "2020-01-01T00:00:00.000Z"}`, id)
		}
		many := make([]string, casemgr.MaxActivities+1)
		for i := range many {
			many[i] = stale(casemgr.ID(4000 + i))
		}
		u, q := toUserPath("1021", ""), toQueuePath("101", "")
		for _, c := range []routingCase{
			// Transfer to a user.
			{name: "TU1_target_user_exists", user: "rita", path: toUserPath("9999", ""), ids: []casemgr.ID{3303}, status: 404, code: "404-101"},
			{name: "TU2_unpin_takes_only_yes", user: "rita", path: toUserPath("1021", "unpin=no"), ids: []casemgr.ID{3303}, status: 400, code: "400-102"},
			{name: "TU2_B1_at_least_one_activity", user: "rita", path: u, body: `{"activity": []}`, status: 400, code: "400-201"},
			{name: "TU2_B1_body_is_mandatory", user: "rita", path: u, body: " ", status: 400, code: "400-264"},
			{name: "TU2_B2_id_and_lastModified", user: "rita", path: u, body: `{"activity": [{"id": "3303"}]}`, status: 400, code: "400-245"},
			{name: "TU2_B2_nothing_else", user: "rita", path: u, body: `{"activity": [{"id": "3303", "lastModified": "2026-02-02T10:03:00.000Z", "status": "x"}]}`, status: 400, code: "400-104"},
			{name: "TU2_B3_at_most_75", user: "rita", path: u, body: bodyOf(many...), status: 400, code: "400-202"},
			{name: "TU2_B4_no_id_twice", user: "rita", path: u, ids: []casemgr.ID{3303, 3303}, status: 400, code: "400-206"},
			{name: "TU2_B5_every_activity_exists", user: "rita", path: u, body: bodyOf(stale(3999)), status: 400, code: "400-203", detail: [2]string{"3999", "400-203"}},
			{name: "TU2_B5_invisible_answers_as_missing", user: "rita", path: u, ids: []casemgr.ID{3340}, status: 400, code: "400-203"},
			{name: "TU2_B6_stale_lastModified", user: "rita", path: u, body: bodyOf(stale(3303)), status: 409, code: "409-101"},
			{name: "TU_transfer_permission_on_target", user: "rita", path: toUserPath("1001", ""), ids: []casemgr.ID{3303}, status: 403, code: "403-272"},
			{name: "TU_pick_permissions_for_others_activities", user: "rita", path: toUserPath("1021", ""), ids: []casemgr.ID{3341}, status: 403, code: "403-109"},
			{name: "TU3_type_email_social_task_or_generic", user: "rita", path: u, ids: []casemgr.ID{3342}, status: 400, code: "400-431"},
			{name: "TU4_email_social_inbound_or_composed", user: "rita", path: u, ids: []casemgr.ID{3343, 3359}, status: 400, code: "400-432", detail: [2]string{"3359", "400-432"}},
			{name: "TU5_status_awaiting_assignment_or_assigned", user: "rita", path: u, ids: []casemgr.ID{3344}, status: 400, code: "400-204"},
			{name: "TU6_not_locked_by_the_assignee", user: "rita", path: toUserPath("1022", ""), ids: []casemgr.ID{3345}, status: 403, code: "403-201"},
			{name: "TU7_pinned_needs_unpin", user: "rita", path: u, ids: []casemgr.ID{3346}, status: 400, code: "400-243"},
			{name: "TU8_not_already_assigned_to_target", user: "rita", path: u, ids: []casemgr.ID{3347}, status: 400, code: "400-433"},
			{name: "TU9_in_a_department_of_the_target", user: "rita", path: toUserPath("1023", ""), ids: []casemgr.ID{3348}, status: 400, code: "400-434"},
			{name: "TU10_target_licensed_for_email", user: "rita", path: toUserPath("1022", ""), ids: []casemgr.ID{3349}, status: 403, code: "403-410"},
			{name: "TU10_target_licensed_for_task", user: "rita", path: toUserPath("1024", ""), ids: []casemgr.ID{3348}, status: 403, code: "403-410"},
			{name: "TU_draft_reply_not_named", user: "rita", path: u, ids: []casemgr.ID{3351}, status: 400, code: "400-430"},

			// Transfer to a queue.
			{name: "TQ1_target_queue_exists", user: "rita", path: toQueuePath("9999", ""), ids: []casemgr.ID{3346}, status: 404, code: "404-101"},
			{name: "TQ2_unpin_takes_only_yes", user: "rita", path: toQueuePath("101", "unpin=1"), ids: []casemgr.ID{3346}, status: 400, code: "400-102"},
			{name: "TQ2_B4_no_id_twice", user: "rita", path: q, ids: []casemgr.ID{3346, 3346}, status: 400, code: "400-206"},
			{name: "TQ2_B5_invisible_answers_as_missing", user: "rita", path: q, ids: []casemgr.ID{3340}, status: 400, code: "400-203"},
			{name: "TQ2_B6_stale_lastModified", user: "rita", path: q, body: bodyOf(stale(3356)), status: 409, code: "409-101"},
			{name: "TQ2_TU3_type", user: "rita", path: q, ids: []casemgr.ID{3342}, status: 400, code: "400-431"},
			{name: "TQ2_TU4_mode", user: "rita", path: q, ids: []casemgr.ID{3343}, status: 400, code: "400-432"},
			{name: "TQ2_TU5_status", user: "rita", path: q, ids: []casemgr.ID{3344}, status: 400, code: "400-204"},
			{name: "TQ2_TU6_lock", user: "rita", path: q, ids: []casemgr.ID{3345}, status: 403, code: "403-201"},
			{name: "TQ2_TU7_pinned_needs_unpin", user: "rita", path: q, ids: []casemgr.ID{3346}, status: 400, code: "400-243"},
			{name: "TQ_transfer_permission_on_queue", user: "jenny", path: q, ids: []casemgr.ID{3303}, status: 403, code: "403-411"},
			{name: "TQ_pick_permissions_for_others_activities", user: "rita", path: toQueuePath("110", ""), ids: []casemgr.ID{3341}, status: 403, code: "403-109"},
			{name: "TQ_draft_reply_not_named", user: "rita", path: q, ids: []casemgr.ID{3351}, status: 400, code: "400-430"},
			{name: "TQ3_not_already_in_target_queue", user: "rita", path: toQueuePath("100", ""), ids: []casemgr.ID{3348}, status: 400, code: "400-435"},
			{name: "TQ4_in_the_queue_department", user: "rita", path: q, ids: []casemgr.ID{3352}, status: 400, code: "400-436"},
			{name: "TQ5_queue_is_active", user: "rita", path: toQueuePath("102", ""), ids: []casemgr.ID{3348}, status: 400, code: "400-437"},

			// Pick.
			{name: "PK1_caller_is_a_user", path: pickPath, ids: []casemgr.ID{3348}, status: 403, code: "403-105"},
			{name: "PK2_unpin_takes_only_yes", user: "rita", path: pickPath + "?unpin=YES", ids: []casemgr.ID{3348}, status: 400, code: "400-102"},
			{name: "PK2_B1_at_least_one_activity", user: "rita", path: pickPath, body: `{"activity": []}`, status: 400, code: "400-201"},
			{name: "PK2_B3_at_most_75", user: "rita", path: pickPath, body: bodyOf(many...), status: 400, code: "400-202"},
			{name: "PK2_B4_no_id_twice", user: "rita", path: pickPath, ids: []casemgr.ID{3348, 3348}, status: 400, code: "400-206"},
			{name: "PK2_B5_every_activity_exists", user: "rita", path: pickPath, body: bodyOf(stale(3999)), status: 400, code: "400-203"},
			{name: "PK2_B5_invisible_answers_as_missing", user: "leo", path: pickPath, ids: []casemgr.ID{3348}, status: 400, code: "400-203"},
			{name: "PK2_B6_stale_lastModified", user: "rita", path: pickPath, body: bodyOf(stale(3348)), status: 409, code: "409-101"},
			{name: "PK3_type_email_social_task_or_generic", user: "rita", path: pickPath, ids: []casemgr.ID{3353}, status: 400, code: "400-431"},
			{name: "PK4_not_a_draft_reply", user: "rita", path: pickPath, ids: []casemgr.ID{3355}, status: 400, code: "400-430"},
			{name: "PK5_not_already_assigned_to_caller", user: "rita", path: pickPath, ids: []casemgr.ID{3356}, status: 400, code: "400-438"},
			{name: "PK6_status_awaiting_assignment_or_assigned", user: "rita", path: pickPath, ids: []casemgr.ID{3344}, status: 400, code: "400-204"},
			{name: "PK7_not_locked_by_the_assignee", user: "rita", path: pickPath, ids: []casemgr.ID{3345}, status: 403, code: "403-201"},
			{name: "PK7_pinned_needs_unpin", user: "rita", path: pickPath, ids: []casemgr.ID{3357}, status: 400, code: "400-243"},
			{name: "PK_pick_activities_action", user: "paula", path: pickPath, ids: []casemgr.ID{3348}, status: 403, code: "403-105"},
			{name: "PK_pull_permission_on_assignee", user: "jenny", path: pickPath, ids: []casemgr.ID{3347}, status: 403, code: "403-109"},
			{name: "PK_pull_permission_on_queue", user: "rita", path: pickPath, ids: []casemgr.ID{3341}, status: 403, code: "403-109"},
			{name: "PK_unpin_action_for_another_users_pin", user: "mia", path: pickPath + "?unpin=yes", ids: []casemgr.ID{3358}, status: 403, code: "403-111"},
			{name: "PK_pick_license_for_email", user: "carl", path: pickPath, ids: []casemgr.ID{3349}, status: 403, code: "403-106"},
			{name: "PK_any_user_license", user: "nolan", path: pickPath, ids: []casemgr.ID{3348}, status: 403, code: "403-106"},
		} {
			t.Run(c.name, func(t *testing.T) { c.run(t, h.on(t)) })
		}

		// --- Successes, each on activities of its own. ---

		t.Run("TU_assigns_to_target_and_drafts_travel", func(t *testing.T) {
			h := h.on(t)
			b3301, b3302, b3303, b3304 := h.activity(3301), h.activity(3302), h.activity(3303), h.activity(3304)
			h.do("PATCH", toUserPath("1021", ""), h.login("rita"), h.transferBody(3301, 3303)).expect(t, 204, "")
			movedTo(t, h, b3301, casemgr.StatusAssigned, 1021, 0, "transfer", "user:1020", 1020)
			movedTo(t, h, b3303, casemgr.StatusAssigned, 1021, 0, "transfer", "user:1020", 1020)
			movedTo(t, h, b3302, casemgr.StatusAssigned, 1021, 0, "transfer", "user:1020", 1020)
			transferUnmoved(t, h, b3304)
		})
		t.Run("TU_client_application_needs_no_permission", func(t *testing.T) {
			h := h.on(t)
			b := h.activity(3312)
			h.do("PATCH", toUserPath("1022", ""), h.client(), h.transferBody(3312)).expect(t, 204, "")
			movedTo(t, h, b, casemgr.StatusAssigned, 1022, 0, "transfer", "client:bridge", 0)
		})
		t.Run("TQ_puts_into_queue_unassigned_and_drafts_travel", func(t *testing.T) {
			h := h.on(t)
			b3305, b3306, b3307 := h.activity(3305), h.activity(3306), h.activity(3307)
			h.do("PATCH", toQueuePath("101", "unpin=yes"), h.login("rita"), h.transferXMLBody(3305, 3306),
				"Content-Type", "application/xml", "Accept", "application/xml").expect(t, 204, "")
			movedTo(t, h, b3305, casemgr.StatusAwaitingAssignment, 0, 101, "transfer", "user:1020", 1020)
			movedTo(t, h, b3306, casemgr.StatusAwaitingAssignment, 0, 101, "transfer", "user:1020", 1020)
			movedTo(t, h, b3307, casemgr.StatusAwaitingAssignment, 0, 101, "transfer", "user:1020", 1020)
		})
		t.Run("PK_assigns_to_caller_unpins_and_drafts_travel", func(t *testing.T) {
			h := h.on(t)
			b3308, b3309, b3310, b3313 := h.activity(3308), h.activity(3309), h.activity(3310), h.activity(3313)
			h.do("PATCH", pickPath+"?unpin=yes", h.login("rita"), h.transferBody(3308, 3309, 3313)).expect(t, 204, "")
			movedTo(t, h, b3308, casemgr.StatusAssigned, 1020, 0, "pick", "user:1020", 1020)
			movedTo(t, h, b3309, casemgr.StatusAssigned, 1020, 0, "pick", "user:1020", 1020)
			movedTo(t, h, b3310, casemgr.StatusAssigned, 1020, 0, "pick", "user:1020", 1020)
			movedTo(t, h, b3313, casemgr.StatusAssigned, 1020, 0, "pick", "user:1020", 1020)
		})
		t.Run("PK_xml_body", func(t *testing.T) {
			h := h.on(t)
			b := h.activity(3311)
			h.do("PATCH", pickPath, h.login("tom"), h.transferXMLBody(3311),
				"Content-Type", "application/xml").expect(t, 204, "")
			movedTo(t, h, b, casemgr.StatusAssigned, 1021, 0, "pick", "user:1021", 1021)
		})
		t.Run("PK_B6_a_second_pick_with_the_read_lastModified_is_stale", func(t *testing.T) {
			h := h.on(t)
			body := h.transferBody(3300)
			h.do("PATCH", pickPath, h.login("tom"), body).expect(t, 204, "")
			h.refused(409, "409-101", "PATCH", pickPath, h.login("rita"), body)
		})
	})
}
