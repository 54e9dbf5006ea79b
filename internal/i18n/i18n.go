// Package i18n holds what the API shows an end user in their language: the
// translated user message of every error code of the casemgr catalogue and
// the display values of enumerated fields, for the 15 locales the API
// accepts in Accept-Language.
//
// The catalogs are JSON files embedded from locales/<locale>.json. They are
// parsed once, on first use; every lookup after that is a map read.
package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Default is the locale of a request that names none, and the locale every
// lookup falls back to.
const Default = "en-US"

// Locales are the supported locales, in the order the API documents them.
var Locales = []string{
	"en-US", "es-ES", "fr-FR", "it-IT", "de-DE", "nl-NL", "pt-BR", "pt-PT",
	"da-DK", "ru-RU", "fr-CA", "zh-CN", "ja-JP", "ko-KR", "sv-SE",
}

//go:embed locales/*.json
var files embed.FS

// catalog is one locale file.
type catalog struct {
	// Messages maps an error code to its user message template, with the
	// same {placeholders} as the English developer message.
	Messages map[casemgr.Code]string `json:"messages"`
	// Display maps a kind of enumerated field (activityStatus, severity,
	// ...) and a value to the value's display form.
	Display map[string]map[string]string `json:"display"`

	// folded is Display keyed by the lower-cased value, for values a
	// client spelled in another case ("Inbound").
	folded map[string]map[string]string
}

// catalogs holds every parsed locale file.
type catalogs struct {
	byLocale map[string]*catalog
	err      error
}

// supported is a private copy of Locales, so that a caller changing the
// exported slice cannot break negotiation or loading.
var supported = append([]string(nil), Locales...)

// canonical maps a lower-cased locale tag to its index in supported.
var canonical = func() map[string]int {
	m := make(map[string]int, len(supported))
	for i, l := range supported {
		m[strings.ToLower(l)] = i
	}
	return m
}()

// load parses the embedded catalogs once.
var load = sync.OnceValue(func() *catalogs {
	cs := &catalogs{byLocale: make(map[string]*catalog, len(supported))}
	var errs []error
	for _, l := range supported {
		c, err := parse(l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs.byLocale[l] = c
	}
	cs.err = errors.Join(errs...)
	return cs
})

func parse(locale string) (*catalog, error) {
	data, err := files.ReadFile("locales/" + locale + ".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: locale %s: %w", locale, err)
	}
	c := new(catalog)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("i18n: locale %s: %w", locale, err)
	}
	c.folded = make(map[string]map[string]string, len(c.Display))
	for kind, values := range c.Display {
		f := make(map[string]string, len(values))
		for v, d := range values {
			f[strings.ToLower(v)] = d
		}
		c.folded[kind] = f
	}
	return c, nil
}

// loadError reports a locale file that is missing or does not parse; such a
// locale falls back to en-US. The tests require it to be nil.
func loadError() error { return load().err }

// lookup returns the catalog of locale, matching the tag case-insensitively,
// or nil.
func (cs *catalogs) lookup(locale string) *catalog {
	if c, ok := cs.byLocale[locale]; ok {
		return c
	}
	if i, ok := canonical[strings.ToLower(locale)]; ok {
		return cs.byLocale[supported[i]]
	}
	return nil
}

// Message returns the user message template of code in locale, with its
// {placeholders} unexpanded. A locale or code without a translation falls
// back to en-US, then to the English developer message of the catalogue; a
// code the catalogue does not know yields "".
func Message(locale string, code casemgr.Code) string {
	cs := load()
	if c := cs.lookup(locale); c != nil {
		if m := c.Messages[code]; m != "" {
			return m
		}
	}
	if c := cs.byLocale[Default]; c != nil {
		if m := c.Messages[code]; m != "" {
			return m
		}
	}
	return casemgr.Catalogue[code].Message
}

// UserMessage returns the user message of code in locale with its
// placeholders filled from args (see casemgr.Expand).
func UserMessage(locale string, code casemgr.Code, args map[string]string) string {
	return casemgr.Expand(Message(locale, code), args)
}

// Display returns the display form of value, a value of the enumerated field
// kind ("activityStatus", "activityType", "severity", ...), in locale. An
// unknown locale, kind or value falls back to en-US; a value en-US does not
// know either (a user-defined activity type, say) is shown in a readable form
// of itself: "feedback" → "Feedback", "call_back" → "Call back".
func Display(locale, kind, value string) string {
	cs := load()
	if d, ok := cs.lookup(locale).display(kind, value); ok {
		return d
	}
	if d, ok := cs.byLocale[Default].display(kind, value); ok {
		return d
	}
	return readable(value)
}

func (c *catalog) display(kind, value string) (string, bool) {
	if c == nil {
		return "", false
	}
	if d, ok := c.Display[kind][value]; ok {
		return d, true
	}
	d, ok := c.folded[kind][strings.ToLower(value)]
	return d, ok
}

// readable turns an enumeration value into a label: underscores become
// spaces and the first letter is upper-cased.
func readable(value string) string {
	s := strings.TrimSpace(strings.ReplaceAll(value, "_", " "))
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
