package httpapi

import (
	"net/http"
	"strconv"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// The webhooks of client applications (docs/webhooks.md): subscriptions to
// the events, each delivered signed to its URL.

const webhooksPath = "/core/casemgr/v3/webhooks"

// createWebhook serves POST /core/casemgr/v3/webhooks: 201 with the Location
// of the new webhook and its representation, which holds the secret, the
// one time it is shown.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := casemgr.WebhookNeedsClient(rc.actor); err != nil {
		return err
	}
	in, err := s.parseNewWebhook(w, r)
	if err != nil {
		return err
	}
	hook, err := s.Service.CreateWebhook(r.Context(), rc.actor, in)
	if err != nil {
		return err
	}
	rep := webhookRep(hook)
	rep["secret"] = hook.Secret
	w.Header().Set("Location", webhooksPath+"/"+casemgr.FormatID(hook.ID))
	writeTree(w, rc, http.StatusCreated, "webhook", rep)
	return nil
}

// parseNewWebhook reads {"url", "secret", "eventTypes"} strictly.
func (s *Server) parseNewWebhook(w http.ResponseWriter, r *http.Request) (*casemgr.NewWebhook, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	body, err := s.readObject(w, r, "webhook")
	if err != nil {
		return nil, err
	}
	in := &casemgr.NewWebhook{}
	u, err := body.str("url")
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errf(casemgr.CodeMissingElement, "name", "url")
	}
	in.URL = *u
	if in.Secret, err = body.str("secret"); err != nil {
		return nil, err
	}
	types, sent := body.list("eventTypes")
	in.EventTypesSent = sent
	for i, t := range types {
		str, ok := t.(string)
		if !ok {
			return nil, errf(casemgr.CodeInvalidValue, "name", "eventTypes["+strconv.Itoa(i)+"]", "value", brief(t))
		}
		in.EventTypes = append(in.EventTypes, str)
	}
	return in, body.done()
}

// webhookRep is a webhook as the API shows it, without its secret.
func webhookRep(h *casemgr.Webhook) map[string]any {
	m := map[string]any{
		"id":      casemgr.FormatID(h.ID),
		"url":     h.URL,
		"status":  h.Status,
		"created": casemgr.FormatTime(h.Created),
		"link":    map[string]any{"rel": "self", "href": webhooksPath + "/" + casemgr.FormatID(h.ID)},
	}
	if len(h.EventTypes) > 0 {
		types := make([]any, len(h.EventTypes))
		for i, t := range h.EventTypes {
			types[i] = t
		}
		m["eventTypes"] = types
	}
	return m
}

// listWebhooks serves GET /core/casemgr/v3/webhooks: the caller's webhooks,
// by ID.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := casemgr.WebhookNeedsClient(rc.actor); err != nil {
		return err
	}
	if err := checkParams(r); err != nil {
		return err
	}
	list, err := s.Service.Webhooks(r.Context(), rc.actor)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(list))
	for i := range list {
		out = append(out, webhookRep(&list[i]))
	}
	writeTree(w, rc, http.StatusOK, "", map[string]any{"webhook": out})
	return nil
}

// webhookID reads the {id} of a webhook route, after the actor's right to
// the resource: a user token is 403 whatever the path holds.
func webhookID(r *http.Request) (casemgr.ID, error) {
	if err := casemgr.WebhookNeedsClient(ctxOf(r).actor); err != nil {
		return 0, err
	}
	return pathID(r)
}

// getWebhook serves GET /core/casemgr/v3/webhooks/{id}.
func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	hook, err := s.Service.Webhook(r.Context(), ctxOf(r).actor, id)
	if err != nil {
		return err
	}
	writeTree(w, ctxOf(r), http.StatusOK, "", map[string]any{"webhook": []any{webhookRep(hook)}})
	return nil
}

// deleteWebhook serves DELETE /core/casemgr/v3/webhooks/{id}: 204.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	if err := s.Service.DeleteWebhook(r.Context(), ctxOf(r).actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// defaultDeliveries is the number of delivery log entries answered without
// $pagesize.
const defaultDeliveries = 50

// webhookDeliveries serves GET /core/casemgr/v3/webhooks/{id}/deliveries:
// the newest entries of the delivery log ($pagesize of them, 1 to 500,
// default 50), newest first.
func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	rc := ctxOf(r)
	if err := casemgr.WebhookNeedsClient(rc.actor); err != nil {
		return err
	}
	if err := checkParams(r, "$pagesize"); err != nil {
		return err
	}
	id, ok := casemgr.ParseID(r.PathValue("id"))
	if !ok {
		return errf(casemgr.CodeInvalidID, "value", r.PathValue("id"))
	}
	limit := defaultDeliveries
	if v := r.URL.Query().Get("$pagesize"); r.URL.Query().Has("$pagesize") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > casemgr.MaxDeliveries || strconv.Itoa(n) != v {
			return errf(casemgr.CodeUnsupportedParamValue, "name", "$pagesize", "value", brief(v))
		}
		limit = n
	}
	list, err := s.Service.WebhookDeliveries(r.Context(), rc.actor, id, limit)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(list))
	for _, d := range list {
		m := map[string]any{
			"id":      casemgr.FormatID(d.ID),
			"event":   map[string]any{"id": d.Event},
			"attempt": d.Attempt,
			"time":    casemgr.FormatTime(d.Time),
		}
		if d.Status != 0 {
			m["status"] = d.Status
		}
		if d.Error != "" {
			m["error"] = d.Error
		}
		out = append(out, m)
	}
	writeTree(w, rc, http.StatusOK, "", map[string]any{"delivery": out})
	return nil
}
