package webhook

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Receiver is a small webhook endpoint for trying webhooks out (casemgr
// webhook listen): it verifies each delivery's signature with the secret
// and prints a verified one as a line, "<webhook-id> <type> <entity>/<id>"
// and the body, answering 204; a delivery that does not verify is
// answered 401 and reported on errs.
func Receiver(secret string, out, errs io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if err := Verify(secret, body, r.Header); err != nil {
			fmt.Fprintf(errs, "refused a delivery from %s: %v\n", r.RemoteAddr, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Type   string `json:"type"`
			Entity struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"entity"`
		}
		_ = json.Unmarshal(body, &ev)
		fmt.Fprintf(out, "%s %s %s/%s %s\n", r.Header.Get("webhook-id"), ev.Type, ev.Entity.Type, ev.Entity.ID, body)
		w.WriteHeader(http.StatusNoContent)
	})
}
