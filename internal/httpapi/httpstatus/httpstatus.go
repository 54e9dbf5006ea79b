// Package httpstatus reads the HTTP status of a casemgr error code. A code
// is written "<status>-<number>" (400-101, 403-107, ...): its prefix is the
// status the HTTP layer answers with, so the domain's catalogue holds no
// status of its own. The package is a leaf so that every HTTP adapter (the
// API server, the OAuth endpoints, the command line) can share it.
package httpstatus

import (
	"strconv"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Of returns the HTTP status of code: the three digits before its dash. A
// code outside the catalogue, or one that does not start with a status,
// has none: Of returns 0, which callers answer as an internal error.
func Of(code casemgr.Code) int {
	if _, ok := casemgr.Catalogue[code]; !ok {
		return 0
	}
	prefix, _, ok := strings.Cut(string(code), "-")
	n, err := strconv.Atoi(prefix)
	if !ok || err != nil || len(prefix) != 3 || n < 100 {
		return 0
	}
	return n
}
