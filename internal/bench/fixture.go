package bench

import (
	"encoding/json"

	"github.com/casemgr/casemgr/internal/casemgr"
	"github.com/casemgr/casemgr/internal/fixture"
)

// Fixture renders the whole world as a fixture document (docs/fixtures.md):
// the configuration of ConfigFixture with every customer, case and
// activity. It is meant for small worlds: the tests load it through the
// fixture loader, which checks every invariant of a world, and compare it
// with the same world loaded in bulk.
func (s *Skeleton) Fixture() (*fixture.Document, error) {
	f := ConfigFixture(s.cfg)
	id := func(v casemgr.ID) string {
		if v == 0 {
			return ""
		}
		return casemgr.FormatID(v)
	}
	for i := range s.customers {
		c := s.Customer(casemgr.ID(i + 1))
		fc := fixture.Customer{ID: id(c.ID), CustomerName: c.Name, Type: c.Type, Department: id(c.Department)}
		for _, ct := range c.Contacts {
			fct := fixture.Contact{ID: id(ct.ID), FirstName: ct.FirstName, LastName: ct.LastName}
			for _, p := range ct.ContactPoints {
				m := map[string]any{"id": id(p.ID)}
				for k, v := range p.Attrs {
					m[k] = v
				}
				switch p.Kind {
				case casemgr.KindEmail:
					m["emailAddress"] = p.Value
					fct.Email = append(fct.Email, m)
				case casemgr.KindPhone:
					m["phoneNo"], m["type"] = p.Value, p.Type
					fct.Phone = append(fct.Phone, m)
				case casemgr.KindSocial:
					m["socialId"], m["type"] = p.Value, p.Type
					fct.Social = append(fct.Social, m)
				case casemgr.KindPostal:
					m["address_1"], m["type"] = p.Value, p.Type
					fct.Postal = append(fct.Postal, m)
				case casemgr.KindWebsite:
					m["url"] = p.Value
					fct.Website = append(fct.Website, m)
				}
			}
			fc.Contacts = append(fc.Contacts, fct)
		}
		f.Customers = append(f.Customers, fc)
	}
	for i := range s.cases {
		c := s.Case(casemgr.ID(i + 1))
		fc := fixture.Case{ID: id(c.ID), Department: id(c.Department), Status: c.Status, Owner: id(c.Owner),
			Customer: id(c.Customer), Subject: c.Subject, Description: c.Description, Solution: c.Solution,
			Severity: c.Severity, OriginatingChannel: c.OriginatingChannel,
			Created: casemgr.FormatTime(c.Created), LastModified: casemgr.FormatTime(c.LastModified)}
		if c.LastClosed != nil {
			fc.LastClosed = casemgr.FormatTime(*c.LastClosed)
		}
		attrs, err := rawAttrs(c.CustomAttributes)
		if err != nil {
			return nil, err
		}
		fc.CustomAttributes = attrs
		f.Cases = append(f.Cases, fc)
	}
	err := s.Activities(func(a *casemgr.Activity) error {
		fa := fixture.Activity{ID: id(a.ID), Case: id(a.Case), Department: id(a.Department),
			LastDepartment: id(a.LastDepartment), Queue: id(a.Queue), Type: a.Type, Subtype: a.Subtype,
			Mode: a.Mode, Status: a.Status, AssignedUser: id(a.AssignedUser), LockedBy: id(a.LockedBy),
			Pinned: a.Pinned, ResponseTo: id(a.ResponseTo), Customer: id(a.Customer), Contact: id(a.Contact),
			ContactPoint: id(a.ContactPoint), ContactPointData: a.ContactPointData, Subject: a.Subject,
			Priority: a.Priority, Created: casemgr.FormatTime(a.Created), LastModified: casemgr.FormatTime(a.LastModified)}
		if a.ContentText != "" || a.ContentHTML != "" {
			fa.Content = &fixture.Content{Text: a.ContentText, HTML: a.ContentHTML}
		}
		if a.LockExpires != nil {
			fa.LockExpires = casemgr.FormatTime(*a.LockExpires)
		}
		if a.DueDate != nil {
			fa.DueDate = casemgr.FormatTime(*a.DueDate)
		}
		attrs, err := rawAttrs(a.CustomAttributes)
		if err != nil {
			return err
		}
		fa.CustomAttributes = attrs
		f.Activities = append(f.Activities, fa)
		return nil
	})
	return f, err
}

func rawAttrs(m map[string][]string) (map[string]json.RawMessage, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}
