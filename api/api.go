// Package api embeds the published contract of casemgr, the OpenAPI
// document that the server serves and its tests validate against.
package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/oasdiff/yaml"
)

// OpenAPI is the OpenAPI 3.1 document of the casemgr API.
//
//go:embed openapi.yaml
var OpenAPI []byte

// OpenAPIJSON returns the same document in JSON, converted once from the
// YAML so that the two forms can never disagree.
var OpenAPIJSON = sync.OnceValues(func() ([]byte, error) {
	raw, err := yaml.YAMLToJSON(OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("api/openapi.yaml to JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
})
