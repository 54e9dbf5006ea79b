package casemgr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fixture is a fixture document: a whole world in one JSON document
// (docs/fixtures.md). Tests, demos and users' own integration suites start
// the server on one.
type Fixture struct {
	Settings           *FixtureSettings   `json:"settings"`
	Departments        []FixtureDept      `json:"departments"`
	Queues             []FixtureQueue     `json:"queues"`
	Users              []FixtureUser      `json:"users"`
	ClientApplications []FixtureClient    `json:"clientApplications"`
	CalltrackSubtypes  []string           `json:"calltrackSubtypes"`
	CustomAttributes   *FixtureAttributes `json:"customAttributes"`
	Customers          []FixtureCustomer  `json:"customers"`
	Cases              []FixtureCase      `json:"cases"`
	Activities         []FixtureActivity  `json:"activities"`
}

// FixtureSettings are the settings of a fixture document.
type FixtureSettings struct {
	CustomerDepartmentalization bool `json:"customerDepartmentalization"`
}

// FixtureDept is a department of a fixture document.
type FixtureDept struct {
	ID               string           `json:"id"`
	Name             string           `json:"name"`
	SharedWith       []string         `json:"sharedWith"`
	TransferWorkflow *FixtureWorkflow `json:"transferWorkflow"`
}

// FixtureWorkflow names the queue of a department's transfer workflow.
type FixtureWorkflow struct {
	Queue string `json:"queue"`
}

// FixtureQueue is a queue of a fixture document.
type FixtureQueue struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department"`
}

// FixtureUser is a user of a fixture document.
type FixtureUser struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	Password             string            `json:"password"`
	FirstName            string            `json:"firstName"`
	LastName             string            `json:"lastName"`
	Department           string            `json:"department"`
	ForeignDepartments   []string          `json:"foreignDepartments"`
	Licenses             []string          `json:"licenses"`
	Actions              []string          `json:"actions"`
	TransferActivitiesTo []string          `json:"transferActivitiesTo"`
	PullActivitiesFrom   *FixturePull      `json:"pullActivitiesFrom"`
	CustomAttributes     map[string]string `json:"customAttributes"`
}

// FixturePull lists whom and which queues a user may pull activities from.
type FixturePull struct {
	Users  []string `json:"users"`
	Queues []string `json:"queues"`
}

// FixtureClient is a client application of a fixture document.
type FixtureClient struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	Name         string `json:"name"`
}

// FixtureAttributes are the custom attribute definitions of a document.
type FixtureAttributes struct {
	Case     []FixtureAttrDef `json:"case"`
	Activity []FixtureAttrDef `json:"activity"`
	User     []FixtureAttrDef `json:"user"`
}

// FixtureAttrDef defines one custom attribute.
type FixtureAttrDef struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []string `json:"values"`
	Unique bool     `json:"unique"`
}

// FixtureCustomer is a customer of a fixture document.
type FixtureCustomer struct {
	ID           string           `json:"id"`
	CustomerName string           `json:"customerName"`
	Type         string           `json:"type"`
	Department   string           `json:"department"`
	Contacts     []FixtureContact `json:"contacts"`
}

// FixtureContact is a contact of a customer, with its contact points.
type FixtureContact struct {
	ID        string           `json:"id"`
	FirstName string           `json:"firstName"`
	LastName  string           `json:"lastName"`
	Email     []map[string]any `json:"email"`
	Phone     []map[string]any `json:"phone"`
	Social    []map[string]any `json:"social"`
	Postal    []map[string]any `json:"postal"`
	Website   []map[string]any `json:"website"`
}

// FixtureCase is a case of a fixture document.
type FixtureCase struct {
	ID                 string                     `json:"id"`
	Department         string                     `json:"department"`
	Status             string                     `json:"status"`
	Owner              string                     `json:"owner"`
	Customer           string                     `json:"customer"`
	Subject            string                     `json:"subject"`
	Description        string                     `json:"description"`
	Solution           string                     `json:"solution"`
	Severity           string                     `json:"severity"`
	OriginatingChannel string                     `json:"originatingChannel"`
	DueDate            string                     `json:"dueDate"`
	RelatedCases       []string                   `json:"relatedCases"`
	CustomAttributes   map[string]json.RawMessage `json:"customAttributes"`
	Created            string                     `json:"created"`
	LastModified       string                     `json:"lastModified"`
	LastClosed         string                     `json:"lastClosed"`
}

// FixtureActivity is an activity of a fixture document.
type FixtureActivity struct {
	ID               string                     `json:"id"`
	Case             string                     `json:"case"`
	Department       string                     `json:"department"`
	LastDepartment   string                     `json:"lastDepartment"`
	Queue            string                     `json:"queue"`
	Type             string                     `json:"type"`
	Subtype          string                     `json:"subtype"`
	Mode             string                     `json:"mode"`
	Status           string                     `json:"status"`
	AssignedUser     string                     `json:"assignedUser"`
	LockedBy         string                     `json:"lockedBy"`
	LockExpires      string                     `json:"lockExpires"`
	Pinned           bool                       `json:"pinned"`
	ResponseTo       string                     `json:"responseTo"`
	Customer         string                     `json:"customer"`
	Contact          string                     `json:"contact"`
	ContactPoint     string                     `json:"contactPoint"`
	ContactPointData string                     `json:"contactPointData"`
	Subject          string                     `json:"subject"`
	Content          *FixtureContent            `json:"content"`
	Priority         string                     `json:"priority"`
	DueDate          string                     `json:"dueDate"`
	CustomAttributes map[string]json.RawMessage `json:"customAttributes"`
	Created          string                     `json:"created"`
	LastModified     string                     `json:"lastModified"`
}

