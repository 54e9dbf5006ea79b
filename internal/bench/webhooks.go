package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/webhook"
)

// WebhookLoad is a loopback webhook receiver subscribed, as the bench
// world's client application, to every event type of the server under
// test, so that a run measures the operations with their deliveries on
// (casemgr bench run --webhooks; docs/performance.md). The server must
// allow the loopback target (--webhook-allow 127.0.0.0/8).
type WebhookLoad struct {
	// Delivered counts the deliveries whose signature verified; Refused
	// those that did not.
	Delivered, Refused atomic.Uint64

	srv      *http.Server
	hc       *http.Client
	base     string
	token    string
	location string
}

// SubscribeWebhooks starts the receiver on a free loopback port and
// subscribes it on the server at base.
func SubscribeWebhooks(ctx context.Context, base string) (*WebhookLoad, error) {
	secret, err := casemgr.NewWebhookSecret()
	if err != nil {
		return nil, err
	}
	w := &WebhookLoad{hc: newHTTPClient(4), base: base}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if webhook.Verify(secret, body, r.Header) != nil {
			w.Refused.Add(1)
			rw.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Delivered.Add(1)
		rw.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = w.srv.Serve(ln) }()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {BenchClientID}, "client_secret": {BenchClientSecret}}
	if w.token, err = grant(ctx, w.hc, base, BenchClientID, form); err == nil {
		err = w.subscribe(ctx, "http://"+ln.Addr().String()+"/", secret)
	}
	if err != nil {
		_ = w.srv.Close()
		return nil, err
	}
	return w, nil
}

func (w *WebhookLoad) subscribe(ctx context.Context, target, secret string) error {
	body, _ := json.Marshal(map[string]string{"url": target, "secret": secret})
	res, err := w.request(ctx, http.MethodPost, w.base+"/core/casemgr/v3/webhooks", string(body))
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("subscribing the webhook receiver (does the server run with --webhook-allow 127.0.0.0/8?): %s: %s",
			res.Status, strings.TrimSpace(string(msg)))
	}
	w.location = res.Header.Get("Location")
	return nil
}

func (w *WebhookLoad) request(ctx context.Context, method, u, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	return w.hc.Do(req)
}

// Close deletes the webhook and stops the receiver.
func (w *WebhookLoad) Close(ctx context.Context) error {
	res, err := w.request(ctx, http.MethodDelete, w.base+w.location, "")
	if err == nil {
		_ = res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			err = fmt.Errorf("deleting the webhook %s: %s", w.location, res.Status)
		}
	}
	_ = w.srv.Close()
	return err
}
