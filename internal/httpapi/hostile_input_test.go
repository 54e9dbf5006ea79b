package httpapi

import (
	"strings"
	"testing"
)

// TestUnstorableTextRefusedAtTheEdge pins that a string no engine stores as
// given (a NUL, invalid UTF-8), in a body (JSON or XML), a query parameter,
// a path value or a header that reaches the database, is refused with the
// same 400 on SQLite and PostgreSQL before it reaches either: 400-152 for a
// body value or a header, 400-102 for a parameter value, 400-108 for a path
// value. Nothing changes.
func TestUnstorableTextRefusedAtTheEdge(t *testing.T) {
	const nulJSON = `Summary\u0000of call` // a NUL escaped in a JSON string
	const badUTF8 = "Summary \xff\xfe of call"

	t.Run("calltrack_subject_and_payload_with_NUL_or_invalid_UTF8_are_400_152", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			// The same request with clean text is created: the refusals
			// below are about the text alone.
			h.ctCreate("jenny", ctBody("subject", "Summary of call"))
			for name, body := range map[string]string{
				"subject NUL":           strings.Replace(ctBody("subject", "X"), `"X"`, `"`+nulJSON+`"`, 1),
				"subject invalid UTF-8": strings.Replace(ctBody("subject", "X"), `"X"`, `"`+badUTF8+`"`, 1),
				"payload NUL": strings.Replace(ctBody("payload", map[string]any{"calltrack": map[string]any{"content": map[string]any{"text": "X"}}}),
					`"X"`, `"`+nulJSON+`"`, 1),
				"payload invalid UTF-8": strings.Replace(ctBody("payload", map[string]any{"calltrack": map[string]any{"content": map[string]any{"html": "X"}}}),
					`"X"`, `"`+badUTF8+`"`, 1),
				"custom attribute NUL": strings.Replace(ctBody("customAttributes", map[string]any{"customAttribute": []any{map[string]any{
					"attribName": "reference", "attribValues": map[string]any{"attribValue": []any{map[string]any{"value": "X"}}}}}}),
					`"X"`, `"`+nulJSON+`"`, 1),
			} {
				res := h.ctRefused(400, "400-152", "jenny", "", body)
				if strings.Contains(name, "subject") && !strings.Contains(string(res.Body), "'subject'") {
					t.Errorf("%s: the error does not name the element: %s", name, res.Body)
				}
			}
		})
	})

	t.Run("calltrack_XML_subject_with_NUL_or_invalid_UTF8_is_400_152", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			xmlBody := func(subject string) string {
				return `<activity><department><name>Service</name></department>` +
					`<type><value>call_track</value><subtype><value>General</value></subtype></type>` +
					`<mode><value>Inbound</value></mode><customer><id>500</id></customer>` +
					`<subject>` + subject + `</subject></activity>`
			}
			h.ctCreate("jenny", xmlBody("Summary of call"), "Content-Type", "application/xml")
			for _, subject := range []string{"Summary&#0;of call", "Summary\x00of call", badUTF8} {
				res := h.ctRefused(400, "400-152", "jenny", "", xmlBody(subject), "Content-Type", "application/xml")
				if !strings.Contains(string(res.Body), "'subject'") {
					t.Errorf("%q: the error does not name the element: %s", subject, res.Body)
				}
			}
		})
	})

	t.Run("change_case_new_case_subject_and_description_with_NUL_or_invalid_UTF8_are_400_152", func(t *testing.T) {
		rule(t, "each", chcWorld, func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			for _, body := range []string{
				`{"case": {"subject": "` + nulJSON + `"}}`,
				`{"case": {"subject": "` + badUTF8 + `"}}`,
				`{"case": {"description": "` + nulJSON + `"}}`,
				`{"description": "` + badUTF8 + `"}`,
				`{"case": {"solution": "` + nulJSON + `"}}`,
			} {
				h.refused(400, "400-152", "PATCH", chcPath("3200", ""), tok, body)
			}
			h.do("PATCH", chcPath("3200", ""), tok, `{"case": {"subject": "clean", "description": "clean"}}`).expect(t, 201, "")
		})
	})

	t.Run("search_parameter_values_with_NUL_or_invalid_UTF8_are_400_102", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			for _, q := range []string{"type=%00", "type=email%00", "type=%FF%FE", "mode=in%00bound", "status=%C3", "$sort=id%00", "case=1%00"} {
				res := h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?"+q, tok, "")
				if !strings.Contains(string(res.Body), "'"+strings.SplitN(q, "=", 2)[0]+"'") {
					t.Errorf("%s: the error does not name the parameter: %s", q, res.Body)
				}
			}
			// A parameter name that is not storable text is not a known one.
			h.refused(400, "400-101", "GET", "/core/casemgr/v3/activity?custom.ref%00=x", tok, "")
			h.do("GET", "/core/casemgr/v3/activity?type=email", tok, "").expect(t, 200, "")
		})
	})

	t.Run("parameters_of_every_route_with_NUL_or_invalid_UTF8_are_400_102", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			h.refused(400, "400-102", "POST", ctPath+"?anonymousCustomer=yes%00", tok, ctBody("customer", ctDelete{}))
			h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity/3000?$attribute=all%FF", tok, "")
			h.refused(400, "400-102", "POST", "/core/casemgr/v3/attachment?name=a%00.txt", tok, "bytes", "Content-Type", "text/plain")
			for _, target := range []string{
				"/core/customermgr/v3/customer?email=a%00@example.com",
				"/core/customermgr/v3/customer?customerName=%FF",
				"/core/customermgr/v3/customer?custom.employee=%00",
				"/core/casemgr/v3/case?email=%C3",
				"/core/casemgr/v3/case?phone=555%00",
			} {
				res := h.refused(400, "400-102", "GET", target, tok, "")
				name := target[strings.Index(target, "?")+1 : strings.Index(target, "=")]
				if !strings.Contains(string(res.Body), "'"+name+"'") {
					t.Errorf("%s: the error does not name the parameter: %s", target, res.Body)
				}
			}
			// A query string that does not parse is not silently dropped.
			h.refused(400, "400-102", "GET", "/core/casemgr/v3/activity?type=%zz", tok, "")
		})
	})

	t.Run("path_values_with_NUL_or_invalid_UTF8_are_400_108", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			tok := h.login("jenny")
			for _, p := range []string{
				"/core/casemgr/v3/attachment/%00",
				"/core/casemgr/v3/attachment/7b6c5fff-036e-4a40-b68a-a67c592fc079%FF",
				"/core/casemgr/v3/activity/3000/attachment/a%00b",
				"/core/casemgr/v3/activity/%C3",
			} {
				h.refused(400, "400-108", "GET", p, tok, "")
			}
		})
	})

	t.Run("Idempotency_Key_with_NUL_or_invalid_UTF8_is_400_152", func(t *testing.T) {
		onEngines(t, "", func(t *testing.T, h *harness) {
			for _, key := range []string{"key\x00", "key-\xff\xfe", "\xc3"} {
				res := h.ctRefused(400, "400-152", "jenny", "", ctBody(), "Idempotency-Key", key)
				if !strings.Contains(string(res.Body), "Idempotency-Key") {
					t.Errorf("%q: the error does not name the header: %s", key, res.Body)
				}
			}
			h.ctCreate("jenny", ctBody(), "Idempotency-Key", "key-é")
		})
	})
}

