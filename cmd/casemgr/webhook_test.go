package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/webhook"
)

func TestWebhookListen(t *testing.T) {
	noEnv := func(string) string { return "" }
	var out, errs bytes.Buffer
	short, cancelShort := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShort()
	if err := run(short, []string{"webhook", "listen", "--addr", "127.0.0.1:0", "--secret", "nope"}, noEnv, &out, &errs); err == nil {
		t.Fatal("a malformed secret is accepted")
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stdout lockedBuffer
	go func() {
		done <- run(ctx, []string{"webhook", "listen", "--addr", addr, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, noEnv, &stdout, &errs)
	}()
	body := []byte(`{"id":"7","type":"activity.transferred","entity":{"type":"activity","id":"3001"}}`)
	h, _ := webhook.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "7", time.Now(), body)
	var res *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", bytes.NewReader(body))
		req.Header = h
		var err error
		if res, err = http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 204 || !strings.HasPrefix(stdout.String(), "7 activity.transferred activity/3001 ") {
		t.Fatalf("%d, printed %q", res.StatusCode, stdout.String())
	}
}
