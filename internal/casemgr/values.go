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