// TestDuplicateKeysRefused pins that a key repeated in one JSON object, at
// any depth, is refused as the same element repeated in XML is: 400-152
// naming the element, nothing changed. Neither form lets the last value win
// silently.
func TestDuplicateKeysRefused(t *testing.T) {
	onEngines(t, "", func(t *testing.T, h *harness) {
		base := ctBody()
		for path, body := range map[string]string{
			"subject":            strings.Replace(base, `"subject":`, `"subject":"first","subject":`, 1),
			"customer.id":        strings.Replace(base, `"customer":{"id":"500"}`, `"customer":{"id":"500","id":"501"}`, 1),
			"mode":               strings.Replace(base, `"mode":`, `"mode":{"value":"Outbound"},"mode":`, 1),
			"type.subtype.value": strings.Replace(base, `"subtype":{"value":"General"}`, `"subtype":{"value":"General","value":"General"}`, 1),
			"customAttributes.customAttribute[0].attribName": strings.Replace(
				ctBody("customAttributes", map[string]any{"customAttribute": []any{map[string]any{"attribName": "reference",
					"attribValues": map[string]any{"attribValue": []any{map[string]any{"value": "EMEA"}}}}}}),
				`"attribName":"reference"`, `"attribName":"reference","attribName":"reference"`, 1),
		} {
			if body == base || !strings.Contains(body, path[strings.LastIndex(path, ".")+1:]) {
				t.Fatalf("%s: the duplicate was not written into the body: %s", path, body)
			}
			res := h.ctRefused(400, "400-152", "jenny", "", body)
			if !strings.Contains(string(res.Body), "'"+path+"'") {
				t.Errorf("%s: the error does not name the element: %s", path, res.Body)
			}
		}

		// The XML form: the same element twice where one value belongs.
		xmlBody := `<activity><department><name>Service</name></department>` +
			`<type><value>call_track</value><subtype><value>General</value></subtype></type>` +
			`<mode><value>Inbound</value></mode><customer><id>500</id></customer>` +
			`<subject>first</subject><subject>second</subject></activity>`
		res := h.ctRefused(400, "400-152", "jenny", "", xmlBody, "Content-Type", "application/xml")
		if !strings.Contains(string(res.Body), "subject") {
			t.Errorf("XML: the error does not name the element: %s", res.Body)
		}

		// Other operations' bodies go through the same reader.
		tok := h.login("jenny")
		h.refused(400, "400-152", "PATCH", "/core/casemgr/v3/activity/transfer/department/11", tok,
			`{"activity": [{"id": "3000", "lastModified": "2026-01-05T09:30:00.000Z", "id": "3001"}]}`)
		h.refused(400, "400-152", "PATCH", "/core/casemgr/v3/activity/changecustomer", tok,
			`{"activity": [], "activity": [{"id": "3000"}]}`)
	})
}
