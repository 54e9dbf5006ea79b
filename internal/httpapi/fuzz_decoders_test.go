package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/httpapi/httpstatus"
)

// The decoders that take outside bytes, fuzzed on their own (go test -fuzz;
// README, "Testing"). Their seed corpora in testdata/fuzz/ also run as
// plain tests.

// refusal checks that err, if any, is a client error of the catalogue: a
// decoder never fails with a 5xx or an error outside it.
func refusal(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*casemgr.Error)
	if !ok {
		t.Fatalf("not a casemgr.Error: %T %v", err, err)
	}
	if st := httpstatus.Of(e.Code); st < 400 || st > 499 {
		t.Fatalf("status %d (%s): %v", st, e.Code, err)
	}
}

// storableTree fails unless every key and string of a decoded tree is text
// every engine stores.
func storableTree(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if !casemgr.StorableText(k) {
				t.Fatalf("key %q is not storable text", k)
			}
			storableTree(t, e)
		}
	case []any:
		for _, e := range x {
			storableTree(t, e)
		}
	case string:
		if !casemgr.StorableText(x) {
			t.Fatalf("string %q is not storable text", x)
		}
	case bool, nil:
	default:
		t.Fatalf("unexpected %T in the tree", v)
	}
}

// FuzzBodyTree feeds the JSON and XML body decoders: a refusal is a 4xx of
// the catalogue, and an accepted tree holds only storable text, in objects
// without repeated keys (a map cannot hold them) nested within the bound.
func FuzzBodyTree(f *testing.F) {
	f.Add([]byte(`{"activity": [{"id": "3001"}]}`), false)
	f.Add([]byte(`<activity><subject>x</subject></activity>`), true)
	f.Fuzz(func(t *testing.T, body []byte, isXML bool) {
		var tree any
		var err error
		if isXML {
			_, tree, err = decodeXML(body)
		} else {
			tree, err = decodeJSON(body)
		}
		refusal(t, err)
		if err != nil {
			return
		}
		storableTree(t, tree)
		if depth(tree) > maxDepth+1 {
			t.Fatalf("a tree %d deep was accepted", depth(tree))
		}
	})
}

func depth(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			d = max(d, depth(e))
		}
	case []any:
		for _, e := range x {
			d = max(d, depth(e))
		}
	default:
		return 0
	}
	return d + 1
}

// FuzzQueryParams feeds the query-parameter parsers of the search and the
// read endpoints: a refusal is a 4xx of the catalogue, and what they accept
// is storable text.
func FuzzQueryParams(f *testing.F) {
	f.Add("type=email&status=assigned&$pagesize=2")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest("GET", "/core/casemgr/v3/activity", nil)
		r.URL.RawQuery = rawQuery
		sr, err := parseSearch(r)
		refusal(t, err)
		if err == nil {
			for _, list := range [][]string{sr.filter.Types, sr.filter.Statuses, sr.filter.Modes} {
				for _, s := range list {
					if !casemgr.StorableText(s) {
						t.Fatalf("search accepted %q", s)
					}
				}
			}
			if sr.size < 1 || sr.size > maxPageSize || sr.page < 1 {
				t.Fatalf("paging %d/%d accepted", sr.page, sr.size)
			}
		}
		_, err = parseAttribute(r, activityFields, activitySummary())
		refusal(t, err)
		for _, allowed := range [][]string{nil, {"anonymousCustomer"}, {"relateCase"}, {"unpin", "reassign"}} {
			if err := checkParams(r, allowed...); err == nil {
				for _, name := range allowed {
					_, err := yesParam(r, name)
					refusal(t, err)
				}
			} else {
				refusal(t, err)
			}
		}
	})
}
