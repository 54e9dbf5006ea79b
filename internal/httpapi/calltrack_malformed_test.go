package httpapi

import (
	"strings"
	"testing"
)

// Malformed create-calltrack requests: a 4xx naming the problem, never a
// 500 and never a partial write.
func TestCreateCalltrackMalformed(t *testing.T) {
	t.Run("refuses_unknown_query_parameter", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			res := h.ctRefused(400, "400-101", "jenny", "?anonymous=yes", ctBody())
			if !strings.Contains(string(res.Body), "anonymous") {
				t.Errorf("the error does not name the parameter: %s", res.Body)
			}
			h.ctRefused(400, "400-101", "jenny", "?$attribute=all", ctBody())
		})
	})
	t.Run("refuses_unsupported_query_parameter_value", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-102", "jenny", "?anonymousCustomer=true", ctBody("customer", ctDelete{}))
		})
	})
	t.Run("refuses_unknown_body_element_naming_it", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for path, body := range map[string]string{
				"queue":                    ctBody("queue", map[string]any{"id": "100"}),
				"department.id":            ctBody("department.id", "10"),
				"type.subtype.displayName": ctBody("type.subtype.displayName", "x"),
				"mode.foo":                 ctBody("mode.foo", "x"),
				"customer.customerName":    ctBody("customer.customerName", "John"),
				"customer.contacts.contact[0].fax": ctBody("customer", map[string]any{"contacts": map[string]any{"contact": []any{
					map[string]any{"id": "600", "fax": []any{map[string]any{"id": "1"}}}}}}),
				"payload.email":                  ctBody("payload.email", map[string]any{}),
				"attachments.attachment[0].name": ctBody("attachments", map[string]any{"attachment": []any{map[string]any{"altId": "x", "name": "a.txt"}}}),
			} {
				res := h.ctRefused(400, "400-104", "jenny", "", body)
				if !strings.Contains(string(res.Body), "'"+path+"'") {
					t.Errorf("%s: the error does not name the element: %s", path, res.Body)
				}
			}
		})
	})
	t.Run("refuses_element_of_wrong_shape", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, body := range []string{
				ctBody("customer.id", "abc"),
				ctBody("customer.id", map[string]any{"x": "1"}),
				ctBody("subject", map[string]any{"text": "x"}),
				ctBody("type", "call_track"),
				ctBody("priority", true),
				ctBody("case", map[string]any{"id": "-3"}),
			} {
				h.ctRefused(400, "400-152", "jenny", "", body)
			}
		})
	})
	t.Run("refuses_missing_body", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-264", "jenny", "", "")
			h.ctRefused(400, "400-264", "jenny", "", "  \n")
			h.ctRefused(400, "400-264", "jenny", "", "", "Content-Type", "application/xml")
		})
	})
	t.Run("refuses_invalid_json", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-103", "jenny", "", `{"department": {"name": "Service"`)
			h.ctRefused(400, "400-103", "jenny", "", ctBody()+` {}`)
			h.ctRefused(400, "400-103", "jenny", "", `<activity/>`)
		})
	})
	t.Run("refuses_invalid_xml", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-103", "jenny", "", `<activity><department><name>Service</name></activity>`, "Content-Type", "application/xml")
			h.ctRefused(400, "400-103", "jenny", "", ctBody(), "Content-Type", "application/xml")
		})
	})
	t.Run("refuses_content_type_other_than_json_or_xml", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "not a type"} {
				h.ctRefused(415, "415-100", "jenny", "", ctBody(), "Content-Type", ct)
			}
		})
	})
	t.Run("refuses_more_than_one_activity", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(400, "400-104", "jenny", "", `{"activity": [`+ctBody()+`, `+ctBody()+`]}`)
			h.ctRefused(400, "400-104", "jenny", "", `<activities><activity><subject>a</subject></activity><activity><subject>b</subject></activity></activities>`,
				"Content-Type", "application/xml")
		})
	})
	t.Run("refuses_body_larger_than_limit", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(413, "413-100", "jenny", "", ctBody("payload.calltrack.content.text", strings.Repeat("x", DefaultMaxBody)))
		})
	})
	t.Run("refuses_missing_token", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.refused(401, "401-104", "POST", ctPath, "", ctBody())
		})
	})
	t.Run("refuses_invalid_token", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.refused(401, "401-101", "POST", ctPath, "not-a-token", ctBody())
			tok := h.login("jenny")
			h.ctLogout(tok)
			h.refused(401, "401-101", "POST", ctPath, tok, ctBody())
		})
	})
	t.Run("refuses_unacceptable_accept_and_language", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			h.ctRefused(406, "406-101", "jenny", "", ctBody(), "Accept", "text/html")
			h.ctRefused(406, "406-100", "jenny", "", ctBody(), "Accept-Language", "xx-XX")
		})
	})
}
