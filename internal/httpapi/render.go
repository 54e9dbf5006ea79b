package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
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
// list) pass "" and the plural of its key is used. The body is built in a
// buffer of bodyBuffers, taken back once written: a Write copies what it
// is given or sends it before it returns (io.Writer: "Implementations
// must not retain p"), so no response holds bytes of another
// (TestConcurrentGetsEachReturnTheirOwnBody).
func writeTree(w http.ResponseWriter, rc *reqCtx, status int, root string, v map[string]any) {
	bp := bodyBuffers.Get().(*[]byte)
	body := (*bp)[:0]
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
		body = appendXML(body, root, v)
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		body = appendTreeJSON(body, v)
	}
	var n [20]byte
	w.Header().Set("Content-Length", string(strconv.AppendInt(n[:0], int64(len(body)), 10)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	if cap(body) <= maxPooledBody {
		*bp = body[:0]
		bodyBuffers.Put(bp)
	}
}

// bodyBuffers are the buffers response bodies are built in (writeTree).
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledBody is the largest buffer kept for another body: a larger one
// (a page of 75 activities) goes to the collector.
const maxPooledBody = 64 << 10

// writeFound answers a read that found n items: 204 No Content when it found
// none, otherwise 200 with v, as writeTree writes it.
func writeFound(w http.ResponseWriter, rc *reqCtx, n int, root string, v map[string]any) {
	if n == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeTree(w, rc, http.StatusOK, root, v)
}

func renderXML(root string, v map[string]any) []byte { return appendXML(nil, root, v) }

// appendXML appends the XML document of v, its root element named root,
// to b.
func appendXML(b []byte, root string, v map[string]any) []byte {
	buf := bytes.NewBuffer(b)
	buf.WriteString(xml.Header)
	writeXMLValue(buf, root, v)
	buf.WriteByte('\n')
	return buf.Bytes()
}

// writeXMLFields writes the fields of an object, in the order of their
// keys, each as writeXMLValue writes the value a map holds.
func writeXMLFields(b *bytes.Buffer, o object) {
	var scratch [maxOrdered]uint8
	for _, i := range o.order(scratch[:0]) {
		f := &o[i]
		switch f.kind {
		case kindVal:
			writeXMLValue(b, f.key, f.val)
			continue
		case kindObj, kindList1:
			writeXMLObject(b, f.key, f.obj)
			continue
		}
		b.WriteByte('<')
		b.WriteString(f.key)
		b.WriteByte('>')
		switch f.kind {
		case kindStr:
			writeXMLText(b, f.str)
		case kindID:
			var num [20]byte
			b.Write(strconv.AppendInt(num[:0], f.num, 10))
		case kindPath:
			if plainXML(f.str) {
				b.WriteString(f.str)
				var num [20]byte
				b.Write(strconv.AppendInt(num[:0], f.num, 10))
			} else {
				writeXMLText(b, f.value().(string))
			}
		case kindTime:
			var t [32]byte
			b.Write(appendFieldTime(t[:0], f.num))
		}
		b.WriteString("</")
		b.WriteString(f.key)
		b.WriteByte('>')
	}
}

// writeXMLObject writes an object as the element name.
func writeXMLObject(b *bytes.Buffer, name string, o object) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	writeXMLFields(b, o)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// writeXMLText writes s as xml.EscapeText does.
func writeXMLText(b *bytes.Buffer, s string) {
	if plainXML(s) {
		b.WriteString(s)
		return
	}
	_ = xml.EscapeText(b, []byte(s))
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
		writeXMLFields(b, x)
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
		writeXMLText(b, x)
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
