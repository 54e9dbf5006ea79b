package sqlstore

import (
	"database/sql"
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
// and their contact points, in ID order: one query (a row per contact
// point), whatever the number.
func (t *tx) Customers(ids []casemgr.ID) ([]casemgr.Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	type row struct {
		c  casemgr.Customer
		ct *casemgr.Contact
		p  *casemgr.ContactPoint
	}
	rows, err := queryList(t, "customers", func(r scanner) (row, error) {
		var x row
		var created, modified int64
		var ctID, ctCustomer, pID, pContact, pCustomer sql.NullInt64
		var ctFirst, ctLast, pKind, pType, pValue, pKey, pAttrs sql.NullString
		if err := r.Scan(&x.c.ID, &x.c.Name, &x.c.Type, &x.c.Department, &created, &modified,
			&ctID, &ctCustomer, &ctFirst, &ctLast,
			&pID, &pContact, &pCustomer, &pKind, &pType, &pValue, &pKey, &pAttrs); err != nil {
			return x, err
		}
		x.c.Created, x.c.LastModified = fromMillis(created), fromMillis(modified)
		if ctID.Valid {
			x.ct = &casemgr.Contact{ID: ctID.Int64, Customer: ctCustomer.Int64, FirstName: ctFirst.String, LastName: ctLast.String}
		}
		if pID.Valid {
			x.p = &casemgr.ContactPoint{ID: pID.Int64, Contact: pContact.Int64, Customer: pCustomer.Int64,
				Kind: pKind.String, Type: pType.String, Value: pValue.String}
			var err error
			if x.p.Attrs, err = decMap[string](pAttrs.String, "contact point attrs"); err != nil {
				return x, err
			}
		}
		return x, nil
	}, t.d.customersSQL(), t.d.ids(ids))
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var list []casemgr.Customer
	for _, x := range rows {
		if n := len(list); n == 0 || list[n-1].ID != x.c.ID {
			list = append(list, x.c)
		}
		c := &list[len(list)-1]
		if x.ct == nil {
			continue
		}
		if n := len(c.Contacts); n == 0 || c.Contacts[n-1].ID != x.ct.ID {
			c.Contacts = append(c.Contacts, *x.ct)
		}
		if x.p != nil {
			ct := &c.Contacts[len(c.Contacts)-1]
			ct.ContactPoints = append(ct.ContactPoints, *x.p)
		}
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
	return queryList(t, "contact points by value", scanContactPoint, contactPointsByValueSQL, kind, valueKey(kind, value))
}

// contactPointsByValueSQL finds contact points by kind and lookup value.
var contactPointsByValueSQL = `SELECT ` + contactPoints.all + ` FROM contact_points WHERE kind = ? AND value_key = ? ORDER BY id`

// customersSQL is the query of customers with their contacts and contact
// points: a row per point (or contact without points, or customer without
// contacts).
func (d *dialect) customersSQL() string {
	return `SELECT c.id, c.name, c.type, c.department_id, c.created, c.last_modified,
		ct.id, ct.customer_id, ct.first_name, ct.last_name,
		p.id, p.contact_id, p.customer_id, p.kind, p.type, p.value, p.value_key, p.attrs
		FROM customers c
		LEFT JOIN contacts ct ON ct.customer_id = c.id
		LEFT JOIN contact_points p ON p.contact_id = ct.id
		WHERE ` + d.in("c.id") + ` ORDER BY c.id, ct.id, p.id`
}
