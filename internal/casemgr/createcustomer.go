package casemgr

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// NewCustomer is a customer to create (POST /customer), as sent: nil means
// an element that was not sent.
type NewCustomer struct {
	// PathType is the customer type of the path form ("" for none); "corp"
	// has been read as "corporate".
	PathType   string
	Type       string
	Department *string
	Name       *string
	// GroupType is type.group.type.value; Region is type.group.region or
	// type.corporate.region.
	GroupType *string
	Region    *string
	// Details are the optional customer elements by name: role, pin,
	// howReferred, marketSegment, entitlements, level, industry.
	Details  map[string]string
	Custom   map[string][]string
	Contacts []NewContact
}

// NewContact is a contact of a created customer, or a contact added or
// edited by edit customer.
type NewContact struct {
	// ID is the contact edited (edit customer); 0 for a new contact.
	ID ID
	// Path names the contact in messages: "contacts.contact[0]".
	Path      string
	FirstName *string
	// Details are lastName, salutation, middleName, loginId, jobTitle.
	Details map[string]string
	Points  []NewPoint
}

// NewPoint is a contact point as sent.
type NewPoint struct {
	// ID is the point edited (edit customer); 0 for a new point.
	ID    ID
	Path  string
	Kind  string
	Type  *string
	Value *string
	// Attrs are the point's further elements by name: countryCode,
	// areaCode, extension, availability.days, availability.times,
	// address_2, city, state, zip, country, region, priority.
	Attrs map[string]string
}

// The values of the enumerated elements of customers and contact points.
var (
	CustomerRoles        = []string{"Partner", "Reseller", "Customer"}
	CustomerHowReferred  = []string{"Website", "Customer", "Partner", "Employee", "Reseller"}
	CreatePhoneTypes     = []string{"home", "office", "mobile", "fax", "pager"}
	PostalTypes          = []string{"home", "office", "other"}
	BuiltInSocialTypes   = []string{"Twitter", "Facebook", "Instagram", "Apple", "YouTube"}
	PointPriorities      = []string{"low", "medium", "high"}
	AvailabilityDays     = []string{"weekdays", "weekends", "any_day"}
	AvailabilityTimes    = []string{"mornings", "afternoons", "evenings", "day", "anytime"}
	customerDetailLimits = map[string]int{"pin": 255, "marketSegment": 50, "entitlements": 1024}
)

// customerWorld is what the rules of a created customer are checked
// against, loaded in the transaction.
type customerWorld struct {
	departmentalized bool
	department       *Department // the department named, nil when none or unknown
	lists            map[string][]string
	customDefs       []AttributeDef
	// emailOwners maps a lower-cased address to the departments of the
	// customers whose email points hold it.
	emailOwners map[string][]ID
}

// CreateCustomer creates a customer with its contacts and contact points
// (POST /customer): load, check every rule, then write it and its history
// in one transaction. It returns the new customer's ID.
func (s *Service) CreateCustomer(ctx context.Context, actor Actor, in *NewCustomer) (ID, error) {
	var id ID
	err := s.Store.Write(ctx, func(tx Tx) error {
		w, err := loadCustomerWorld(tx, in)
		if err != nil {
			return err
		}
		if err := checkNewCustomer(actor, in, w); err != nil {
			return err
		}
		now := Millis(s.now())
		c := buildCustomer(in, w, now)
		if err := tx.InsertCustomer(&c); err != nil {
			return err
		}
		id = c.ID
		return tx.AppendHistory([]HistoryEntry{history("customer", c.ID, "create", actor, now, nil, c)})
	})
	return id, err
}

// loadCustomerWorld reads the settings, the department named, the
// configured lists, the customer custom attributes and the owners of the
// email addresses sent.
func loadCustomerWorld(tx Tx, in *NewCustomer) (*customerWorld, error) {
	settings, err := tx.Settings()
	if err != nil {
		return nil, err
	}
	w := &customerWorld{departmentalized: settings.CustomerDepartmentalization, lists: map[string][]string{},
		emailOwners: map[string][]ID{}}
	if in.Department != nil && strings.TrimSpace(*in.Department) != "" {
		depts, err := tx.Departments()
		if err != nil {
			return nil, err
		}
		for i := range depts {
			if strings.EqualFold(depts[i].Name, strings.TrimSpace(*in.Department)) {
				w.department = &depts[i]
				break
			}
		}
	}
	for _, name := range ValueListNames {
		if w.lists[name], err = ValueList(tx, name); err != nil {
			return nil, err
		}
	}
	if w.customDefs, err = tx.AttributeDefs("customer"); err != nil {
		return nil, err
	}
	if err := w.loadEmailOwners(tx, in.Contacts); err != nil {
		return nil, err
	}
	return w, nil
}

