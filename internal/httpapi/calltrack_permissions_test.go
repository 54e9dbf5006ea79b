package httpapi

import (
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The permissions and licenses of create-calltrack: the caller needs the
// Create Activity action, eGain CallTrackPlus, and the department as home
// or foreign department; a client application needs none of them.
func TestCreateCalltrackPermissions(t *testing.T) {
	t.Run("refuses_user_without_create_activity_action", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(403, "403-105", "nadia", "", ctBody())
		})
	})
	t.Run("refuses_user_without_calltrack_license", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, who := range []string{"mia", "nolan", "paula"} {
				h.ctRefused(403, "403-106", who, "", ctBody())
			}
		})
	})
	t.Run("refuses_department_neither_home_nor_foreign", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(403, "403-107", "leo", "", ctBody())
			h.ctRefused(403, "403-107", "jenny", "?anonymousCustomer=yes", ctBody("department.name", "Legal", "customer", ctDelete{}))
			// Archive is shared with Service, but jenny does not work there.
			h.ctRefused(403, "403-107", "jenny", "?anonymousCustomer=yes", ctBody("department.name", "Archive", "customer", ctDelete{}))
		})
	})
	t.Run("allows_home_and_foreign_department", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			if a := h.activity(h.ctCreate("jenny", ctBody("department.name", "Billing", "customer", map[string]any{"id": "502"}))); a.Department != 11 {
				t.Errorf("department %d, want Billing", a.Department)
			}
			id := created(t, h.do("POST", ctPath+"?anonymousCustomer=yes", h.login("leo"), ctBody("department.name", "Legal", "customer", ctDelete{})), "activity")
			if a := h.activity(id); a.Department != 12 || a.AssignedUser != 1007 {
				t.Errorf("department %d assigned %d, want Legal and leo", a.Department, a.AssignedUser)
			}
		})
	})
	t.Run("client_application_needs_no_action_license_or_department", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("leo")
			id := created(t, h.do("POST", ctPath+"?anonymousCustomer=yes", h.client(),
				ctBody("department.name", "Legal", "customer", ctDelete{}, "status", map[string]any{"assigned": map[string]any{"user": map[string]any{"id": "1007"}}})), "activity")
			a := h.activity(id)
			if a.Department != 12 || a.AssignedUser != 1007 || a.CreatedBy != 0 || a.LastModifiedBy != 0 {
				t.Errorf("department %d assigned %d createdBy %d lastModifiedBy %d", a.Department, a.AssignedUser, a.CreatedBy, a.LastModifiedBy)
			}
			if c := h.caseOf(a.Case); c.Owner != 1007 || c.Department != 12 {
				t.Errorf("case owner %d department %d, want 1007 in 12", c.Owner, c.Department)
			}
			if hist := h.history("activity", id); len(hist) != 1 || hist[0].Actor != "client:bridge" {
				t.Errorf("history %+v, want one entry by client:bridge", hist)
			}
		})
	})
	t.Run("checks_permissions_before_business_rules", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(403, "403-105", "nadia", "", ctBody("priority", "9", "mode.value", "x"))
			h.ctRefused(403, "403-106", "mia", "", ctBody("customer", ctDelete{}))
			h.ctRefused(403, "403-107", "leo", "", ctBody("subject", ctDelete{}))
		})
	})
	t.Run("checks_malformed_request_before_permissions", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-104", "nadia", "", ctBody("unknown", "x"))
			h.ctRefused(400, "400-101", "nadia", "?foo=bar", ctBody())
		})
	})
}

