package casemgr

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook is a subscription of a client application to the events of
// casemgr: each event of its types is sent, signed with its secret, to its
// URL (docs/webhooks.md).
type Webhook struct {
	ID ID
	// Client is the client ID of the application that created it; only
	// that application sees it.
	Client string
	URL    string
	// Secret is "whsec_" and the base64 of the signing key. It is shown
	// once, in the answer of the creation, and never served again.
	Secret string
	// EventTypes are the types delivered; nil means every type.
	EventTypes []string
	Created    time.Time
	// Status is WebhookActive or WebhookFailing.
	Status string
	// Queue is where its deliveries stand.
	Queue WebhookQueue
}

// WebhookQueue is the delivery state of a webhook: the events after Cursor
// are still to be delivered, in order; the one at the head has failed
// Attempts times since FirstFailure and is tried again at NextAttempt. A
// process delivering holds the lease until LeaseExpires.
type WebhookQueue struct {
	// Cursor is the ID of the last event delivered or skipped (the
	// change feed's cursor).
	Cursor       int64
	Attempts     int
	FirstFailure time.Time // zero when the head has not failed
	NextAttempt  time.Time
	LeaseOwner   string
	LeaseExpires time.Time
}

// The statuses of a webhook.
const (
	WebhookActive = "active"
	// WebhookFailing: the head event was not delivered within the retry
	// period. It is still tried, at the longest backoff interval; the first
	// delivery that succeeds makes the webhook active again.
	WebhookFailing = "failing"
)

// Delivery is one attempt to deliver an event to a webhook, as its delivery
// log shows it.
type Delivery struct {
	ID      ID
	Webhook ID
	Event   string
	Attempt int
	// Status is the HTTP status the receiver answered, 0 when none.
	Status int
	// Error says why the attempt failed ("" when it succeeded).
	Error string
	Time  time.Time
}

// Limits of webhooks.
const (
	MaxWebhookURL        = 2048
	MaxWebhooksPerClient = 50
	// The signing key of a secret has 24 to 64 bytes (Standard Webhooks).
	minWebhookKey, maxWebhookKey = 24, 64
	webhookSecretPrefix          = "whsec_"
)

// NewWebhook is a webhook to create, as sent: nil Secret asks for a
// generated one; nil EventTypes means every type.
type NewWebhook struct {
	URL        string
	Secret     *string
	EventTypes []string
	// EventTypesSent tells an empty list from none.
	EventTypesSent bool
}

