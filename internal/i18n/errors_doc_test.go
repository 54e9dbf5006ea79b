package i18n

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
)

var update = flag.Bool("update", false, "rewrite docs/errors.md from the catalogue")

// errorsDoc is docs/errors.md, relative to this package's directory.
var errorsDoc = filepath.Join("..", "..", "docs", "errors.md")

// TestErrorsDoc keeps docs/errors.md equal to the rendering of the catalogue.
// Regenerate it with: go test ./internal/i18n -run TestErrorsDoc -update
func TestErrorsDoc(t *testing.T) {
	want := renderErrorsDoc()
	if *update {
		if err := os.WriteFile(errorsDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(errorsDoc)
	if err != nil {
		t.Fatalf("%v; generate it with: go test ./internal/i18n -run TestErrorsDoc -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/errors.md is out of date with the catalogue; regenerate it with: go test ./internal/i18n -run TestErrorsDoc -update")
	}
}

// renderErrorsDoc renders the error catalogue as Markdown.
func renderErrorsDoc() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	example := &casemgr.Error{Code: casemgr.CodeActivityLocked, Args: map[string]string{"ids": "3001"}}

	p("# Error catalogue\n\n")
	p("<!-- Generated from internal/casemgr/catalogue.go by\n")
	p("     go test ./internal/i18n -run TestErrorsDoc -update\n")
	p("     Do not edit by hand: the test fails when this file and the catalogue differ. -->\n\n")
	p("Every error the casemgr API answers with has this body:\n\n")
	p("```json\n")
	p("{\"code\": \"<status>-<number>\", \"developerMessage\": \"...\", \"userMessage\": \"...\", \"details\": [{\"key\": \"...\", \"value\": \"...\"}]}\n")
	p("```\n\n")
	p("- `code` is the HTTP status and a number, and names exactly one cause. The\n")
	p("  codes eGain documents keep their eGain meaning; the codes of the business\n")
	p("  rules are casemgr's own.\n")
	p("- `developerMessage` is the English message of the table below with its\n")
	p("  placeholders (`{ids}`, `{name}`, `{value}`, ...) filled in, naming the\n")
	p("  offending IDs or attributes.\n")
	p("- `userMessage` is the same error told to an end user, translated into the\n")
	p("  locale negotiated from `Accept-Language`. It is part of the body only when\n")
	p("  the request sends `X-egain-error-message: yes`. The translations live in\n")
	p("  `internal/i18n/locales/<locale>.json`; every one of the %d locales has every\n", len(Locales))
	p("  code, with the same placeholders as the English message. The locales:\n")
	p("  %s.\n", strings.Join(Locales, ", "))
	p("- `details` lists the failing items: for a bulk call, which activity broke\n")
	p("  which rule.\n\n")
	p("For example, with `Accept-Language: fr-FR`, an error %s carries\n\n", example.Code)
	p("- `developerMessage`: %s\n", example.DeveloperMessage())
	p("- `userMessage`: %s\n\n", UserMessage("fr-FR", example.Code, example.Args))
	p("| Code | HTTP status | Meaning (English message) | Rule it enforces |\n")
	p("|---|---|---|---|\n")
	for _, code := range casemgr.Codes() {
		e := casemgr.Catalogue[code]
		p("| %s | %d | %s | %s |\n", code, httpstatus.Of(code), cell(e.Message), cell(e.Rule))
	}
	return b.Bytes()
}

// cell escapes text for a Markdown table cell: a pipe would end the cell,
// angle brackets would read as an HTML tag and dollar signs as math.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "$", `\$`, "\n", " ").Replace(s)
}
