package sqlstore

import (
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var (
	customers     = newTable("customers", "name", "type", "department_id", "created", "last_modified")
	contacts      = newTable("contacts", "customer_id", "first_name", "last_name")
	contactPoints = newTable("contact_points", "contact_id", "customer_id", "kind", "type", "value", "value_key", "attrs")
)

// valueKey is the form of a contact point value that lookups compare: email
// addresses case-insensitively, phone numbers by their digits (a number
// stored as "(408) 555-1234" is found by "4085551234", the form a caller
// gives), everything else exactly. It is computed here rather than with SQL
// lower(), which folds only ASCII on SQLite but follows the collation on
// PostgreSQL, so both engines find the same points.
func valueKey(kind, value string) string {
	switch kind {
	case casemgr.KindEmail:
		return strings.ToLower(value)
	case casemgr.KindPhone:
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, value)
		if digits == "" {
			return value // not a number at all: compare as given
		}
		return digits
	}
	return value
}

func scanCustomer(r scanner) (casemgr.Customer, error) {
	var c casemgr.Customer
	var created, modified int64
	err := r.Scan(&c.ID, &c.Name, &c.Type, &c.Department, &created, &modified)
	c.Created, c.LastModified = fromMillis(created), fromMillis(modified)
	return c, err
}

func scanContact(r scanner) (casemgr.Contact, error) {
	var c casemgr.Contact
	err := r.Scan(&c.ID, &c.Customer, &c.FirstName, &c.LastName)
	return c, err
}

func scanContactPoint(r scanner) (casemgr.ContactPoint, error) {
	var p casemgr.ContactPoint
	var key, attrs string
	if err := r.Scan(&p.ID, &p.Contact, &p.Customer, &p.Kind, &p.Type, &p.Value, &key, &attrs); err != nil {
		return p, err
	}
	var err error
	p.Attrs, err = decMap[string](attrs, "contact point attrs")
	return p, err
}

// Customers returns the customers with the given IDs, each with its contacts
// and their contact points, in ID order: three queries, whatever the number.
func (t *tx) Customers(ids []casemgr.ID) ([]casemgr.Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := queryList(t, "customers", scanCustomer, t.byIDs(customers, false), t.d.ids(ids))
	if err != nil || len(list) == 0 {
		return list, err
	}
	found := make([]casemgr.ID, len(list))
	for i, c := range list {
		found[i] = c.ID
	}
	cs, err := queryList(t, "customer contacts", scanContact,
		`SELECT `+contacts.all+` FROM contacts WHERE `+t.d.in("customer_id")+` ORDER BY id`, t.d.ids(found))
	if err != nil {
		return nil, err
	}
	points, err := queryList(t, "customer contact points", scanContactPoint,
		`SELECT `+contactPoints.all+` FROM contact_points WHERE `+t.d.in("customer_id")+` ORDER BY id`, t.d.ids(found))
	if err != nil {
		return nil, err
	}
	attachPoints(cs, points)
	byCustomer := map[casemgr.ID][]casemgr.Contact{}
	for _, c := range cs {
		byCustomer[c.Customer] = append(byCustomer[c.Customer], c)
	}
	for i := range list {
		list[i].Contacts = byCustomer[list[i].ID]
	}
	return list, nil
}

// attachPoints gives each contact its points; both lists are in ID order.
func attachPoints(cs []casemgr.Contact, points []casemgr.ContactPoint) {
	byContact := map[casemgr.ID][]casemgr.ContactPoint{}
	for _, p := range points {
		byContact[p.Contact] = append(byContact[p.Contact], p)
	}
	for i := range cs {
		cs[i].ContactPoints = byContact[cs[i].ID]
	}
}

// InsertCustomer stores a new customer with its contacts and their contact
// points. Zero IDs are assigned (and written back); each contact and point
// is tied to the customer (and contact) it is nested in.
func (t *tx) InsertCustomer(c *casemgr.Customer) error {
	const op = "insert customer"
	if err := t.writable(op); err != nil {
		return err
	}
	if err := t.insertRow(op, customers, &c.ID, c.Name, c.Type, c.Department,
		millis(c.Created), millis(c.LastModified)); err != nil {
		return err
	}
	for i := range c.Contacts {
		ct := &c.Contacts[i]
		ct.Customer = c.ID
		if err := t.insertRow(op, contacts, &ct.ID, ct.Customer, ct.FirstName, ct.LastName); err != nil {
			return err
		}
		for j := range ct.ContactPoints {
			p := &ct.ContactPoints[j]
			p.Contact, p.Customer = ct.ID, c.ID
			if err := t.insertRow(op, contactPoints, &p.ID, p.Contact, p.Customer, p.Kind, p.Type,
				p.Value, valueKey(p.Kind, p.Value), encMap(p.Attrs)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Contacts returns the contacts with the given IDs, with their contact
// points, in ID order.
func (t *tx) Contacts(ids []casemgr.ID) ([]casemgr.Contact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cs, err := queryList(t, "contacts", scanContact, t.byIDs(contacts, false), t.d.ids(ids))
	if err != nil || len(cs) == 0 {
		return cs, err
	}
	found := make([]casemgr.ID, len(cs))
	for i, c := range cs {
		found[i] = c.ID
	}
	points, err := queryList(t, "contact points of contacts", scanContactPoint,
		`SELECT `+contactPoints.all+` FROM contact_points WHERE `+t.d.in("contact_id")+` ORDER BY id`, t.d.ids(found))
	if err != nil {
		return nil, err
	}
	attachPoints(cs, points)
	return cs, nil
}

// ContactPoints returns the contact points with the given IDs, in ID order.
func (t *tx) ContactPoints(ids []casemgr.ID) ([]casemgr.ContactPoint, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryList(t, "contact points", scanContactPoint, t.byIDs(contactPoints, false), t.d.ids(ids))
}

// ContactPointsByValue finds the contact points of a kind by value, in ID
// order: email addresses compare case-insensitively, phone numbers by their
// digits, other values exactly.
func (t *tx) ContactPointsByValue(kind, value string) ([]casemgr.ContactPoint, error) {
	return queryList(t, "contact points by value", scanContactPoint,
		`SELECT `+contactPoints.all+` FROM contact_points WHERE kind = ? AND value_key = ? ORDER BY id`,
		kind, valueKey(kind, value))
}
