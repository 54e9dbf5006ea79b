package httpapi

import (
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/i18n"
)

// The wire representations of activities, cases and customers (docs/api.md,
// Reading; the eGain v3 shapes), built as generic trees that writeTree renders
// as JSON or XML. Every enumerated field is {"value", "displayValue"} in the
// request's locale; IDs are decimal strings; dates are UTC with
// milliseconds; links are arrays of {rel, href}. A field without a value is
// left out rather than sent empty.

// Base paths of the resources, for links.
const (
	activityPath = "/core/casemgr/v3/activity/"
	casePath     = "/core/casemgr/v3/case/"
	customerPath = "/core/customermgr/v3/customer/"
)

// Fields of the activity representation, in the order the documentation
// lists them. id and link are always sent.
var activityFields = []string{
	"id", "link", "case", "department", "lastDepartment", "queue", "type", "mode", "status",
	"customer", "contactPointData", "subject", "payload", "priority", "dueDate", "language", "created",
	"lastModified", "lastModifiedBy", "pinned", "lock", "responseTo", "customAttributes",
	"attachments",
}

// activityHeavy are the activity fields sent only when asked for with
// $attribute: the content may be large, and counting attachments costs a
// query per activity.
var activityHeavy = map[string]bool{"payload": true, "customAttributes": true, "attachments": true}

// Fields of the case representation; all are sent by default.
var caseFields = []string{
	"id", "link", "activities", "department", "status", "owner", "customer", "severity",
	"subject", "description", "solution", "dueDate", "originatingChannel", "relatedCases",
	"customAttributes", "created", "lastModified", "lastModifiedBy", "lastClosed",
}

// Fields of the customer representation; all are sent by default.
var customerFields = []string{
	"id", "link", "customerName", "type", "department", "contacts", "customAttributes", "cases", "created", "lastModified",
}

// fieldSet is the set of fields a request asked for with $attribute.
type fieldSet map[string]bool

// allFields returns the set of every field.
func allFields(fields []string) fieldSet {
	set := fieldSet{}
	for _, f := range fields {
		set[f] = true
	}
	return set
}

// activitySummary is the default set of activity fields: all but the heavy
// ones, a copy the caller may change.
func activitySummary() fieldSet { return maps.Clone(activitySummarySet) }

// activitySummarySet is the default set of activity fields, made once.
var activitySummarySet = func() fieldSet {
	set := fieldSet{}
	for _, f := range activityFields {
		if !activityHeavy[f] {
			set[f] = true
		}
	}
	return set
}()

// parseAttribute reads $attribute: "all" (every field) or a comma list of
// field names (id and link are always added); without it the default set
// applies. An unknown name is 400-102.
func parseAttribute(r *http.Request, fields []string, def fieldSet) (fieldSet, error) {
	if r.URL.RawQuery == "" {
		return def, nil
	}
	q := r.URL.Query()
	if !q.Has("$attribute") {
		return def, nil
	}
	raw := q.Get("$attribute")
	if strings.EqualFold(strings.TrimSpace(raw), "all") {
		return allFields(fields), nil
	}
	known := allFields(fields)
	set := fieldSet{"id": true, "link": true}
	for _, name := range strings.Split(raw, ",") {
		name = strings.TrimSpace(name)
		if !known[name] {
			return nil, errf(casemgr.CodeUnsupportedParamValue, "name", "$attribute", "value", name)
		}
		set[name] = true
	}
	return set, nil
}

// lookup resolves, for a whole response at once, the names that the
// representations show: departments and queues (one query each), users
// (one query per distinct user) and customers (one query for all).
type lookup struct {
	tx casemgr.Tx
	// actor is who reads: customers it does not see are shown by ID only.
	actor     casemgr.Actor
	depts     map[casemgr.ID]*casemgr.Department
	queues    map[casemgr.ID]*casemgr.Queue
	users     map[casemgr.ID]*casemgr.User
	customers map[casemgr.ID]*casemgr.Customer
	// shown records what activities' customers were loaded with, and
	// wantContacts and wantPoints the contacts and contact points of every
	// activity prepared (needActivityCustomers).
	shown                    map[casemgr.ID]shown
	wantContacts, wantPoints []casemgr.ID
	// activities are those prepared whose attachments are not counted
	// yet; attachments the counts (attachmentCount).
	activities  []casemgr.ID
	attachments map[casemgr.ID]int
}

