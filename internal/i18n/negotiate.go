package i18n

import "strings"

// Negotiate picks the locale of a request from its Accept-Language header.
//
// An empty header or "*" means the default locale, en-US. Otherwise the
// header is a list of language tags, each with an optional quality
// ("fr-FR;q=0.8, de-DE"); the supported tag of the highest quality wins, the
// earlier one on a tie. Tags match case-insensitively ("fr-fr" is fr-FR). A
// quality of 0 excludes a tag; "*" stands for any locale not excluded,
// en-US first, and loses a tie to a named tag. A bare language ("fr") or any
// other tag that is not one of Locales does not match, and an entry with a
// malformed quality is ignored. When nothing matches, ok is false and the
// server answers 406-100.
func Negotiate(header string) (locale string, ok bool) {
	header = strings.TrimSpace(header)
	if header == "" || header == "*" {
		return Default, true
	}

	// First pass: the excluded locales and the quality of "*".
	excluded := make([]bool, len(supported))
	wildQ := 0
	eachEntry(header, func(tag string, q int) {
		if tag == "*" {
			wildQ = max(wildQ, q)
			return
		}
		if i, known := canonical[strings.ToLower(tag)]; known && q == 0 {
			excluded[i] = true
		}
	})

	// Second pass: the first supported tag of the highest quality.
	best, bestQ := -1, 0
	eachEntry(header, func(tag string, q int) {
		i, known := canonical[strings.ToLower(tag)]
		if known && !excluded[i] && q > bestQ {
			best, bestQ = i, q
		}
	})
	if best >= 0 && bestQ >= wildQ {
		return supported[best], true
	}
	if wildQ > 0 {
		for i, l := range supported { // supported[0] is Default
			if !excluded[i] {
				return l, true
			}
		}
	}
	return "", false
}

// eachEntry calls fn with the tag and quality (in thousandths) of every
// well-formed entry of an Accept-Language list. Empty entries and entries
// with a malformed quality are skipped.
func eachEntry(header string, fn func(tag string, q int)) {
	for len(header) > 0 {
		var entry string
		entry, header, _ = strings.Cut(header, ",")
		tag, params, _ := strings.Cut(entry, ";")
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if q, ok := quality(params); ok {
			fn(tag, q)
		}
	}
}

// quality returns the q parameter of an entry's parameters ("q=0.8", or
// "" for the default 1) in thousandths, following RFC 9110's qvalue:
// "0" or "1", optionally followed by a dot and up to three digits (only
// zeros after a 1). Other parameters are ignored.
func quality(params string) (q int, ok bool) {
	q = 1000
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		if q, ok = parseQ(strings.TrimSpace(value)); !ok {
			return 0, false
		}
	}
	return q, true
}

func parseQ(s string) (int, bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	whole := int(s[0] - '0')
	frac := s[1:]
	if frac != "" {
		if frac[0] != '.' || len(frac) > 4 {
			return 0, false
		}
		frac = frac[1:]
	}
	q, scale := whole*1000, 100
	for i := 0; i < len(frac); i++ {
		d := frac[i]
		if d < '0' || d > '9' || (whole == 1 && d != '0') {
			return 0, false
		}
		q += int(d-'0') * scale
		scale /= 10
	}
	return q, true
}
