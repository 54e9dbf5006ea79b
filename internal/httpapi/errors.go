package httpapi

import (
	"net/http"
	"strconv"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
	"github.com/casemgr/casemgr/internal/i18n"
)

// writeError answers with the eGain error body. The status is the prefix
// of the error's code (httpstatus.Of); userMessage is translated into the request's locale and sent
// only when the client asked for it with X-egain-error-message: yes.
// Internal errors are logged with their cause and answered without it.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	rc := ctxOf(r)
	e := casemgr.AsError(err)
	status := httpstatus.Of(e.Code)
	if status == 0 {
		e = casemgr.Internal(err)
		status = 500
	}
	s.Metrics.Refused(string(e.Code))
	if status >= 500 {
		s.log(r).Error("request failed", "code", e.Code, "err", e.Error())
	} else {
		s.log(r).Debug("request refused", "code", e.Code, "msg", e.DeveloperMessage())
	}
	body := map[string]any{
		"code":             string(e.Code),
		"developerMessage": e.DeveloperMessage(),
	}
	if rc.userMessage {
		body["userMessage"] = i18n.UserMessage(rc.locale, e.Code, e.Args)
	}
	if len(e.Details) > 0 {
		var details []any
		for _, d := range e.Details {
			args := d.Args
			if args == nil {
				args = map[string]string{}
			}
			if _, ok := args["ids"]; !ok {
				args["ids"] = d.Key
			}
			value := string(d.Code) + " " + casemgr.Expand(casemgr.Catalogue[d.Code].Message, args)
			detail := map[string]any{"key": d.Key, "value": value}
			// A client showing a bulk refusal to a person needs each
			// item's message in their language, not only the first.
			if rc.userMessage {
				detail["userMessage"] = i18n.UserMessage(rc.locale, d.Code, args)
			}
			details = append(details, detail)
		}
		body["details"] = details
	}
	if e.Code == casemgr.CodeTooManyRequests {
		if sec := e.Args["seconds"]; sec != "" {
			w.Header().Set("Retry-After", sec)
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="casemgr"`)
	}
	writeTree(w, rc, status, "error", body)
}

// errf builds an Error with arguments; a shorthand for handlers.
func errf(code casemgr.Code, kv ...string) error { return casemgr.E(code, kv...) }

func itoa(n int) string { return strconv.Itoa(n) }