// newLookup loads the departments, which every read needs to name them,
// for a read by actor.
func newLookup(tx casemgr.Tx, actor casemgr.Actor) (*lookup, error) {
	list, err := tx.Departments()
	if err != nil {
		return nil, err
	}
	l := &lookup{
		tx:    tx,
		actor: actor,
		depts: make(map[casemgr.ID]*casemgr.Department, len(list)),
		// The other maps are made when first written: a read of one
		// activity needs few of them.
	}
	for i := range list {
		l.depts[list[i].ID] = &list[i]
	}
	return l, nil
}

// visibleDepartments lists the departments the reader sees, or nil when it
// sees every department (a client application).
func (l *lookup) visibleDepartments() []casemgr.ID {
	if l.actor.IsClient() {
		return nil
	}
	ids := []casemgr.ID{}
	for id := range l.depts {
		if l.actor.Sees(id) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// needQueues loads the queues once.
func (l *lookup) needQueues() error {
	if l.queues != nil {
		return nil
	}
	list, err := l.tx.Queues()
	if err != nil {
		return err
	}
	l.queues = make(map[casemgr.ID]*casemgr.Queue, len(list))
	for i := range list {
		l.queues[list[i].ID] = &list[i]
	}
	return nil
}

// needUsers loads the users not loaded yet. The Store has no batch getter
// of users, so each distinct user is one query; a page names few users.
func (l *lookup) needUsers(ids ...casemgr.ID) error {
	for _, id := range ids {
		if id == 0 {
			continue
		}
		if _, done := l.users[id]; done {
			continue
		}
		u, err := l.tx.User(id)
		if err != nil {
			return err
		}
		if l.users == nil {
			l.users = map[casemgr.ID]*casemgr.User{}
		}
		l.users[id] = u // nil for a user that does not exist
	}
	return nil
}

// needCustomers loads the customers of ids not loaded yet, in one query,
// without their contacts: what a case shows of its customer (its name). A
// customer the reader does not see counts as missing, so a visible
// activity or case names it by ID only: its name and contact details stay
// hidden.
func (l *lookup) needCustomers(ids ...casemgr.ID) error {
	var missing []casemgr.ID
	for _, id := range ids {
		if _, done := l.customers[id]; done || id == 0 || slices.Contains(missing, id) {
			continue
		}
		missing = append(missing, id)
	}
	return l.loadCustomers(missing, nil, nil)
}

// shown records which contacts and contact points a loaded customer holds:
// those of the lists it was loaded with (sorted; at most those of the 75
// activities of a request, so lists rather than maps).
type shown struct{ contacts, points []casemgr.ID }

// needActivityCustomers loads, in one query, the customers of the
// activities with what the activities show of them: their own contact and
// contact point, not every contact of the customer. A customer loaded
// before without an activity's contact or point is loaded again, with the
// contacts and points of every activity asked for so far.
func (l *lookup) needActivityCustomers(list []casemgr.Activity) error {
	var missing []casemgr.ID
	for i := range list {
		a := &list[i]
		if a.Customer == 0 {
			continue
		}
		// Every activity's contact and point are wanted, also those of an
		// activity whose customer is already missing: the customer is
		// loaded once, with what each of its activities shows.
		if a.Contact != 0 && !slices.Contains(l.wantContacts, a.Contact) {
			l.wantContacts = append(l.wantContacts, a.Contact)
		}
		if a.ContactPoint != 0 && !slices.Contains(l.wantPoints, a.ContactPoint) {
			l.wantPoints = append(l.wantPoints, a.ContactPoint)
		}
		if slices.Contains(missing, a.Customer) {
			continue
		}
		_, loaded := l.customers[a.Customer]
		sh := l.shown[a.Customer]
		if !loaded || a.Contact != 0 && !slices.Contains(sh.contacts, a.Contact) ||
			a.ContactPoint != 0 && !slices.Contains(sh.points, a.ContactPoint) {
			missing = append(missing, a.Customer)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// Copies: the lists of the lookup grow with later activities.
	sh := shown{contacts: slices.Clone(l.wantContacts), points: slices.Clone(l.wantPoints)}
	if err := l.loadCustomers(missing, sh.contacts, sh.points); err != nil {
		return err
	}
	if l.shown == nil {
		l.shown = map[casemgr.ID]shown{}
	}
	for _, id := range missing {
		l.shown[id] = sh
	}
	return nil
}

// loadCustomers reads the customers of ids (with the contacts and points
// of the lists, CustomersShowing) into the lookup.
func (l *lookup) loadCustomers(ids, contacts, points []casemgr.ID) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(contacts)
	slices.Sort(points)
	list, err := l.tx.CustomersShowing(ids, contacts, points)
	if err != nil {
		return err
	}
	if l.customers == nil {
		l.customers = make(map[casemgr.ID]*casemgr.Customer, len(ids))
	}
	for _, id := range ids {
		l.customers[id] = nil
	}
	for i := range list {
		if l.actor.SeesCustomer(&list[i]) {
			l.customers[list[i].ID] = &list[i]
		}
	}
	return nil
}

// prepareActivities loads what the representations of the activities
// name in the fields of want, and nothing for the fields not asked for.
func (l *lookup) prepareActivities(list []casemgr.Activity, want fieldSet) error {
	var users []casemgr.ID
	queues := false
	for i := range list {
		a := &list[i]
		if want["status"] {
			users = append(users, a.AssignedUser)
		}
		if want["lastModifiedBy"] {
			users = append(users, a.LastModifiedBy)
		}
		queues = queues || a.Queue != 0 && want["queue"]
		l.activities = append(l.activities, a.ID)
	}
	if queues {
		if err := l.needQueues(); err != nil {
			return err
		}
	}
	if err := l.needUsers(users...); err != nil {
		return err
	}
	if !want["customer"] {
		return nil
	}
	return l.needActivityCustomers(list)
}

// attachmentCount counts the attachments of an activity prepared by
// prepareActivities; the first call counts those of every one, in one
// query.
func (l *lookup) attachmentCount(id casemgr.ID) (int, error) {
	if _, ok := l.attachments[id]; !ok {
		counts, err := l.tx.AttachmentCounts(append(l.activities, id))
		if err != nil {
			return 0, err
		}
		if l.attachments == nil {
			l.attachments = map[casemgr.ID]int{}
		}
		for _, a := range append(l.activities, id) {
			l.attachments[a] = counts[a]
		}
		l.activities = l.activities[:0]
	}
	return l.attachments[id], nil
}

// prepareCases loads what the representations of the cases name.
func (l *lookup) prepareCases(list []casemgr.Case) error {
	var users, customers []casemgr.ID
	for _, c := range list {
		users = append(users, c.Owner, c.LastModifiedBy)
		customers = append(customers, c.Customer)
	}
	if err := l.needUsers(users...); err != nil {
		return err
	}
	return l.needCustomers(customers...)
}

// rep builds representations for one request: its locale, its time (for
// locks that expire) and its lookup.
type rep struct {
	locale string
	now    time.Time
	l      *lookup
	// arena holds the fields of the objects the rep builds (obj): one
	// allocation for many objects. It is the request's own, never
	// pooled: the objects stay in the response tree until it is written.
	arena []field
}

// minArena and maxArena bound the room of an arena: each one made has
// twice the room of the one before, from minArena (a projection of a few
// fields takes one small arena, an activity with its customer about 100
// fields).
const (
	minArena = 32
	maxArena = 256
)

// obj returns an empty object with room for n fields, taken from the
// rep's arena. Its capacity is n: a field more moves it to the heap, and
// it never writes over another object.
func (r *rep) obj(n int) object {
	if len(r.arena)+n > cap(r.arena) {
		r.arena = make([]field, 0, max(n, min(2*cap(r.arena), maxArena), minArena))
	}
	start := len(r.arena)
	r.arena = r.arena[:start+n]
	return r.arena[start : start : start+n]
}

func (s *Server) newRep(r *http.Request, l *lookup) *rep {
	return &rep{locale: ctxOf(r).locale, now: s.clock(), l: l}
}

// clock is the current time of the service, in whole milliseconds.
func (s *Server) clock() time.Time {
	if s.Service != nil && s.Service.Now != nil {
		return casemgr.Millis(s.Service.Now())
	}
	return casemgr.Millis(time.Now())
}

// enum renders an enumerated field.
func (r *rep) enum(kind, value string) object {
	o := r.obj(4)
	o.setStr("value", value)
	o.setStr("displayValue", i18n.Display(r.locale, kind, value))
	return o
}

// linkTo renders a link array of one link.
func linkTo(rel, href string) []any {
	o := newObject(2)
	o.setStr("rel", rel)
	o.setStr("href", href)
	return []any{o}
}

// link renders the one link of a link array (object.setList1) of
// relation rel to path followed by the ID.
func (r *rep) link(rel, path string, id casemgr.ID) object {
	o := r.obj(2)
	o.setStr("rel", rel)
	o.setPath("href", path, id)
	return o
}

func wireID(v casemgr.ID) string { return casemgr.FormatID(v) }

// idLink renders {id, link} of an entity referred to: its ID and a link
// of relation rel to path followed by the ID.
func (r *rep) idLink(id casemgr.ID, rel, path string) object {
	o := r.obj(2)
	o.setID("id", id)
	o.setList1("link", r.link(rel, path, id))
	return o
}

// dept renders {id, name} of a department.
func (r *rep) dept(d casemgr.ID) object {
	o := r.obj(2)
	o.setID("id", d)
	if x := r.l.depts[d]; x != nil {
		o.setStr("name", x.Name)
	}
	return o
}

// user renders {id, name, firstName, lastName} of a user.
func (r *rep) user(u casemgr.ID) object {
	o := r.obj(4)
	o.setID("id", u)
	if x := r.l.users[u]; x != nil {
		o.setStr("name", x.Name)
		o.putString("firstName", x.FirstName)
		o.putString("lastName", x.LastName)
	}
	return o
}

// putString sets a string field unless it is empty.
func putString(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// customAttributes renders customAttributes.customAttribute[] sorted by
// name, or nil when there are none.
func (r *rep) customAttributesRep(attrs map[string][]string) any {
	if len(attrs) == 0 {
		return nil
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	list := make([]any, 0, len(names))
	for _, n := range names {
		vo := r.obj(1)
		if vals := attrs[n]; len(vals) == 1 {
			o := r.obj(1)
			o.setStr("value", vals[0])
			vo.setList1("attribValue", o)
		} else {
			values := make([]any, 0, len(vals))
			for _, v := range vals {
				o := r.obj(1)
				o.setStr("value", v)
				values = append(values, o)
			}
			vo.set("attribValue", values)
		}
		o := r.obj(2)
		o.setStr("attribName", n)
		o.setObj("attribValues", vo)
		list = append(list, o)
	}
	o := r.obj(1)
	o.set("customAttribute", list)
	return o
}

// pointValueField names the field that holds a contact point's value.
var pointValueField = map[string]string{
	casemgr.KindEmail:   "emailAddress",
	casemgr.KindPhone:   "phoneNo",
	casemgr.KindSocial:  "socialId",
	casemgr.KindPostal:  "address_1",
	casemgr.KindWebsite: "url",
}

// pointTypeKind names the enumeration of a contact point's type.
var pointTypeKind = map[string]string{
	casemgr.KindPhone:  "phoneType",
	casemgr.KindPostal: "postalType",
	casemgr.KindSocial: "socialType",
}

// point renders one contact point: its id, its value under the name of its
// kind's value field, its type as an enumerated field, and its other
// fields (address lines, country code, and whatever else the fixture gave
// it) as strings.
func (r *rep) point(p *casemgr.ContactPoint) object {
	m := r.obj(len(p.Attrs) + 3)
	for k, v := range p.Attrs {
		switch {
		case k == "priority":
			m.setObj(k, r.valueDisplay(v))
		case strings.HasPrefix(k, "availability."):
			i := m.index("availability")
			if i < 0 {
				m.setObj("availability", r.obj(2))
				i = m.index("availability")
			}
			av := m[i].obj
			av.setObj(strings.TrimPrefix(k, "availability."), r.valueDisplay(v))
			m[i].obj = av
		default:
			m.putString(k, v)
		}
	}
	m.setID("id", p.ID)
	if f := pointValueField[p.Kind]; f != "" {
		m.putString(f, p.Value)
	}
	if p.Type != "" {
		kind := pointTypeKind[p.Kind]
		if kind == "" {
			kind = p.Kind + "Type"
		}
		m.setObj("type", r.enum(kind, p.Type))
	}
	return m
}

// valueDisplay renders {"value", "displayValue"} of a value shown as it is.
func (r *rep) valueDisplay(v string) object {
	o := r.obj(2)
	o.setStr("value", v)
	o.setStr("displayValue", v)
	return o
}

// contact renders a contact with the given contact points, grouped by kind;
// kinds without a point are left out.
func (r *rep) contact(c *casemgr.Contact, points []casemgr.ContactPoint) object {
	m := r.obj(3 + len(contactDetails) + len(points))
	m.setID("id", c.ID)
	m.putString("firstName", c.FirstName)
	m.putString("lastName", c.LastName)
	for _, k := range contactDetails {
		m.putString(k, c.Details[k])
	}
	for i := range points {
		p := &points[i]
		// The first point of a kind is a list of one; another one of
		// the same kind makes it a list of them.
		if j := m.index(p.Kind); j < 0 {
			m.setList1(p.Kind, r.point(p))
		} else {
			list, _ := m[j].value().([]any)
			m.set(p.Kind, append(list, r.point(p)))
		}
	}
	return m
}

// contactDetails are the details of a contact shown as text.
var contactDetails = []string{"salutation", "middleName", "loginId", "jobTitle"}

// customerRef renders {id, customerName, link} of a customer.
func (r *rep) customerRef(c casemgr.ID) object {
	m := r.obj(4)
	m.setID("id", c)
	m.setList1("link", r.link("customer", customerPath, c))
	if x := r.l.customers[c]; x != nil {
		m.setStr("customerName", x.Name)
	}
	return m
}

// activityCustomer renders the customer of an activity with only the
// activity's own contact and contact point, as eGain shows it.
func (r *rep) activityCustomer(a *casemgr.Activity) object {
	m := r.customerRef(a.Customer)
	cust := r.l.customers[a.Customer]
	if cust == nil || (a.Contact == 0 && a.ContactPoint == 0) {
		return m
	}
	for i := range cust.Contacts {
		c := &cust.Contacts[i]
		var points []casemgr.ContactPoint
		for j := range c.ContactPoints {
			if c.ContactPoints[j].ID == a.ContactPoint {
				points = c.ContactPoints[j : j+1 : j+1]
				break
			}
		}
		if c.ID == a.Contact || len(points) > 0 {
			contacts := r.obj(1)
			contacts.setList1("contact", r.contact(c, points))
			m.setObj("contacts", contacts)
			break
		}
	}
	return m
}

// payloadKey names the payload element of an activity type: eGain writes
// the calltrack payload as "calltrack".
func payloadKey(activityType string) string {
	if activityType == casemgr.TypeCalltrack {
		return "calltrack"
	}
	return activityType
}

// activity renders an activity with the fields of want.
func (r *rep) activity(a *casemgr.Activity, want fieldSet) (object, error) {
	m := r.obj(len(want))
	m.setID("id", a.ID)
	m.setList1("link", r.link("self", activityPath, a.ID))
	if a.Case != 0 && want["case"] {
		m.setObj("case", r.idLink(a.Case, "case", casePath))
	}
	if want["department"] {
		m.setObj("department", r.dept(a.Department))
	}
	if a.LastDepartment != 0 && want["lastDepartment"] {
		m.setObj("lastDepartment", r.dept(a.LastDepartment))
	}
	if a.Queue != 0 && want["queue"] {
		q := r.obj(2)
		q.setID("id", a.Queue)
		if x := r.l.queues[a.Queue]; x != nil {
			q.setStr("name", x.Name)
		}
		m.setObj("queue", q)
	}
	if a.Type != "" && want["type"] {
		t := r.enum("activityType", a.Type)
		if a.Subtype != "" {
			kind := "activitySubtype"
			if a.Type == casemgr.TypeSocial {
				kind = "socialType"
			}
			t.setObj("subtype", r.enum(kind, a.Subtype))
		}
		m.setObj("type", t)
	}
	if a.Mode != "" && want["mode"] {
		m.setObj("mode", r.enum("mode", a.Mode))
	}
	if a.Status != "" && want["status"] {
		st := r.enum("activityStatus", a.Status)
		if a.AssignedUser != 0 {
			assigned := r.obj(1)
			assigned.setObj("user", r.user(a.AssignedUser))
			st.setObj("assigned", assigned)
		}
		if sub := activitySubstatus(a); sub != "" {
			st.setObj("substatus", r.enum("activitySubstatus", sub))
		}
		m.setObj("status", st)
	}
	if a.Customer != 0 && want["customer"] {
		m.setObj("customer", r.activityCustomer(a))
	}
	if a.ContactPointData != "" && want["contactPointData"] {
		m.setStr("contactPointData", a.ContactPointData)
	}
	if a.Subject != "" && want["subject"] {
		m.setStr("subject", a.Subject)
	}
	if (a.ContentText != "" || a.ContentHTML != "") && want["payload"] {
		content := r.obj(2)
		content.putString("text", a.ContentText)
		content.putString("html", a.ContentHTML)
		inner := r.obj(1)
		inner.setObj("content", content)
		payload := r.obj(1)
		payload.setObj(payloadKey(a.Type), inner)
		m.setObj("payload", payload)
	}
	if a.Priority != "" && want["priority"] {
		m.setStr("priority", a.Priority)
	}
	if a.DueDate != nil && want["dueDate"] {
		m.setTime("dueDate", *a.DueDate)
	}
	if a.Language != "" && want["language"] {
		m.setObj("language", r.enum("language", a.Language))
	}
	if want["created"] {
		m.setTime("created", a.Created)
	}
	if want["lastModified"] {
		m.setTime("lastModified", a.LastModified)
	}
	if a.LastModifiedBy != 0 && want["lastModifiedBy"] {
		by := r.obj(1)
		by.setObj("user", r.user(a.LastModifiedBy))
		m.setObj("lastModifiedBy", by)
	}
	if want["pinned"] {
		m.set("pinned", a.Pinned)
	}
	if a.LockedBy != 0 && (a.LockExpires == nil || a.LockExpires.After(r.now)) && want["lock"] {
		user := r.obj(1)
		user.setID("id", a.LockedBy)
		lock := r.obj(2)
		lock.setObj("user", user)
		if a.LockExpires != nil {
			lock.setTime("expires", *a.LockExpires)
		}
		m.setObj("lock", lock)
	}
	if a.ResponseTo != 0 && want["responseTo"] {
		m.setObj("responseTo", r.idLink(a.ResponseTo, "activity", activityPath))
	}
	if want["customAttributes"] {
		if ca := r.customAttributesRep(a.CustomAttributes); ca != nil {
			m.set("customAttributes", ca)
		}
	}
	if want["attachments"] {
		n, err := r.l.attachmentCount(a.ID)
		if err != nil {
			return nil, err
		}
		link := r.obj(2)
		link.setStr("rel", "attachment")
		link.setStr("href", activityPath+wireID(a.ID)+"/attachment")
		att := r.obj(2)
		att.set("count", n)
		att.setList1("link", link)
		m.setObj("attachments", att)
	}
	return m, nil
}

// caseRep renders a case with the fields of want.
func (r *rep) caseRep(c *casemgr.Case, want fieldSet) map[string]any {
	m := map[string]any{
		"id":   wireID(c.ID),
		"link": linkTo("self", casePath+wireID(c.ID)),
	}
	put := func(field string, v any) {
		if want[field] {
			m[field] = v
		}
	}
	put("activities", map[string]any{"link": linkTo("activity", "/core/casemgr/v3/activity?case="+wireID(c.ID))})
	put("department", r.dept(c.Department))
	if c.Status != "" {
		put("status", r.enum("caseStatus", c.Status))
	}
	if c.Owner != 0 {
		put("owner", map[string]any{"user": r.user(c.Owner)})
	}
	if c.Customer != 0 {
		put("customer", r.customerRef(c.Customer))
	}
	if c.Severity != "" {
		put("severity", r.enum("severity", c.Severity))
	}
	if c.Subject != "" {
		put("subject", c.Subject)
	}
	if c.Description != "" {
		put("description", c.Description)
	}
	if c.Solution != "" {
		put("solution", c.Solution)
	}
	if c.DueDate != nil {
		put("dueDate", casemgr.FormatTime(*c.DueDate))
	}
	if c.OriginatingChannel != "" {
		put("originatingChannel", r.enum("originatingChannel", c.OriginatingChannel))
	}
	if len(c.RelatedCases) > 0 {
		related := append([]casemgr.ID(nil), c.RelatedCases...)
		sort.Slice(related, func(i, j int) bool { return related[i] < related[j] })
		list := make([]any, 0, len(related))
		for _, rc := range related {
			list = append(list, map[string]any{"id": wireID(rc), "link": linkTo("case", casePath+wireID(rc))})
		}
		put("relatedCases", map[string]any{"case": list})
	}
	if ca := r.customAttributesRep(c.CustomAttributes); ca != nil {
		put("customAttributes", ca)
	}
	put("created", casemgr.FormatTime(c.Created))
	put("lastModified", casemgr.FormatTime(c.LastModified))
	if c.LastModifiedBy != 0 {
		put("lastModifiedBy", map[string]any{"user": r.user(c.LastModifiedBy)})
	}
	if c.LastClosed != nil {
		put("lastClosed", casemgr.FormatTime(*c.LastClosed))
	}
	return m
}

// customer renders a customer with all its contacts and contact points.
func (r *rep) customer(c *casemgr.Customer, want fieldSet) map[string]any {
	m := map[string]any{
		"id":   wireID(c.ID),
		"link": linkTo("self", customerPath+wireID(c.ID)),
	}
	put := func(field string, v any) {
		if want[field] {
			m[field] = v
		}
	}
	put("customerName", c.Name)
	if c.Type != "" {
		t := r.enum("customerType", c.Type)
		detail := map[string]any{}
		if v := c.Details["groupType"]; v != "" && c.Type == "group" {
			detail["type"] = map[string]any{"value": v, "displayValue": v}
		}
		if v := c.Details["region"]; v != "" {
			detail["region"] = map[string]any{"value": v, "displayValue": v}
		}
		if len(detail) > 0 && (c.Type == "group" || c.Type == "corporate") {
			t.set(c.Type, detail)
		}
		put("type", t)
	}
	// The details a created customer may carry, shown whenever set:
	// enumerations as {"value", "displayValue"} (configured or eGain's
	// own words, shown as they are), the others as text.
	for _, k := range []string{"role", "howReferred", "level", "industry"} {
		if v := c.Details[k]; v != "" {
			m[k] = map[string]any{"value": v, "displayValue": v}
		}
	}
	for _, k := range []string{"pin", "marketSegment", "entitlements"} {
		putString(m, k, c.Details[k])
	}
	if c.Department != 0 {
		put("department", r.dept(c.Department))
	}
	if len(c.Contacts) > 0 {
		list := make([]any, 0, len(c.Contacts))
		for i := range c.Contacts {
			list = append(list, r.contact(&c.Contacts[i], c.Contacts[i].ContactPoints))
		}
		put("contacts", map[string]any{"contact": list})
	}
	if ca := r.customAttributesRep(c.CustomAttributes); ca != nil {
		put("customAttributes", ca)
	}
	// Every customer links to the search of its cases.
	put("cases", map[string]any{"link": linkTo("case", "/core/casemgr/v3/case?customer="+wireID(c.ID))})
	if !c.Created.IsZero() {
		put("created", casemgr.FormatTime(c.Created))
	}
	if !c.LastModified.IsZero() {
		put("lastModified", casemgr.FormatTime(c.LastModified))
	}
	return m
}

// activitySubstatus is the substatus an activity shows: the one the world
// gives it, else "done" for a completed activity, else none.
func activitySubstatus(a *casemgr.Activity) string {
	if a.Substatus != "" {
		return a.Substatus
	}
	if a.Status == casemgr.StatusCompleted {
		return "done"
	}
	return ""
}
