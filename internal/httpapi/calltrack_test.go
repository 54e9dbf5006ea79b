package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Create calltrack activity (POST /core/casemgr/v3/activity/calltrack):
// the effects and the rules of docs/operations/create-calltrack.md, one
// subtest per rule, each on SQLite and PostgreSQL. Permissions and
// licenses are in calltrack_permissions_test.go, malformed requests in
// calltrack_malformed_test.go, idempotency and concurrency in
// calltrack_idempotency_test.go.

func TestCreateCalltrack(t *testing.T) {
	t.Run("creates_assigned_activity_in_new_open_case_of_department", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			before := time.Now().Add(-time.Second)
			id := h.ctCreate("jenny", ctBody(
				"payload", map[string]any{"calltrack": map[string]any{"content": map[string]any{"text": "Caller asked about the router", "html": "<p>Router</p>"}}},
				"priority", "3",
			))
			a := h.activity(id)
			if a.Type != casemgr.TypeCalltrack || a.Subtype != "General" || a.Mode != casemgr.ModeInbound {
				t.Errorf("type/subtype/mode = %q/%q/%q", a.Type, a.Subtype, a.Mode)
			}
			if a.Department != 10 || a.Status != casemgr.StatusAssigned || a.AssignedUser != 1001 || a.Queue != 0 {
				t.Errorf("department %d status %q assigned %d queue %d; want 10 assigned 1001 0", a.Department, a.Status, a.AssignedUser, a.Queue)
			}
			if a.Customer != 500 || a.Contact != 600 {
				t.Errorf("customer/contact = %d/%d, want 500/600", a.Customer, a.Contact)
			}
			if a.Subject != "Summary of phone call" || a.ContentText != "Caller asked about the router" || a.ContentHTML != "<p>Router</p>" || a.Priority != "3" {
				t.Errorf("subject %q text %q html %q priority %q", a.Subject, a.ContentText, a.ContentHTML, a.Priority)
			}
			if a.Created.Before(before) || !a.LastModified.Equal(a.Created) || a.CreatedBy != 1001 || a.LastModifiedBy != 1001 {
				t.Errorf("created %v lastModified %v by %d/%d", a.Created, a.LastModified, a.CreatedBy, a.LastModifiedBy)
			}
			if a.Case <= 2006 {
				t.Fatalf("activity is in case %d, want a new case", a.Case)
			}
			c := h.caseOf(a.Case)
			if c.Status != casemgr.CaseOpen || c.Department != 10 || c.Owner != 1001 || c.Customer != 500 || c.Subject != "Summary of phone call" {
				t.Errorf("new case %+v; want open, department 10, owner 1001, customer 500, the activity's subject", c)
			}

			// History: the case and the activity were created by jenny.
			for _, e := range []struct {
				entity string
				id     casemgr.ID
			}{{"case", c.ID}, {"activity", id}} {
				hist := h.history(e.entity, e.id)
				if len(hist) != 1 || hist[0].Action != "create" || hist[0].Actor != "user:1001" || hist[0].Before != "" || hist[0].After == "" {
					t.Errorf("%s history = %+v, want one create entry by user:1001", e.entity, hist)
				}
			}

			// Read back through the API.
			rep := h.readActivity(h.ctToken("jenny"), id)
			wantAt(t, rep, "type.value", "call_track")
			wantAt(t, rep, "type.subtype.value", "General")
			wantAt(t, rep, "mode.value", "inbound")
			wantAt(t, rep, "status.value", "assigned")
			wantAt(t, rep, "status.assigned.user.id", "1001")
			wantAt(t, rep, "department.name", "Service")
			wantAt(t, rep, "customer.id", "500")
			wantAt(t, rep, "case.id", casemgr.FormatID(c.ID))
			wantAt(t, rep, "payload.calltrack.content.text", "Caller asked about the router")
			wantAt(t, rep, "payload.calltrack.content.html", "<p>Router</p>")
			wantAt(t, rep, "priority", "3")
			crep := h.readCase(h.ctToken("jenny"), c.ID)
			wantAt(t, crep, "status.value", "open")
			wantAt(t, crep, "owner.user.id", "1001")
			wantAt(t, crep, "customer.id", "500")
			wantAt(t, crep, "department.name", "Service")
			hres := h.do("GET", "/core/casemgr/v3/activity/"+casemgr.FormatID(id)+"/history", h.login("jenny"), "")
			hres.expect(t, 200, "")
			wantAt(t, hres.JSON(t), "history.0.action", "create")
		})
	})

	t.Run("creates_activity_from_xml_body", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.login("carl")
			alt := h.ctUpload("jenny", "notes.txt", "text/plain", "call notes")
			due := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
			body := `<?xml version="1.0" encoding="UTF-8"?>
<activity>
  <department><name>Service</name></department>
  <type><value>call_track</value><subtype><value>Complaint</value></subtype></type>
  <mode><value>Outbound</value></mode>
  <customer><contacts><contact><phone><id>701</id></phone></contact></contacts></customer>
  <subject>Called back</subject>
  <payload><calltrack><content><text>Left a message</text></content></calltrack></payload>
  <case><id>2001</id></case>
  <priority>2</priority>
  <dueDate>` + due + `</dueDate>
  <attachments><attachment><altId>` + alt + `</altId></attachment></attachments>
  <customAttributes>
    <customAttribute><attribName>reference</attribName><attribValues><attribValue><value>R-7</value></attribValue></attribValues></customAttribute>
    <customAttribute><attribName>channel_detail</attribName><attribValues><attribValue><value>ivr</value></attribValue></attribValues></customAttribute>
  </customAttributes>
  <status><assigned><user><name>carl</name></user></assigned></status>
</activity>`
			id := h.ctCreate("jenny", body, "Content-Type", "application/xml")
			a := h.activity(id)
			if a.Subtype != "Complaint" || a.Mode != casemgr.ModeOutbound || a.Case != 2001 || a.AssignedUser != 1004 {
				t.Errorf("subtype %q mode %q case %d assigned %d; want Complaint outbound 2001 1004", a.Subtype, a.Mode, a.Case, a.AssignedUser)
			}
			if a.Customer != 500 || a.Contact != 600 || a.ContactPoint != 701 || a.ContentText != "Left a message" || a.Priority != "2" {
				t.Errorf("customer %d contact %d point %d text %q priority %q", a.Customer, a.Contact, a.ContactPoint, a.ContentText, a.Priority)
			}
			if a.DueDate == nil || casemgr.FormatTime(*a.DueDate) != due {
				t.Errorf("dueDate %v, want %s", a.DueDate, due)
			}
			if got := a.CustomAttributes; len(got) != 2 || got["reference"][0] != "R-7" || got["channel_detail"][0] != "ivr" {
				t.Errorf("customAttributes %v", got)
			}
			if att := h.ctAttachment(alt); att == nil || att.Activity != id {
				t.Errorf("attachment %s is not attached to %d: %+v", alt, id, att)
			}
			// The answer to an XML request is XML too.
			res := h.do("GET", "/core/casemgr/v3/activity/"+casemgr.FormatID(id), h.login("jenny"), "", "Accept", "application/xml")
			res.expect(t, 200, "")
			if !strings.Contains(string(res.Body), "<activities><activity>") || !strings.Contains(string(res.Body), "<id>"+casemgr.FormatID(id)+"</id>") {
				t.Errorf("XML read: %s", res.Body)
			}
		})
	})

	t.Run("answers_refusal_as_xml_with_translated_user_message", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			res := h.ctRefused(400, "400-270", "jenny", "", ctBody("priority", "9"),
				"Accept", "application/xml", "Accept-Language", "de-DE", "X-egain-error-message", "yes")
			body := string(res.Body)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/xml") || !strings.Contains(body, "<error>") ||
				!strings.Contains(body, "<code>400-270</code>") || !strings.Contains(body, "<userMessage>") || !strings.Contains(body, "<developerMessage>") {
				t.Errorf("XML error body: %s", body)
			}
		})
	})

	t.Run("refusal_lists_every_violated_rule_in_details", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			// The first rule broken, in the documented order, gives the code.
			res := h.ctRefused(400, "400-254", "jenny", "", ctBody("priority", "9", "dueDate", "2001-01-01T00:00:00.000Z", "mode.value", "sideways"))
			var codes []string
			for _, d := range at(res.JSON(t), "details").([]any) {
				v, _ := at(d, "value").(string)
				codes = append(codes, strings.Fields(v)[0])
			}
			if got := strings.Join(codes, " "); got != "400-254 400-270 400-227" {
				t.Errorf("details codes %q, want the mode, priority and dueDate rules: %s", got, res.Body)
			}
		})
	})

	// department.name: required, an existing department.
	t.Run("requires_department_name", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-250", "jenny", "", ctBody("department", ctDelete{}))
			h.ctRefused(400, "400-250", "jenny", "", ctBody("department", map[string]any{}))
			h.ctRefused(400, "400-250", "jenny", "", ctBody("department.name", ""))
		})
	})
	t.Run("refuses_unknown_department", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-251", "jenny", "", ctBody("department.name", "Nowhere"))
		})
	})

	// type.value: call_track.
	t.Run("refuses_type_other_than_call_track", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-252", "jenny", "", ctBody("type.value", "email"))
			h.ctRefused(400, "400-252", "jenny", "", ctBody("type.value", "calltrack"))
		})
	})
	t.Run("requires_type_value", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-252", "jenny", "", ctBody("type", ctDelete{}))
			h.ctRefused(400, "400-252", "jenny", "", ctBody("type.value", ctDelete{}))
		})
	})

	// type.subtype.value: one of the configured calltrack subtypes.
	t.Run("requires_subtype_configured_for_calltrack", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-253", "jenny", "", ctBody("type.subtype.value", "Survey"))
			h.ctRefused(400, "400-253", "jenny", "", ctBody("type.subtype", ctDelete{}))
			h.ctRefused(400, "400-253", "jenny", "", ctBody("type.subtype.value", ctDelete{}))
		})
	})
	t.Run("accepts_configured_subtype", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			id := h.ctCreate("jenny", ctBody("type.subtype.value", "complaint"))
			if got := h.activity(id).Subtype; got != "Complaint" {
				t.Errorf("subtype %q, want the configured Complaint", got)
			}
		})
	})

	// mode.value: Inbound or Outbound, case-insensitively.
	t.Run("accepts_mode_inbound_or_outbound_in_any_case", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for mode, want := range map[string]string{"inbound": "inbound", "OUTBOUND": "outbound", "Outbound": "outbound"} {
				if got := h.activity(h.ctCreate("jenny", ctBody("mode.value", mode))).Mode; got != want {
					t.Errorf("mode %q stored as %q, want %q", mode, got, want)
				}
			}
		})
	})
	t.Run("requires_mode_inbound_or_outbound", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-254", "jenny", "", ctBody("mode.value", "composed"))
			h.ctRefused(400, "400-254", "jenny", "", ctBody("mode.value", ""))
			h.ctRefused(400, "400-254", "jenny", "", ctBody("mode", ctDelete{}))
		})
	})

	// subject or content.
	t.Run("refuses_activity_without_subject_or_content", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-255", "jenny", "", ctBody("subject", ctDelete{}))
			h.ctRefused(400, "400-255", "jenny", "", ctBody("subject", ""))
		})
	})
	t.Run("accepts_content_without_subject", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, content := range []map[string]any{{"text": "only text"}, {"html": "<b>only html</b>"}} {
				id := h.ctCreate("jenny", ctBody("subject", ctDelete{}, "payload.calltrack.content", content))
				a := h.activity(id)
				if a.Subject != "" || a.ContentText+a.ContentHTML == "" {
					t.Errorf("subject %q text %q html %q", a.Subject, a.ContentText, a.ContentHTML)
				}
			}
		})
	})
	t.Run("accepts_subject_without_content", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			a := h.activity(h.ctCreate("jenny", ctBody()))
			if a.Subject != "Summary of phone call" || a.ContentText != "" || a.ContentHTML != "" {
				t.Errorf("subject %q text %q html %q", a.Subject, a.ContentText, a.ContentHTML)
			}
		})
	})

	// payload.calltrack.content: text and/or html.
	t.Run("refuses_content_without_text_or_html", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-272", "jenny", "", ctBody("payload.calltrack.content", map[string]any{}))
			h.ctRefused(400, "400-272", "jenny", "", ctBody("payload.calltrack.content", map[string]any{"text": "", "html": ""}))
		})
	})
	t.Run("refuses_content_type_other_than_text_or_html", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			res := h.ctRefused(400, "400-104", "jenny", "", ctBody("payload.calltrack.content", map[string]any{"text": "x", "markdown": "*x*"}))
			if !strings.Contains(string(res.Body), "payload.calltrack.content.markdown") {
				t.Errorf("the error does not name the element: %s", res.Body)
			}
		})
	})

	// subject: at most 255 characters.
	t.Run("refuses_subject_longer_than_255_characters", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-271", "jenny", "", ctBody("subject", strings.Repeat("s", 256)))
			h.ctRefused(400, "400-271", "jenny", "", ctBody("subject", strings.Repeat("é", 256)))
		})
	})
	t.Run("accepts_subject_of_255_characters", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			subject := strings.Repeat("é", 255)
			if got := h.activity(h.ctCreate("jenny", ctBody("subject", subject))).Subject; got != subject {
				t.Errorf("subject of %d characters stored as %d", 255, len([]rune(got)))
			}
		})
	})

	// priority: 1 to 7.
	t.Run("accepts_priority_1_to_7", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, p := range []string{"1", "7"} {
				if got := h.activity(h.ctCreate("jenny", ctBody("priority", p))).Priority; got != p {
					t.Errorf("priority %q stored as %q", p, got)
				}
			}
		})
	})
	t.Run("refuses_priority_outside_1_to_7", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, p := range []string{"0", "8", "03", "high", "-1", ""} {
				h.ctRefused(400, "400-270", "jenny", "", ctBody("priority", p))
			}
		})
	})

	// dueDate: a date in the future.
	t.Run("stores_future_due_date", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			a := h.activity(h.ctCreate("jenny", ctBody("dueDate", "2099-01-01T00:00:00.000Z")))
			if a.DueDate == nil || casemgr.FormatTime(*a.DueDate) != "2099-01-01T00:00:00.000Z" {
				t.Errorf("dueDate %v", a.DueDate)
			}
		})
	})
	t.Run("refuses_due_date_not_in_future", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-227", "jenny", "", ctBody("dueDate", "2020-01-01T00:00:00.000Z"))
			h.ctRefused(400, "400-227", "jenny", "", ctBody("dueDate", "tomorrow"))
		})
	})

	// customAttributes: defined for activities; enumerations take their
	// values.
	t.Run("stores_custom_attributes_defined_for_activities", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			id := h.ctCreate("jenny", ctBody("customAttributes", map[string]any{"customAttribute": []any{
				map[string]any{"attribName": "channel_detail", "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": "direct"}}}},
			}}))
			if got := h.activity(id).CustomAttributes["channel_detail"]; len(got) != 1 || got[0] != "direct" {
				t.Errorf("channel_detail = %v", got)
			}
			wantAt(t, h.readActivity(h.ctToken("jenny"), id), "customAttributes.customAttribute.0.attribName", "channel_detail")
		})
	})
	t.Run("refuses_custom_attribute_not_defined_for_activities", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-230", "jenny", "", ctBody("customAttributes", map[string]any{"customAttribute": []any{
				map[string]any{"attribName": "region", "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": "EMEA"}}}},
			}}))
		})
	})
	t.Run("refuses_enumeration_value_not_allowed", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-231", "jenny", "", ctBody("customAttributes", map[string]any{"customAttribute": []any{
				map[string]any{"attribName": "channel_detail", "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": "fax"}}}},
			}}))
		})
	})

	// case.id: an existing case, else a new one.
	t.Run("adds_activity_to_existing_case", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			before := h.caseOf(2001)
			id := h.ctCreate("jenny", ctBody("case", map[string]any{"id": "2001"}))
			if got := h.activity(id).Case; got != 2001 {
				t.Errorf("activity in case %d, want 2001", got)
			}
			if after := h.caseOf(2001); after.Status != before.Status || after.Owner != before.Owner || after.Subject != before.Subject {
				t.Errorf("case 2001 changed: %+v -> %+v", before, after)
			}
			if hist := h.history("case", 2001); len(hist) != 0 {
				t.Errorf("case 2001 has history %+v; no case was created", hist)
			}
			wantAt(t, h.readActivity(h.ctToken("jenny"), id), "case.id", "2001")
		})
	})
	t.Run("reopens_closed_case_it_is_added_to", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			if st := h.caseOf(2002).Status; st != casemgr.CaseClosed {
				t.Fatalf("case 2002 of the base world is %s, want closed", st)
			}
			id := h.ctCreate("jenny", ctBody("case", map[string]any{"id": "2002"}))
			if got := h.activity(id).Case; got != 2002 {
				t.Errorf("activity in case %d, want 2002", got)
			}
			if st := h.caseOf(2002).Status; st != casemgr.CaseOpen {
				t.Errorf("case 2002 is %s after an open activity landed in it, want open", st)
			}
			if hist := h.history("case", 2002); len(hist) != 1 || hist[0].Action != "reopen" {
				t.Errorf("case 2002 history %+v, want one reopen entry", hist)
			}
		})
	})
	t.Run("refuses_case_that_does_not_exist", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-263", "jenny", "", ctBody("case", map[string]any{"id": "2999"}))
			// A case of a department jenny cannot see does not exist for
			// her, as the reads answer it.
			h.ctRefused(400, "400-263", "jenny", "", ctBody("case", map[string]any{"id": "2006"}))
		})
	})
	t.Run("refuses_case_without_id_or_with_other_elements", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-105", "jenny", "", ctBody("case", map[string]any{}))
			h.ctRefused(400, "400-104", "jenny", "", ctBody("case", map[string]any{"id": "2001", "subject": "x"}))
		})
	})
	t.Run("new_case_of_anonymous_activity_has_no_customer", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			id := created(t, h.do("POST", ctPath+"?anonymousCustomer=yes", h.login("jenny"), ctBody("customer", ctDelete{})), "activity")
			a := h.activity(id)
			if a.Customer != 0 || h.caseOf(a.Case).Customer != 0 {
				t.Errorf("anonymous activity has customer %d, its case %d", a.Customer, h.caseOf(a.Case).Customer)
			}
		})
	})

	// attachments.attachment[].altId: an uploaded attachment not yet used.
	t.Run("attaches_uploaded_attachments", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			a1 := h.ctUpload("jenny", "call.txt", "text/plain", "the transcript")
			a2 := h.ctUpload("jenny", "photo.png", "image/png", "\x89PNG-bytes")
			id := h.ctCreate("jenny", ctBody("attachments", map[string]any{"attachment": []any{
				map[string]any{"altId": a1}, map[string]any{"altId": a2},
			}}))
			for _, alt := range []string{a1, a2} {
				if att := h.ctAttachment(alt); att == nil || att.Activity != id {
					t.Errorf("attachment %s not attached to %d: %+v", alt, id, att)
				}
			}
			tok := h.login("jenny")
			res := h.do("GET", "/core/casemgr/v3/activity/"+casemgr.FormatID(id)+"/attachment", tok, "")
			res.expect(t, 200, "")
			list, _ := at(res.JSON(t), "attachment").([]any)
			if len(list) != 2 {
				t.Fatalf("attachment list: %s", res.Body)
			}
			res = h.do("GET", "/core/casemgr/v3/activity/"+casemgr.FormatID(id)+"/attachment/"+a1, tok, "")
			res.expect(t, 200, "")
			if string(res.Body) != "the transcript" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("attachment bytes %q (%s)", res.Body, res.Header.Get("Content-Type"))
			}
			wantAt(t, h.readActivity(h.ctToken("jenny"), id), "attachments.count", float64(2))
		})
	})
	t.Run("refuses_attachment_that_was_not_uploaded", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-273", "jenny", "", ctBody("attachments", map[string]any{"attachment": []any{
				map[string]any{"altId": "7b6c5fff-036e-4a40-b68a-a67c592fc079"},
			}}))
			h.ctRefused(400, "400-105", "jenny", "", ctBody("attachments", map[string]any{"attachment": []any{map[string]any{}}}))
		})
	})
	t.Run("refuses_attachment_already_used", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			used := h.ctUpload("jenny", "a.txt", "text/plain", "a")
			first := h.ctCreate("jenny", ctBody("attachments", map[string]any{"attachment": []any{map[string]any{"altId": used}}}))
			fresh := h.ctUpload("jenny", "b.txt", "text/plain", "b")
			h.ctRefused(400, "400-274", "jenny", "", ctBody("attachments", map[string]any{"attachment": []any{
				map[string]any{"altId": fresh}, map[string]any{"altId": used},
			}}))
			// Named twice in one request: used twice.
			h.ctRefused(400, "400-274", "jenny", "", ctBody("attachments", map[string]any{"attachment": []any{
				map[string]any{"altId": fresh}, map[string]any{"altId": fresh},
			}}))
			if a := h.ctAttachment(used); a.Activity != first {
				t.Errorf("used attachment moved to %d", a.Activity)
			}
			if a := h.ctAttachment(fresh); a.Activity != 0 {
				t.Errorf("a refused request attached %s to %d", fresh, a.Activity)
			}
		})
	})
}

