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
// ones.
func activitySummary() fieldSet {
	set := fieldSet{}
	for _, f := range activityFields {
		if !activityHeavy[f] {
			set[f] = true
		}
	}
	return set
}

// parseAttribute reads $attribute: "all" (every field) or a comma list of
// field names (id and link are always added); without it the default set
// applies. An unknown name is 400-102.
func parseAttribute(r *http.Request, fields []string, def fieldSet) (fieldSet, error) {
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
	wantContacts, wantPoints map[casemgr.ID]bool
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
		tx:           tx,
		actor:        actor,
		depts:        make(map[casemgr.ID]*casemgr.Department, len(list)),
		users:        map[casemgr.ID]*casemgr.User{},
		customers:    map[casemgr.ID]*casemgr.Customer{},
		shown:        map[casemgr.ID]shown{},
		wantContacts: map[casemgr.ID]bool{},
		wantPoints:   map[casemgr.ID]bool{},
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
// those of the lists it was loaded with.
type shown struct{ contacts, points map[casemgr.ID]bool }

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
		if a.Contact != 0 {
			l.wantContacts[a.Contact] = true
		}
		if a.ContactPoint != 0 {
			l.wantPoints[a.ContactPoint] = true
		}
		if slices.Contains(missing, a.Customer) {
			continue
		}
		_, loaded := l.customers[a.Customer]
		sh := l.shown[a.Customer]
		if !loaded || a.Contact != 0 && !sh.contacts[a.Contact] || a.ContactPoint != 0 && !sh.points[a.ContactPoint] {
			missing = append(missing, a.Customer)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sh := shown{contacts: maps.Clone(l.wantContacts), points: maps.Clone(l.wantPoints)}
	if err := l.loadCustomers(missing, slices.Collect(maps.Keys(sh.contacts)), slices.Collect(maps.Keys(sh.points))); err != nil {
		return err
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
func (r *rep) enum(kind, value string) map[string]any {
	return map[string]any{"value": value, "displayValue": i18n.Display(r.locale, kind, value)}
}

// linkTo renders a link array of one link.
func linkTo(rel, href string) []any {
	return []any{map[string]any{"rel": rel, "href": href}}
}

func wireID(v casemgr.ID) string { return casemgr.FormatID(v) }

// dept renders {id, name} of a department.
func (r *rep) dept(d casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(d)}
	if x := r.l.depts[d]; x != nil {
		m["name"] = x.Name
	}
	return m
}

// user renders {id, name, firstName, lastName} of a user.
func (r *rep) user(u casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(u)}
	if x := r.l.users[u]; x != nil {
		m["name"] = x.Name
		putString(m, "firstName", x.FirstName)
		putString(m, "lastName", x.LastName)
	}
	return m
}

// putString sets a string field unless it is empty.
func putString(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// putTime sets a date field unless it is nil.
func putTime(m map[string]any, key string, t *time.Time) {
	if t != nil {
		m[key] = casemgr.FormatTime(*t)
	}
}

// customAttributes renders customAttributes.customAttribute[] sorted by
// name, or nil when there are none.
func customAttributesRep(attrs map[string][]string) map[string]any {
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
		values := make([]any, 0, len(attrs[n]))
		for _, v := range attrs[n] {
			values = append(values, map[string]any{"value": v})
		}
		list = append(list, map[string]any{
			"attribName":   n,
			"attribValues": map[string]any{"attribValue": values},
		})
	}
	return map[string]any{"customAttribute": list}
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
func (r *rep) point(p *casemgr.ContactPoint) map[string]any {
	m := make(map[string]any, len(p.Attrs)+3)
	for k, v := range p.Attrs {
		switch {
		case k == "priority":
			m[k] = map[string]any{"value": v, "displayValue": v}
		case strings.HasPrefix(k, "availability."):
			av, _ := m["availability"].(map[string]any)
			if av == nil {
				av = map[string]any{}
				m["availability"] = av
			}
			av[strings.TrimPrefix(k, "availability.")] = map[string]any{"value": v, "displayValue": v}
		default:
			putString(m, k, v)
		}
	}
	m["id"] = wireID(p.ID)
	if f := pointValueField[p.Kind]; f != "" {
		putString(m, f, p.Value)
	}
	if p.Type != "" {
		kind := pointTypeKind[p.Kind]
		if kind == "" {
			kind = p.Kind + "Type"
		}
		m["type"] = r.enum(kind, p.Type)
	}
	return m
}

// contact renders a contact with the given contact points, grouped by kind;
// kinds without a point are left out.
func (r *rep) contact(c *casemgr.Contact, points []casemgr.ContactPoint) map[string]any {
	m := map[string]any{"id": wireID(c.ID)}
	putString(m, "firstName", c.FirstName)
	putString(m, "lastName", c.LastName)
	for _, k := range []string{"salutation", "middleName", "loginId", "jobTitle"} {
		putString(m, k, c.Details[k])
	}
	for i := range points {
		p := &points[i]
		list, _ := m[p.Kind].([]any)
		m[p.Kind] = append(list, r.point(p))
	}
	return m
}

// customerRef renders {id, customerName, link} of a customer.
func (r *rep) customerRef(c casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(c), "link": linkTo("customer", customerPath+wireID(c))}
	if x := r.l.customers[c]; x != nil {
		m["customerName"] = x.Name
	}
	return m
}

// activityCustomer renders the customer of an activity with only the
// activity's own contact and contact point, as eGain shows it.
func (r *rep) activityCustomer(a *casemgr.Activity) map[string]any {
	m := r.customerRef(a.Customer)
	cust := r.l.customers[a.Customer]
	if cust == nil || (a.Contact == 0 && a.ContactPoint == 0) {
		return m
	}
	for i := range cust.Contacts {
		c := &cust.Contacts[i]
		var points []casemgr.ContactPoint
		for _, p := range c.ContactPoints {
			if p.ID == a.ContactPoint {
				points = append(points, p)
			}
		}
		if c.ID == a.Contact || len(points) > 0 {
			m["contacts"] = map[string]any{"contact": []any{r.contact(c, points)}}
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
func (r *rep) activity(a *casemgr.Activity, want fieldSet) (map[string]any, error) {
	m := map[string]any{
		"id":   wireID(a.ID),
		"link": linkTo("self", activityPath+wireID(a.ID)),
	}
	put := func(field string, v any) {
		if want[field] {
			m[field] = v
		}
	}
	if a.Case != 0 {
		put("case", map[string]any{"id": wireID(a.Case), "link": linkTo("case", casePath+wireID(a.Case))})
	}
	put("department", r.dept(a.Department))
	if a.LastDepartment != 0 {
		put("lastDepartment", r.dept(a.LastDepartment))
	}
	if a.Queue != 0 {
		q := map[string]any{"id": wireID(a.Queue)}
		if x := r.l.queues[a.Queue]; x != nil {
			q["name"] = x.Name
		}
		put("queue", q)
	}
	if a.Type != "" {
		t := r.enum("activityType", a.Type)
		if a.Subtype != "" {
			kind := "activitySubtype"
			if a.Type == casemgr.TypeSocial {
				kind = "socialType"
			}
			t["subtype"] = r.enum(kind, a.Subtype)
		}
		put("type", t)
	}
	if a.Mode != "" {
		put("mode", r.enum("mode", a.Mode))
	}
	if a.Status != "" {
		st := r.enum("activityStatus", a.Status)
		if a.AssignedUser != 0 {
			st["assigned"] = map[string]any{"user": r.user(a.AssignedUser)}
		}
		if sub := activitySubstatus(a); sub != "" {
			st["substatus"] = r.enum("activitySubstatus", sub)
		}
		put("status", st)
	}
	if a.Customer != 0 {
		put("customer", r.activityCustomer(a))
	}
	if a.ContactPointData != "" {
		put("contactPointData", a.ContactPointData)
	}
	if a.Subject != "" {
		put("subject", a.Subject)
	}
	if a.ContentText != "" || a.ContentHTML != "" {
		content := map[string]any{}
		putString(content, "text", a.ContentText)
		putString(content, "html", a.ContentHTML)
		put("payload", map[string]any{payloadKey(a.Type): map[string]any{"content": content}})
	}
	if a.Priority != "" {
		put("priority", a.Priority)
	}
	if a.DueDate != nil {
		put("dueDate", casemgr.FormatTime(*a.DueDate))
	}
	if a.Language != "" {
		put("language", r.enum("language", a.Language))
	}
	put("created", casemgr.FormatTime(a.Created))
	put("lastModified", casemgr.FormatTime(a.LastModified))
	if a.LastModifiedBy != 0 {
		put("lastModifiedBy", map[string]any{"user": r.user(a.LastModifiedBy)})
	}
	put("pinned", a.Pinned)
	if a.LockedBy != 0 && (a.LockExpires == nil || a.LockExpires.After(r.now)) {
		lock := map[string]any{"user": map[string]any{"id": wireID(a.LockedBy)}}
		putTime(lock, "expires", a.LockExpires)
		put("lock", lock)
	}
	if a.ResponseTo != 0 {
		put("responseTo", map[string]any{"id": wireID(a.ResponseTo), "link": linkTo("activity", activityPath+wireID(a.ResponseTo))})
	}
	if ca := customAttributesRep(a.CustomAttributes); ca != nil {
		put("customAttributes", ca)
	}
	if want["attachments"] {
		n, err := r.l.attachmentCount(a.ID)
		if err != nil {
			return nil, err
		}
		m["attachments"] = map[string]any{
			"count": n,
			"link":  linkTo("attachment", activityPath+wireID(a.ID)+"/attachment"),
		}
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
	if ca := customAttributesRep(c.CustomAttributes); ca != nil {
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
			t[c.Type] = detail
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
	if ca := customAttributesRep(c.CustomAttributes); ca != nil {
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
