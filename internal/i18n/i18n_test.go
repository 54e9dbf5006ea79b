package i18n

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// wantLocales is the list of Accept-Language values of the API contract.
var wantLocales = []string{
	"en-US", "es-ES", "fr-FR", "it-IT", "de-DE", "nl-NL", "pt-BR", "pt-PT",
	"da-DK", "ru-RU", "fr-CA", "zh-CN", "ja-JP", "ko-KR", "sv-SE",
}

// wantDisplay lists every display kind and value each locale must have.
var wantDisplay = map[string][]string{
	"activityStatus":     {"awaiting_assignment", "assigned", "in_workflow", "completed", "new", "wait"},
	"activityType":       {"email", "call_track", "social", "chat", "web", "task"},
	"activitySubtype":    {"general"},
	"mode":               {"inbound", "outbound", "composed"},
	"caseStatus":         {"open", "closed"},
	"severity":           {"urgent", "high", "medium", "low"},
	"customerType":       {"individual", "corporate", "group"},
	"phoneType":          {"home", "mobile", "office"},
	"postalType":         {"home", "office"},
	"originatingChannel": {"email", "call_track", "phone", "chat", "web", "social", "task"},
	"socialType":         {"Twitter", "Facebook", "Instagram"},
	"activitySubstatus":  {"done"},
}

// readCatalog parses a locale file strictly: unknown top-level fields fail.
func readCatalog(t *testing.T, locale string) *catalog {
	t.Helper()
	data, err := files.ReadFile("locales/" + locale + ".json")
	if err != nil {
		t.Fatalf("locale file of %s: %v", locale, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	c := new(catalog)
	if err := dec.Decode(c); err != nil {
		t.Fatalf("locale file of %s does not parse: %v", locale, err)
	}
	return c
}

// placeholders returns the sorted, distinct {names} of a template, read the
// way casemgr.Expand reads them, and reports whether any brace is left over
// (a "{" without "}" or a stray "}"), which Expand would show raw.
func placeholders(tmpl string) (names []string, stray bool) {
	seen := map[string]bool{}
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			break
		}
		if strings.IndexByte(tmpl[:i], '}') >= 0 {
			stray = true
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return names, true
		}
		name := tmpl[i+1 : i+j]
		if strings.ContainsAny(name, "{ ") || name == "" {
			stray = true
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		tmpl = tmpl[i+j+1:]
	}
	if strings.IndexByte(tmpl, '}') >= 0 {
		stray = true
	}
	sort.Strings(names)
	return names, stray
}

func TestLocales(t *testing.T) {
	if Default != "en-US" {
		t.Errorf("Default = %q, want en-US", Default)
	}
	if !slices.Equal(Locales, wantLocales) {
		t.Errorf("Locales = %v, want %v", Locales, wantLocales)
	}
}

func TestEveryLocaleFileExistsAndParses(t *testing.T) {
	for _, l := range Locales {
		t.Run(l, func(t *testing.T) { readCatalog(t, l) })
	}
	if err := loadError(); err != nil {
		t.Errorf("loading the catalogs: %v", err)
	}
	entries, err := fs.ReadDir(files, "locales")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if l := strings.TrimSuffix(e.Name(), ".json"); !slices.Contains(Locales, l) {
			t.Errorf("locales/%s is not a supported locale", e.Name())
		}
	}
}

func TestEveryLocaleHasEveryCode(t *testing.T) {
	for _, l := range Locales {
		t.Run(l, func(t *testing.T) {
			c := readCatalog(t, l)
			for _, code := range casemgr.Codes() {
				if strings.TrimSpace(c.Messages[code]) == "" {
					t.Errorf("no message for %s", code)
				}
			}
			for code := range c.Messages {
				if _, ok := casemgr.Catalogue[code]; !ok {
					t.Errorf("message for %s, which is not in the catalogue", code)
				}
			}
		})
	}
}

func TestEnglishMessagesHaveNoStrayBraces(t *testing.T) {
	for _, code := range casemgr.Codes() {
		if _, stray := placeholders(casemgr.Catalogue[code].Message); stray {
			t.Errorf("%s: stray brace: %q", code, casemgr.Catalogue[code].Message)
		}
	}
}

