// Package webhook delivers the events of casemgr to the webhooks of client
// applications: signed per Standard Webhooks, at least once, in order, by
// any number of server processes sharing one database (docs/webhooks.md).
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// ParseAllow reads --webhook-allow: comma-separated CIDR ranges (or single
// addresses) that webhooks may reach although they are internal.
func ParseAllow(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("--webhook-allow: %q is not a CIDR range or an address", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Resolve returns the addresses of a host name (the system's resolver).
func Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Targets is the Service's webhook target policy: the allowed ranges and
// the system's resolver.
func Targets(allow []netip.Prefix) casemgr.WebhookTargets {
	return casemgr.WebhookTargets{Allow: allow, Resolve: Resolve}
}

// ErrTargetRefused is the error of a connection to an address webhooks may
// not reach.
var ErrTargetRefused = errors.New("webhook target address refused")

// dialControl refuses, at connect time, an address webhooks may not reach:
// a host name that resolved to a public address when the webhook was
// created may resolve to an internal one now (DNS rebinding).
func dialControl(allow []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrTargetRefused, address)
		}
		if casemgr.WebhookAddrRefused(ap.Addr(), allow) {
			return fmt.Errorf("%w: %s", ErrTargetRefused, ap.Addr())
		}
		return nil
	}
}

// NewClient returns the HTTP client deliveries are sent with: every
// connection's address checked (dialControl), no proxy from the
// environment (it would connect on our behalf, unchecked), redirects not
// followed, and a timeout per attempt.
func NewClient(allow []netip.Prefix, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: dialControl(allow)}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