// FixtureContent is the content of an activity.
type FixtureContent struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// LoadMode says how a fixture document meets the world already stored.
type LoadMode int

const (
	// LoadIntoEmpty refuses unless the database holds no world yet.
	LoadIntoEmpty LoadMode = iota
	// LoadReplace deletes the world and loads the document in its place.
	LoadReplace
	// LoadAdd adds the document's entities; an ID that exists is refused.
	LoadAdd
)

// LoadOptions configure LoadFixture.
type LoadOptions struct {
	Mode LoadMode
	// Hash hashes passwords and client secrets; required.
	Hash func(secret string) (string, error)
	// Now is the load time (defaults of created); zero means time.Now.
	Now time.Time
}

// ParseFixture decodes a fixture document. Keys the format does not know are
// ignored, so documents written for richer eGain worlds (middle names,
// salutations, availability of phones) still load; every key the format
// knows is checked.
func ParseFixture(doc []byte) (*Fixture, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var f Fixture
	if err := dec.Decode(&f); err != nil {
		return nil, E(CodeFixtureInvalid, "reason", describeJSONError(doc, err))
	}
	if dec.More() {
		return nil, E(CodeFixtureInvalid, "reason", "trailing data after the document")
	}
	return &f, nil
}

func describeJSONError(doc []byte, err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		line := 1 + bytes.Count(doc[:min(int(e.Offset), len(doc))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, e)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("%s: expected %s, got %s", e.Field, e.Type, e.Value)
	}
	return err.Error()
}

