package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/webhook"
)

// A second client application, for the tests of ownership.
const otherClientWorld = `{"clientApplications": [{"clientId": "reporting", "clientSecret": "reporting-secret", "name": "Reporting"}]}`

// testSecret is a valid webhook secret (Standard Webhooks' test vector).
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// allowLoopback lets the harness's webhooks reach loopback addresses, as
// --webhook-allow 127.0.0.0/8,::1/128 does.
func (h *harness) allowLoopback() {
	allow, err := webhook.ParseAllow("127.0.0.0/8,::1/128")
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv.Service.WebhookTargets = webhook.Targets(allow)
}

// webhooks returns every stored webhook, for checking that a refused
// request stored nothing.
func (h *harness) webhooks() string {
	h.t.Helper()
	var list []casemgr.Webhook
	if err := h.db.Read(context.Background(), func(tx casemgr.Tx) (err error) { list, err = tx.Webhooks(""); return err }); err != nil {
		h.t.Fatal(err)
	}
	b, _ := json.Marshal(list)
	return string(b)
}

// refusedWebhook runs a request that must be refused and checks that the
// stored webhooks are the same afterwards.
func (h *harness) refusedWebhook(status int, code, method, path, token, body string) *response {
	h.t.Helper()
	before := h.webhooks()
	res := h.do(method, path, token, body)
	res.expect(h.t, status, code)
	if after := h.webhooks(); after != before {
		h.t.Fatalf("a refused request changed the webhooks:\nbefore: %s\nafter:  %s", before, after)
	}
	return res
}

func (h *harness) clientNamed(id string) string {
	h.t.Helper()
	if tok, ok := h.tokens["client:"+id]; ok {
		return tok
	}
	tok := h.grant(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {id + "-secret"}})
	h.tokens["client:"+id] = tok
	return tok
}

