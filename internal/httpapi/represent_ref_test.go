package httpapi

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/i18n"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// The representation of an activity as it was built before its objects
// were slices (object): every object a map[string]any. The test of the
// representation's bytes (TestActivityRepresentationIsTheMapsOne) renders
// both and compares them.

// refRep builds the map representation with a rep's locale, time and
// lookup.
type refRep struct{ *rep }

// enum renders an enumerated field.
func (r refRep) enum(kind, value string) map[string]any {
	return map[string]any{"value": value, "displayValue": i18n.Display(r.locale, kind, value)}
}

// linkTo renders a link array of one link.
func refLinkTo(rel, href string) []any {
	return []any{map[string]any{"rel": rel, "href": href}}
}

// dept renders {id, name} of a department.
func (r refRep) dept(d casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(d)}
	if x := r.l.depts[d]; x != nil {
		m["name"] = x.Name
	}
	return m
}

// user renders {id, name, firstName, lastName} of a user.
func (r refRep) user(u casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(u)}
	if x := r.l.users[u]; x != nil {
		m["name"] = x.Name
		refPutString(m, "firstName", x.FirstName)
		refPutString(m, "lastName", x.LastName)
	}
	return m
}

// putString sets a string field unless it is empty.
func refPutString(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// putTime sets a date field unless it is nil.
func refPutTime(m map[string]any, key string, t *time.Time) {
	if t != nil {
		m[key] = casemgr.FormatTime(*t)
	}
}

// customAttributes renders customAttributes.customAttribute[] sorted by
// name, or nil when there are none.
func refCustomAttributesRep(attrs map[string][]string) map[string]any {
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

// point renders one contact point: its id, its value under the name of its
// kind's value field, its type as an enumerated field, and its other
// fields (address lines, country code, and whatever else the fixture gave
// it) as strings.
func (r refRep) point(p *casemgr.ContactPoint) map[string]any {
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
			refPutString(m, k, v)
		}
	}
	m["id"] = wireID(p.ID)
	if f := pointValueField[p.Kind]; f != "" {
		refPutString(m, f, p.Value)
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
func (r refRep) contact(c *casemgr.Contact, points []casemgr.ContactPoint) map[string]any {
	m := map[string]any{"id": wireID(c.ID)}
	refPutString(m, "firstName", c.FirstName)
	refPutString(m, "lastName", c.LastName)
	for _, k := range []string{"salutation", "middleName", "loginId", "jobTitle"} {
		refPutString(m, k, c.Details[k])
	}
	for i := range points {
		p := &points[i]
		list, _ := m[p.Kind].([]any)
		m[p.Kind] = append(list, r.point(p))
	}
	return m
}

// customerRef renders {id, customerName, link} of a customer.
func (r refRep) customerRef(c casemgr.ID) map[string]any {
	m := map[string]any{"id": wireID(c), "link": refLinkTo("customer", customerPath+wireID(c))}
	if x := r.l.customers[c]; x != nil {
		m["customerName"] = x.Name
	}
	return m
}

// activityCustomer renders the customer of an activity with only the
// activity's own contact and contact point, as eGain shows it.
func (r refRep) activityCustomer(a *casemgr.Activity) map[string]any {
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

// activity renders an activity with the fields of want.
func (r refRep) activity(a *casemgr.Activity, want fieldSet) (map[string]any, error) {
	m := map[string]any{
		"id":   wireID(a.ID),
		"link": refLinkTo("self", activityPath+wireID(a.ID)),
	}
	put := func(field string, v any) {
		if want[field] {
			m[field] = v
		}
	}
	if a.Case != 0 {
		put("case", map[string]any{"id": wireID(a.Case), "link": refLinkTo("case", casePath+wireID(a.Case))})
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
		refPutString(content, "text", a.ContentText)
		refPutString(content, "html", a.ContentHTML)
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
		refPutTime(lock, "expires", a.LockExpires)
		put("lock", lock)
	}
	if a.ResponseTo != 0 {
		put("responseTo", map[string]any{"id": wireID(a.ResponseTo), "link": refLinkTo("activity", activityPath+wireID(a.ResponseTo))})
	}
	if ca := refCustomAttributesRep(a.CustomAttributes); ca != nil {
		put("customAttributes", ca)
	}
	if want["attachments"] {
		n, err := r.l.attachmentCount(a.ID)
		if err != nil {
			return nil, err
		}
		m["attachments"] = map[string]any{
			"count": n,
			"link":  refLinkTo("attachment", activityPath+wireID(a.ID)+"/attachment"),
		}
	}
	return m, nil
}

// TestActivityRepresentationIsTheMapsOne renders generated activities
// (every optional field set or not, customers whose contacts and points
// carry every kind of detail, text that needs escaping in JSON and XML)
// with the representation of objects and with the maps' one above, for
// the default fields, every field, each field alone and random sets of
// them, in every locale, as JSON and XML, on both engines: the bytes are
// the same.
func TestActivityRepresentationIsTheMapsOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		rtHarness(t, db)
		rnd := rand.New(rand.NewPCG(7, 11))
		pick := func(list ...string) string { return list[rnd.IntN(len(list))] }
		texts := []string{"", "plain", `quote " and \ <b>&amp;</b>`, "naïve 日本 🎉", "tab\tline\nend", "1"}
		now := casemgr.Millis(time.Now())
		var ids []casemgr.ID
		if err := db.Write(t.Context(), func(tx casemgr.Tx) error {
			var customers []casemgr.Customer
			for c := 0; c < 6; c++ {
				cu := casemgr.Customer{Name: pick(texts[1:]...), Type: pick(casemgr.CustomerTypes...), Department: 10,
					Created: now, LastModified: now}
				for n := 0; n < 1+rnd.IntN(3); n++ {
					ct := casemgr.Contact{FirstName: pick(texts...), LastName: pick(texts...),
						Details: map[string]string{}}
					for _, k := range []string{"salutation", "middleName", "loginId", "jobTitle", "other"} {
						if rnd.IntN(2) == 0 {
							ct.Details[k] = pick(texts...)
						}
					}
					for k := 0; k < rnd.IntN(4); k++ {
						kind := pick(casemgr.ContactPointKinds...)
						p := casemgr.ContactPoint{Kind: kind, Type: pick("", "office", "home", "Twitter"),
							Value: pick(texts...), Attrs: map[string]string{}}
						for _, a := range []string{"priority", "availability.days", "availability.hours", "countryCode",
							"address_2", "id", "type", "emailAddress", "phoneNo"} {
							if rnd.IntN(3) == 0 {
								p.Attrs[a] = pick(texts...)
							}
						}
						ct.ContactPoints = append(ct.ContactPoints, p)
					}
					cu.Contacts = append(cu.Contacts, ct)
				}
				if err := tx.InsertCustomer(&cu); err != nil {
					return err
				}
				customers = append(customers, cu)
			}
			for i := 0; i < 60; i++ {
				a := casemgr.Activity{Department: pickID(rnd, 10, 11, 12, 13), Type: pick("", casemgr.TypeEmail, casemgr.TypeCalltrack,
					casemgr.TypeSocial, casemgr.TypeTask, casemgr.TypeChat),
					Mode: pick("", casemgr.ModeInbound, casemgr.ModeOutbound), Status: pick(append([]string{""}, casemgr.ActivityStatuses...)...),
					Subject: pick(texts...), ContentText: pick(texts...), ContentHTML: pick(texts...), Priority: pick(texts...),
					ContactPointData: pick(texts...), Language: pick("", "en", "fr", "xx"), Pinned: rnd.IntN(2) == 0,
					Created: now.Add(-time.Duration(rnd.IntN(1e6)) * time.Second), LastModified: now}
				a.Subtype = pick("", "general", "Twitter", "Complaint")
				a.Substatus = pick("", "", "waiting")
				a.Case = pickID(rnd, 0, 2003, 2100)
				a.LastDepartment = pickID(rnd, 0, 11)
				a.Queue = pickID(rnd, 0, 120, 999)
				a.AssignedUser = pickID(rnd, 0, 1001, 1004, 99999)
				a.LastModifiedBy = pickID(rnd, 0, 1002, 99999)
				a.LockedBy = pickID(rnd, 0, 1002)
				if rnd.IntN(2) == 0 {
					exp := now.Add(time.Duration(rnd.IntN(3)-1) * time.Hour)
					a.LockExpires = &exp
				}
				if rnd.IntN(2) == 0 {
					due := now.Add(48 * time.Hour)
					a.DueDate = &due
				}
				a.ResponseTo = pickID(rnd, 0, 3101)
				if rnd.IntN(2) == 0 {
					a.CustomAttributes = map[string][]string{"reference": {pick(texts...)}, "multi": {"a", pick(texts...)}}
				}
				if rnd.IntN(6) > 0 {
					cu := customers[rnd.IntN(len(customers))]
					a.Customer = cu.ID
					ct := cu.Contacts[rnd.IntN(len(cu.Contacts))]
					if rnd.IntN(3) > 0 {
						a.Contact = ct.ID
					}
					if len(ct.ContactPoints) > 0 && rnd.IntN(3) > 0 {
						a.ContactPoint = ct.ContactPoints[rnd.IntN(len(ct.ContactPoints))].ID
					}
					if rnd.IntN(8) == 0 { // a contact of another customer
						a.Contact = customers[rnd.IntN(len(customers))].Contacts[0].ID
					}
				}
				if err := tx.InsertActivity(&a); err != nil {
					return err
				}
				ids = append(ids, a.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		wants := []fieldSet{activitySummary(), allFields(activityFields)}
		for _, f := range activityFields {
			wants = append(wants, fieldSet{"id": true, "link": true, f: true})
		}
		for i := 0; i < 10; i++ {
			w := fieldSet{"id": true, "link": true}
			for _, f := range activityFields {
				if rnd.IntN(2) == 0 {
					w[f] = true
				}
			}
			wants = append(wants, w)
		}
		actor := casemgr.Actor{Client: &casemgr.ClientApp{ClientID: "all"}}
		compared := 0
		for _, want := range wants {
			for start := 0; start < len(ids); start += 20 {
				batch := ids[start : start+20]
				if err := db.Read(t.Context(), func(tx casemgr.Tx) error {
					list, err := tx.ActivitiesToShow(batch, want["customer"], false)
					if err != nil {
						return err
					}
					l, err := newLookup(tx, actor)
					if err != nil {
						return err
					}
					if err := l.prepareActivities(list, want); err != nil {
						return err
					}
					for _, locale := range i18n.Locales {
						rp := &rep{locale: locale, now: now, l: l}
						for i := range list {
							got, err := rp.activity(&list[i], want)
							if err != nil {
								return err
							}
							ref, err := refRep{rp}.activity(&list[i], want)
							if err != nil {
								return err
							}
							g, r := map[string]any{"activity": []any{got}}, map[string]any{"activity": []any{ref}}
							if gj, rj := appendTreeJSON(nil, g), appendTreeJSON(nil, r); !bytes.Equal(gj, rj) {
								t.Fatalf("activity %d, %s, fields %v, JSON:\n got %s\nwant %s", list[i].ID, locale, want, gj, rj)
							}
							if gx, rx := renderXML("activities", g), renderXML("activities", r); !bytes.Equal(gx, rx) {
								t.Fatalf("activity %d, %s, fields %v, XML:\n got %s\nwant %s", list[i].ID, locale, want, gx, rx)
							}
							compared++
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Logf("%d representations compared", compared)
	})
}

func pickID(rnd *rand.Rand, ids ...casemgr.ID) casemgr.ID { return ids[rnd.IntN(len(ids))] }