func TestTranslationsKeepThePlaceholders(t *testing.T) {
	for _, l := range Locales {
		t.Run(l, func(t *testing.T) {
			c := readCatalog(t, l)
			for _, code := range casemgr.Codes() {
				msg, ok := c.Messages[code]
				if !ok {
					continue // reported by TestEveryLocaleHasEveryCode
				}
				want, _ := placeholders(casemgr.Catalogue[code].Message)
				got, stray := placeholders(msg)
				if !slices.Equal(got, want) {
					t.Errorf("%s: placeholders %v, want %v: %q", code, got, want, msg)
				}
				if stray {
					t.Errorf("%s: stray brace: %q", code, msg)
				}
			}
		})
	}
}

func TestEveryLocaleHasEveryDisplayValue(t *testing.T) {
	for _, l := range Locales {
		t.Run(l, func(t *testing.T) {
			c := readCatalog(t, l)
			for kind, values := range wantDisplay {
				for _, v := range values {
					if strings.TrimSpace(c.Display[kind][v]) == "" {
						t.Errorf("no display value for %s %q", kind, v)
					}
				}
			}
			for kind, values := range c.Display {
				for v := range values {
					if !slices.Contains(wantDisplay[kind], v) {
						t.Errorf("display value for %s %q, which is not a documented value", kind, v)
					}
				}
			}
			for _, brand := range wantDisplay["socialType"] {
				if got := c.Display["socialType"][brand]; got != brand {
					t.Errorf("socialType %s is shown as %q; brand names are not translated", brand, got)
				}
			}
		})
	}
}

