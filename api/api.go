// Package api embeds the published contract of casemgr, the OpenAPI
// document that the server serves and its tests validate against.
package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the casemgr API.
//
//go:embed openapi.yaml
var OpenAPI []byte