// The target user: at most one of status.assigned.user id, name or
// customAttributes; required for a client application; otherwise the
// caller. A target must be logged in and hold eGain CallTrackPlus, and a
// user caller needs the Transfer Activities permission on a target other
// than themself.
func TestCreateCalltrackTargetUser(t *testing.T) {
	target := func(user map[string]any) map[string]any {
		return map[string]any{"assigned": map[string]any{"user": user}}
	}
	byAttr := func(name, value string) map[string]any {
		return map[string]any{"customAttributes": map[string]any{"customAttribute": []any{
			map[string]any{"attribName": name, "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": value}}}},
		}}}
	}

	t.Run("assigns_activity_to_caller_when_no_target_is_named", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			if a := h.activity(h.ctCreate("carl", ctBody())); a.AssignedUser != 1004 || h.caseOf(a.Case).Owner != 1004 {
				t.Errorf("assigned %d, case owner %d; want carl", a.AssignedUser, h.caseOf(a.Case).Owner)
			}
		})
	})
	t.Run("assigns_activity_to_logged_in_target_by_id_name_or_custom_attribute", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("carl")
			for name, user := range map[string]map[string]any{
				"id":              {"id": "1004"},
				"name":            {"name": "carl"},
				"customAttribute": byAttr("employee_id", "E-1004"),
			} {
				id := h.ctCreate("jenny", ctBody("status", target(user)))
				a := h.activity(id)
				if a.AssignedUser != 1004 || a.Status != casemgr.StatusAssigned || a.CreatedBy != 1001 {
					t.Errorf("by %s: assigned %d status %q createdBy %d", name, a.AssignedUser, a.Status, a.CreatedBy)
				}
				if c := h.caseOf(a.Case); c.Owner != 1004 {
					t.Errorf("by %s: case owner %d, want carl", name, c.Owner)
				}
				rep := h.readActivity(h.ctToken("jenny"), id)
				wantAt(t, rep, "status.assigned.user.name", "carl")
				wantAt(t, rep, "lastModifiedBy.user.id", "1001")
			}
		})
	})
	t.Run("naming_oneself_needs_no_transfer_permission", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			if a := h.activity(h.ctCreate("carl", ctBody("status", target(map[string]any{"name": "carl"})))); a.AssignedUser != 1004 {
				t.Errorf("assigned %d", a.AssignedUser)
			}
		})
	})
	t.Run("refuses_more_than_one_target_identifier", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("carl")
			h.ctRefused(400, "400-275", "jenny", "", ctBody("status", target(map[string]any{"id": "1004", "name": "carl"})))
			both := byAttr("employee_id", "E-1004")
			both["id"] = "1004"
			h.ctRefused(400, "400-275", "jenny", "", ctBody("status", target(both)))
		})
	})
	t.Run("refuses_target_user_that_does_not_exist", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-276", "jenny", "", ctBody("status", target(map[string]any{"id": "1999"})))
			h.ctRefused(400, "400-276", "jenny", "", ctBody("status", target(map[string]any{"name": "ghost"})))
			h.ctRefused(400, "400-276", "jenny", "", ctBody("status", target(byAttr("employee_id", "E-9999"))))
		})
	})
	t.Run("requires_target_user_for_client_application", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-277", "client", "", ctBody())
		})
	})
	t.Run("client_application_assigns_to_logged_in_target", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("carl")
			a := h.activity(h.ctCreate("client", ctBody("status", target(map[string]any{"name": "carl"}))))
			if a.AssignedUser != 1004 || h.caseOf(a.Case).Owner != 1004 {
				t.Errorf("assigned %d", a.AssignedUser)
			}
		})
	})
	t.Run("refuses_target_user_not_logged_in", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(403, "403-270", "jenny", "", ctBody("status", target(map[string]any{"id": "1004"})))
			h.ctRefused(403, "403-270", "client", "", ctBody("status", target(map[string]any{"id": "1004"})))
		})
	})
	t.Run("refuses_target_user_after_logout", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			carl := h.login("carl")
			h.ctCreate("jenny", ctBody("status", target(map[string]any{"id": "1004"})))
			h.ctLogout(carl)
			h.ctRefused(403, "403-270", "jenny", "", ctBody("status", target(map[string]any{"id": "1004"})))
		})
	})
	t.Run("refuses_target_user_without_calltrack_license", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.add(`{"users": [{"id": "1020", "name": "tess", "password": "pw-tess", "department": "10",
				"licenses": ["eGain CallTrackPlus"], "actions": ["Create Activity"], "transferActivitiesTo": ["1003", "1008"]}]}`)
			h.login("mia")
			h.login("paula")
			h.ctRefused(403, "403-271", "tess", "", ctBody("status", target(map[string]any{"name": "mia"})))
			h.ctRefused(403, "403-271", "tess", "", ctBody("status", target(map[string]any{"id": "1008"})))
			h.ctRefused(403, "403-271", "client", "", ctBody("status", target(map[string]any{"name": "mia"})))
		})
	})
	t.Run("refuses_target_user_without_transfer_activities_permission", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("leo")
			h.login("frank")
			// jenny may transfer to frank and carl, not to leo.
			h.ctRefused(403, "403-272", "jenny", "", ctBody("status", target(map[string]any{"name": "leo"})))
			// carl has no Transfer Activities permission at all.
			h.ctRefused(403, "403-272", "carl", "", ctBody("status", target(map[string]any{"name": "frank"})))
		})
	})
	t.Run("checks_target_user_permissions_before_business_rules", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(403, "403-270", "jenny", "", ctBody("status", target(map[string]any{"id": "1004"}), "priority", "9"))
		})
	})
	t.Run("refuses_status_elements_other_than_assigned_user", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-104", "jenny", "", ctBody("status", map[string]any{"value": "completed"}))
			h.ctRefused(400, "400-104", "jenny", "", ctBody("status", target(map[string]any{"id": "1001", "firstName": "Jenny"})))
		})
	})
}
