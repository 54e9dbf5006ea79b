package httpapi

import (
	"context"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"strings"
	"sync"
	"testing"
)

// The isolation of webhooks: they are not departmental data, but each
// belongs to the client application that created it. A user token is
// 403-530 on every webhook route; another client application's webhook
// answers exactly as a missing one (404-101); a client's list holds only its
// own.

// sweepWebhook is the webhook the sweep reads: created once per sweep by
// the first client application of the demo world.
var sweepWebhook sync.Map // *sweep → [2]string{owner actor name, id}

func (sw *sweep) webhook(t *testing.T) (owner, id string) {
	t.Helper()
	if v, ok := sweepWebhook.Load(sw); ok {
		p := v.([2]string)
		return p[0], p[1]
	}
	for _, a := range sw.actors {
		if a.user != nil {
			continue
		}
		// Stored with an ID of its own: the sweep compares answers with
		// the IDs taken out, and a short ID is in every error code.
		hook := &casemgr.Webhook{ID: 777001, Client: strings.TrimPrefix(a.name, "client:"), URL: "http://127.0.0.1:9/sweep",
			Secret: testSecret, Created: time.Now(), Status: casemgr.WebhookActive}
		if err := sw.h.db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.InsertWebhook(hook) }); err != nil {
			t.Fatal(err)
		}
		id = casemgr.FormatID(hook.ID)
		sweepWebhook.Store(sw, [2]string{a.name, id})
		return a.name, id
	}
	t.Fatal("the demo world has no client application")
	return "", ""
}

// webhookSweep sweeps a webhook route of path (with {id}) and method.
func webhookSweep(method, path string) sweepCase {
	return func(t *testing.T, sw *sweep, a *sweepActor) {
		owner, id := sw.webhook(t)
		p := strings.Replace(path, "{id}", id, 1)
		body := ""
		if method == "POST" {
			body = `{"url": "http://127.0.0.1:9/user"}`
		}
		switch {
		case a.user != nil:
			sw.do(method, p, a.token, body).expect(t, 403, "403-530")
		case method == "POST" || a.name == owner && method == "DELETE":
			// A creation names no existing webhook; the owner's delete
			// would end the sweep's webhook (TestWebhookSubscriptions).
		case !strings.Contains(path, "{id}"):
			res := sw.do(method, p, a.token, "")
			res.expect(t, 200, "")
			if mine := strings.Contains(string(res.Body), `"id":"`+id+`"`); mine != (a.name == owner) {
				t.Fatalf("%s: the list of webhooks %s", a.name, res.Body)
			}
		case a.name == owner:
			sw.do(method, p, a.token, "").expect(t, 200, "")
		default:
			missing := strings.Replace(path, "{id}", sweepMissingID, 1)
			sw.same(t, a, call{method, p, ""}, id, call{method, missing, ""}, sweepMissingID, "404-101")
		}
	}
}

func init() {
	for _, r := range []string{"POST " + webhooksPath, "GET " + webhooksPath, "GET " + webhooksPath + "/{id}",
		"DELETE " + webhooksPath + "/{id}", "GET " + webhooksPath + "/{id}/deliveries"} {
		method, path, _ := strings.Cut(r, " ")
		sweepCases[r] = webhookSweep(method, path)
	}
}
