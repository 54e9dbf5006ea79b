package storetest

import (
	"slices"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// ShownBy lists, once each, the customers, contacts and contact points
// that activities name: what GET /activity/{ids} asks CustomersShowing
// for (contacts and points sorted, as the handler sends them).
func ShownBy(acts []casemgr.Activity) (customers, contacts, points []casemgr.ID) {
	add := func(list []casemgr.ID, id casemgr.ID) []casemgr.ID {
		if id == 0 || slices.Contains(list, id) {
			return list
		}
		return append(list, id)
	}
	for _, a := range acts {
		customers = add(customers, a.Customer)
		contacts = add(contacts, a.Contact)
		points = add(points, a.ContactPoint)
	}
	slices.Sort(contacts)
	slices.Sort(points)
	return customers, contacts, points
}

// ReadToShow reads activities as GET /activity/{ids} does, in tx: the
// activities with ActivitiesToShow (last: nothing read after it needs
// the read to go on), the configuration, then the customers with the
// contacts and points the activities name (CustomersShowing).
func ReadToShow(tx casemgr.Tx, ids []casemgr.ID, last bool) ([]casemgr.Activity, []casemgr.Customer, error) {
	acts, err := tx.ActivitiesToShow(ids, true, last)
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.Departments(); err != nil {
		return nil, nil, err
	}
	customers, contacts, points := ShownBy(acts)
	list, err := tx.CustomersShowing(customers, contacts, points)
	return acts, list, err
}
