package webhook

import (
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Sign returns the Standard Webhooks headers of a delivery: webhook-id (the
// event ID, the same on every attempt), webhook-timestamp (seconds) and
// webhook-signature ("v1," and the base64 HMAC-SHA256 of
// "{id}.{timestamp}.{body}" keyed by the base64-decoded secret).
func Sign(secret, id string, at time.Time, body []byte) (http.Header, error) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	sig, err := wh.Sign(id, at, body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	return h, nil
}

// Verify checks the Standard Webhooks signature of a delivery with its
// secret, and that its timestamp is within five minutes of now.
func Verify(secret string, body []byte, h http.Header) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	return wh.Verify(body, h)
}
