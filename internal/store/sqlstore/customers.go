package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/casemgr/casemgr/internal/casemgr"
)

var (
	customers = newTable("customers", "name", "type", "department_id", "created", "last_modified",
		"name_key", "details", "custom_attributes")
	contacts      = newTable("contacts", "customer_id", "first_name", "last_name", "details")
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

func scanContact(r scanner) (casemgr.Contact, error) {
	var c casemgr.Contact
	var details string
	if err := r.Scan(&c.ID, &c.Customer, &c.FirstName, &c.LastName, &details); err != nil {
		return c, err
	}
	var err error
	c.Details, err = decMap[string](details, "contact details")
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
	return t.customers(t.d.customersSQL(), t.d.ids(ids))
}

// CustomersShowing returns the customers of ids, in ID order, each with
// only its contacts whose ID is in contacts or that hold a contact point of
// points, and each of those with only its points of points: what
// activities show of their customers, in one query whatever the number of
// IDs.
func (t *tx) CustomersShowing(ids, contacts, points []casemgr.ID) ([]casemgr.Customer, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if list, ok := t.shown.serve(ids, contacts, points); ok {
		t.shown = nil // served once: the caller may change what it gets
		return list, nil
	}
	if len(contacts) == 0 && len(points) == 0 {
		return t.customers(t.d.customerHeadsSQL(), t.d.ids(ids))
	}
	pts := t.d.ids(points)
	return t.customers(t.d.customersShowingSQL(), t.d.ids(contacts), pts, pts, t.d.ids(ids))
}

// customers reads customers with the contacts and contact points that a
// query of the columns of customersSQL joins to them.
func (t *tx) customers(query string, args ...any) ([]casemgr.Customer, error) {
	rows, err := queryList(t, "customers", scanCustomerRow, query, args...)
	if err != nil {
		return nil, err
	}
	return assembleCustomers(rows), nil
}

// customerJoinRow is a row of the columns of customersSQL: a customer, with
// one of its contacts and one of that contact's points when joined.
type customerJoinRow struct {
	c  casemgr.Customer
	ct *casemgr.Contact
	p  *casemgr.ContactPoint
}

func scanCustomerRow(r scanner) (customerJoinRow, error) {
	sc := newCustomerRowScan()
	if err := r.Scan(sc.dest...); err != nil {
		return customerJoinRow{}, err
	}
	x, err := sc.row()
	if x == nil {
		return customerJoinRow{}, err
	}
	return *x, err
}

// customerRowScan holds the destinations of the columns of customersSQL,
// made once per query rather than once per row. The customer's columns
// may be NULL too (activitiesToShowSQL, an activity without a customer).
type customerRowScan struct {
	cID, cDept, cCreated, cModified            sql.NullInt64
	cName, cType, cDetails, cCustom            sql.NullString
	ctID, ctCustomer, pID, pContact, pCustomer sql.NullInt64
	ctFirst, ctLast, ctDetails                 sql.NullString
	pKind, pType, pValue, pKey, pAttrs         sql.NullString
	dest                                       []any
}

func newCustomerRowScan() *customerRowScan {
	s := &customerRowScan{}
	s.dest = []any{&s.cID, &s.cName, &s.cType, &s.cDept, &s.cCreated, &s.cModified, &s.cDetails, &s.cCustom,
		&s.ctID, &s.ctCustomer, &s.ctFirst, &s.ctLast, &s.ctDetails,
		&s.pID, &s.pContact, &s.pCustomer, &s.pKind, &s.pType, &s.pValue, &s.pKey, &s.pAttrs}
	return s
}

// row returns the row scanned last; nil when it has no customer.
func (s *customerRowScan) row() (*customerJoinRow, error) {
	if !s.cID.Valid {
		return nil, nil
	}
	x := &customerJoinRow{c: casemgr.Customer{ID: s.cID.Int64, Name: s.cName.String, Type: s.cType.String,
		Department: s.cDept.Int64, Created: fromMillis(s.cCreated.Int64), LastModified: fromMillis(s.cModified.Int64)}}
	var err error
	if x.c.Details, err = decMap[string](s.cDetails.String, "customer details"); err != nil {
		return x, err
	}
	if x.c.CustomAttributes, err = decMap[[]string](s.cCustom.String, "customer custom attributes"); err != nil {
		return x, err
	}
	if s.ctID.Valid {
		x.ct = &casemgr.Contact{ID: s.ctID.Int64, Customer: s.ctCustomer.Int64, FirstName: s.ctFirst.String, LastName: s.ctLast.String}
		if x.ct.Details, err = decMap[string](s.ctDetails.String, "contact details"); err != nil {
			return x, err
		}
	}
	if s.pID.Valid {
		x.p = &casemgr.ContactPoint{ID: s.pID.Int64, Contact: s.pContact.Int64, Customer: s.pCustomer.Int64,
			Kind: s.pKind.String, Type: s.pType.String, Value: s.pValue.String}
		if x.p.Attrs, err = decMap[string](s.pAttrs.String, "contact point attrs"); err != nil {
			return x, err
		}
	}
	return x, nil
}

// assembleCustomers nests the rows, in the order of customersSQL, into
// customers with their contacts and points.
func assembleCustomers(rows []customerJoinRow) []casemgr.Customer {
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
	return list
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
	if err := t.insertRow(op, customers, &c.ID, customerRow(c)...); err != nil {
		return err
	}
	for i := range c.Contacts {
		ct := &c.Contacts[i]
		ct.Customer = c.ID
		if err := t.insertContact(op, ct); err != nil {
			return err
		}
	}
	return nil
}

// LockCustomers locks the rows of the given customers until the write
// transaction ends (on SQLite the single writer already holds them).
func (t *tx) LockCustomers(ids []casemgr.ID) error {
	const op = "lock customers"
	if err := t.writable(op); err != nil {
		return err
	}
	if len(ids) == 0 || t.d.forUpdate(true) == "" {
		return nil
	}
	_, err := queryList(t, op, func(r scanner) (casemgr.ID, error) {
		var id casemgr.ID
		return id, r.Scan(&id)
	}, `SELECT id FROM customers WHERE `+t.d.in("id")+` ORDER BY id`+t.d.forUpdate(true), t.d.ids(ids))
	return err
}

// UpdateCustomer writes a customer, its contacts and their points: rows
// with an ID are updated, rows without are inserted; nothing is deleted.
func (t *tx) UpdateCustomer(c *casemgr.Customer) error {
	const op = "update customer"
	if err := t.writable(op); err != nil {
		return err
	}
	if err := t.updateRow(op, customers, c.ID, customerRow(c)...); err != nil {
		return err
	}
	for i := range c.Contacts {
		ct := &c.Contacts[i]
		ct.Customer = c.ID
		if ct.ID == 0 {
			if err := t.insertContact(op, ct); err != nil {
				return err
			}
			continue
		}
		if err := t.updateRow(op, contacts, ct.ID, ct.Customer, ct.FirstName, ct.LastName, encMap(ct.Details)); err != nil {
			return err
		}
		for j := range ct.ContactPoints {
			p := &ct.ContactPoints[j]
			p.Contact, p.Customer = ct.ID, ct.Customer
			if p.ID == 0 {
				if err := t.insertPoint(op, p); err != nil {
					return err
				}
				continue
			}
			if err := t.updateRow(op, contactPoints, p.ID, p.Contact, p.Customer, p.Kind, p.Type,
				p.Value, valueKey(p.Kind, p.Value), encMap(p.Attrs)); err != nil {
				return err
			}
			if err := t.writePhoneKeys(op, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// customerRow is the values of the columns of a customer.
func customerRow(c *casemgr.Customer) []any {
	return []any{c.Name, c.Type, c.Department, millis(c.Created), millis(c.LastModified),
		strings.ToLower(c.Name), encMap(c.Details), encMap(c.CustomAttributes)}
}

// insertContact stores a new contact of ct.Customer with its points.
func (t *tx) insertContact(op string, ct *casemgr.Contact) error {
	if err := t.insertRow(op, contacts, &ct.ID, ct.Customer, ct.FirstName, ct.LastName, encMap(ct.Details)); err != nil {
		return err
	}
	for j := range ct.ContactPoints {
		p := &ct.ContactPoints[j]
		p.Contact, p.Customer = ct.ID, ct.Customer
		if err := t.insertPoint(op, p); err != nil {
			return err
		}
	}
	return nil
}

// insertPoint stores a new contact point with its phone keys.
func (t *tx) insertPoint(op string, p *casemgr.ContactPoint) error {
	if err := t.insertRow(op, contactPoints, &p.ID, p.Contact, p.Customer, p.Kind, p.Type,
		p.Value, valueKey(p.Kind, p.Value), encMap(p.Attrs)); err != nil {
		return err
	}
	return t.writePhoneKeys(op, p)
}

// writePhoneKeys writes the digit forms of a phone contact point
// (casemgr.PhoneKeys), replacing those it had.
func (t *tx) writePhoneKeys(op string, p *casemgr.ContactPoint) error {
	if p.Kind != casemgr.KindPhone {
		return nil
	}
	if _, err := t.exec(op, `DELETE FROM phone_keys WHERE contact_point_id = ?`, p.ID); err != nil {
		return err
	}
	for _, k := range casemgr.PhoneKeys(p) {
		if _, err := t.exec(op, `INSERT INTO phone_keys (digits, contact_point_id, customer_id) VALUES (?, ?, ?)`,
			k, p.ID, p.Customer); err != nil {
			return err
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

// CustomerDepartments returns the department of each customer that exists
// among customers and the customers of the contact points and activities
// named: one statement of two columns, whatever the numbers.
func (t *tx) CustomerDepartments(customers, points, activities []casemgr.ID) (map[casemgr.ID]casemgr.ID, error) {
	if len(customers)+len(points)+len(activities) == 0 {
		return map[casemgr.ID]casemgr.ID{}, nil
	}
	out := make(map[casemgr.ID]casemgr.ID, len(customers)+len(points)+len(activities))
	var id, dept casemgr.ID
	if err := t.each(t.d.customerDepartmentsSQL(), []any{t.d.ids(customers), t.d.ids(points), t.d.ids(activities)}, func(r scanner) error {
		err := r.Scan(&id, &dept)
		out[id] = dept
		return err
	}); err != nil {
		return nil, t.wrap("customer departments", err)
	}
	return out, nil
}

// ContactPoints returns the contact points with the given IDs, in ID order.
func (t *tx) ContactPoints(ids []casemgr.ID) ([]casemgr.ContactPoint, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryList(t, "contact points", scanContactPoint, t.byIDs(contactPoints, false), t.d.ids(ids))
}

// ContactPointsByValue finds the contact points of a kind by value, in ID
// order: email addresses compare case-insensitively, phone numbers by the
// phone matcher (any of the digit forms of casemgr.PhoneKeys), other
// values exactly.
func (t *tx) ContactPointsByValue(kind, value string) ([]casemgr.ContactPoint, error) {
	if kind == casemgr.KindPhone {
		return queryList(t, "contact points by phone", scanContactPoint, contactPointsByPhoneSQL, casemgr.PhoneDigits(value))
	}
	return queryList(t, "contact points by value", scanContactPoint, contactPointsByValueSQL, kind, valueKey(kind, value))
}

// contactPointsByValueSQL finds contact points by kind and lookup value.
var contactPointsByValueSQL = `SELECT ` + contactPoints.all + ` FROM contact_points WHERE kind = ? AND value_key = ? ORDER BY id`

// contactPointsByPhoneSQL finds phone contact points by a digit form.
var contactPointsByPhoneSQL = `SELECT ` + contactPoints.all + ` FROM contact_points
	WHERE id IN (SELECT contact_point_id FROM phone_keys WHERE digits = ?) ORDER BY id`

// customerSortColumns maps the sorts of CustomerFilter to columns; only
// these are ever put into the ORDER BY of a customer search.
var customerSortColumns = map[string]string{"": "id", "id": "id", "type": "type", "customerName": "name_key"}

// SearchCustomers returns the IDs of one page of the customers matching f
// and the number of all matches. The contact point filters are index
// lookups (phone_keys, contact_points by kind and value_key).
func (t *tx) SearchCustomers(f casemgr.CustomerFilter) ([]casemgr.ID, int, error) {
	const op = "search customers"
	col, ok := customerSortColumns[f.Sort]
	if !ok {
		return nil, 0, t.wrap(op, fmt.Errorf("unknown sort %q", f.Sort))
	}
	if f.Departments != nil && len(f.Departments) == 0 {
		return nil, 0, nil
	}
	count, page, args := t.d.customerSearchSQL(f, col)
	return searchPage(t, op, scanID, count, page, args, f.Offset, f.Limit)
}

// customerSearchSQL returns the count and page queries of a customer
// search with their parameters (the page's LIMIT and OFFSET last).
func (d *dialect) customerSearchSQL(f casemgr.CustomerFilter, col string) (count, page string, args []any) {
	var s search
	add := s.add
	if f.Phone != "" {
		add(`c.id IN (SELECT customer_id FROM phone_keys WHERE digits = ?)`, f.Phone)
	}
	if f.Email != "" {
		add(`c.id IN (SELECT customer_id FROM contact_points WHERE kind = ? AND value_key = ?)`,
			casemgr.KindEmail, valueKey(casemgr.KindEmail, f.Email))
	}
	for _, s := range f.Social {
		add(`c.id IN (SELECT customer_id FROM contact_points WHERE kind = ? AND value_key = ? AND type = ?)`,
			casemgr.KindSocial, s.ID, s.Type)
	}
	if f.NameContains != "" {
		add(`c.name_key LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(f.NameContains))+"%")
	}
	for _, a := range f.Custom {
		add(d.customAttributeHas("c.custom_attributes"), a.Name, a.Value)
	}
	s.timeRange("c.created", f.Created)
	if f.Type != "" {
		add(`c.type = ?`, f.Type)
	}
	if f.Departments != nil {
		add(d.in("c.department_id"), d.ids(f.Departments))
	}
	return s.queries("c.id", "customers c", "c.", col, f.Descending)
}

// likeEscaper escapes the wildcards of LIKE, so a name search matches the
// text as given.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// customersSQL is the query of customers with their contacts and contact
// points: a row per point (or contact without points, or customer without
// contacts).
func (d *dialect) customersSQL() string {
	return `SELECT c.id, c.name, c.type, c.department_id, c.created, c.last_modified, c.details, c.custom_attributes,
		ct.id, ct.customer_id, ct.first_name, ct.last_name, ct.details,
		p.id, p.contact_id, p.customer_id, p.kind, p.type, p.value, p.value_key, p.attrs
		FROM customers c
		LEFT JOIN contacts ct ON ct.customer_id = c.id
		LEFT JOIN contact_points p ON p.contact_id = ct.id
		WHERE ` + d.in("c.id") + ` ORDER BY c.id, ct.id, p.id`
}

// customersShowingSQL is customersSQL with only the contacts of a list (the
// first parameter) or holding a point of a list (the second), and only
// the points of that list (the third); the customers' IDs come last.
func (d *dialect) customersShowingSQL() string {
	return `SELECT c.id, c.name, c.type, c.department_id, c.created, c.last_modified, c.details, c.custom_attributes,
		ct.id, ct.customer_id, ct.first_name, ct.last_name, ct.details,
		p.id, p.contact_id, p.customer_id, p.kind, p.type, p.value, p.value_key, p.attrs
		FROM customers c
		LEFT JOIN contacts ct ON ct.customer_id = c.id AND ` + d.contactsOrOwnersOf("ct.id") + `
		LEFT JOIN contact_points p ON p.contact_id = ct.id AND ` + d.in("p.id") + `
		WHERE ` + d.in("c.id") + ` ORDER BY c.id, ct.id, p.id`
}

// contactsOrOwnersOf is the condition that col is in a list of contacts
// (the first parameter) or holds a contact point of a list (the second). On
// PostgreSQL it is one array, so that even the generic plan looks the
// contacts up by ID (an OR of two conditions scans the table).
func (d *dialect) contactsOrOwnersOf(col string) string {
	if d.arrayParams {
		return col + ` = ANY(?::bigint[] || ARRAY(SELECT contact_id FROM contact_points WHERE id = ANY(?)))`
	}
	return `(` + d.in(col) + ` OR ` + col + ` IN (SELECT contact_id FROM contact_points WHERE ` + d.in("id") + `))`
}

// customerDepartmentsSQL reads the ID and department of the customers of a
// list (the first parameter), of the customers of contact points (the
// second) and of activities (the third). On PostgreSQL the three are one
// array, so that even the generic plan looks the customers up by ID, as in
// contactsOrOwnersOf.
func (d *dialect) customerDepartmentsSQL() string {
	if d.arrayParams {
		return `SELECT c.id, c.department_id FROM customers c WHERE c.id = ANY(?::bigint[]
			|| ARRAY(SELECT customer_id FROM contact_points WHERE id = ANY(?))
			|| ARRAY(SELECT customer_id FROM activities WHERE id = ANY(?)))`
	}
	return `SELECT c.id, c.department_id FROM customers c WHERE ` + d.in("c.id") + `
		OR c.id IN (SELECT customer_id FROM contact_points WHERE ` + d.in("id") + `)
		OR c.id IN (SELECT customer_id FROM activities WHERE ` + d.in("id") + `)`
}

// customerHeadsSQL reads customers without contacts, in the columns of
// customersSQL.
func (d *dialect) customerHeadsSQL() string {
	return `SELECT c.id, c.name, c.type, c.department_id, c.created, c.last_modified, c.details, c.custom_attributes,
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
		FROM customers c WHERE ` + d.in("c.id") + ` ORDER BY c.id`
}
