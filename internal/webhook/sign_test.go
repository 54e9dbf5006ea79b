package webhook

import (
	"testing"
	"time"
)

// The test vector of the Standard Webhooks specification (its reference
// libraries' TestWebhookSign).
func TestSignMatchesTheSpecificationsTestVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	h, err := Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("webhook-signature"), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
	if h.Get("webhook-id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h.Get("webhook-timestamp") != "1614265330" {
		t.Errorf("headers %v", h)
	}
}

func TestVerify(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"id":"7"}`)
	h, err := Sign(secret, "7", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(secret, body, h); err != nil {
		t.Errorf("a signed delivery does not verify: %v", err)
	}
	if err := Verify(secret, []byte(`{"id":"8"}`), h); err == nil {
		t.Error("a changed body verifies")
	}
	if err := Verify("whsec_"+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", body, h); err == nil {
		t.Error("another secret verifies")
	}
	old, _ := Sign(secret, "7", time.Now().Add(-time.Hour), body)
	if err := Verify(secret, body, old); err == nil {
		t.Error("a delivery signed an hour ago verifies")
	}
}
