package httpapi

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// departmentsSeen lists "id:name:relation" of the departments a caller is
// shown.
func departmentsSeen(t *testing.T, h *harness, token string) []string {
	t.Helper()
	res := h.do("GET", "/core/casemgr/v3/department", token, "")
	res.expect(t, 200, "")
	var out []string
	for _, d := range res.JSON(t)["department"].([]any) {
		m := d.(map[string]any)
		out = append(out, m["id"].(string)+":"+m["name"].(string)+":"+m["relation"].(string))
	}
	return out
}

// TestListDepartments pins the department list: a user is shown the
// departments they work in and those shared with them (the transfer
// targets), never another; a client application every department.
func TestListDepartments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		cases := []struct {
			name, token, want string
		}{
			{"home_foreign_and_shared_for_a_user", h.login("jenny"), "10:Service:home 11:Billing:foreign 13:Archive:shared"},
			{"department_shared_with_home_is_a_transfer_target", h.login("frank"), "10:Service:shared 11:Billing:home"},
			{"isolated_department_shows_only_itself", h.login("leo"), "12:Legal:home"},
			{"client_application_sees_every_department", h.client(), "10:Service:all 11:Billing:all 12:Legal:all 13:Archive:all"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := strings.Join(departmentsSeen(t, h, c.token), " "); got != c.want {
					t.Fatalf("departments %q, want %q", got, c.want)
				}
			})
		}
		t.Run("transfer_workflow_is_shown", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/department", h.client(), "")
			res.expect(t, 200, "")
			for _, d := range res.JSON(t)["department"].([]any) {
				m := d.(map[string]any)
				want := m["id"] != "13"
				if m["transferWorkflow"] != want {
					t.Fatalf("department %v transferWorkflow %v, want %v", m["id"], m["transferWorkflow"], want)
				}
			}
		})
		t.Run("xml", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/department", h.login("leo"), "", "Accept", "application/xml")
			res.expect(t, 200, "")
			if !strings.Contains(string(res.Body), "<departments><department><id>12</id>") {
				t.Fatalf("XML answer: %s", res.Body)
			}
		})
		t.Run("refuses_unknown_parameter", func(t *testing.T) {
			h.refused(400, "400-101", "GET", "/core/casemgr/v3/department?all=yes", h.login("leo"), "")
		})
		t.Run("refuses_missing_token", func(t *testing.T) {
			h.refused(401, "401-104", "GET", "/core/casemgr/v3/department", "", "")
		})
	})
}

// TestCurrentUser pins GET /user/me: the token's user with departments,
// licenses and actions; a client application is no user.
func TestCurrentUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		t.Run("names_the_tokens_user", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/user/me", h.login("jenny"), "")
			res.expect(t, 200, "")
			u := res.JSON(t)["user"].([]any)[0]
			for path, want := range map[string]string{
				"id": "1001", "name": "jenny", "firstName": "Jenny", "department.name": "Service",
				"foreignDepartments.department.0.id": "11", "licenses.license.0": "eGain Advisor Desktop",
				"actions.action.1": "Change Case",
			} {
				if got := atString(u, path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
		t.Run("another_user_gets_their_own", func(t *testing.T) {
			res := h.do("GET", "/core/casemgr/v3/user/me", h.login("leo"), "")
			res.expect(t, 200, "")
			if got := atString(res.JSON(t)["user"], "0.id"); got != "1007" {
				t.Fatalf("id %q, want 1007", got)
			}
		})
		t.Run("refuses_client_application", func(t *testing.T) {
			h.refused(404, "404-101", "GET", "/core/casemgr/v3/user/me", h.client(), "")
		})
		t.Run("refuses_unknown_parameter", func(t *testing.T) {
			h.refused(400, "400-101", "GET", "/core/casemgr/v3/user/me?id=1", h.login("leo"), "")
		})
		t.Run("refuses_revoked_token", func(t *testing.T) {
			tok := h.grant(map[string][]string{"grant_type": {"password"}, "username": {"leo"}, "password": {"pw-leo"}})
			h.do("DELETE", "/core/authmgr/v3/user/logout", tok, "").expect(t, 204, "")
			h.refused(401, "401-101", "GET", "/core/casemgr/v3/user/me", tok, "")
		})
	})
}

