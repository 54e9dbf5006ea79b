package casemgr

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"time"
	"unicode/utf8"
)

// CustomerEdit is an edit of a customer (PATCH /customer[/{id}]), as sent:
// nil means an element that was not sent. Contacts and points with an ID
// are edited, those without are new; nothing is ever deleted.
type CustomerEdit struct {
	// PathID is the customer of the path form; 0 for the body form.
	PathID ID
	// ID is the body's id; nil when not sent.
	ID *ID
	// LastModified is the customer's lastModified as the client read it;
	// nil when not sent.
	LastModified *time.Time
	Name         *string
	// Details are the optional customer elements by name, as NewCustomer's.
	Details  map[string]string
	Custom   map[string][]string
	Contacts []NewContact
}

// target is the ID of the customer edited: the path's, else the body's.
func (in *CustomerEdit) target() ID {
	if in.PathID != 0 {
		return in.PathID
	}
	if in.ID != nil {
		return *in.ID
	}
	return 0
}

// editWorld is what the rules of a customer edit are checked against,
// loaded in the transaction: the create-customer world with the customer's
// department, and the customer itself.
type editWorld struct {
	customerWorld
	// customer is the customer edited; nil when it does not exist or the
	// actor does not see it.
	customer *Customer
}

// EditCustomer edits a customer (PATCH /customer[/{id}]): load, check every
// rule, then write the changes and the customer's history in one
// transaction.
func (s *Service) EditCustomer(ctx context.Context, actor Actor, in *CustomerEdit) error {
	return s.Store.Write(ctx, func(tx Tx) error {
		if err := checkEditShape(in); err != nil {
			return err
		}
		w, err := loadEditWorld(tx, actor, in)
		if err != nil {
			return err
		}
		if err := checkCustomerEdit(actor, in, w); err != nil {
			return err
		}
		before := cloneCustomer(w.customer)
		c := w.customer
		applyCustomerEdit(c, in)
		now := NextModified(c.LastModified, s.now())
		c.LastModified = now
		if err := tx.UpdateCustomer(c); err != nil {
			return err
		}
		return tx.AppendHistory([]HistoryEntry{history("customer", c.ID, "edit", actor, now, before, c)})
	})
}

// loadEditWorld locks and reads the customer named, its department, the
// configured lists, the customer custom attributes and the owners of the
// email addresses sent (the points being edited left out).
func loadEditWorld(tx Tx, actor Actor, in *CustomerEdit) (*editWorld, error) {
	id := in.target()
	if err := tx.LockCustomers([]ID{id}); err != nil {
		return nil, err
	}
	custs, err := tx.Customers([]ID{id})
	if err != nil {
		return nil, err
	}
	w := &editWorld{}
	base, err := loadCustomerWorld(tx, &NewCustomer{})
	if err != nil {
		return nil, err
	}
	w.customerWorld = *base
	if len(custs) == 1 && actor.SeesCustomer(&custs[0]) {
		w.customer = &custs[0]
	}
	if w.customer == nil {
		return w, nil
	}
	if w.customer.Department != 0 {
		if w.department, err = tx.Department(w.customer.Department); err != nil {
			return nil, err
		}
	}
	var edited []ID
	for _, c := range in.Contacts {
		for _, p := range c.Points {
			if p.ID != 0 {
				edited = append(edited, p.ID)
			}
		}
	}
	return w, w.loadEmailOwners(tx, in.Contacts, edited...)
}

// checkEditShape checks the rules of an edit that need nothing but the
// request (400): EC1's id and EC2.
func checkEditShape(in *CustomerEdit) error {
	var v Violations
	editNamesCustomer(&v, in)
	editChangesSomething(&v, in)
	return v.Err()
}