// LoadFixture checks a fixture document completely and, only if it is valid,
// writes it in one transaction. A refusal names the JSON path of the first
// problems found (`activities[3].case: case "2999" does not exist`).
func LoadFixture(ctx context.Context, store Store, doc []byte, opts LoadOptions) error {
	f, err := ParseFixture(doc)
	if err != nil {
		return err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = Millis(opts.Now)
	l := &loader{f: f, opts: opts}
	if err := l.hashSecrets(); err != nil {
		return err
	}
	return store.Write(ctx, func(tx Tx) error {
		l.reset(tx)
		switch opts.Mode {
		case LoadIntoEmpty:
			empty, err := tx.Empty()
			if err != nil {
				return err
			}
			if !empty {
				return E(CodeFixtureDataPresent)
			}
		case LoadReplace:
			if err := tx.DeleteWorld(); err != nil {
				return err
			}
		}
		if err := l.check(); err != nil {
			return err
		}
		return l.write()
	})
}

type loader struct {
	f      *Fixture
	opts   LoadOptions
	tx     Tx
	hashes map[string]string // secret hashes by "user:i" / "client:i"

	problems  []string
	conflicts []string
	dbErr     error

	// IDs defined by the document, per table.
	ids map[string]map[ID]string // table -> id -> path
	// existing caches lookups of IDs in the database (add mode).
	existing map[string]map[ID]bool

	settings Settings
	attrDefs map[string]map[string]AttributeDef // object -> name -> def
	points   map[ID]ContactPoint                // contact points of the document
	contacts map[ID]ID                          // contact -> customer (document)
	custDept map[ID]ID                          // customer -> department (document)

	depts      []Department
	queues     []Queue
	users      []User
	clients    []ClientApp
	subtypes   []string
	defs       []AttributeDef
	customers  []Customer
	cases      []Case
	relations  [][2]ID
	activities []Activity
}

var digits = regexp.MustCompile(`^[0-9]+$`)

func (l *loader) hashSecrets() error {
	l.hashes = map[string]string{}
	for i, u := range l.f.Users {
		if u.Password == "" {
			continue
		}
		h, err := l.opts.Hash(u.Password)
		if err != nil {
			return Internal(err)
		}
		l.hashes[fmt.Sprintf("user:%d", i)] = h
	}
	for i, c := range l.f.ClientApplications {
		if c.ClientSecret == "" {
			continue
		}
		h, err := l.opts.Hash(c.ClientSecret)
		if err != nil {
			return Internal(err)
		}
		l.hashes[fmt.Sprintf("client:%d", i)] = h
	}
	return nil
}

func (l *loader) reset(tx Tx) {
	hashes := l.hashes
	*l = loader{f: l.f, opts: l.opts, tx: tx, hashes: hashes}
	l.ids = map[string]map[ID]string{}
	l.existing = map[string]map[ID]bool{}
	l.attrDefs = map[string]map[string]AttributeDef{"case": {}, "activity": {}, "user": {}}
	l.points = map[ID]ContactPoint{}
	l.contacts = map[ID]ID{}
	l.custDept = map[ID]ID{}
}

func (l *loader) fail(path, format string, args ...any) {
	l.problems = append(l.problems, path+": "+fmt.Sprintf(format, args...))
}

// id parses a required ID at path and registers it in table.
func (l *loader) define(table, path, s string) ID {
	if s == "" {
		l.fail(path, "id is required")
		return 0
	}
	id, ok := parseFixtureID(s)
	if !ok {
		l.fail(path, "id %q is not a string of digits", s)
		return 0
	}
	m := l.ids[table]
	if m == nil {
		m = map[ID]string{}
		l.ids[table] = m
	}
	if prev, dup := m[id]; dup {
		l.fail(path, "duplicate %s id %q (also at %s)", table, s, prev)
		return id
	}
	m[id] = path
	return id
}

func parseFixtureID(s string) (ID, bool) {
	if !digits.MatchString(s) || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// ref resolves a reference at path to an entity of table, in the document
// or (when adding) in the database. Empty s resolves to 0 when optional.
func (l *loader) ref(table, path, s string, required bool) ID {
	if s == "" {
		if required {
			l.fail(path, "%s is required", table)
		}
		return 0
	}
	id, ok := parseFixtureID(s)
	if !ok {
		l.fail(path, "%s id %q is not a string of digits", table, s)
		return 0
	}
	if _, ok := l.ids[table][id]; ok {
		return id
	}
	if l.inDB(table, id) {
		return id
	}
	l.fail(path, "%s %q does not exist", table, s)
	return 0
}

func (l *loader) inDB(table string, id ID) bool {
	if l.opts.Mode != LoadAdd || l.dbErr != nil {
		return false
	}
	m := l.existing[table]
	if m == nil {
		m = map[ID]bool{}
		l.existing[table] = m
	}
	if v, ok := m[id]; ok {
		return v
	}
	found, err := l.tx.Exists(table, []ID{id})
	if err != nil {
		l.dbErr = err
		return false
	}
	m[id] = found[id]
	return found[id]
}

func (l *loader) time(path, s string, def time.Time) time.Time {
	if s == "" {
		return def
	}
	t, err := ParseTime(s)
	if err != nil {
		l.fail(path, "%q is not an ISO-8601 date-time", s)
		return def
	}
	return t
}

func (l *loader) timePtr(path, s string) *time.Time {
	if s == "" {
		return nil
	}
	t := l.time(path, s, time.Time{})
	if t.IsZero() {
		return nil
	}
	return &t
}

// ParseTime parses an ISO-8601 date-time as the API accepts it and truncates
// it to whole milliseconds, UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return Millis(t), nil
}

// FormatTime renders a time as the API shows it: UTC with milliseconds.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (l *loader) check() error {
	f := l.f
	now := l.opts.Now
	if f.Settings != nil {
		l.settings.CustomerDepartmentalization = f.Settings.CustomerDepartmentalization
	} else if l.opts.Mode == LoadAdd {
		s, err := l.tx.Settings()
		if err != nil {
			return err
		}
		l.settings = s
	}

	// Pass 1: define every ID so that references may point forward.
	for i, d := range f.Departments {
		l.define("department", fmt.Sprintf("departments[%d].id", i), d.ID)
	}
	for i, q := range f.Queues {
		l.define("queue", fmt.Sprintf("queues[%d].id", i), q.ID)
	}
	for i, u := range f.Users {
		l.define("user", fmt.Sprintf("users[%d].id", i), u.ID)
	}
	for i, c := range f.Customers {
		l.define("customer", fmt.Sprintf("customers[%d].id", i), c.ID)
		for j, ct := range c.Contacts {
			p := fmt.Sprintf("customers[%d].contacts[%d]", i, j)
			l.define("contact", p+".id", ct.ID)
			for _, kind := range ContactPointKinds {
				for k, cp := range ct.points(kind) {
					s, _ := cp["id"].(string)
					l.define("contactpoint", fmt.Sprintf("%s.%s[%d].id", p, kind, k), s)
				}
			}
		}
	}
	for i, c := range f.Cases {
		l.define("case", fmt.Sprintf("cases[%d].id", i), c.ID)
	}
	for i, a := range f.Activities {
		l.define("activity", fmt.Sprintf("activities[%d].id", i), a.ID)
	}
	if l.opts.Mode == LoadAdd {
		if err := l.checkConflicts(); err != nil {
			return err
		}
	}

	l.checkConfig()
	l.checkCustomers(now)
	l.checkCases(now)
	l.checkActivities(now)

	if l.dbErr != nil {
		return l.dbErr
	}
	if len(l.conflicts) > 0 {
		return E(CodeFixtureIDExists, "reason", joinProblems(l.conflicts))
	}
	if len(l.problems) > 0 {
		return E(CodeFixtureInvalid, "reason", joinProblems(l.problems))
	}
	return nil
}

func joinProblems(list []string) string {
	const most = 20
	if len(list) > most {
		return strings.Join(list[:most], "; ") + fmt.Sprintf("; and %d more", len(list)-most)
	}
	return strings.Join(list, "; ")
}

