package main

import "testing"

// TestPublicURL pins where the metadata's URLs come from: --public-url as
// given (without a trailing slash), else the listen address; a URL with a
// path, query, credentials or another scheme is refused.
func TestPublicURL(t *testing.T) {
	for _, c := range []struct{ flag, addr, want string }{
		{"", "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"", ":8080", "http://localhost:8080"},
		{"", "0.0.0.0:9000", "http://localhost:9000"},
		{"", "[::1]:8080", "http://[::1]:8080"},
		{"https://cm.example", "127.0.0.1:8080", "https://cm.example"},
		{"https://cm.example:8443/", "127.0.0.1:8080", "https://cm.example:8443"},
	} {
		got, err := publicBase(c.flag, c.addr)
		if err != nil || got != c.want {
			t.Errorf("publicBase(%q, %q) = %q, %v; want %q", c.flag, c.addr, got, err, c.want)
		}
	}
	for _, bad := range []string{"cm.example", "ftp://cm.example", "https://cm.example/api", "https://u:p@cm.example", "https://cm.example?x=1", "https://"} {
		if got, err := publicBase(bad, "127.0.0.1:8080"); err == nil {
			t.Errorf("publicBase(%q) = %q, want an error", bad, got)
		}
	}
}
