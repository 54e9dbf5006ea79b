package httpstatus

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// Every code of the catalogue is written <status>-<number> and its status
// is an error status net/http knows: a code whose prefix is not one would
// be answered as an internal error.
func TestEveryCodeHasAnErrorStatus(t *testing.T) {
	form := regexp.MustCompile(`^[45][0-9]{2}-[0-9]{3}$`)
	for _, code := range casemgr.Codes() {
		if !form.MatchString(string(code)) {
			t.Errorf("%s: not written <status>-<number>", code)
		}
		st := Of(code)
		if st < 400 || st > 599 || http.StatusText(st) == "" {
			t.Errorf("%s: status %d is not an HTTP error status", code, st)
		}
	}
}

func TestOf(t *testing.T) {
	for _, tc := range []struct {
		code casemgr.Code
		want int
	}{
		{casemgr.CodeUnsupportedParam, 400},
		{casemgr.CodeInvalidToken, 401},
		{casemgr.CodeDepartmentAccess, 403},
		{casemgr.CodeNotFound, 404},
		{casemgr.CodeBodyTooLarge, 413},
		{casemgr.CodeIdempotencyConflict, 422},
		{casemgr.CodeTooManyRequests, 429},
		{casemgr.CodeInternal, 500},
		{casemgr.CodeUnavailable, 503},
		{"400-999", 0}, // well formed, but not in the catalogue
		{"", 0},
		{"abc", 0},
	} {
		if got := Of(tc.code); got != tc.want {
			t.Errorf("Of(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
}