// TestErrorDetailsAreTranslatedOnRequest pins that every item of a bulk
// refusal carries its own message in the request's language when
// X-egain-error-message: yes is sent, and none without it.
func TestErrorDetailsAreTranslatedOnRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		body := h.transferBody(3000, 3002)
		res := h.refused(403, "403-108", "PATCH", transferPath("12", ""), h.login("jenny"), body,
			"Accept-Language", "fr-FR", "X-egain-error-message", "yes")
		details, _ := res.JSON(t)["details"].([]any)
		if len(details) != 2 {
			t.Fatalf("details %v, want one per activity", details)
		}
		for _, d := range details {
			m := d.(map[string]any)
			um, _ := m["userMessage"].(string)
			want := "n'est pas partagé avec le service de l'activité " + m["key"].(string)
			if !strings.Contains(um, want) {
				t.Fatalf("detail %v: userMessage %q, want it to contain %q", m["key"], um, want)
			}
		}
		res = h.refused(403, "403-108", "PATCH", transferPath("12", ""), h.login("jenny"), body, "Accept-Language", "fr-FR")
		for _, d := range res.JSON(t)["details"].([]any) {
			if _, ok := d.(map[string]any)["userMessage"]; ok {
				t.Fatalf("detail carries userMessage without X-egain-error-message: %v", d)
			}
		}
	})
}

// TestCaseHistory pins GET /case/{id}/history: the recorded changes of a
// case with the case before and after, shown only to whoever sees the case.
func TestCaseHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		h := newHarness(t, db, nil)
		jenny := h.login("jenny")
		t.Run("nothing_recorded_answers_204", func(t *testing.T) {
			h.do("GET", "/core/casemgr/v3/case/2000/history", jenny, "").expect(t, 204, "")
		})
		t.Run("a_change_of_customer_shows_before_and_after", func(t *testing.T) {
			h.do("PATCH", "/core/casemgr/v3/case/2000/changecustomer", jenny, `{"customer": {"id": "501"}}`).expect(t, 204, "")
			res := h.do("GET", "/core/casemgr/v3/case/2000/history", jenny, "")
			res.expect(t, 200, "")
			m := res.JSON(t)
			if n := len(m["history"].([]any)); n != 1 {
				t.Fatalf("%d entries, want 1: %s", n, res.Body)
			}
			for path, want := range map[string]string{
				"history.0.action": "changecustomer", "history.0.actor": "user:1001",
				"history.0.before.customer.id": "500", "history.0.after.customer.id": "501",
				"history.0.after.id": "2000",
			} {
				if got := atString(m, path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
		t.Run("a_new_case_records_its_creation", func(t *testing.T) {
			res := h.do("PATCH", "/core/casemgr/v3/activity/3002/changecase", jenny, `{}`)
			res.expect(t, 201, "")
			loc := res.Header.Get("Location")
			hist := h.do("GET", loc+"/history", jenny, "")
			hist.expect(t, 200, "")
			m := hist.JSON(t)
			if atString(m, "history.0.action") != "create" || at(m, "history.0.before") != nil {
				t.Fatalf("history of the new case: %s", hist.Body)
			}
		})
		t.Run("refuses_user_who_does_not_see_the_case", func(t *testing.T) {
			h.refused(404, "404-101", "GET", "/core/casemgr/v3/case/2000/history", h.login("leo"), "")
		})
		t.Run("refuses_unknown_case", func(t *testing.T) {
			h.refused(404, "404-101", "GET", "/core/casemgr/v3/case/9999/history", jenny, "")
		})
		t.Run("refuses_malformed_id", func(t *testing.T) {
			h.refused(400, "400-108", "GET", "/core/casemgr/v3/case/abc/history", jenny, "")
		})
		t.Run("refuses_unknown_parameter", func(t *testing.T) {
			h.refused(400, "400-101", "GET", "/core/casemgr/v3/case/2000/history?all=1", jenny, "")
		})
	})
}