// checkCustomerEdit checks every rule of an edit against the world: the
// values sent (400), the customer's existence (404 in the path form, 400
// in the body form), the actor's permissions (403), the rules that need
// the customer (400), and finally a stale lastModified (409).
func checkCustomerEdit(actor Actor, in *CustomerEdit, w *editWorld) error {
	var v Violations
	customerElementsAreValid(&v, in.Details, &w.customerWorld)
	customAttributesAreValid(&v, in.Custom, w.customDefs)
	for i := range in.Contacts {
		c := &in.Contacts[i]
		contactIsValid(&v, c, c.ID == 0)
		for j := range c.Points {
			pointIsValid(&v, &c.Points[j], &w.customerWorld, c.Points[j].ID == 0)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if w.customer == nil {
		if in.PathID != 0 {
			return E(CodeNotFound, "entity", "customer", "ids", FormatID(in.PathID))
		}
		return E(CodeEditCustomerNotFound, "value", FormatID(in.target()))
	}
	if err := mayEditCustomer(actor); err != nil {
		return err
	}
	editedNameFitsType(&v, in, w.customer)
	individualKeepsOneContact(&v, in, w.customer)
	for i := range in.Contacts {
		c := &in.Contacts[i]
		contactBelongsToCustomer(&v, c, w.customer)
		for j := range c.Points {
			editedPointIsOfContact(&v, c, &c.Points[j], w.customer)
		}
	}
	emailAddressesAreFree(&v, in.Contacts, &w.customerWorld)
	if err := v.Err(); err != nil {
		return err
	}
	if in.LastModified != nil && !customerLastModifiedMatches(w.customer, *in.LastModified) {
		return E(CodeCustomerStale, "ids", FormatID(w.customer.ID), "value", FormatTime(w.customer.LastModified))
	}
	return nil
}

// mayEditCustomer: a user needs the Edit Customer action and any user
// license. The customer's department is one the user works in: a customer
// the user does not see has already answered as one that does not exist.
func mayEditCustomer(actor Actor) error {
	if !actor.HasAction(ActionEditCustomer) {
		return E(CodeActionNotAllowed, "action", ActionEditCustomer)
	}
	if !actor.HasAnyLicense() {
		return E(CodeNoUserLicense)
	}
	return nil
}

// editNamesCustomer (EC1): the customer's id is sent, in the path or the
// body; a body id agrees with the path's.
func editNamesCustomer(v *Violations, in *CustomerEdit) {
	switch {
	case in.PathID == 0 && in.ID == nil:
		v.Add(PhaseRule, "id", CodeEditCustomerIDRequired)
	case in.PathID != 0 && in.ID != nil && *in.ID != in.PathID:
		v.Add(PhaseRule, "id", CodeEditCustomerIDMismatch, "value", FormatID(*in.ID), "ids", FormatID(in.PathID))
	}
}

// editChangesSomething (EC2): an edit sends at least one element besides
// id (and lastModified, which only guards the edit).
func editChangesSomething(v *Violations, in *CustomerEdit) {
	if in.Name == nil && len(in.Details) == 0 && len(in.Custom) == 0 && len(in.Contacts) == 0 {
		v.Add(PhaseRule, "body", CodeEditCustomerEmpty)
	}
}

// editedNameFitsType (EC3): customerName is edited only for corporate and
// group customers, 1 to 124 characters; an individual's name is its
// contact's.
func editedNameFitsType(v *Violations, in *CustomerEdit, c *Customer) {
	if in.Name == nil {
		return
	}
	if c.Type == "individual" {
		v.Add(PhaseRule, "customerName", CodeUnsupportedElement, "name", "customerName")
		return
	}
	if strings.TrimSpace(*in.Name) == "" || utf8.RuneCountInString(*in.Name) > 124 {
		v.Add(PhaseRule, "customerName", CodeCustomerNameRequired, "value", c.Type)
	}
}

// individualKeepsOneContact (EC5): an individual customer never gets a
// second contact.
func individualKeepsOneContact(v *Violations, in *CustomerEdit, c *Customer) {
	if c.Type != "individual" {
		return
	}
	n := len(c.Contacts)
	for _, nc := range in.Contacts {
		if nc.ID != 0 {
			continue
		}
		if n++; n > 1 {
			v.Add(PhaseRule, nc.Path, CodeIndividualSecondContact, "ids", FormatID(c.ID))
		}
	}
}

// contactBelongsToCustomer (EC4): a contact sent with an id is one of the
// customer's.
func contactBelongsToCustomer(v *Violations, nc *NewContact, c *Customer) {
	if nc.ID != 0 && customerContact(c, nc.ID) == nil {
		v.Add(PhaseRule, nc.Path, CodeContactNotOfCustomer, "value", FormatID(nc.ID), "ids", FormatID(c.ID))
	}
}

// customerContact returns the customer's contact with this ID, nil when it
// has none.
func customerContact(c *Customer, id ID) *Contact {
	for i := range c.Contacts {
		if c.Contacts[i].ID == id {
			return &c.Contacts[i]
		}
	}
	return nil
}

// editedPointIsOfContact (EC6): a point sent with an id belongs to the
// contact it is sent under, sits under the key of its own kind, and
// carries at least one element besides its id.
func editedPointIsOfContact(v *Violations, nc *NewContact, p *NewPoint, c *Customer) {
	if p.ID == 0 {
		return
	}
	var stored *ContactPoint
	if ct := customerContact(c, nc.ID); ct != nil && nc.ID != 0 {
		for i := range ct.ContactPoints {
			if ct.ContactPoints[i].ID == p.ID {
				stored = &ct.ContactPoints[i]
			}
		}
	}
	switch {
	case stored == nil:
		v.Add(PhaseRule, p.Path, CodePointNotOfContact, "value", FormatID(p.ID), "name", nc.Path)
	case stored.Kind != p.Kind:
		v.Add(PhaseRule, p.Path, CodePointKindMismatch, "value", FormatID(p.ID), "kind", stored.Kind, "name", p.Kind)
	case p.Type == nil && p.Value == nil && len(p.Attrs) == 0:
		v.Add(PhaseRule, p.Path, CodePointEditEmpty, "value", FormatID(p.ID))
	}
}

// customerLastModifiedMatches (EC8): a lastModified sent is the customer's
// current one.
func customerLastModifiedMatches(c *Customer, read time.Time) bool { return c.LastModified.Equal(read) }

// applyCustomerEdit changes what the edit sends and nothing else: details
// and points' fields merge, custom attributes are replaced by name, new
// contacts and points are added; an individual's name follows its
// contact's names.
func applyCustomerEdit(c *Customer, in *CustomerEdit) {
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if c.Details == nil && len(in.Details) > 0 {
		c.Details = map[string]string{}
	}
	maps.Copy(c.Details, in.Details)
	if c.CustomAttributes == nil && len(in.Custom) > 0 {
		c.CustomAttributes = map[string][]string{}
	}
	maps.Copy(c.CustomAttributes, in.Custom)
	for i := range in.Contacts {
		nc := &in.Contacts[i]
		if nc.ID == 0 {
			c.Contacts = append(c.Contacts, buildContact(nc))
			continue
		}
		editContact(customerContact(c, nc.ID), nc)
	}
	if c.Type == "individual" && len(c.Contacts) == 1 {
		c.Name = individualName(&c.Contacts[0])
	}
}

// editContact applies the edit of one contact: its names and details, its
// edited points, and its new points.
func editContact(ct *Contact, nc *NewContact) {
	if nc.FirstName != nil {
		ct.FirstName = *nc.FirstName
	}
	for k, val := range nc.Details {
		if k == "lastName" {
			ct.LastName = val
			continue
		}
		if ct.Details == nil {
			ct.Details = map[string]string{}
		}
		ct.Details[k] = val
	}
	for i := range nc.Points {
		np := &nc.Points[i]
		if np.ID == 0 {
			ct.ContactPoints = append(ct.ContactPoints, buildPoint(np))
			continue
		}
		for j := range ct.ContactPoints {
			if p := &ct.ContactPoints[j]; p.ID == np.ID {
				editPoint(p, np)
			}
		}
	}
}

// editPoint applies the edit of one contact point: the fields sent replace
// the stored ones, the others stay.
func editPoint(p *ContactPoint, np *NewPoint) {
	if np.Type != nil {
		p.Type = *np.Type
	}
	if np.Value != nil {
		p.Value = *np.Value
	}
	if p.Attrs == nil && len(np.Attrs) > 0 {
		p.Attrs = map[string]string{}
	}
	maps.Copy(p.Attrs, np.Attrs)
}

// cloneCustomer copies a customer deeply (for the history's before).
func cloneCustomer(c *Customer) *Customer {
	var out Customer
	b, _ := json.Marshal(c)
	_ = json.Unmarshal(b, &out)
	return &out
}
