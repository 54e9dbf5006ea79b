package httpapi

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Helpers of the create-calltrack tests. Their names start with ct so
// they do not clash with the helpers of the other operations' tests.

// ctPath is the path of create-calltrack.
const ctPath = "/core/casemgr/v3/activity/calltrack"

// ctDelete, as a value of ctBody, removes the element.
type ctDelete struct{}

// ctBase is a valid request of jenny's: an inbound General calltrack in
// Service for customer 500.
func ctBase() map[string]any {
	return map[string]any{
		"department": map[string]any{"name": "Service"},
		"type":       map[string]any{"value": "call_track", "subtype": map[string]any{"value": "General"}},
		"mode":       map[string]any{"value": "Inbound"},
		"customer":   map[string]any{"id": "500"},
		"subject":    "Summary of phone call",
	}
}

// ctBody renders the base request as JSON with edits: pairs of a dotted
// path and a value (ctDelete{} removes the element).
func ctBody(edits ...any) string {
	m := ctBase()
	for i := 0; i+1 < len(edits); i += 2 {
		path := strings.Split(edits[i].(string), ".")
		cur := m
		for _, k := range path[:len(path)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[k] = next
			}
			cur = next
		}
		last := path[len(path)-1]
		if _, del := edits[i+1].(ctDelete); del {
			delete(cur, last)
		} else {
			cur[last] = edits[i+1]
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ctCreate creates an activity as the user (or "client") and returns its
// ID.
func (h *harness) ctCreate(who, body string, header ...string) casemgr.ID {
	h.t.Helper()
	return created(h.t, h.do("POST", ctPath, h.ctToken(who), body, header...), "activity")
}

// ctToken is the token of a user name, or of the client application for
// "client".
func (h *harness) ctToken(who string) string {
	h.t.Helper()
	if who == "client" {
		return h.client()
	}
	return h.login(who)
}

// ctRefused sends a create-calltrack request that must be refused with
// status and code, and checks that nothing changed.
func (h *harness) ctRefused(status int, code, who, query, body string, header ...string) *response {
	h.t.Helper()
	return h.refused(status, code, "POST", ctPath+query, h.ctToken(who), body, header...)
}

// ctCalltracks counts the calltrack activities of the world.
func (h *harness) ctCalltracks() int {
	h.t.Helper()
	var n int
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
		_, n, err = tx.SearchActivities(casemgr.ActivityFilter{Types: []string{casemgr.TypeCalltrack}, Page: casemgr.Page{Limit: 1}})
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// ctAttachment reads an attachment from the store (nil when it does not
// exist).
func (h *harness) ctAttachment(altID string) *casemgr.Attachment {
	h.t.Helper()
	var a *casemgr.Attachment
	err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) {
		a, err = tx.AttachmentData(altID)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// ctUpload uploads a file through POST /core/casemgr/v3/attachment and
// returns its altId.
func (h *harness) ctUpload(who, name, contentType, data string) string {
	h.t.Helper()
	res := h.do("POST", "/core/casemgr/v3/attachment?name="+name, h.ctToken(who), data, "Content-Type", contentType)
	res.expect(h.t, 201, "")
	alt, _ := at(res.JSON(h.t), "attachment.0.altId").(string)
	if alt == "" {
		h.t.Fatalf("upload answered no altId: %s", res.Body)
	}
	return alt
}

// ctLogout ends the login session of a token.
func (h *harness) ctLogout(token string) {
	h.t.Helper()
	h.do("DELETE", "/core/authmgr/v3/user/logout", token, "").expect(h.t, 204, "")
}