// TestLocalesAreTranslated guards against a locale file that is a copy of
// English: most of its messages and display values must differ from en-US
// and from the developer messages. (Some may legitimately stay the same,
// such as a message made only of a placeholder and a technical name.)
func TestLocalesAreTranslated(t *testing.T) {
	en := readCatalog(t, Default)
	for _, l := range Locales {
		if l == Default {
			continue
		}
		t.Run(l, func(t *testing.T) {
			c := readCatalog(t, l)
			same := 0
			for code, msg := range c.Messages {
				if msg == en.Messages[code] || msg == casemgr.Catalogue[code].Message {
					same++
				}
			}
			if same*2 >= len(c.Messages) {
				t.Errorf("%d of %d messages are identical to English", same, len(c.Messages))
			}
			sameDisplay, all := 0, 0
			for kind, values := range c.Display {
				if kind == "socialType" {
					continue
				}
				for v, d := range values {
					all++
					if d == en.Display[kind][v] {
						sameDisplay++
					}
				}
			}
			if sameDisplay*2 >= all {
				t.Errorf("%d of %d display values are identical to English", sameDisplay, all)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	en := readCatalog(t, Default)
	fr := readCatalog(t, "fr-FR")
	code := casemgr.CodeActivityNotFound
	tests := []struct {
		locale string
		code   casemgr.Code
		want   string
	}{
		{"fr-FR", code, fr.Messages[code]},
		{"fr-fr", code, fr.Messages[code]},
		{"en-US", code, en.Messages[code]},
		{"xx-XX", code, en.Messages[code]},
		{"", code, en.Messages[code]},
		{"fr-FR", "999-999", ""},
	}
	for _, tt := range tests {
		if got := Message(tt.locale, tt.code); got != tt.want {
			t.Errorf("Message(%q, %s) = %q, want %q", tt.locale, tt.code, got, tt.want)
		}
	}
	if Message("de-DE", code) == Message("en-US", code) {
		t.Errorf("Message(de-DE, %s) is English", code)
	}
}

func TestUserMessage(t *testing.T) {
	args := map[string]string{"ids": "3001, 3002"}
	for _, l := range Locales {
		got := UserMessage(l, casemgr.CodeActivityLocked, args)
		if !strings.Contains(got, "3001, 3002") || strings.ContainsAny(got, "{}") {
			t.Errorf("UserMessage(%s, 403-201) = %q, want the IDs filled in", l, got)
		}
	}
	got := UserMessage("en-US", casemgr.CodeTooManyActivities, map[string]string{"max": "75", "count": "80"})
	if !strings.Contains(got, "75") || !strings.Contains(got, "80") {
		t.Errorf("UserMessage(en-US, 400-202) = %q", got)
	}
}

func TestDisplay(t *testing.T) {
	fr, de := readCatalog(t, "fr-FR"), readCatalog(t, "de-DE")
	tests := []struct {
		locale, kind, value, want string
	}{
		{"en-US", "activityStatus", "awaiting_assignment", "In queue waiting to be assigned"},
		{"en-US", "activityStatus", "assigned", "Assigned to a user"},
		{"en-US", "activityType", "call_track", "Calltrack"},
		{"en-US", "activitySubtype", "general", "General"},
		{"fr-FR", "severity", "high", fr.Display["severity"]["high"]},
		{"FR-fr", "severity", "high", fr.Display["severity"]["high"]},
		{"de-DE", "mode", "Inbound", de.Display["mode"]["inbound"]},
		{"ja-JP", "socialType", "Twitter", "Twitter"},
		// Unknown locale: en-US.
		{"xx-XX", "severity", "high", "High"},
		{"", "caseStatus", "open", "Open"},
		// Unknown value or kind: a readable form of the value.
		{"de-DE", "activityType", "feedback", "Feedback"},
		{"en-US", "activityType", "call_back", "Call back"},
		{"fr-FR", "noSuchKind", "some_value", "Some value"},
		{"ru-RU", "activitySubtype", "réclamation", "Réclamation"},
		{"en-US", "activityType", "", ""},
	}
	for _, tt := range tests {
		if got := Display(tt.locale, tt.kind, tt.value); got != tt.want {
			t.Errorf("Display(%q, %q, %q) = %q, want %q", tt.locale, tt.kind, tt.value, got, tt.want)
		}
	}
	if Display("de-DE", "severity", "high") == "High" {
		t.Error("Display(de-DE, severity, high) is English")
	}
}

func TestLookupsDoNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		_ = Message("fr-FR", casemgr.CodeActivityLocked)
		_ = Display("fr-FR", "activityStatus", "assigned")
	})
	if n != 0 {
		t.Errorf("Message and Display allocate %v times per call, want 0", n)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"", "en-US", true},
		{"   ", "en-US", true},
		{"*", "en-US", true},
		{"en-US", "en-US", true},
		{"fr-FR", "fr-FR", true},
		{"fr-fr", "fr-FR", true},
		{"FR-fr", "fr-FR", true},
		{"ZH-cn", "zh-CN", true},
		{" sv-SE ", "sv-SE", true},
		{"pt-BR", "pt-BR", true},
		{"pt-PT", "pt-PT", true},
		{"fr-CA", "fr-CA", true},
		{"xx-XX", "", false},
		{"en-GB", "", false},
		{"fr", "", false},
		{"en", "", false},
		{"fr_FR", "", false},
		{"fr-FR-x-private", "", false},
		{"fr, de-DE", "de-DE", true},
		{"fr-FR;q=0.8, de-DE", "de-DE", true},
		{"fr-FR;q=0.8, de-DE;q=0.9", "de-DE", true},
		{"de-DE;q=0.5, fr-FR;q=0.8", "fr-FR", true},
		{"fr-FR, de-DE", "fr-FR", true},
		{"fr-FR;q=0.7, de-DE;q=0.7", "fr-FR", true},
		{"xx-XX, fr, es-ES;q=0.2", "es-ES", true},
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "en-US", true},
		{"fr-FR;Q=0.3, it-IT;q=0.4", "it-IT", true},
		{"fr-FR ; q=0.3 , it-IT ; q=1.000", "it-IT", true},
		{"fr-FR;q=0", "", false},
		{"fr-FR;q=0.000, de-DE;q=0.001", "de-DE", true},
		{"fr-FR;q=0, *", "en-US", true},
		{"en-US;q=0, *", "es-ES", true},
		{"*;q=0", "", false},
		{"*;q=0.5, ja-JP", "ja-JP", true},
		{"*, ja-JP;q=0.5", "en-US", true},
		{"ja-JP;q=0.5, *;q=0.5", "ja-JP", true},
		{"de-DE, de-DE;q=0", "", false},
		{"de-DE;q=0, ko-KR;q=0.1, de-DE", "ko-KR", true},
		{"fr-FR;q=abc", "", false},
		{"fr-FR;q=1.5", "", false},
		{"fr-FR;q=0.8888", "", false},
		{"fr-FR;q=-1", "", false},
		{"fr-FR;q=", "", false},
		{"fr-FR;q=abc, da-DK", "da-DK", true},
		{"fr-FR;level=1", "fr-FR", true},
		{",,", "", false},
		{", nl-NL,", "nl-NL", true},
		{";q=0.5", "", false},
		{"ru-RU;;", "ru-RU", true},
	}
	for _, tt := range tests {
		got, ok := Negotiate(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "*", "fr-FR", "fr-FR;q=0.8, de-DE", ";;,,;q=", "é-É;q=1.", "*;q=0,en-US;q=0", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got, ok := Negotiate(header)
		if ok != slices.Contains(Locales, got) || (!ok && got != "") {
			t.Errorf("Negotiate(%q) = %q, %v", header, got, ok)
		}
	})
}
