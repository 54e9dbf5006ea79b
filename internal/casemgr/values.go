package casemgr

import (
	"net/mail"
	"strings"
	"time"
)

// ParseTime parses an ISO-8601 date-time as the API accepts it and truncates
// it to whole milliseconds, UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return Millis(t), nil
}

// FormatTime renders a time as the API shows it: UTC with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ValidEmail reports whether s is a plain email address (local@domain).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.IndexByte(s, '@')+1:], ".")
}

// PhoneDigits returns the digits of a phone number.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PhoneKeys returns the digit forms by which the phone matcher finds a
// phone contact point: its number; area code and number; country code,
// area code and number; and each of these with the extension's digits
// appended. A point without digits in its number has none.
func PhoneKeys(p *ContactPoint) []string {
	number := PhoneDigits(p.Value)
	if p.Kind != KindPhone || number == "" {
		return nil
	}
	area, country, ext := PhoneDigits(p.Attrs["areaCode"]), PhoneDigits(p.Attrs["countryCode"]), PhoneDigits(p.Attrs["extension"])
	var keys []string
	add := func(k string) {
		for _, x := range keys {
			if x == k {
				return
			}
		}
		keys = append(keys, k)
	}
	for _, base := range []string{number, area + number, country + area + number} {
		add(base)
		if ext != "" {
			add(base + ext)
		}
	}
	return keys
}

// PhoneQuery reads the value of a phone search: digits, optionally after
// one leading "+". ok is false for anything else.
func PhoneQuery(s string) (digits string, ok bool) {
	d := strings.TrimPrefix(s, "+")
	if d == "" {
		return "", false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return d, true
}
