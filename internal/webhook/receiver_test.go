package webhook

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReceiverPrintsVerifiedDeliveriesOnly(t *testing.T) {
	var out, errs bytes.Buffer
	h := Receiver(testSecret, &out, &errs)
	body := []byte(`{"id":"42","type":"case.closed","entity":{"type":"case","id":"2001"}}`)
	signed, _ := Sign(testSecret, "42", time.Now(), body)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header = signed
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 204 || !strings.HasPrefix(out.String(), "42 case.closed case/2001 {") {
		t.Fatalf("verified delivery: %d, printed %q", rec.Code, out.String())
	}
	out.Reset()
	req = httptest.NewRequest("POST", "/", strings.NewReader(`{"id":"43"}`))
	req.Header = signed // the signature of another body
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || out.Len() != 0 || !strings.Contains(errs.String(), "refused") {
		t.Fatalf("forged delivery: %d, printed %q, reported %q", rec.Code, out.String(), errs.String())
	}
}
