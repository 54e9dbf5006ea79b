// The API reference page renders the document this server serves, so the
// page and the API can never disagree. "Authorize" obtains a token with the
// OAuth2 password grant (for example jenny / demo-jenny in the demo world)
// and "Try it out" sends requests to this server with it.
window.ui = SwaggerUIBundle({
  url: "/core/casemgr/v3/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  oauth2RedirectUrl: new URL("swagger-ui/oauth2-redirect.html", window.location.href).href,
  tryItOutEnabled: false,
  displayRequestDuration: true,
  // Swagger UI sends the client credentials of the password flow in an
  // HTTP Basic header by default, even when both are empty. Empty
  // credentials are no client authentication (the demo users need none),
  // and the token endpoint rightly refuses an empty Basic pair, so the
  // page leaves that header out.
  requestInterceptor: (req) => {
    if (req.headers && req.headers.Authorization === "Basic " + btoa(":")) {
      delete req.headers.Authorization;
    }
    return req;
  },
});