// loadEmailOwners finds, for every email address sent, the departments of
// the customers already using it, skipping the points being edited.
func (w *customerWorld) loadEmailOwners(tx Tx, contacts []NewContact, skip ...ID) error {
	for _, c := range contacts {
		for _, p := range c.Points {
			if p.Kind != KindEmail || p.Value == nil {
				continue
			}
			key := strings.ToLower(*p.Value)
			if _, done := w.emailOwners[key]; done {
				continue
			}
			points, err := tx.ContactPointsByValue(KindEmail, *p.Value)
			if err != nil {
				return err
			}
			var custIDs []ID
			for _, x := range points {
				if !slices.Contains(skip, x.ID) {
					custIDs = append(custIDs, x.Customer)
				}
			}
			custs, err := tx.Customers(slices.Compact(slices.Sorted(slices.Values(custIDs))))
			if err != nil {
				return err
			}
			owners := []ID{}
			for _, c := range custs {
				owners = append(owners, c.Department)
			}
			w.emailOwners[key] = owners
		}
	}
	return nil
}

// checkNewCustomer checks every rule of a created customer: the shape rules
// (400) first, then the actor's permissions (403), then the rules that
// need the world (400).
func checkNewCustomer(actor Actor, in *NewCustomer, w *customerWorld) error {
	var v Violations
	customerTypeIsValid(&v, in)
	departmentIsNamed(&v, in, w)
	individualHasOneContact(&v, in)
	corporateAndGroupHaveAName(&v, in)
	groupTypeAndRegionAreConfigured(&v, in, w)
	customerElementsAreValid(&v, in.Details, w)
	customAttributesAreValid(&v, in.Custom, w.customDefs)
	for i := range in.Contacts {
		contactIsValid(&v, &in.Contacts[i], true)
		for j := range in.Contacts[i].Points {
			pointIsValid(&v, &in.Contacts[i].Points[j], w, true)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := mayCreateCustomer(actor, w); err != nil {
		return err
	}
	emailAddressesAreFree(&v, in.Contacts, w)
	return v.Err()
}

// mayCreateCustomer: a user needs the Create Customer action, any user
// license and, with customer departmentalization on, the customer's
// department as home or foreign department.
func mayCreateCustomer(actor Actor, w *customerWorld) error {
	if !actor.HasAction(ActionCreateCustomer) {
		return E(CodeActionNotAllowed, "action", ActionCreateCustomer)
	}
	if !actor.HasAnyLicense() {
		return E(CodeNoUserLicense)
	}
	if w.departmentalized && w.department != nil && !actor.WorksIn(w.department.ID) {
		return E(CodeDepartmentAccess, "ids", w.department.Name)
	}
	return nil
}

// customerTypeIsValid (CC2): type.value is individual, corporate or group,
// and agrees with the type of the path.
func customerTypeIsValid(v *Violations, in *NewCustomer) {
	if !slices.Contains(CustomerTypes, in.Type) {
		v.Add(PhaseRule, "type.value", CodeCustomerTypeInvalid, "value", in.Type)
		return
	}
	if in.PathType != "" && in.PathType != in.Type {
		v.Add(PhaseRule, "type.value", CodeCustomerTypeMismatch, "value", in.PathType, "name", in.Type)
	}
}

// departmentIsNamed (CC3): with customer departmentalization on, the
// department is required; a department sent names an existing one.
func departmentIsNamed(v *Violations, in *NewCustomer, w *customerWorld) {
	sent := in.Department != nil && strings.TrimSpace(*in.Department) != ""
	switch {
	case !sent && w.departmentalized:
		v.Add(PhaseRule, "department.name", CodeCustomerDepartmentRequired)
	case sent && w.department == nil:
		v.Add(PhaseRule, "department.name", CodeCustomerDepartmentUnknown, "value", *in.Department)
	}
}

// individualHasOneContact (CC4): an individual customer has exactly one
// contact and no customerName of its own.
func individualHasOneContact(v *Violations, in *NewCustomer) {
	if in.Type != "individual" {
		return
	}
	if in.Name != nil {
		v.Add(PhaseRule, "customerName", CodeUnsupportedElement, "name", "customerName")
	}
	if len(in.Contacts) != 1 {
		v.Add(PhaseRule, "contacts", CodeIndividualOneContact, "count", strconv.Itoa(len(in.Contacts)))
	}
}

// corporateAndGroupHaveAName (CC5): a corporate or group customer has a
// customerName of 1 to 124 characters.
func corporateAndGroupHaveAName(v *Violations, in *NewCustomer) {
	if in.Type != "corporate" && in.Type != "group" {
		return
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" || utf8.RuneCountInString(*in.Name) > 124 {
		v.Add(PhaseRule, "customerName", CodeCustomerNameRequired, "value", in.Type)
	}
}

// groupTypeAndRegionAreConfigured (CC6): a group customer names a
// configured group type; a group's or corporation's region is configured.
func groupTypeAndRegionAreConfigured(v *Violations, in *NewCustomer, w *customerWorld) {
	if in.Type == "group" {
		gt := ""
		if in.GroupType != nil {
			gt = *in.GroupType
		}
		if !slices.Contains(w.lists[ListGroupTypes], gt) {
			v.Add(PhaseRule, "type.group.type.value", CodeGroupTypeInvalid, "value", gt)
		}
	}
	if in.Region != nil && !slices.Contains(w.lists[ListRegions], *in.Region) {
		v.Add(PhaseRule, "type."+in.Type+".region", CodeRegionInvalid, "value", *in.Region)
	}
}

// customerElementsAreValid (CC7): role and howReferred take their listed
// values, level and industry configured ones; pin, marketSegment and
// entitlements fit their limits.
func customerElementsAreValid(v *Violations, details map[string]string, w *customerWorld) {
	for name, val := range details {
		if !CustomerDetailValid(name, val, w.lists) {
			v.Add(PhaseRule, name, CodeCustomerElementInvalid, "name", name, "value", val)
		}
	}
}

// CustomerDetails names the optional elements of a customer (CC7).
var CustomerDetails = []string{"role", "howReferred", "level", "industry", "pin", "marketSegment", "entitlements"}

// CustomerDetailValid reports whether val is a valid value of the customer
// element name (CC7), given the configured value lists by name: role and
// howReferred take their listed values, level and industry the configured
// levels and industries; pin, marketSegment and entitlements fit their
// limits. The fixture loader checks a world's customers by it too.
func CustomerDetailValid(name, val string, lists map[string][]string) bool {
	switch name {
	case "role":
		return slices.Contains(CustomerRoles, val)
	case "howReferred":
		return slices.Contains(CustomerHowReferred, val)
	case "level":
		return slices.Contains(lists[ListLevels], val)
	case "industry":
		return slices.Contains(lists[ListIndustries], val)
	}
	limit, ok := customerDetailLimits[name]
	return ok && utf8.RuneCountInString(val) <= limit
}

// customAttributesAreValid (CC7, custom attribute values): the custom
// attribute rule (customAttributeValuesAreValid) for a customer.
func customAttributesAreValid(v *Violations, custom map[string][]string, defs []AttributeDef) {
	customAttributeValuesAreValid(v, "customer", custom, defs)
}

// customAttributeValuesAreValid is the rule of custom attribute values in
// the bodies of the customer and activity calls: each name is a custom
// attribute of the object; an enumeration takes its listed values; a
// string holds only letters, digits, space, @ : . _ - & , ( ) ? # = ' " and
// characters above U+007F.
func customAttributeValuesAreValid(v *Violations, object string, custom map[string][]string, defs []AttributeDef) {
	for _, name := range slices.Sorted(maps.Keys(custom)) {
		var def *AttributeDef
		for i := range defs {
			if defs[i].Name == name {
				def = &defs[i]
			}
		}
		if def == nil {
			v.Add(PhaseRule, "customAttributes."+name, CodeAttributeUnknown, "name", name, "entity", object)
			continue
		}
		for _, val := range custom[name] {
			if (def.Type == "enum" && !slices.Contains(def.Values, val)) || !customValueCharactersAllowed(val) {
				v.Add(PhaseRule, "customAttributes."+name, CodeAttributeValue, "name", name, "value", val)
			}
		}
	}
}

// customValueCharactersAllowed reports whether a custom attribute value
// holds only the characters eGain allows.
func customValueCharactersAllowed(s string) bool {
	for _, r := range s {
		switch {
		case r > 0x7f, r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(" @:._-&,()?#='\"", r):
		default:
			return false
		}
	}
	return true
}

// contactIsValid (CC8): a new contact has a firstName (an edited one may
// not blank it); its names and details are at most 255 characters.
func contactIsValid(v *Violations, c *NewContact, isNew bool) {
	if required(c.FirstName, isNew) {
		v.Add(PhaseRule, c.Path, CodeContactFirstName, "name", c.Path)
	}
	if c.FirstName != nil && utf8.RuneCountInString(*c.FirstName) > 255 {
		v.Add(PhaseRule, c.Path+".firstName", CodeContactElementTooLong, "name", c.Path+".firstName")
	}
	for name, val := range c.Details {
		if utf8.RuneCountInString(val) > 255 {
			v.Add(PhaseRule, c.Path+"."+name, CodeContactElementTooLong, "name", c.Path+"."+name)
		}
	}
}

// pointIsValid checks a contact point by its kind (CC9, CC11–CC15); a new
// point needs its required elements, an edited one only valid values.
func pointIsValid(v *Violations, p *NewPoint, w *customerWorld, isNew bool) {
	if pr, ok := p.Attrs["priority"]; ok && !slices.Contains(PointPriorities, pr) {
		v.Add(PhaseRule, p.Path+".priority", CodePointPriorityInvalid, "name", p.Path, "value", pr)
	}
	switch p.Kind {
	case KindEmail:
		emailAddressIsValid(v, p, isNew)
	case KindPhone:
		phonePointIsValid(v, p, isNew)
	case KindPostal:
		postalPointIsValid(v, p, isNew)
	case KindWebsite:
		websitePointIsValid(v, p, isNew)
	case KindSocial:
		socialPointIsValid(v, p, w, isNew)
	}
}

// required reports whether a required element is missing or blank (only
// for a new point; an edited point keeps what it had, but a sent element
// may not be blank).
func required(val *string, isNew bool) bool {
	if val == nil {
		return isNew
	}
	return strings.TrimSpace(*val) == ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// emailAddressIsValid (CC9): an email point has a valid emailAddress.
func emailAddressIsValid(v *Violations, p *NewPoint, isNew bool) {
	if required(p.Value, isNew) || (p.Value != nil && !ValidEmailAddress(*p.Value)) {
		v.Add(PhaseRule, p.Path+".emailAddress", CodeEmailPointInvalid, "name", p.Path+".emailAddress", "value", deref(p.Value))
	}
}

// ValidEmailAddress reports whether s is an email address as eGain accepts
// it: exactly one @; a dot after it with at least one character between;
// not ending in a dot; at most 255 characters; none of ( ) [ ] : ; < > ",
// space, or two backslashes in a row.
func ValidEmailAddress(s string) bool {
	if len(s) > 255 || strings.Count(s, "@") != 1 || strings.HasSuffix(s, ".") ||
		strings.ContainsAny(s, "()[]:;<>\" ") || strings.Contains(s, `\\`) {
		return false
	}
	at := strings.IndexByte(s, '@')
	if at == 0 {
		return false
	}
	dot := strings.IndexByte(s[at+1:], '.')
	return dot > 0
}

// phonePointIsValid (CC11): type home, office, mobile, fax or pager and a
// phoneNo of at most 40 characters; countryCode digits (≤ 9), areaCode and
// extension ≤ 10, availability days and times of their lists.
func phonePointIsValid(v *Violations, p *NewPoint, isNew bool) {
	bad := func(name, val string) {
		v.Add(PhaseRule, p.Path+"."+name, CodePhonePointInvalid, "name", name, "value", val)
	}
	if required(p.Type, isNew) || (p.Type != nil && !slices.Contains(CreatePhoneTypes, *p.Type)) {
		bad("type.value", deref(p.Type))
	}
	if required(p.Value, isNew) || (p.Value != nil && utf8.RuneCountInString(*p.Value) > 40) {
		bad("phoneNo", deref(p.Value))
	}
	for name, val := range p.Attrs {
		ok := true
		switch name {
		case "countryCode":
			ok = len(val) <= 9 && PhoneDigits(val) == val && val != ""
		case "areaCode", "extension":
			ok = utf8.RuneCountInString(val) <= 10
		case "availability.days":
			ok = slices.Contains(AvailabilityDays, val)
		case "availability.times":
			ok = slices.Contains(AvailabilityTimes, val)
		}
		if !ok {
			bad(name, val)
		}
	}
}

// postalPointIsValid (CC12): type home, office or other and address_1;
// every field at most 255 characters.
func postalPointIsValid(v *Violations, p *NewPoint, isNew bool) {
	bad := func(name, val string) {
		v.Add(PhaseRule, p.Path+"."+name, CodePostalPointInvalid, "name", name, "value", val)
	}
	if required(p.Type, isNew) || (p.Type != nil && !slices.Contains(PostalTypes, *p.Type)) {
		bad("type.value", deref(p.Type))
	}
	if required(p.Value, isNew) || (p.Value != nil && utf8.RuneCountInString(*p.Value) > 255) {
		bad("address_1", deref(p.Value))
	}
	for name, val := range p.Attrs {
		if name != "priority" && utf8.RuneCountInString(val) > 255 {
			bad(name, val)
		}
	}
}

// websitePointIsValid (CC13): a url of at most 1024 characters.
func websitePointIsValid(v *Violations, p *NewPoint, isNew bool) {
	if required(p.Value, isNew) || (p.Value != nil && utf8.RuneCountInString(*p.Value) > 1024) {
		v.Add(PhaseRule, p.Path+".url", CodeWebsitePointInvalid, "name", "url", "value", deref(p.Value))
	}
}

// socialPointIsValid (CC14): a type of the built-in or configured networks
// and a socialId.
func socialPointIsValid(v *Violations, p *NewPoint, w *customerWorld, isNew bool) {
	bad := func(name, val string) {
		v.Add(PhaseRule, p.Path+"."+name, CodeSocialPointInvalid, "name", name, "value", val)
	}
	if required(p.Type, isNew) || (p.Type != nil && !slices.Contains(BuiltInSocialTypes, *p.Type) &&
		!slices.Contains(w.lists[ListSocialTypes], *p.Type)) {
		bad("type.value", deref(p.Type))
	}
	if required(p.Value, isNew) || (p.Value != nil && utf8.RuneCountInString(*p.Value) > 255) {
		bad("socialId", deref(p.Value))
	}
}

// emailAddressesAreFree (CC10): an address is used by no other email
// point — in the customer's department with customer departmentalization
// on, anywhere with it off — and is sent once; compared case-insensitively.
func emailAddressesAreFree(v *Violations, contacts []NewContact, w *customerWorld) {
	seen := map[string]bool{}
	for _, c := range contacts {
		for _, p := range c.Points {
			if p.Kind != KindEmail || p.Value == nil {
				continue
			}
			key := strings.ToLower(*p.Value)
			used := seen[key]
			for _, dept := range w.emailOwners[key] {
				if !w.departmentalized || (w.department != nil && dept == w.department.ID) {
					used = true
				}
			}
			if used {
				v.Add(PhaseRule, p.Path+".emailAddress", CodeEmailInUse, "value", *p.Value)
			}
			seen[key] = true
		}
	}
}

// buildCustomer makes the customer to store from a checked request.
func buildCustomer(in *NewCustomer, w *customerWorld, now time.Time) Customer {
	c := Customer{Type: in.Type, Created: now, LastModified: now, CustomAttributes: in.Custom,
		Details: map[string]string{}}
	if w.department != nil {
		c.Department = w.department.ID
	}
	for k, val := range in.Details {
		c.Details[k] = val
	}
	if in.GroupType != nil && in.Type == "group" {
		c.Details["groupType"] = *in.GroupType
	}
	if in.Region != nil {
		c.Details["region"] = *in.Region
	}
	for _, nc := range in.Contacts {
		c.Contacts = append(c.Contacts, buildContact(&nc))
	}
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	} else if len(c.Contacts) == 1 {
		c.Name = individualName(&c.Contacts[0])
	}
	return c
}

// individualName is an individual's name: the contact's first, middle and
// last names joined by spaces.
func individualName(c *Contact) string {
	var parts []string
	for _, p := range []string{c.FirstName, c.Details["middleName"], c.LastName} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// buildContact makes a new contact with its points.
func buildContact(nc *NewContact) Contact {
	c := Contact{FirstName: deref(nc.FirstName), LastName: nc.Details["lastName"], Details: map[string]string{}}
	for k, val := range nc.Details {
		if k != "lastName" {
			c.Details[k] = val
		}
	}
	for i := range nc.Points {
		c.ContactPoints = append(c.ContactPoints, buildPoint(&nc.Points[i]))
	}
	return c
}

// buildPoint makes a new contact point.
func buildPoint(np *NewPoint) ContactPoint {
	p := ContactPoint{Kind: np.Kind, Type: deref(np.Type), Value: deref(np.Value), Attrs: map[string]string{}}
	for k, val := range np.Attrs {
		p.Attrs[k] = val
	}
	return p
}