func (l *loader) checkConflicts() error {
	tables := make([]string, 0, len(l.ids))
	for t := range l.ids {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, table := range tables {
		m := l.ids[table]
		ids := make([]ID, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		found, err := l.tx.Exists(table, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if found[id] {
				l.conflicts = append(l.conflicts, fmt.Sprintf("%s: %s %d already exists", m[id], table, id))
			}
		}
	}
	return nil
}

func (l *loader) checkConfig() {
	f := l.f
	names := map[string]string{}
	deptNames := map[string]string{}
	for i, d := range f.Departments {
		p := fmt.Sprintf("departments[%d]", i)
		id, _ := parseFixtureID(d.ID)
		if d.Name == "" {
			l.fail(p+".name", "name is required")
		} else if prev, dup := deptNames[strings.ToLower(d.Name)]; dup {
			l.fail(p+".name", "duplicate department name %q (also at %s)", d.Name, prev)
		} else {
			deptNames[strings.ToLower(d.Name)] = p + ".name"
			if l.opts.Mode == LoadAdd && l.dbErr == nil {
				if ex, err := l.tx.DepartmentByName(d.Name); err != nil {
					l.dbErr = err
				} else if ex != nil {
					l.conflicts = append(l.conflicts, fmt.Sprintf("%s.name: department %q already exists", p, d.Name))
				}
			}
		}
		dept := Department{ID: id, Name: d.Name}
		for j, s := range d.SharedWith {
			if ref := l.ref("department", fmt.Sprintf("%s.sharedWith[%d]", p, j), s, true); ref != 0 {
				dept.SharedWith = appendUnique(dept.SharedWith, ref)
			}
		}
		if d.TransferWorkflow != nil {
			q := l.ref("queue", p+".transferWorkflow.queue", d.TransferWorkflow.Queue, true)
			if q != 0 {
				if qd, ok := l.queueDept(q); ok && qd != id {
					l.fail(p+".transferWorkflow.queue", "queue %q belongs to another department", d.TransferWorkflow.Queue)
				}
			}
			dept.TransferQueue = q
		}
		l.depts = append(l.depts, dept)
	}
	for i, q := range f.Queues {
		p := fmt.Sprintf("queues[%d]", i)
		id, _ := parseFixtureID(q.ID)
		if q.Name == "" {
			l.fail(p+".name", "name is required")
		}
		l.queues = append(l.queues, Queue{ID: id, Name: q.Name,
			Department: l.ref("department", p+".department", q.Department, true)})
	}

	for i, s := range f.CalltrackSubtypes {
		if strings.TrimSpace(s) == "" {
			l.fail(fmt.Sprintf("calltrackSubtypes[%d]", i), "subtype is empty")
		} else if containsString(l.subtypes, s) {
			l.fail(fmt.Sprintf("calltrackSubtypes[%d]", i), "duplicate subtype %q", s)
		} else {
			l.subtypes = append(l.subtypes, s)
		}
	}
	if l.opts.Mode == LoadAdd && l.dbErr == nil {
		for _, object := range []string{"case", "activity", "user"} {
			defs, err := l.tx.AttributeDefs(object)
			if err != nil {
				l.dbErr = err
			}
			for _, d := range defs {
				l.attrDefs[object][d.Name] = d
			}
		}
	}
	if a := f.CustomAttributes; a != nil {
		for object, list := range map[string][]FixtureAttrDef{"case": a.Case, "activity": a.Activity, "user": a.User} {
			for i, d := range list {
				p := fmt.Sprintf("customAttributes.%s[%d]", object, i)
				switch {
				case d.Name == "":
					l.fail(p+".name", "name is required")
					continue
				case d.Type == "":
					d.Type = "string"
				case d.Type != "string" && d.Type != "enum" && d.Type != "number" && d.Type != "boolean" && d.Type != "date":
					l.fail(p+".type", "unknown attribute type %q (string, enum, number, boolean or date)", d.Type)
				}
				if d.Type == "enum" && len(d.Values) == 0 {
					l.fail(p+".values", "an enum attribute needs its values")
				}
				if _, dup := l.attrDefs[object][d.Name]; dup {
					l.fail(p+".name", "custom attribute %q is already defined for %s", d.Name, object)
					continue
				}
				def := AttributeDef{Object: object, Name: d.Name, Type: d.Type, Values: d.Values, Unique: d.Unique}
				l.attrDefs[object][d.Name] = def
				l.defs = append(l.defs, def)
			}
		}
		sort.SliceStable(l.defs, func(i, j int) bool { return l.defs[i].Object < l.defs[j].Object })
	}

	uniqueVals := map[string]string{}
	for i, u := range f.Users {
		p := fmt.Sprintf("users[%d]", i)
		id, _ := parseFixtureID(u.ID)
		if u.Name == "" {
			l.fail(p+".name", "name is required")
		} else if prev, dup := names[strings.ToLower(u.Name)]; dup {
			l.fail(p+".name", "duplicate user name %q (also at %s)", u.Name, prev)
		} else {
			names[strings.ToLower(u.Name)] = p + ".name"
			if l.opts.Mode == LoadAdd && l.dbErr == nil {
				if ex, err := l.tx.UserByName(u.Name); err != nil {
					l.dbErr = err
				} else if ex != nil {
					l.conflicts = append(l.conflicts, fmt.Sprintf("%s.name: user %q already exists", p, u.Name))
				}
			}
		}
		user := User{ID: id, Name: u.Name, FirstName: u.FirstName, LastName: u.LastName,
			Department:   l.ref("department", p+".department", u.Department, true),
			PasswordHash: l.hashes[fmt.Sprintf("user:%d", i)]}
		for j, s := range u.ForeignDepartments {
			if ref := l.ref("department", fmt.Sprintf("%s.foreignDepartments[%d]", p, j), s, true); ref != 0 {
				user.ForeignDepartments = appendUnique(user.ForeignDepartments, ref)
			}
		}
		for j, lic := range u.Licenses {
			if !containsString(AllLicenses, lic) {
				l.fail(fmt.Sprintf("%s.licenses[%d]", p, j), "unknown license %q", lic)
			} else if !containsString(user.Licenses, lic) {
				user.Licenses = append(user.Licenses, lic)
			}
		}
		for j, act := range u.Actions {
			if !containsString(AllActions, act) {
				l.fail(fmt.Sprintf("%s.actions[%d]", p, j), "unknown action %q", act)
			} else if !containsString(user.Actions, act) {
				user.Actions = append(user.Actions, act)
			}
		}
		for j, s := range u.TransferActivitiesTo {
			if ref := l.ref("user", fmt.Sprintf("%s.transferActivitiesTo[%d]", p, j), s, true); ref != 0 {
				user.TransferTo = appendUnique(user.TransferTo, ref)
			}
		}
		if u.PullActivitiesFrom != nil {
			for j, s := range u.PullActivitiesFrom.Users {
				if ref := l.ref("user", fmt.Sprintf("%s.pullActivitiesFrom.users[%d]", p, j), s, true); ref != 0 {
					user.PullUsers = appendUnique(user.PullUsers, ref)
				}
			}
			for j, s := range u.PullActivitiesFrom.Queues {
				if ref := l.ref("queue", fmt.Sprintf("%s.pullActivitiesFrom.queues[%d]", p, j), s, true); ref != 0 {
					user.PullQueues = appendUnique(user.PullQueues, ref)
				}
			}
		}
		if len(u.CustomAttributes) > 0 {
			user.CustomAttributes = map[string]string{}
			for _, name := range sortedKeys(u.CustomAttributes) {
				val := u.CustomAttributes[name]
				ap := p + ".customAttributes." + name
				def, ok := l.attrDefs["user"][name]
				if !ok {
					l.fail(ap, "custom attribute %q is not defined for users", name)
					continue
				}
				if def.Type == "enum" && !containsString(def.Values, val) {
					l.fail(ap, "value %q is not one of the allowed values", val)
				}
				if def.Unique {
					key := name + "\x00" + val
					if prev, dup := uniqueVals[key]; dup {
						l.fail(ap, "value %q of unique attribute %q is also used at %s", val, name, prev)
					}
					uniqueVals[key] = ap
				}
				user.CustomAttributes[name] = val
			}
		}
		l.users = append(l.users, user)
	}

	clientIDs := map[string]string{}
	for i, c := range f.ClientApplications {
		p := fmt.Sprintf("clientApplications[%d]", i)
		switch {
		case c.ClientID == "":
			l.fail(p+".clientId", "clientId is required")
		case clientIDs[c.ClientID] != "":
			l.fail(p+".clientId", "duplicate clientId %q (also at %s)", c.ClientID, clientIDs[c.ClientID])
		default:
			clientIDs[c.ClientID] = p + ".clientId"
			if l.opts.Mode == LoadAdd && l.dbErr == nil {
				if ex, err := l.tx.ClientApp(c.ClientID); err != nil {
					l.dbErr = err
				} else if ex != nil {
					l.conflicts = append(l.conflicts, fmt.Sprintf("%s.clientId: client application %q already exists", p, c.ClientID))
				}
			}
		}
		if c.ClientSecret == "" {
			l.fail(p+".clientSecret", "clientSecret is required")
		}
		name := c.Name
		if name == "" {
			name = c.ClientID
		}
		l.clients = append(l.clients, ClientApp{ClientID: c.ClientID, Name: name, SecretHash: l.hashes[fmt.Sprintf("client:%d", i)]})
	}
}

func (l *loader) queueDept(q ID) (ID, bool) {
	for i, fq := range l.f.Queues {
		if id, _ := parseFixtureID(fq.ID); id == q {
			d, _ := parseFixtureID(l.f.Queues[i].Department)
			return d, true
		}
	}
	if l.opts.Mode == LoadAdd && l.dbErr == nil {
		qu, err := l.tx.Queue(q)
		if err != nil {
			l.dbErr = err
		} else if qu != nil {
			return qu.Department, true
		}
	}
	return 0, false
}

func (c *FixtureContact) points(kind string) []map[string]any {
	switch kind {
	case KindEmail:
		return c.Email
	case KindPhone:
		return c.Phone
	case KindSocial:
		return c.Social
	case KindPostal:
		return c.Postal
	case KindWebsite:
		return c.Website
	}
	return nil
}

// pointFields lists, per kind, the fields a contact point may carry; the
// first one after "id" is its value.
var pointFields = map[string][]string{
	KindEmail:   {"emailAddress"},
	KindPhone:   {"phoneNo", "type", "countryCode", "areaCode", "extension"},
	KindSocial:  {"socialId", "type"},
	KindPostal:  {"address_1", "address_2", "city", "state", "zip", "country", "region", "type"},
	KindWebsite: {"url"},
}

func (l *loader) checkCustomers(now time.Time) {
	for i, c := range l.f.Customers {
		p := fmt.Sprintf("customers[%d]", i)
		id, _ := parseFixtureID(c.ID)
		cust := Customer{ID: id, Name: c.CustomerName, Type: c.Type, Created: now, LastModified: now}
		if c.CustomerName == "" {
			l.fail(p+".customerName", "customerName is required")
		}
		if cust.Type == "" {
			cust.Type = "individual"
		} else if !containsString(CustomerTypes, cust.Type) {
			l.fail(p+".type", "unknown customer type %q (individual, corporate or group)", c.Type)
		}
		cust.Department = l.ref("department", p+".department", c.Department, l.settings.CustomerDepartmentalization)
		l.custDept[id] = cust.Department
		for j, ct := range c.Contacts {
			cp := fmt.Sprintf("%s.contacts[%d]", p, j)
			cid, _ := parseFixtureID(ct.ID)
			l.contacts[cid] = id
			contact := Contact{ID: cid, Customer: id, FirstName: ct.FirstName, LastName: ct.LastName}
			for _, kind := range ContactPointKinds {
				for k, raw := range ct.points(kind) {
					pp := fmt.Sprintf("%s.%s[%d]", cp, kind, k)
					pid, _ := parseFixtureID(str(raw["id"]))
					point := ContactPoint{ID: pid, Contact: cid, Customer: id, Kind: kind, Attrs: map[string]string{}}
					allowed := pointFields[kind]
					for key, v := range raw {
						if key == "id" {
							continue
						}
						s, ok := v.(string)
						if !ok {
							if containsString(allowed, key) {
								l.fail(pp+"."+key, "must be a string")
								continue
							}
							b, _ := json.Marshal(v)
							s = string(b)
						}
						switch {
						case key == allowed[0]:
							point.Value = s
						case key == "type":
							point.Type = s
						default:
							point.Attrs[key] = s
						}
					}
					l.checkPoint(pp, &point)
					l.points[pid] = point
					contact.ContactPoints = append(contact.ContactPoints, point)
				}
			}
			sort.Slice(contact.ContactPoints, func(a, b int) bool { return contact.ContactPoints[a].ID < contact.ContactPoints[b].ID })
			cust.Contacts = append(cust.Contacts, contact)
		}
		l.customers = append(l.customers, cust)
	}
}

func (l *loader) checkPoint(p string, cp *ContactPoint) {
	value := pointFields[cp.Kind][0]
	switch cp.Kind {
	case KindEmail:
		if cp.Value == "" {
			l.fail(p+"."+value, "emailAddress is required")
		} else if !ValidEmail(cp.Value) {
			l.fail(p+"."+value, "%q is not a valid email address", cp.Value)
		}
	case KindPhone:
		if cp.Value == "" {
			l.fail(p+"."+value, "phoneNo is required")
		}
		if cp.Type != "" && !containsString(PhoneTypes, cp.Type) {
			l.fail(p+".type", "unknown phone type %q (home, mobile or office)", cp.Type)
		}
	case KindSocial:
		if cp.Type == "" {
			l.fail(p+".type", "the social network type is required")
		}
		if cp.Value == "" {
			l.fail(p+"."+value, "socialId is required")
		}
	case KindWebsite:
		if cp.Value == "" {
			l.fail(p+"."+value, "url is required")
		}
	}
}

// ValidEmail reports whether s is a plain email address (local@domain).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.IndexByte(s, '@')+1:], ".")
}

// PhoneDigits returns the digits of a phone number.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func (l *loader) checkCases(now time.Time) {
	for i, c := range l.f.Cases {
		p := fmt.Sprintf("cases[%d]", i)
		id, _ := parseFixtureID(c.ID)
		cs := Case{ID: id, Status: c.Status, Severity: c.Severity, Subject: c.Subject,
			Description: c.Description, Solution: c.Solution, OriginatingChannel: c.OriginatingChannel}
		cs.Department = l.ref("department", p+".department", c.Department, true)
		cs.Owner = l.ref("user", p+".owner", c.Owner, false)
		cs.Customer = l.ref("customer", p+".customer", c.Customer, false)
		if cs.Status == "" {
			cs.Status = CaseOpen
		} else if cs.Status != CaseOpen && cs.Status != CaseClosed {
			l.fail(p+".status", "unknown case status %q (open or closed)", c.Status)
		}
		if cs.Severity != "" && !containsString(Severities, cs.Severity) {
			l.fail(p+".severity", "unknown severity %q (urgent, high, medium or low)", c.Severity)
		}
		if n := len([]rune(c.Subject)); n > 1024 {
			l.fail(p+".subject", "subject has %d characters; at most 1024 are allowed", n)
		}
		cs.DueDate = l.timePtr(p+".dueDate", c.DueDate)
		cs.Created = l.time(p+".created", c.Created, now)
		cs.LastModified = l.time(p+".lastModified", c.LastModified, cs.Created)
		cs.LastClosed = l.timePtr(p+".lastClosed", c.LastClosed)
		if cs.Status == CaseClosed && cs.LastClosed == nil {
			t := cs.LastModified
			cs.LastClosed = &t
		}
		cs.CreatedBy, cs.LastModifiedBy = cs.Owner, cs.Owner
		cs.CustomAttributes = l.customAttrs(p+".customAttributes", "case", c.CustomAttributes)
		for j, s := range c.RelatedCases {
			if ref := l.ref("case", fmt.Sprintf("%s.relatedCases[%d]", p, j), s, true); ref != 0 {
				if ref == id {
					l.fail(fmt.Sprintf("%s.relatedCases[%d]", p, j), "a case cannot be related to itself")
					continue
				}
				l.relations = append(l.relations, [2]ID{id, ref})
			}
		}
		l.cases = append(l.cases, cs)
	}
}