func webhookBody(u, secret string, types ...string) string {
	m := map[string]any{"url": u}
	if secret != "" {
		m["secret"] = secret
	}
	if types != nil {
		m["eventTypes"] = types
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestWebhookSubscriptions(t *testing.T) {
	onEngines(t, otherClientWorld, func(t *testing.T, h *harness) {
		h.allowLoopback()
		client := h.client()

		// A secret sent is kept; eventTypes are kept in order, each once.
		res := h.do("POST", webhooksPath, client, webhookBody("http://127.0.0.1:9/hook", testSecret,
			"activity.transferred", "case.created", "activity.transferred"))
		id := created(t, res, "webhooks")
		body := res.JSON(t)
		wantAt(t, body, "secret", testSecret)
		wantAt(t, body, "id", casemgr.FormatID(id))
		wantAt(t, body, "status", "active")
		if got := fmt.Sprint(at(body, "eventTypes")); got != "[activity.transferred case.created]" {
			t.Errorf("eventTypes %s", got)
		}

		// No secret: one is generated, valid, and shown once.
		res = h.do("POST", webhooksPath, client, `{"url": "http://127.0.0.1:9/all"}`)
		all := created(t, res, "webhooks")
		gen := atString(res.JSON(t), "secret")
		if _, err := webhook.Sign(gen, "msg", time.Now(), []byte("{}")); err != nil || !strings.HasPrefix(gen, "whsec_") {
			t.Fatalf("generated secret %q: %v", gen, err)
		}
		if at(res.JSON(t), "eventTypes") != nil {
			t.Errorf("a webhook of every type lists eventTypes: %s", res.Body)
		}

		// The list and the read of one never show a secret.
		list := h.do("GET", webhooksPath, client, "")
		list.expect(t, 200, "")
		one := h.do("GET", webhooksPath+"/"+casemgr.FormatID(id), client, "")
		one.expect(t, 200, "")
		for _, r := range []*response{list, one} {
			if strings.Contains(string(r.Body), "whsec_") || strings.Contains(string(r.Body), "secret") {
				t.Errorf("a read serves the secret: %s", r.Body)
			}
		}
		if n := len(at(list.JSON(t), "webhook").([]any)); n != 2 {
			t.Errorf("list holds %d webhooks, want 2: %s", n, list.Body)
		}
		wantAt(t, one.JSON(t), "webhook.0.url", "http://127.0.0.1:9/hook")

		// The delivery log of a new webhook is empty.
		d := h.do("GET", webhooksPath+"/"+casemgr.FormatID(id)+"/deliveries", client, "")
		d.expect(t, 200, "")
		if n := len(at(d.JSON(t), "delivery").([]any)); n != 0 {
			t.Errorf("new webhook has %d deliveries", n)
		}

		// Another client application sees none of them.
		other := h.clientNamed("reporting")
		if n := len(at(h.do("GET", webhooksPath, other, "").JSON(t), "webhook").([]any)); n != 0 {
			t.Errorf("another client sees %d webhooks", n)
		}
		for _, p := range []string{"", "/deliveries"} {
			h.refusedWebhook(404, "404-101", "GET", webhooksPath+"/"+casemgr.FormatID(id)+p, other, "")
		}
		h.refusedWebhook(404, "404-101", "DELETE", webhooksPath+"/"+casemgr.FormatID(id), other, "")

		// Delete: 204, then gone.
		h.do("DELETE", webhooksPath+"/"+casemgr.FormatID(all), client, "").expect(t, 204, "")
		h.do("GET", webhooksPath+"/"+casemgr.FormatID(all), client, "").expect(t, 404, "404-101")
		h.do("DELETE", webhooksPath+"/"+casemgr.FormatID(all), client, "").expect(t, 404, "404-101")

		// Malformed requests.
		h.refusedWebhook(400, "400-105", "POST", webhooksPath, client, `{"secret": "`+testSecret+`"}`)
		h.refusedWebhook(400, "400-104", "POST", webhooksPath, client, `{"url": "http://127.0.0.1/", "extra": 1}`)
		h.refusedWebhook(400, "400-152", "POST", webhooksPath, client, `{"url": "http://127.0.0.1/", "eventTypes": [{"a": "b"}]}`)
		h.refusedWebhook(400, "400-108", "GET", webhooksPath+"/abc", client, "")
		h.refusedWebhook(400, "400-102", "GET", webhooksPath+"/"+casemgr.FormatID(id)+"/deliveries?$pagesize=0", client, "")
	})
}

// The rules of webhooks, one test each, on both engines.
func TestWebhookRules(t *testing.T) {
	rule(t, "webhooks_are_managed_by_client_applications", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		id := created(t, h.do("POST", webhooksPath, h.client(), webhookBody("http://127.0.0.1:9/", "")), "webhooks")
		user := h.login("jenny")
		p := webhooksPath + "/" + casemgr.FormatID(id)
		for _, r := range [][2]string{{"POST", webhooksPath}, {"GET", webhooksPath}, {"GET", p}, {"DELETE", p}, {"GET", p + "/deliveries"}} {
			body := ""
			if r[0] == "POST" {
				body = webhookBody("http://127.0.0.1:9/", "")
			}
			h.refusedWebhook(403, "403-530", r[0], r[1], user, body)
		}
	})
	rule(t, "webhook_url_is_an_absolute_http_url", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		for _, u := range []string{"", "ftp://127.0.0.1/", "/relative", "http://", "http://user:pw@127.0.0.1/",
			"http://127.0.0.1/#frag", "127.0.0.1:80", "http://127.0.0.1/" + strings.Repeat("a", 2048)} {
			res := h.refusedWebhook(400, "400-530", "POST", webhooksPath, h.client(), webhookBody(u, ""))
			hasDetail(t, res, "url", "400-530")
		}
	})
	rule(t, "webhook_target_is_not_internal", "", func(t *testing.T, h *harness) {
		h.srv.Service.WebhookTargets = webhook.Targets(nil)
		for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/", "http://[::1]/", "http://10.1.2.3/",
			"http://192.168.0.1/", "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/",
			"http://100.100.100.200/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://[fd00:ec2::254]/",
			"http://[64:ff9b::a9fe:a9fe]/", "http://224.0.0.1/"} {
			res := h.refusedWebhook(400, "400-531", "POST", webhooksPath, h.client(), webhookBody(u, ""))
			hasDetail(t, res, "url", "400-531")
		}
		// --webhook-allow lets an operator open a range.
		allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		h.srv.Service.WebhookTargets = webhook.Targets(allow)
		h.do("POST", webhooksPath, h.client(), webhookBody("http://10.1.2.3/", "")).expect(t, 201, "")
		h.refusedWebhook(400, "400-531", "POST", webhooksPath, h.client(), webhookBody("http://127.0.0.1/", ""))
	})
	rule(t, "webhook_host_resolves", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		h.refusedWebhook(400, "400-532", "POST", webhooksPath, h.client(), webhookBody("http://no-such-host.invalid/", ""))
	})
	rule(t, "webhook_secret_is_whsec_base64_of_24_to_64_bytes", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		for _, s := range []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!",
			"whsec_" + strings.Repeat("A", 28), "whsec_" + strings.Repeat("A", 88)} {
			res := h.refusedWebhook(400, "400-533", "POST", webhooksPath, h.client(), webhookBody("http://127.0.0.1/", s))
			if len(s) > len("whsec_") && strings.Contains(string(res.Body), s) {
				t.Errorf("the refusal repeats the secret: %s", res.Body)
			}
		}
	})
	rule(t, "webhook_event_types_are_known", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		res := h.refusedWebhook(400, "400-534", "POST", webhooksPath, h.client(),
			webhookBody("http://127.0.0.1/", "", "activity.transferred", "activity.exploded"))
		wantDetails(t, res, map[string][]string{"eventTypes": {"400-534"}})
	})
	rule(t, "webhook_event_types_not_empty", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		h.refusedWebhook(400, "400-535", "POST", webhooksPath, h.client(), webhookBody("http://127.0.0.1/", "", []string{}...))
	})
	rule(t, "webhooks_per_client_are_limited", "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		for i := 0; i < casemgr.MaxWebhooksPerClient; i++ {
			h.do("POST", webhooksPath, h.client(), webhookBody(fmt.Sprintf("http://127.0.0.1/%d", i), "")).expect(t, 201, "")
		}
		h.refusedWebhook(400, "400-536", "POST", webhooksPath, h.client(), webhookBody("http://127.0.0.1/last", ""))
	})
}

