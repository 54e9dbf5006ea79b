package httpapi

import (
	"net/http"
	"strings"

	"github.com/casemgr/casemgr/internal/apidocs"
	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/console"
)

// Handler returns the whole HTTP API: every route of the server on one
// screen.
func (s *Server) Handler() http.Handler {
	mux := newRouteMux()
	if s.Auth.WriteError == nil {
		// 405, 429 and 500 of the token endpoints in the eGain form.
		s.Auth.WriteError = func(w http.ResponseWriter, r *http.Request, err *casemgr.Error) { s.writeError(w, r, err) }
	}

	// Process and database health.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)

	// Authentication (docs/api.md): RFC 6749 and RFC 7009 bodies, not eGain's.
	mux.Handle("POST /core/authmgr/v3/oauth2/token", s.Auth.TokenHandler())
	mux.Handle("POST /core/authmgr/v3/oauth2/revoke", s.Auth.RevokeHandler())
	mux.Handle("DELETE /core/authmgr/v3/user/logout", s.Auth.LogoutHandler())
	// The on-behalf-of grant where eGain's clients ask for it, and the
	// metadata eGain's SDKs read first (no authentication).
	mux.Handle("POST /core/authmgr/v4/oauth2/v2.0/onbehalfof/token", s.Auth.OnBehalfHandler())
	mux.Handle("POST /core/authmgr/v3/oauth2/v2.0/onbehalfof/token", s.Auth.OnBehalfHandler())
	mux.Handle("GET /core/authmgr/v3/metadata/deployment", s.Auth.MetadataHandler())
	mux.Handle("GET /core/authmgr/v3/metadata/tenant/{tenantId}", s.Auth.MetadataHandler())

	// The four operations (docs/operations/*.md).
	mux.Handle("PATCH /core/casemgr/v3/activity/changecustomer", s.api(s.changeCustomer))
	mux.Handle("PATCH /core/casemgr/v3/activity/{ids}/changecase", s.api(s.changeCase))
	mux.Handle("PATCH /core/casemgr/v3/activity/transfer/department/{id}", s.api(s.transfer))
	mux.Handle("POST /core/casemgr/v3/activity/calltrack", s.api(s.createCalltrack))

	// Routing (docs/operations/pull.md).
	mux.Handle("PATCH /core/casemgr/v3/activity/pull", s.api(s.pull))
	// Routing (docs/operations/transfer-to-user.md, transfer-to-queue.md,
	// pick.md).
	mux.Handle("PATCH /core/casemgr/v3/activity/transfer/user/{id}", s.api(s.transferToUser))
	mux.Handle("PATCH /core/casemgr/v3/activity/transfer/queue/{id}", s.api(s.transferToQueue))
	mux.Handle("PATCH /core/casemgr/v3/activity/pick", s.api(s.pick))

	// Wrap-up of activities (docs/operations/edit-activity.md,
	// complete-activities.md).
	mux.Handle("PATCH /core/casemgr/v3/activity", s.api(s.editActivity))
	mux.Handle("PATCH /core/casemgr/v3/activity/complete", s.api(s.complete))

	// Neighbouring calls a client needs (docs/api.md, Reading).
	mux.Handle("GET /core/casemgr/v3/activity", s.api(s.handle(s.searchActivities)))
	mux.Handle("GET /core/casemgr/v3/activity/attributes", s.api(s.handle(s.activityAttributes)))
	mux.Handle("GET /core/casemgr/v3/activity/{ids}", s.api(s.handle(s.getActivities)))
	mux.Handle("GET /core/casemgr/v3/activity/{id}/history", s.api(s.handle(s.activityHistory)))
	mux.Handle("GET /core/casemgr/v3/activity/{id}/attachment", s.api(s.handle(s.activityAttachments)))
	mux.Handle("GET /core/casemgr/v3/activity/{id}/attachment/{attachmentId}", s.api(s.handle(s.attachmentContent)))
	mux.Handle("POST /core/casemgr/v3/attachment", s.api(s.handle(s.uploadAttachment)))
	mux.Handle("GET /core/casemgr/v3/attachment/{altId}", s.api(s.handle(s.uploadedAttachment)))
	mux.Handle("GET /core/casemgr/v3/case", s.api(s.handle(s.searchCases)))
	mux.Handle("GET /core/casemgr/v3/case/attributes", s.api(s.handle(s.caseAttributes)))
	mux.Handle("GET /core/casemgr/v3/case/{ids}", s.api(s.handle(s.getCases)))
	mux.Handle("GET /core/casemgr/v3/case/{id}/history", s.api(s.handle(s.caseHistory)))
	mux.Handle("PATCH /core/casemgr/v3/case/{ids}/changecustomer", s.api(s.changeCaseCustomer))
	mux.Handle("GET /core/customermgr/v3/customer", s.api(s.handle(s.searchCustomers)))
	mux.Handle("POST /core/customermgr/v3/customer", s.api(s.createCustomer))
	// The path is shared with the read by ID; here {ids} is the customer
	// type.
	mux.Handle("POST /core/customermgr/v3/customer/{ids}", s.api(s.createCustomer))
	mux.Handle("GET /core/customermgr/v3/customer/attributes", s.api(s.handle(s.customerAttributes)))
	mux.Handle("PATCH /core/customermgr/v3/customer", s.api(s.editCustomer))
	// Here {ids} is the one customer edited.
	mux.Handle("PATCH /core/customermgr/v3/customer/{ids}", s.api(s.editCustomer))
	mux.Handle("GET /core/customermgr/v3/customer/{ids}", s.api(s.handle(s.getCustomers)))
	mux.HandleFunc("GET /core/casemgr/v3/openapi.yaml", s.openAPI)
	mux.HandleFunc("GET /core/casemgr/v3/openapi.json", s.openAPIJSON)

	// Webhooks of client applications (webhooks.go, docs/webhooks.md).
	mux.Handle("POST /core/casemgr/v3/webhooks", s.api(s.handle(s.createWebhook)))
	mux.Handle("GET /core/casemgr/v3/webhooks", s.api(s.handle(s.listWebhooks)))
	mux.Handle("GET /core/casemgr/v3/webhooks/{id}", s.api(s.handle(s.getWebhook)))
	mux.Handle("DELETE /core/casemgr/v3/webhooks/{id}", s.api(s.handle(s.deleteWebhook)))
	mux.Handle("GET /core/casemgr/v3/webhooks/{id}/deliveries", s.api(s.handle(s.webhookDeliveries)))
	// The change feed (events.go, docs/events.md).
	mux.Handle("GET /core/casemgr/v3/events", s.api(s.handle(s.eventFeed)))

	// Directory reads a client needs to fill its forms (directory.go).
	mux.Handle("GET /core/casemgr/v3/department", s.api(s.handle(s.listDepartments)))
	mux.Handle("GET /core/casemgr/v3/user/me", s.api(s.handle(s.currentUser)))

	// The web console (internal/console): static files only, not part of
	// the API (so not in api/openapi.yaml); it calls the routes above like
	// any client. Its handler answers GET and HEAD, 405 otherwise.
	mux.Handle("/console/", console.Handler())
	mux.Handle("/console", console.Handler())

	// Administration: fixtures export, replace or extend the world.
	mux.Handle("GET /admin/v1/fixtures", s.adminOnly(http.HandlerFunc(s.exportFixtures)))
	mux.Handle("PUT /admin/v1/fixtures", s.adminOnly(http.HandlerFunc(s.replaceFixtures)))
	mux.Handle("POST /admin/v1/fixtures", s.adminOnly(http.HandlerFunc(s.addFixtures)))

	// The API reference page (Swagger UI over the served document): a
	// page for people, not part of the API, so not in api/openapi.yaml.
	mux.Handle("/docs/", http.StripPrefix("/docs", apidocs.Handler()))

	// Go's profiles (pprof.go), behind the admin token: a diagnostic, not
	// part of the API (so not in api/openapi.yaml); its own mux takes GET
	// only.
	mux.Handle("/debug/pprof/", s.adminOnly(profiling()))

	// Everything else is an eGain-shaped 405 (a known path, another
	// method) or 404.
	mux.Handle("/", s.negotiate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allowed := allowedMethods(mux.ServeMux, r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			s.writeError(w, r, errf(casemgr.CodeMethodNotAllowed, "method", r.Method))
			return
		}
		s.writeError(w, r, errf(casemgr.CodeNoSuchRoute))
	})))
	s.routes = mux.patterns
	return s.outer(s.cors(compress(s.instrument(mux))))
}

// allowedMethods lists the methods for which the mux has a route at the
// request's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