// Customer identification, unless anonymousCustomer=yes: exactly one of
// customer.id, a contact id, a contact point id of any kind, or
// contactPointData; the customer exists and, with customer
// departmentalization on, belongs to the activity's department.
func TestCreateCalltrackCustomer(t *testing.T) {
	contact := func(c map[string]any) map[string]any {
		return map[string]any{"contacts": map[string]any{"contact": []any{c}}}
	}
	point := func(kind, id string) map[string]any {
		return contact(map[string]any{kind: []any{map[string]any{"id": id}}})
	}

	t.Run("identifies_customer_by_id", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			a := h.activity(h.ctCreate("jenny", ctBody("customer", map[string]any{"id": "501"})))
			if a.Customer != 501 || a.Contact != 610 || a.ContactPoint != 0 {
				t.Errorf("customer/contact/point = %d/%d/%d, want 501/610/0", a.Customer, a.Contact, a.ContactPoint)
			}
		})
	})
	t.Run("identifies_customer_by_contact_id", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			id := h.ctCreate("jenny", ctBody("customer", contact(map[string]any{"id": "610"})))
			if a := h.activity(id); a.Customer != 501 || a.Contact != 610 {
				t.Errorf("customer/contact = %d/%d, want 501/610", a.Customer, a.Contact)
			}
			wantAt(t, h.readActivity(h.ctToken("jenny"), id), "customer.contacts.contact.0.id", "610")
		})
	})
	t.Run("identifies_customer_by_contact_point_of_each_kind", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for kind, pid := range map[string]casemgr.ID{"email": 700, "phone": 701, "social": 702, "postal": 703, "website": 704} {
				a := h.activity(h.ctCreate("jenny", ctBody("customer", point(kind, casemgr.FormatID(pid)))))
				if a.Customer != 500 || a.Contact != 600 || a.ContactPoint != pid {
					t.Errorf("%s %d: customer/contact/point = %d/%d/%d", kind, pid, a.Customer, a.Contact, a.ContactPoint)
				}
			}
		})
	})
	t.Run("identifies_customer_by_email_contact_point_data", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, data := range []string{"ann@example.com", "Ann@Example.com"} {
				a := h.activity(h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", data)))
				if a.Customer != 501 || a.Contact != 610 || a.ContactPoint != 710 || a.ContactPointData != data {
					t.Errorf("%s: customer/contact/point/data = %d/%d/%d/%q", data, a.Customer, a.Contact, a.ContactPoint, a.ContactPointData)
				}
			}
		})
	})
	t.Run("identifies_customer_by_phone_contact_point_data", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			id := h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", "4085550000"))
			if a := h.activity(id); a.Customer != 501 || a.ContactPoint != 711 || a.ContactPointData != "4085550000" {
				t.Errorf("customer/point/data = %d/%d/%q", a.Customer, a.ContactPoint, a.ContactPointData)
			}
			wantAt(t, h.readActivity(h.ctToken("jenny"), id), "contactPointData", "4085550000")
		})
	})
	t.Run("requires_customer_identifier", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-256", "jenny", "", ctBody("customer", ctDelete{}))
			h.ctRefused(400, "400-256", "jenny", "", ctBody("customer", map[string]any{}))
		})
	})
	t.Run("refuses_more_than_one_customer_identifier", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-257", "jenny", "", ctBody("contactPointData", "john@example.com"))
			h.ctRefused(400, "400-257", "jenny", "", ctBody("customer", map[string]any{"id": "500", "contacts": map[string]any{"contact": []any{map[string]any{"id": "600"}}}}))
			h.ctRefused(400, "400-257", "jenny", "", ctBody("customer", contact(map[string]any{"email": []any{map[string]any{"id": "700"}}, "phone": []any{map[string]any{"id": "701"}}})))
			h.ctRefused(400, "400-257", "jenny", "", ctBody("customer", contact(map[string]any{"id": "600", "phone": []any{map[string]any{"id": "701"}}})))
		})
	})
	t.Run("refuses_customer_that_does_not_exist", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-258", "jenny", "", ctBody("customer", map[string]any{"id": "599"}))
			h.ctRefused(400, "400-258", "jenny", "", ctBody("customer", contact(map[string]any{"id": "699"})))
			h.ctRefused(400, "400-258", "jenny", "", ctBody("customer", point("phone", "799")))
			// A contact point named under another kind's key does not
			// exist as that kind.
			h.ctRefused(400, "400-258", "jenny", "", ctBody("customer", point("email", "701")))
		})
	})
	t.Run("refuses_contact_point_data_neither_email_nor_digits", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, data := range []string{"408-555-0000", "+14085550000", "not an address", "ann@", ""} {
				h.ctRefused(400, "400-259", "jenny", "", ctBody("customer", ctDelete{}, "contactPointData", data))
			}
		})
	})
	t.Run("refuses_contact_point_data_of_no_customer", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-260", "jenny", "", ctBody("customer", ctDelete{}, "contactPointData", "nobody@example.com"))
			h.ctRefused(400, "400-260", "jenny", "", ctBody("customer", ctDelete{}, "contactPointData", "1234"))
		})
	})
	t.Run("refuses_customer_of_another_department_with_departmentalization", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-261", "jenny", "", ctBody("customer", map[string]any{"id": "502"}))
			h.ctRefused(400, "400-261", "jenny", "", ctBody("customer", contact(map[string]any{"id": "620"})))
			h.ctRefused(400, "400-261", "jenny", "", ctBody("customer", point("phone", "721")))
			h.ctRefused(400, "400-261", "jenny", "", ctBody("customer", ctDelete{}, "contactPointData", "bill@corp.example.com"))
			// In Billing, where the customer is, it is accepted.
			a := h.activity(h.ctCreate("jenny", ctBody("department.name", "Billing", "customer", ctDelete{}, "contactPointData", "bill@corp.example.com")))
			if a.Customer != 502 || a.Department != 11 {
				t.Errorf("customer %d department %d, want 502 in 11", a.Customer, a.Department)
			}
		})
	})
	t.Run("picks_customer_of_department_among_owners_of_contact_point_data", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			// Two customers share a phone number: the one of the
			// activity's department is chosen.
			h.add(`{"customers": [{"id": "530", "customerName": "Shared Billing", "type": "individual", "department": "11",
				"contacts": [{"id": "630", "firstName": "S", "lastName": "B", "phone": [{"id": "730", "phoneNo": "5557770000", "type": "home"}]}]},
				{"id": "531", "customerName": "Shared Service", "type": "individual", "department": "10",
				"contacts": [{"id": "631", "firstName": "S", "lastName": "S", "phone": [{"id": "731", "phoneNo": "5557770000", "type": "home"}]}]}]}`)
			if a := h.activity(h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", "5557770000"))); a.Customer != 531 || a.ContactPoint != 731 {
				t.Errorf("Service activity got customer %d point %d, want 531/731", a.Customer, a.ContactPoint)
			}
			if a := h.activity(h.ctCreate("jenny", ctBody("department.name", "Billing", "customer", ctDelete{}, "contactPointData", "5557770000"))); a.Customer != 530 {
				t.Errorf("Billing activity got customer %d, want 530", a.Customer)
			}
		})
	})
	t.Run("accepts_customer_of_any_department_without_departmentalization", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.add(`{"settings": {"customerDepartmentalization": false}}`)
			if a := h.activity(h.ctCreate("jenny", ctBody("customer", map[string]any{"id": "502"}))); a.Customer != 502 || a.Department != 10 {
				t.Errorf("customer %d department %d, want 502 in 10", a.Customer, a.Department)
			}
			if a := h.activity(h.ctCreate("jenny", ctBody("customer", ctDelete{}, "contactPointData", "5550001111"))); a.Customer != 502 {
				t.Errorf("customer %d, want 502", a.Customer)
			}
		})
	})

	// anonymousCustomer=yes: no customer, an optional contactPointData.
	t.Run("anonymous_activity_has_no_customer", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			a := h.activity(created(t, h.do("POST", ctPath+"?anonymousCustomer=yes", tok, ctBody("customer", ctDelete{})), "activity"))
			if a.Customer != 0 || a.Contact != 0 || a.ContactPoint != 0 || a.ContactPointData != "" {
				t.Errorf("anonymous activity: %+v", a)
			}
		})
	})
	t.Run("anonymous_activity_keeps_contact_point_data", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			// The address need not belong to any customer, and a known
			// one does not link the customer.
			for _, data := range []string{"stranger@example.org", "4085551234"} {
				a := h.activity(created(t, h.do("POST", ctPath+"?anonymousCustomer=yes", tok, ctBody("customer", ctDelete{}, "contactPointData", data)), "activity"))
				if a.Customer != 0 || a.ContactPointData != data {
					t.Errorf("%s: customer %d data %q", data, a.Customer, a.ContactPointData)
				}
			}
		})
	})
	t.Run("refuses_anonymous_activity_naming_customer", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-262", "jenny", "?anonymousCustomer=yes", ctBody())
			h.ctRefused(400, "400-262", "jenny", "?anonymousCustomer=yes", ctBody("customer", point("email", "700")))
		})
	})
	t.Run("refuses_anonymous_contact_point_data_neither_email_nor_digits", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-259", "jenny", "?anonymousCustomer=yes", ctBody("customer", ctDelete{}, "contactPointData", "call me"))
		})
	})
	t.Run("anonymous_customer_accepts_only_yes", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, q := range []string{"?anonymousCustomer=no", "?anonymousCustomer=YES", "?anonymousCustomer=", "?anonymousCustomer=yes&anonymousCustomer=yes"} {
				h.ctRefused(400, "400-102", "jenny", q, ctBody("customer", ctDelete{}))
			}
		})
	})
}
