// Package casemgr is the domain of the casemgr server: its entities, the
// Store it keeps them in, the authorization rules, and the operations of the
// eGain Case Management API v3 (change customer, change case, transfer to
// department, create calltrack). It imports neither net/http nor
// database/sql; adapters around it provide storage and the wire protocol.
package casemgr

import (
	"maps"
	"slices"
	"time"
)

// ID is the identity of an entity. IDs are decimal strings on the wire and
// int64 in storage.
type ID = int64

// Licenses a user may hold.
const (
	LicensePlatform       = "eGain Platform"
	LicenseKnowledge      = "eGain Knowledge + AI"
	LicenseMailPlus       = "eGain MailPlus"
	LicenseChatPlus       = "eGain ChatPlus"
	LicenseAdvisorDesktop = "eGain Advisor Desktop"
	LicenseCallTrackPlus  = "eGain CallTrackPlus"
	LicenseCobrowsePlus   = "eGain CobrowsePlus"
)

// AllLicenses lists the seven user licenses.
var AllLicenses = []string{LicensePlatform, LicenseKnowledge, LicenseMailPlus, LicenseChatPlus,
	LicenseAdvisorDesktop, LicenseCallTrackPlus, LicenseCobrowsePlus}

// Actions a user may be granted.
const (
	ActionChangeCustomer     = "Change Customer"
	ActionChangeCase         = "Change Case"
	ActionCreateActivity     = "Create Activity"
	ActionPickActivities     = "Pick Activities"
	ActionUnpin              = "Unpin"
	ActionViewAgentConsole   = "View Agent Console"
	ActionTransferActivities = "Transfer Activities"
	ActionCreateCustomer     = "Create Customer"
	ActionEditCustomer       = "Edit Customer"
	ActionPullActivities     = "Pull Activities"
	ActionEditActivity       = "Edit Activity"
	ActionComplete           = "Complete"
)

// AllActions lists the actions a fixture may grant.
var AllActions = []string{ActionChangeCustomer, ActionChangeCase, ActionCreateActivity,
	ActionPickActivities, ActionUnpin, ActionViewAgentConsole, ActionTransferActivities,
	ActionCreateCustomer, ActionEditCustomer, ActionPullActivities, ActionEditActivity, ActionComplete}

// Activity types; any other type name is a user-defined generic type.
const (
	TypeEmail     = "email"
	TypeCalltrack = "call_track"
	TypeSocial    = "social"
	TypeChat      = "chat"
	TypeWeb       = "web"
	TypeTask      = "task"
)

// Activity modes.
const (
	ModeInbound  = "inbound"
	ModeOutbound = "outbound"
	ModeComposed = "composed"
)

// Activity statuses.
const (
	StatusAwaitingAssignment = "awaiting_assignment"
	StatusAssigned           = "assigned"
	StatusInWorkflow         = "in_workflow"
	StatusCompleted          = "completed"
)

// ActivityStatuses lists the statuses an activity may have.
var ActivityStatuses = []string{StatusAwaitingAssignment, StatusAssigned, StatusInWorkflow, StatusCompleted}

// Case statuses and severities.
const (
	CaseOpen   = "open"
	CaseClosed = "closed"
)

// Severities lists the severities of a case.
var Severities = []string{"urgent", "high", "medium", "low"}

// CustomerTypes lists the types of a customer.
var CustomerTypes = []string{"individual", "corporate", "group"}

// PhoneTypes lists the types of a phone contact point.
var PhoneTypes = []string{"home", "mobile", "office"}

// Contact point kinds.
const (
	KindEmail   = "email"
	KindPhone   = "phone"
	KindSocial  = "social"
	KindPostal  = "postal"
	KindWebsite = "website"
)

// ContactPointKinds lists the five kinds of contact point.
var ContactPointKinds = []string{KindEmail, KindPhone, KindSocial, KindPostal, KindWebsite}

// Settings are the server-wide settings.
type Settings struct {
	CustomerDepartmentalization bool
	// TenantID names the tenant of the authentication metadata documents;
	// empty means DefaultTenantID.
	TenantID string
	// MaxSessionsPerUser limits the live login sessions of one user; 0
	// means no limit.
	MaxSessionsPerUser int
	// MaxActivitiesToPull is the most activities one pull assigns; 0
	// means DefaultMaxActivitiesToPull. A user's own limit overrides it.
	MaxActivitiesToPull int
}

