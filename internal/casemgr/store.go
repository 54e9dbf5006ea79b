package casemgr

import (
	"context"
	"time"
)

// Store keeps the world of casemgr. Transactions are explicit and owned by the
// domain: an operation loads what it needs, checks every rule, and applies
// its changes inside one Write, which commits only if fn returns nil.
//
// Every engine (SQLite, PostgreSQL) passes the same conformance suite
// (internal/store/storetest).
type Store interface {
	// Read runs fn in a read-only transaction.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction. Rows read with forUpdate
	// are locked until it ends (PostgreSQL: SELECT ... FOR UPDATE in ID
	// order; SQLite: one immediate write transaction at a time). If fn
	// returns an error nothing it wrote is kept. On PostgreSQL fn may run
	// more than once (a deadlock or serialization failure is retried), so
	// it must not have effects outside the transaction. Writes do not nest.
	Write(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	// EventsThrough returns the bound of the change feed: every event
	// with an ID at or below it that will ever be committed is committed
	// and visible to every transaction begun after the call. Readers read
	// events only up to it, so a reader resuming after the last ID it read
	// never misses an event that committed later with a smaller ID.
	EventsThrough(ctx context.Context) (int64, error)
	// EventsCommitted returns a channel that is closed when events are
	// committed after the call, by this process or (PostgreSQL) by
	// another process on the database.
	EventsCommitted() <-chan struct{}
	// Close releases the database.
	Close() error
}

// Tx is one transaction. Getters of a single entity return nil and no error
// when it does not exist; getters of several return those that exist, in ID
// order. Time values are stored in whole milliseconds, UTC; empty lists read
// back as nil. Insert methods write the assigned IDs back into their
// arguments.
type Tx interface {
	// Configuration.
	Settings() (Settings, error)
	SetSettings(Settings) error
	Department(id ID) (*Department, error)
	DepartmentByName(name string) (*Department, error)
	Departments() ([]Department, error)
	InsertDepartment(*Department) error
	Queue(id ID) (*Queue, error)
	Queues() ([]Queue, error)
	InsertQueue(*Queue) error
	User(id ID) (*User, error)
	UserByName(name string) (*User, error)
	Users() ([]User, error)
	InsertUser(*User) error
	ClientApp(clientID string) (*ClientApp, error)
	// ClientApps returns every client application, by client ID.
	ClientApps() ([]ClientApp, error)
	InsertClientApp(*ClientApp) error
	CalltrackSubtypes() ([]string, error)
	AddCalltrackSubtype(name string) error
	AttributeDefs(object string) ([]AttributeDef, error)
	InsertAttributeDef(*AttributeDef) error

	// Customers, contacts and contact points.
	Customers(ids []ID) ([]Customer, error)
	// CustomersShowing returns the customers of ids, each with only its
	// contacts whose ID is in contacts or that hold a contact point of
	// points, each of those with only its points of points (what
	// activities show of their customers; no contacts when both are
	// empty).
	CustomersShowing(ids, contacts, points []ID) ([]Customer, error)
	// ActivitiesToShow returns Activities(ids, false) for a read that
	// shows them. customers says that the caller will then ask
	// CustomersShowing for the customers of (some of) those activities
	// with their contacts and points: an engine where each statement
	// costs a round trip reads those customers along, in the same round
	// trip, and CustomersShowing then serves them. last says that the
	// caller reads nothing else in this Read: the engine may end the
	// transaction in that round trip too. Should the caller read on all
	// the same, the Read's function is run again from the start.
	ActivitiesToShow(ids []ID, customers, last bool) ([]Activity, error)
	InsertCustomer(*Customer) error // with its contacts and contact points
	// LockCustomers locks the customers with the given IDs until the
	// write transaction ends (PostgreSQL: SELECT ... FOR UPDATE in ID
	// order; SQLite: the one writer holds them anyway); missing IDs are
	// ignored.
	LockCustomers(ids []ID) error
	// CustomerDepartments returns the department (0 for none) of each
	// customer that exists among customers, the customers of the contact
	// points points and the customers of the activities activities, by
	// customer ID: what visibility and the department rules need of a
	// customer, in one statement, without its details, contacts or
	// points. A customer's department is set when it is created and
	// customers are never deleted, so an answer stays true.
	CustomerDepartments(customers, points, activities []ID) (map[ID]ID, error)
	// UpdateCustomer writes every field of a customer, its contacts and
	// their contact points: those with an ID are updated, those without
	// are inserted (their new IDs written back). Nothing is deleted.
	UpdateCustomer(*Customer) error
	Contacts(ids []ID) ([]Contact, error)
	ContactPoints(ids []ID) ([]ContactPoint, error)
	// ContactPointsByValue finds contact points of a kind by their value:
	// email addresses compare case-insensitively, phone numbers by the
	// phone matcher (value is digits; see PhoneKeys), other kinds exactly.
	ContactPointsByValue(kind, value string) ([]ContactPoint, error)
	// SearchCustomers returns the IDs of one page of the customers
	// matching f, and the number of all matches.
	SearchCustomers(f CustomerFilter) ([]ID, int, error)
	// SearchCases returns the IDs of one page of the cases matching f,
	// and the number of all matches.
	SearchCases(f CaseFilter) ([]ID, int, error)

	// Cases.
	Cases(ids []ID, forUpdate bool) ([]Case, error)
	// InsertCase stores a new case; when c.ID is 0 a new ID is assigned.
	InsertCase(c *Case) error
	// UpdateCase writes every field of a case. Related cases are only
	// ever added (both ways), never removed, so a case read before a
	// RelateCases cannot undo it.
	UpdateCase(c *Case) error
	// RelateCases records that a and b are related, both ways; relating
	// cases that are already related changes nothing.
	RelateCases(a, b ID) error

	// Activities.
	Activities(ids []ID, forUpdate bool) ([]Activity, error)
	// CaseActivities returns every activity of the given cases.
	CaseActivities(caseIDs []ID, forUpdate bool) ([]Activity, error)
	// CaseActivityStatuses returns, for each of the cases that has
	// activities, the statuses its activities have, each once, sorted:
	// whether a case is left with an open activity, without reading the
	// activities.
	CaseActivityStatuses(caseIDs []ID) (map[ID][]string, error)
	// CaseActivityCustomers returns the customers the activities of a
	// case belong to, each once, in ID order (0 for an activity without
	// a customer).
	CaseActivityCustomers(caseID ID) ([]ID, error)
	// Responses returns every activity whose ResponseTo is one of parents.
	Responses(parents []ID, forUpdate bool) ([]Activity, error)
	// InsertActivity stores a new activity; when a.ID is 0 a new ID is
	// assigned.
	InsertActivity(a *Activity) error
	// UpdateActivities writes every field of the given activities.
	UpdateActivities(list []*Activity) error
	// SearchActivities returns one page of the activities matching f, and
	// the number of all matches.
	SearchActivities(f ActivityFilter) ([]Activity, int, error)
	// PullCandidates returns, locked, up to f.Limit activities waiting to
	// be assigned that f selects, by priority ("1" first, none last),
	// created, then ID. Rows another transaction holds locked are skipped
	// (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite has one writer at a
	// time), so concurrent pulls never take the same activity and never
	// wait for each other. Responses are never candidates.
	PullCandidates(f PullFilter) ([]Activity, error)

	// History.
	AppendHistory(entries []HistoryEntry) error
	History(entity string, id ID) ([]HistoryEntry, error)
	// PurgeHistory deletes at most limit of the oldest history entries,
	// up to the first one recorded at or after before, and returns the
	// number deleted (the history retention, off by default).
	PurgeHistory(before time.Time, limit int) (int64, error)

	// Events (the change feed). AppendHistory writes the event of every
	// entry it appends (HistoryEntry.Event).
	// Events returns the events q selects, in ID order.
	Events(q EventQuery) ([]Event, error)
	// EventHorizon returns the highest event ID purged (a cursor below it
	// has missed events) and the highest ID assigned so far.
	EventHorizon() (purged, last int64, err error)
	// PurgeEvents deletes the oldest events up to the first one at or
	// after before and returns the number deleted.
	PurgeEvents(before time.Time) (int64, error)

	// Attachments.
	InsertAttachment(*Attachment) error
	// Attachments returns the attachments with the given altIds, without
	// their data.
	Attachments(ids []string, forUpdate bool) ([]Attachment, error)
	// ActivityAttachments lists the attachments of an activity, without data.
	ActivityAttachments(activity ID) ([]Attachment, error)
	// AttachmentCounts counts the attachments of each of the activities
	// (activities without any are left out), in one query.
	AttachmentCounts(activities []ID) (map[ID]int, error)
	// AttachmentData returns one attachment with its bytes.
	AttachmentData(id string) (*Attachment, error)
	// AttachAttachments marks the attachments as used by an activity.
	AttachAttachments(ids []string, activity ID) error

	// Login sessions and tokens.
	InsertSession(*Session) error
	Session(id string) (*Session, error)
	// ExtendSession moves a session's expiry forward.
	ExtendSession(id string, expires time.Time) error
	RevokeSession(id string, at time.Time) error
	InsertToken(*Token) error
	// Token returns a token by the hash of its secret.
	Token(hash string) (*Token, error)
	// UserLoggedIn reports whether the user has a live login session at
	// now; sessions obtained on behalf of the user do not count.
	UserLoggedIn(user ID, now time.Time) (bool, error)
	// UserSessions returns the live login sessions of a user at now
	// (sessions obtained on behalf of the user left out), oldest first.
	// With lock, in a write transaction, it first takes a lock of the
	// user that concurrent callers with lock wait for until this
	// transaction ends, in every process on the database, so that
	// counting the sessions and inserting one is atomic.
	UserSessions(user ID, now time.Time, lock bool) ([]Session, error)

	// Failed logins and client authentications, per key, in fixed
	// windows (see LoginFailure).
	// LoginFailures returns the counts of the keys that have one.
	LoginFailures(keys []string) ([]LoginFailure, error)
	// AddLoginFailure counts one failure against each key: a key whose
	// window started window or more before now starts a new one at now
	// with one failure.
	AddLoginFailure(keys []string, now time.Time, window time.Duration) error
	// ClearLoginFailures forgets the count of a key.
	ClearLoginFailures(key string) error

	// Purge deletes what has no use any more: tokens that expired before
	// sessionsBefore, sessions that expired or were revoked before it (with
	// their tokens), and idempotency records created before
	// idempotencyBefore, and failed-login counts whose window began before
	// sessionsBefore. It returns the number of rows deleted.
	Purge(sessionsBefore, idempotencyBefore time.Time) (int64, error)

	// Webhooks and their delivery logs (webhooks.go).
	// Webhooks returns the webhooks of a client application by ID; client
	// "" returns every webhook.
	Webhooks(client string) ([]Webhook, error)
	Webhook(id ID) (*Webhook, error)
	// InsertWebhook stores a webhook with its queue; when h.ID is 0 a new
	// ID is assigned.
	InsertWebhook(h *Webhook) error
	// DeleteWebhook removes a webhook and its delivery log.
	DeleteWebhook(id ID) error
	// ClaimWebhooks takes the lease of those of the webhooks ids that are
	// due at now (NextAttempt not after now) and whose lease is free
	// (expired, or never taken), for owner until leaseUntil, and returns
	// them. Webhooks another transaction is claiming are skipped, not
	// waited for (PostgreSQL: FOR UPDATE SKIP LOCKED).
	ClaimWebhooks(ids []ID, owner string, now, leaseUntil time.Time) ([]Webhook, error)
	// UpdateWebhookQueue writes the status and queue of a webhook whose
	// lease owner holds; it reports false, writing nothing, when the
	// lease is held by another owner (it expired and was taken) or the
	// webhook is gone.
	UpdateWebhookQueue(id ID, owner, status string, q WebhookQueue) (bool, error)
	// InsertDelivery appends an entry to a webhook's delivery log.
	InsertDelivery(d *Delivery) error
	// Deliveries returns the newest limit entries of a webhook's delivery
	// log, newest first.
	Deliveries(webhook ID, limit int) ([]Delivery, error)
	// PurgeDeliveries deletes the delivery log entries older than before
	// and returns their number.
	PurgeDeliveries(before time.Time) (int64, error)

	// Idempotency of creations.
	IdempotencyRecord(actor, key string) (*IdempotencyRecord, error)
	// InsertIdempotencyRecord stores a record; it fails with an Error of
	// code CodeIdempotencyInFlight when one with the same actor and key
	// exists.
	InsertIdempotencyRecord(*IdempotencyRecord) error

	// Fixtures and administration.
	// Empty reports whether the database holds no departments, users,
	// customers, cases or activities.
	Empty() (bool, error)
	// DeleteWorld removes every entity of the world (sessions included).
	DeleteWorld() error
	// LockWorld makes loads of fixture documents take turns across
	// processes until the transaction ends, so two servers starting at once
	// on one empty database do not both load a world.
	LockWorld() error
	// WorldOrigin returns the SHA-256 (hex) of the fixture document the
	// world was loaded from, "" when none is recorded.
	WorldOrigin() (string, error)
	// SetWorldOrigin records the SHA-256 of the fixture document the world
	// was loaded from.
	SetWorldOrigin(sum string) error
	// SyncIDs makes sure IDs assigned from now on are greater than every
	// ID stored, after entities were inserted with given IDs.
	SyncIDs() error
	// Exists reports which of the IDs of an entity table exist; table is
	// one of "department", "queue", "user", "customer", "contact",
	// "contactpoint", "case", "activity".
	Exists(table string, ids []ID) (map[ID]bool, error)
	// IDs returns every ID of an entity table (the tables of Exists), in
	// ascending order: the whole world, for exporting it.
	IDs(table string) ([]ID, error)
}

// ActivityFilter selects activities for a search.
type ActivityFilter struct {
	Case       ID
	Statuses   []string
	Types      []string
	Modes      []string
	Department ID
	Customer   ID
	AssignedTo ID
	// Queue selects the activities of one queue.
	Queue ID
	// Open adds every activity whose status is not completed to those of
	// Statuses (a union, as the "open" status value asks).
	Open bool
	// Created and LastModified restrict the creation and last change to a
	// range, both ends inclusive.
	Created      TimeRange
	LastModified TimeRange
	// Custom holds custom attribute filters: the activity has the value
	// among the values of the named attribute.
	Custom []AttributeFilter
	// Departments restricts the search to these departments; nil means all.
	Departments []ID
	// Page.Sort is one of "id", "created", "lastModified", "priority",
	// "dueDate"; empty means "id".
	Page
}

// PullFilter selects the activities a pull may take: waiting to be
// assigned (awaiting_assignment) in one of Queues and Departments, of a
// type not in ExcludeTypes.
type PullFilter struct {
	Queues       []ID
	Departments  []ID
	ExcludeTypes []string
	Limit        int
}

// CustomerFilter selects customers for a search; every filter set must
// match (AND).
type CustomerFilter struct {
	// Phone is digits, matched by the phone matcher (PhoneKeys).
	Phone string
	// Email is matched case-insensitively.
	Email string
	// Social matches social contact points by network and ID.
	Social []SocialFilter
	// NameContains is a case-insensitive substring of the name.
	NameContains string
	Custom       []AttributeFilter
	Created      TimeRange
	Type         string
	// Departments restricts the search to these departments; nil means
	// all.
	Departments []ID
	// Page.Sort is "id" (or empty), "type" or "customerName".
	Page
}

// CaseFilter selects cases for a search; every filter set must match.
type CaseFilter struct {
	Status   string
	Customer ID
	// Phone (digits, the phone matcher) and Email (case-insensitive)
	// select the cases whose customer has such a contact point.
	Phone string
	Email string
	Owner ID
	// NoOwner selects nothing: the owner asked for does not exist.
	NoOwner bool
	Custom  []AttributeFilter
	// Departments restricts the search to these departments; nil means
	// all.
	Departments []ID
	// Page.Sort is "id" (or empty), "created", "lastModified" or
	// "dueDate".
	Page
}

// Page is the order and the window of a search's results: sorted by Sort
// (each filter says which names it knows), descending or not, skipping
// Offset results and returning at most Limit.
type Page struct {
	Sort       string
	Descending bool
	Offset     int
	Limit      int
}

// SocialFilter asks for a social contact point of a network with an ID.
type SocialFilter struct {
	Type, ID string
}

// TimeRange is a range of times, both ends inclusive; a nil end is open.
type TimeRange struct {
	From, To *time.Time
}

// Set reports whether the range restricts anything.
func (r TimeRange) Set() bool { return r.From != nil || r.To != nil }

// AttributeFilter asks for entities whose custom attribute Name holds Value.
type AttributeFilter struct {
	Name, Value string
}

// Session is a login session: a user's (or a client application's) period
// of access that tokens belong to. A user is logged in while one of their
// sessions lives, except those obtained on behalf of them.
type Session struct {
	ID       string
	User     ID     // 0 for a client application
	ClientID string // the client application that obtained it
	Created  time.Time
	Expires  time.Time
	Revoked  *time.Time
	// Scopes are the scopes granted to the session's tokens; nil means
	// every scope of its actor type.
	Scopes []string
	// OnBehalf is set for a session a client obtained on behalf of the
	// user: it is not a login and does not make the user logged in.
	OnBehalf bool
}

// LoginFailure is the count of failed attempts of one key (a user name,
// a client ID or an address, hashed) in the window that began at Start.
type LoginFailure struct {
	Key      string
	Start    time.Time
	Failures int
}

// Live reports whether the session lives at now.
func (s *Session) Live(now time.Time) bool {
	return s.Revoked == nil && s.Expires.After(now)
}

// Token is an access or refresh token, stored by the hash of its secret.
type Token struct {
	Hash    string
	Session string
	Kind    string // "access" or "refresh"
	Expires time.Time
}

// IdempotencyRecord remembers the activity a creation sent with an
// Idempotency-Key created, so a retry of the same request answers with it.
type IdempotencyRecord struct {
	Actor    string
	Key      string
	BodyHash string
	Activity ID
	Created  time.Time
}
