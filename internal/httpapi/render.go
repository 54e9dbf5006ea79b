package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Responses are built as generic trees (map[string]any, []any, scalars)
// and written as JSON or XML by the same mapping the request side reads:
// every key an element, a list the element repeated, and a collection
// {"activity": [...]} as <activities><activity>…</activity></activities>.

// plural names the XML root of a collection of items called singular.
func plural(singular string) string {
	switch {
	case strings.HasSuffix(singular, "y"):
		return singular[:len(singular)-1] + "ies"
	case strings.HasSuffix(singular, "s"):
		return singular + "es"
	}
	return singular + "s"
}

// writeTree writes v with status in the negotiated format. root names the
// XML root element for a single object; for a collection (a map with one
// list) pass "" and the plural of its key is used.
func writeTree(w http.ResponseWriter, rc *reqCtx, status int, root string, v map[string]any) {
	var body []byte
	if rc.xml {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		if root == "" {
			// A collection: the plural of its one list (a map may carry
			// paging information beside it).
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if _, isList := v[k].([]any); isList || root == "" {
					root = plural(k)
				}
			}
		}
		body = renderXML(root, v)
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		body = appendTreeJSON(make([]byte, 0, 1024), v)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeFound answers a read that found n items: 204 No Content when it found
// none, otherwise 200 with v, as writeTree writes it.
func writeFound(w http.ResponseWriter, rc *reqCtx, n int, root string, v map[string]any) {
	if n == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeTree(w, rc, http.StatusOK, root, v)
}

func renderXML(root string, v map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	writeXMLValue(&b, root, v)
	b.WriteByte('\n')
	return b.Bytes()
}

func writeXMLValue(b *bytes.Buffer, name string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case []any:
		for _, e := range x {
			writeXMLValue(b, name, e)
		}
		return
	case []map[string]any:
		for _, e := range x {
			writeXMLValue(b, name, e)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	switch x := v.(type) {
	case object:
		x.sortKeys()
		for i := range x {
			if x[i].isStr {
				b.WriteByte('<')
				b.WriteString(x[i].key)
				b.WriteByte('>')
				_ = xml.EscapeText(b, []byte(x[i].str))
				b.WriteString("</")
				b.WriteString(x[i].key)
				b.WriteByte('>')
			} else {
				writeXMLValue(b, x[i].key, x[i].val)
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			writeXMLValue(b, k, x[k])
		}
	case string:
		_ = xml.EscapeText(b, []byte(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	default:
		j, _ := json.Marshal(x)
		_ = xml.EscapeText(b, j)
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}