// WebhookTargets decides which addresses webhooks may reach.
type WebhookTargets struct {
	// Allow are the ranges an operator allows although they are
	// internal (--webhook-allow).
	Allow []netip.Prefix
	// Resolve returns the addresses of a host name; nil uses none (every
	// host name is unknown), so a Service without it accepts IP literals
	// only.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// webhookWorld is what the rules of a new webhook are checked against.
type webhookWorld struct {
	owned int // the webhooks the client holds already
	// addrs are the addresses of the URL's host; resolveFailed says the
	// host name did not resolve.
	addrs         []netip.Addr
	resolveFailed bool
	eventTypes    []string
}

// CreateWebhook subscribes a client application to events (POST /webhooks):
// load, check every rule, then store the webhook in one transaction. The
// answer holds the secret, the one time it is shown.
func (s *Service) CreateWebhook(ctx context.Context, actor Actor, in *NewWebhook) (*Webhook, error) {
	if err := WebhookNeedsClient(actor); err != nil {
		return nil, err
	}
	w := s.resolveWebhookTarget(ctx, in.URL)
	w.eventTypes = EventTypes
	// Deliveries start after the events committed before now: the
	// feed's bound, past which a transaction still running may commit
	// an event that is then delivered.
	head, err := FeedHead(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	var hook *Webhook
	err = s.Store.Write(ctx, func(tx Tx) error {
		owned, err := tx.Webhooks(actor.Client.ClientID)
		if err != nil {
			return err
		}
		w.owned = len(owned)
		if err := checkNewWebhook(in, w, s.WebhookTargets.Allow); err != nil {
			return err
		}
		hook, err = buildWebhook(actor, in, s.now())
		if err != nil {
			return err
		}
		hook.Queue.Cursor = head
		return tx.InsertWebhook(hook)
	})
	if err != nil {
		return nil, err
	}
	return hook, nil
}

// resolveWebhookTarget looks up the addresses of the URL's host (outside
// the transaction: a lookup may take seconds).
func (s *Service) resolveWebhookTarget(ctx context.Context, raw string) *webhookWorld {
	w := &webhookWorld{}
	u, ok := webhookURLValid(raw)
	if !ok {
		return w
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		w.addrs = []netip.Addr{a}
		return w
	}
	if s.WebhookTargets.Resolve == nil {
		w.resolveFailed = true
		return w
	}
	addrs, err := s.WebhookTargets.Resolve(ctx, host)
	w.addrs, w.resolveFailed = addrs, err != nil || len(addrs) == 0
	return w
}

// checkNewWebhook checks every rule of a new webhook.
func checkNewWebhook(in *NewWebhook, w *webhookWorld, allow []netip.Prefix) error {
	var v Violations
	if w.owned >= MaxWebhooksPerClient {
		v.Refuse(E(CodeWebhookTooMany, "max", strconv.Itoa(MaxWebhooksPerClient)))
	}
	u, ok := webhookURLValid(in.URL)
	switch {
	case !ok:
		v.Add(PhaseRule, "url", CodeWebhookURLInvalid, "value", webhookBrief(in.URL))
	case w.resolveFailed:
		v.Add(PhaseRule, "url", CodeWebhookHostUnknown, "value", webhookBrief(u.Hostname()))
	default:
		for _, a := range w.addrs {
			if WebhookAddrRefused(a, allow) {
				v.Add(PhaseRule, "url", CodeWebhookTargetRefused, "value", webhookBrief(u.Hostname()), "reason", a.String())
				break
			}
		}
	}
	if in.Secret != nil && !WebhookSecretValid(*in.Secret) {
		v.Add(PhaseRule, "secret", CodeWebhookSecretInvalid)
	}
	if in.EventTypesSent && len(in.EventTypes) == 0 {
		v.Add(PhaseRule, "eventTypes", CodeWebhookEventTypesEmpty)
	}
	for _, t := range in.EventTypes {
		if !webhookEventTypeKnown(t, w.eventTypes) {
			v.Add(PhaseRule, "eventTypes", CodeWebhookEventTypeUnknown, "value", webhookBrief(t))
		}
	}
	return v.Err()
}

// buildWebhook makes the webhook to store, with a generated secret when
// none was sent.
func buildWebhook(actor Actor, in *NewWebhook, now time.Time) (*Webhook, error) {
	secret := ""
	if in.Secret != nil {
		secret = *in.Secret
	} else {
		var err error
		if secret, err = NewWebhookSecret(); err != nil {
			return nil, err
		}
	}
	var types []string
	for _, t := range in.EventTypes {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return &Webhook{Client: actor.Client.ClientID, URL: in.URL, Secret: secret, EventTypes: types,
		Created: now, Status: WebhookActive}, nil
}

// NewWebhookSecret generates the secret of a webhook created without one:
// "whsec_" and the base64 of 32 random bytes.
func NewWebhookSecret() (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", Internal(err)
	}
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// WebhookNeedsClient: "Webhooks are managed by client applications; a user
// token gets 403."
func WebhookNeedsClient(actor Actor) error {
	if actor.Client == nil || actor.User != nil {
		return E(CodeWebhookClientOnly)
	}
	return nil
}

// webhookURLValid: "A webhook URL is an absolute http or https URL of at
// most 2048 characters, with a host and without user information or
// fragment."
func webhookURLValid(raw string) (*url.URL, bool) {
	if raw == "" || len(raw) > MaxWebhookURL || !StorableText(raw) {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" ||
		u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, false
	}
	return u, true
}

// WebhookURLValid reports whether a webhook URL has a valid form
// (webhookURLValid); it does not look at the addresses of its host.
func WebhookURLValid(raw string) bool {
	_, ok := webhookURLValid(raw)
	return ok
}

// WebhookSecretValid: "A webhook secret is 'whsec_' and the base64 of 24
// to 64 bytes."
func WebhookSecretValid(s string) bool {
	rest, ok := strings.CutPrefix(s, webhookSecretPrefix)
	if !ok {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	return err == nil && len(key) >= minWebhookKey && len(key) <= maxWebhookKey
}

// webhookEventTypeKnown: "eventTypes names only the documented event
// types."
func webhookEventTypeKnown(t string, known []string) bool { return slices.Contains(known, t) }

// WebhookAddrRefused: "A webhook does not reach loopback, private,
// link-local, shared (carrier-grade NAT), unspecified, multicast or
// reserved addresses (cloud metadata services live there) unless the
// operator allows their range." The server checks it when a webhook is
// created and again for the address it connects to.
func WebhookAddrRefused(a netip.Addr, allow []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return false
		}
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid() {
		return true
	}
	for _, p := range internalRanges {
		if p.Contains(a) {
			if p.Bits() == 96 && a.Is6() {
				// NAT64: the IPv4 address it carries decides.
				b := a.As16()
				return WebhookAddrRefused(netip.AddrFrom4([4]byte(b[12:])), allow)
			}
			return true
		}
	}
	return false
}

// internalRanges are the ranges beyond netip's predicates that no webhook
// reaches.
var internalRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space (metadata of some clouds)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64 of IPv4 addresses
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("100::/64"),      // discard
}

// Webhooks lists the webhooks of the calling client application.
func (s *Service) Webhooks(ctx context.Context, actor Actor) ([]Webhook, error) {
	if err := WebhookNeedsClient(actor); err != nil {
		return nil, err
	}
	var list []Webhook
	err := s.Store.Read(ctx, func(tx Tx) (err error) { list, err = tx.Webhooks(actor.Client.ClientID); return err })
	return list, err
}

// Webhook returns one webhook of the calling client application; another
// application's webhook is not found.
func (s *Service) Webhook(ctx context.Context, actor Actor, id ID) (*Webhook, error) {
	if err := WebhookNeedsClient(actor); err != nil {
		return nil, err
	}
	var hook *Webhook
	err := s.Store.Read(ctx, func(tx Tx) (err error) { hook, err = ownWebhook(tx, actor, id); return err })
	return hook, err
}

// ownWebhook reads a webhook of the actor: "A client application sees and
// deletes only the webhooks it created."
func ownWebhook(tx Tx, actor Actor, id ID) (*Webhook, error) {
	hook, err := tx.Webhook(id)
	if err != nil {
		return nil, err
	}
	if hook == nil || hook.Client != actor.Client.ClientID {
		return nil, E(CodeNotFound, "entity", "webhook", "ids", FormatID(id))
	}
	return hook, nil
}

// DeleteWebhook removes a webhook of the calling client application with
// its delivery log; nothing more is delivered to it.
func (s *Service) DeleteWebhook(ctx context.Context, actor Actor, id ID) error {
	if err := WebhookNeedsClient(actor); err != nil {
		return err
	}
	return s.Store.Write(ctx, func(tx Tx) error {
		if _, err := ownWebhook(tx, actor, id); err != nil {
			return err
		}
		return tx.DeleteWebhook(id)
	})
}

// MaxDeliveries is the most entries one read of a delivery log returns.
const MaxDeliveries = 500

// WebhookDeliveries returns the delivery log of a webhook of the calling
// client application, newest first, at most limit entries.
func (s *Service) WebhookDeliveries(ctx context.Context, actor Actor, id ID, limit int) ([]Delivery, error) {
	if err := WebhookNeedsClient(actor); err != nil {
		return nil, err
	}
	var list []Delivery
	err := s.Store.Read(ctx, func(tx Tx) error {
		if _, err := ownWebhook(tx, actor, id); err != nil {
			return err
		}
		var err error
		list, err = tx.Deliveries(id, limit)
		return err
	})
	return list, err
}

// webhookBrief shortens a value for an error message.
func webhookBrief(s string) string {
	if len(s) > 64 {
		cut := 64
		for cut > 60 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return Printable(s[:cut]) + "..."
	}
	return Printable(s)
}

// FeedHead is the cursor a read at the end of the change feed returns: the
// feed's bound (Store.EventsThrough), but no further than the last event
// written.
func FeedHead(ctx context.Context, st Store) (int64, error) {
	through, err := st.EventsThrough(ctx)
	if err != nil {
		return 0, err
	}
	var last int64
	err = st.Read(ctx, func(tx Tx) (err error) { _, last, err = tx.EventHorizon(); return err })
	return min(through, last), err
}