// TestWebhookBodyIsTheFeedItem: a webhook delivery's body is the feed's
// JSON item of the same event, byte for byte (one renderer, EventJSON),
// for events whose changes hold what JSON encoders differ on: HTML
// characters, non-ASCII text, line separators, decimal numbers, nested
// values, keys out of order, and an actor of no known kind.
func TestWebhookBodyIsTheFeedItem(t *testing.T) {
	onEngines(t, "", func(t *testing.T, h *harness) {
		h.allowLoopback()
		client := h.client()
		var mu sync.Mutex
		bodies := map[string][]byte{} // by webhook-id, verified
		rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if webhook.Verify(testSecret, body, r.Header) != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			mu.Lock()
			bodies[r.Header.Get("webhook-id")] = body
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		defer rec.Close()
		h.do("POST", webhooksPath, client, webhookBody(rec.URL+"/", testSecret)).expect(t, 201, "")

		entries := []casemgr.HistoryEntry{
			{Entity: "case", EntityID: 2000, Action: "changecase", Actor: "user:1001", At: casemgr.Millis(time.Now()), Department: 10,
				EventType: casemgr.EventCaseChanged,
				Changes:   `{"subject":{"before":"Tom & Jerry <b>","after":"Ünïcödé \u2028 \"quoted\" 😀"},"amount":{"before":1.50,"after":1e3},"attrs":{"after":{"z":[1,"a"],"a":null}}}`},
			{Entity: "customer", EntityID: 500, Action: "create", Actor: "client:bridge", At: casemgr.Millis(time.Now()),
				EventType: casemgr.EventCustomerCreated, Changes: `{}`},
		}
		if err := h.db.Write(context.Background(), func(tx casemgr.Tx) error { return tx.AppendHistory(entries) }); err != nil {
			t.Fatal(err)
		}
		w := &webhook.Worker{Store: h.db, Source: webhook.Feed{Store: h.db, Render: EventJSON},
			Client: webhook.NewClient([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, 5*time.Second)}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, _, err := w.Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := len(bodies)
			mu.Unlock()
			if n == len(entries) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events delivered", n, len(entries))
			}
		}
		res := h.do("GET", feedURL("", "wait", "20"), client, "")
		res.expect(t, 200, "")
		var page struct{ Event []json.RawMessage }
		if err := json.Unmarshal(res.Body, &page); err != nil || len(page.Event) != len(entries) {
			t.Fatalf("feed %s (%v)", res.Body, err)
		}
		for _, item := range page.Event {
			id := atString(mustJSON(t, string(item)), "id")
			if got := bodies[id]; string(got) != string(item) {
				t.Errorf("event %s: delivered body\n%s\nfeed item\n%s", id, got, item)
			}
		}
	})
}
