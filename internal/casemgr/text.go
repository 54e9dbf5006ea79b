package casemgr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// StorableText reports whether s can be stored as given by every engine:
// valid UTF-8 without a NUL character. PostgreSQL refuses both in its text
// columns where SQLite would keep them, so the edge refuses them for every
// string a request or a fixture document brings in, and both engines
// answer alike.
func StorableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// Printable renders a string that may not be storable for an error
// message: invalid bytes and control characters are escaped, so the message
// itself stays valid text.
func Printable(s string) string {
	if StorableText(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}