func (l *loader) customAttrs(p, object string, raw map[string]json.RawMessage) map[string][]string {
	if len(raw) == 0 {
		return nil
	}
	out := map[string][]string{}
	for _, name := range sortedKeys(raw) {
		ap := p + "." + name
		def, ok := l.attrDefs[object][name]
		if !ok {
			l.fail(ap, "custom attribute %q is not defined for %s", name, object)
			continue
		}
		var vals []string
		var one string
		if err := json.Unmarshal(raw[name], &one); err == nil {
			vals = []string{one}
		} else if err := json.Unmarshal(raw[name], &vals); err != nil {
			l.fail(ap, "must be a string or a list of strings")
			continue
		}
		for _, v := range vals {
			if def.Type == "enum" && !containsString(def.Values, v) {
				l.fail(ap, "value %q is not one of the allowed values", v)
			}
		}
		out[name] = vals
	}
	return out
}

func (l *loader) checkActivities(now time.Time) {
	var caseDocs = map[ID]bool{}
	for id := range l.ids["case"] {
		caseDocs[id] = true
	}
	for i, a := range l.f.Activities {
		p := fmt.Sprintf("activities[%d]", i)
		id, _ := parseFixtureID(a.ID)
		act := Activity{ID: id, Type: a.Type, Subtype: a.Subtype, Mode: a.Mode, Status: a.Status,
			Pinned: a.Pinned, ContactPointData: a.ContactPointData, Subject: a.Subject, Priority: a.Priority}
		act.Case = l.ref("case", p+".case", a.Case, false)
		act.Department = l.ref("department", p+".department", a.Department, true)
		act.LastDepartment = l.ref("department", p+".lastDepartment", a.LastDepartment, false)
		act.Queue = l.ref("queue", p+".queue", a.Queue, false)
		act.AssignedUser = l.ref("user", p+".assignedUser", a.AssignedUser, false)
		act.LockedBy = l.ref("user", p+".lockedBy", a.LockedBy, false)
		act.LockExpires = l.timePtr(p+".lockExpires", a.LockExpires)
		act.ResponseTo = l.ref("activity", p+".responseTo", a.ResponseTo, false)
		if act.ResponseTo != 0 && act.ResponseTo == id {
			l.fail(p+".responseTo", "an activity cannot be a response to itself")
		}
		if act.Type == "" {
			l.fail(p+".type", "type is required")
		} else if strings.TrimSpace(act.Type) != act.Type || strings.ContainsAny(act.Type, ",") {
			l.fail(p+".type", "type %q is not a valid type name", act.Type)
		}
		if act.Mode == "" {
			act.Mode = ModeInbound
		} else if act.Mode != ModeInbound && act.Mode != ModeOutbound && act.Mode != ModeComposed {
			l.fail(p+".mode", "unknown mode %q (inbound, outbound or composed)", a.Mode)
		}
		switch act.Status {
		case "":
			l.fail(p+".status", "status is required")
		case StatusAwaitingAssignment:
			if act.Queue == 0 && a.Queue == "" {
				l.fail(p+".queue", "an activity awaiting assignment needs a queue")
			}
		case StatusAssigned:
			if act.AssignedUser == 0 && a.AssignedUser == "" {
				l.fail(p+".assignedUser", "an assigned activity needs an assignedUser")
			}
		case StatusInWorkflow, StatusCompleted:
		default:
			l.fail(p+".status", "unknown status %q (awaiting_assignment, assigned, in_workflow or completed)", a.Status)
		}
		if act.Pinned && a.AssignedUser == "" {
			l.fail(p+".pinned", "a pinned activity needs an assigned user")
		}
		if act.LockExpires != nil && a.LockedBy == "" {
			l.fail(p+".lockExpires", "lockExpires needs lockedBy")
		}
		if act.Priority != "" {
			if n, err := strconv.Atoi(act.Priority); err != nil || n < 1 || n > 7 {
				l.fail(p+".priority", "priority %q must be 1 to 7", a.Priority)
			}
		}
		if n := len([]rune(a.Subject)); n > 255 {
			l.fail(p+".subject", "subject has %d characters; at most 255 are allowed", n)
		}
		if a.Content != nil {
			act.ContentText, act.ContentHTML = a.Content.Text, a.Content.HTML
		}
		act.DueDate = l.timePtr(p+".dueDate", a.DueDate)
		act.Created = l.time(p+".created", a.Created, now)
		act.LastModified = l.time(p+".lastModified", a.LastModified, act.Created)
		act.CustomAttributes = l.customAttrs(p+".customAttributes", "activity", a.CustomAttributes)
		act.Customer = l.ref("customer", p+".customer", a.Customer, false)
		act.Contact = l.ref("contact", p+".contact", a.Contact, false)
		act.ContactPoint = l.ref("contactpoint", p+".contactPoint", a.ContactPoint, false)
		l.checkActivityCustomer(p, &act)
		act.CreatedBy, act.LastModifiedBy = act.AssignedUser, act.AssignedUser
		l.activities = append(l.activities, act)
	}
	// Responses are inserted after the activities they answer.
	l.activities = orderResponses(l.activities)
	l.checkResponseCycles()
}