// DefaultMaxActivitiesToPull is the pull limit of a world that sets none.
const DefaultMaxActivitiesToPull = 5

// DefaultTenantID is the tenant of a world that names none.
const DefaultTenantID = "casemgr"

// Tenant is the configured tenant ID, DefaultTenantID when none is set.
func (s Settings) Tenant() string {
	if s.TenantID == "" {
		return DefaultTenantID
	}
	return s.TenantID
}

// Department groups users, queues, customers, cases and activities.
type Department struct {
	ID   ID
	Name string
	// SharedWith lists the departments this one is shared with.
	SharedWith []ID
	// TransferQueue is the queue of the transfer workflow, 0 when the
	// department has no transfer workflow.
	TransferQueue ID
	// ForceCategorization and ForceResolutionCode make completing an
	// activity of the department need a category, a resolution code.
	ForceCategorization bool
	ForceResolutionCode bool
}

// HasTransferWorkflow reports whether the department has a transfer workflow.
func (d *Department) HasTransferWorkflow() bool { return d.TransferQueue != 0 }

// SharedWithDept reports whether d is shared with department other.
func (d *Department) SharedWithDept(other ID) bool { return slices.Contains(d.SharedWith, other) }

// Queue holds activities waiting to be assigned.
type Queue struct {
	ID         ID
	Name       string
	Department ID
	// Inactive is set for a queue that is not active: it receives no
	// transfers.
	Inactive bool
}

// User is an agent who logs in and works on activities.
type User struct {
	ID                 ID
	Name               string
	FirstName          string
	LastName           string
	Department         ID
	ForeignDepartments []ID
	Licenses           []string
	Actions            []string
	// TransferTo lists the users this user may transfer activities to.
	TransferTo []ID
	// TransferToQueues lists the queues this user may transfer activities
	// to.
	TransferToQueues []ID
	// PullUsers and PullQueues list whom and which queues this user may
	// pull activities from.
	PullUsers  []ID
	PullQueues []ID
	// PullOptionQueues are the queues a pull takes activities from (the
	// user's pull options); a pull takes only from those of them that
	// are also in PullQueues.
	PullOptionQueues []ID
	// MaxActivitiesToPull overrides the setting of the same name for
	// this user; 0 means the setting.
	MaxActivitiesToPull int
	CustomAttributes    map[string]string
	PasswordHash        string
}

// Clone returns a copy of u that shares no slice or map with it (nil stays
// nil, empty stays empty). TestUserCloneSharesNothing fails when a field is
// added that Clone does not copy.
func (u User) Clone() User {
	u.ForeignDepartments = slices.Clone(u.ForeignDepartments)
	u.Licenses = slices.Clone(u.Licenses)
	u.Actions = slices.Clone(u.Actions)
	u.TransferTo = slices.Clone(u.TransferTo)
	u.TransferToQueues = slices.Clone(u.TransferToQueues)
	u.PullUsers = slices.Clone(u.PullUsers)
	u.PullQueues = slices.Clone(u.PullQueues)
	u.PullOptionQueues = slices.Clone(u.PullOptionQueues)
	u.CustomAttributes = maps.Clone(u.CustomAttributes)
	return u
}

// ClientApp is a client application that calls the API on its own behalf.
type ClientApp struct {
	ClientID   string
	Name       string
	SecretHash string
	// OnBehalfOf allows the client to obtain tokens on behalf of users
	// (the on-behalf-of grant), with the user's rights.
	OnBehalfOf bool
}

// AttributeDef defines a custom attribute of cases, activities or users.
type AttributeDef struct {
	Object string // "case", "activity" or "user"
	Name   string
	Type   string // "string" or "enum" (others are kept as given)
	Values []string
	Unique bool
}

// Customer is a person or organisation that contacts the business.
type Customer struct {
	ID         ID
	Name       string
	Type       string
	Department ID // 0 when none
	Contacts   []Contact
	// Details holds the further elements of the customer (role, pin,
	// howReferred, marketSegment, entitlements, level, industry, and a
	// group's or corporation's groupType and region), by name.
	Details          map[string]string
	CustomAttributes map[string][]string
	Created          time.Time
	LastModified     time.Time
}