// checkActivityCustomer fills the contact and customer of an activity from
// its contact point and checks that they agree.
func (l *loader) checkActivityCustomer(p string, act *Activity) {
	if act.ContactPoint != 0 {
		cp, ok := l.points[act.ContactPoint]
		if !ok && l.opts.Mode == LoadAdd && l.dbErr == nil {
			list, err := l.tx.ContactPoints([]ID{act.ContactPoint})
			if err != nil {
				l.dbErr = err
			} else if len(list) == 1 {
				cp, ok = list[0], true
			}
		}
		if ok {
			if act.Customer == 0 {
				act.Customer = cp.Customer
			} else if cp.Customer != act.Customer {
				l.fail(p+".contactPoint", "contact point %d does not belong to customer %d", act.ContactPoint, act.Customer)
			}
			if act.Contact == 0 {
				act.Contact = cp.Contact
			} else if cp.Contact != act.Contact {
				l.fail(p+".contactPoint", "contact point %d does not belong to contact %d", act.ContactPoint, act.Contact)
			}
		}
	}
	if act.Contact != 0 {
		if cust, ok := l.contacts[act.Contact]; ok {
			if act.Customer == 0 {
				act.Customer = cust
			} else if cust != act.Customer {
				l.fail(p+".contact", "contact %d does not belong to customer %d", act.Contact, act.Customer)
			}
		}
	}
	if act.Customer != 0 && act.Contact == 0 {
		// An activity of a customer is with one of its contacts: the first.
		for _, c := range l.customers {
			if c.ID == act.Customer && len(c.Contacts) > 0 {
				act.Contact = c.Contacts[0].ID
			}
		}
	}
}

func orderResponses(list []Activity) []Activity {
	index := map[ID]int{}
	for i, a := range list {
		index[a.ID] = i
	}
	out := make([]Activity, 0, len(list))
	state := make([]int, len(list)) // 0 new, 1 visiting, 2 done
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return
		}
		state[i] = 1
		if j, ok := index[list[i].ResponseTo]; ok && list[i].ResponseTo != 0 {
			visit(j)
		}
		state[i] = 2
		out = append(out, list[i])
	}
	for i := range list {
		visit(i)
	}
	return out
}

func (l *loader) checkResponseCycles() {
	parent := map[ID]ID{}
	for _, a := range l.activities {
		parent[a.ID] = a.ResponseTo
	}
	for i, a := range l.f.Activities {
		id, _ := parseFixtureID(a.ID)
		seen := map[ID]bool{id: true}
		for cur := parent[id]; cur != 0; cur = parent[cur] {
			if seen[cur] {
				l.fail(fmt.Sprintf("activities[%d].responseTo", i), "responses form a cycle")
				break
			}
			seen[cur] = true
		}
	}
}

func (l *loader) write() error {
	tx := l.tx
	if l.f.Settings != nil || l.opts.Mode != LoadAdd {
		if err := tx.SetSettings(l.settings); err != nil {
			return err
		}
	}
	for i := range l.depts {
		if err := tx.InsertDepartment(&l.depts[i]); err != nil {
			return err
		}
	}
	for i := range l.queues {
		if err := tx.InsertQueue(&l.queues[i]); err != nil {
			return err
		}
	}
	for i := range l.users {
		if err := tx.InsertUser(&l.users[i]); err != nil {
			return err
		}
	}
	for i := range l.clients {
		if err := tx.InsertClientApp(&l.clients[i]); err != nil {
			return err
		}
	}
	for _, s := range l.subtypes {
		if err := tx.AddCalltrackSubtype(s); err != nil {
			return err
		}
	}
	for i := range l.defs {
		if err := tx.InsertAttributeDef(&l.defs[i]); err != nil {
			return err
		}
	}
	for i := range l.customers {
		if err := tx.InsertCustomer(&l.customers[i]); err != nil {
			return err
		}
	}
	for i := range l.cases {
		if err := tx.InsertCase(&l.cases[i]); err != nil {
			return err
		}
	}
	for _, r := range l.relations {
		if err := tx.RelateCases(r[0], r[1]); err != nil {
			return err
		}
	}
	for i := range l.activities {
		if err := tx.InsertActivity(&l.activities[i]); err != nil {
			return err
		}
	}
	return tx.SyncIDs()
}

func appendUnique(list []ID, id ID) []ID {
	if containsID(list, id) {
		return list
	}
	return append(list, id)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