// Contact is a person of a customer.
type Contact struct {
	ID        ID
	Customer  ID
	FirstName string
	LastName  string
	// Details holds the further elements of the contact (salutation,
	// middleName, loginId, jobTitle), by name.
	Details       map[string]string
	ContactPoints []ContactPoint
}

// ContactPoint is one way of reaching a contact: an email address, a phone
// number, a social identity, a postal address or a website.
type ContactPoint struct {
	ID       ID
	Contact  ID
	Customer ID
	Kind     string // one of ContactPointKinds
	// Type is the phone type, the social network, or the postal type.
	Type string
	// Value is the email address, phone number, social id or URL.
	Value string
	// Attrs holds the remaining fields of the representation (postal
	// address lines, country code, ...), as given.
	Attrs map[string]string
}

// Case groups the activities of one matter.
type Case struct {
	ID                 ID
	Department         ID
	Status             string
	Owner              ID // 0 when none
	Customer           ID // 0 when none
	Severity           string
	Subject            string
	Description        string
	Solution           string
	DueDate            *time.Time
	OriginatingChannel string
	RelatedCases       []ID
	CustomAttributes   map[string][]string
	Created            time.Time
	CreatedBy          ID
	LastModified       time.Time
	LastModifiedBy     ID
	LastClosed         *time.Time
}

// Activity is one interaction: an email, a call, a chat, a task ...
type Activity struct {
	ID             ID
	Case           ID
	Department     ID
	LastDepartment ID
	Queue          ID
	Type           string
	Subtype        string
	Mode           string
	Status         string
	// Substatus refines the status; a completed activity without one shows
	// "done". Only a fixture sets it.
	Substatus    string
	AssignedUser ID
	LockedBy     ID
	LockExpires  *time.Time
	Pinned       bool
	ResponseTo   ID
	Customer     ID
	Contact      ID
	ContactPoint ID
	// ContactPointData is the address the activity came from or went to,
	// kept as it was when the customer changes.
	ContactPointData string
	Subject          string
	ContentText      string
	ContentHTML      string
	Priority         string
	DueDate          *time.Time
	CustomAttributes map[string][]string
	// Language is the activity's language, one of the configured activity
	// languages; empty when none is set.
	Language string
	// Categories and ResolutionCodes are the categories and resolution
	// codes the activity was given (configuration: no call sets them).
	Categories      []string
	ResolutionCodes []string
	// AwaitingSupervision holds the activity for a supervisor's review:
	// it is not completed meanwhile.
	AwaitingSupervision bool
	Created             time.Time
	CreatedBy           ID
	LastModified        time.Time
	LastModifiedBy      ID
}

// LockedByOther reports whether the activity is locked, at time now, by a
// user other than user. An expired lock does not count.
func (a *Activity) LockedByOther(user ID, now time.Time) bool {
	if a.LockedBy == 0 || a.LockedBy == user {
		return false
	}
	return a.LockExpires == nil || a.LockExpires.After(now)
}

// Attachment is a file uploaded for, or attached to, an activity.
type Attachment struct {
	ID          string // the altId, a UUID
	Activity    ID     // 0 while not yet used
	Name        string
	ContentType string
	Size        int64
	Data        []byte
	Created     time.Time
	UploadedBy  string
}

// HistoryEntry records one change of an entity: who changed what, when, and
// each changed field before and after (HistoryStates rebuilds the whole
// entity before and after from them).
type HistoryEntry struct {
	Seq      int64
	Entity   string // "activity" or "case"
	EntityID ID
	Action   string // "changecustomer", "changecase", "transfer", "create", ...
	Actor    string // "user:1001" or "client:crm-bridge"
	At       time.Time
	// Before and After are JSON objects of the changed fields by Go name,
	// before and after the change; Before is empty for a creation, whose
	// After holds its fields that are not zero. Entries recorded before
	// issue 19 hold the whole entity in both.
	Before string
	After  string
	// The event of the change (Event): its type, the entity's department
	// and the changed fields (JSON), set by describeChange.
	EventType  string
	Department ID
	Changes    string
}

// Millis truncates t to whole milliseconds in UTC, as every stored time is.
func Millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// NextModified returns the lastModified for a change at now of something last
// modified at prev: now in whole milliseconds, but always at least one
// millisecond after prev, so two changes never share a lastModified.
func NextModified(prev, now time.Time) time.Time {
	now = Millis(now)
	if !now.After(prev) {
		return prev.Add(time.Millisecond)
	}
	return now
}
