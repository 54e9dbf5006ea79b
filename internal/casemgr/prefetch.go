package casemgr

import (
	"context"
	"slices"
)

// OneWriter is implemented by a Store whose write transactions run one at a
// time (SQLite). There, every statement a write transaction runs holds back
// every other writer, so an operation reads beforehand what its rules need
// and that its transaction need not lock (prefetch).
type OneWriter interface{ OneWriter() bool }

// prefetched is a write transaction whose getters of the configuration and
// of immutable data answer what a read transaction just before it found
// (prefetch), without a statement; every other method is the transaction's.
// The rules run unchanged on it, in their order, so a request is answered
// exactly as it would be with everything read inside.
//
// What it serves and why that may be read before the write begins:
//   - the configuration (settings, departments, users, calltrack subtypes,
//     attribute definitions): as on PostgreSQL, where a transaction uses the
//     copy of the configuration current when it reads it, a request is
//     checked against the configuration committed when it began;
//   - a customer named by its ID: what the rules use of it — that it
//     exists, its department, its first contact — never changes (customers
//     and contacts are never deleted, a customer's department is set when
//     it is created, contacts get increasing IDs);
//   - the departments of the customers of contact points and of
//     activities, by customer: for the same reasons a customer's
//     department read before stays true. The contact point or the
//     activity is read again in the write transaction: a point's type and
//     value and an activity's customer may change; a read of departments
//     is served only when every customer it names was found before, so one
//     whose point or activity has moved to another customer meanwhile is
//     read in the write transaction.
type prefetched struct {
	Tx
	settings   *Settings
	deptByID   map[ID]*Department
	deptByName map[string]*Department
	usersByID  map[ID]*User
	usersByNm  map[string]*User
	subtypes   []string
	hasSubtype bool
	defs       map[string][]AttributeDef
	customers  map[ID]*Customer
	// depts are the departments of the customers found by
	// CustomerDepartments, by customer ID.
	depts map[ID]ID
}

// prefetchWanted lists what an operation's rules will ask for.
type prefetchWanted struct {
	deptIDs    []ID
	deptNames  []string
	userIDs    []ID
	userNames  []string
	subtypes   bool
	settings   bool
	defs       []string
	customerID []ID
	// pointCustomers and activityCustomers are contact points and
	// activities whose customers' departments to read.
	pointCustomers, activityCustomers []ID
}

// empty reports whether w wants nothing.
func (w *prefetchWanted) empty() bool {
	return len(w.deptIDs)+len(w.deptNames)+len(w.userIDs)+len(w.userNames)+len(w.defs)+
		len(w.customerID)+len(w.pointCustomers)+len(w.activityCustomers) == 0 && !w.subtypes && !w.settings
}

// prefetch reads what w names in one read transaction, on a Store with one
// writer; on any other, or when w wants nothing, it returns nil, and on
// returns the transaction as is.
func (s *Service) prefetch(ctx context.Context, w prefetchWanted) (*prefetched, error) {
	if ow, ok := s.Store.(OneWriter); !ok || !ow.OneWriter() || w.empty() {
		return nil, nil
	}
	p := &prefetched{deptByID: map[ID]*Department{}, deptByName: map[string]*Department{},
		usersByID: map[ID]*User{}, usersByNm: map[string]*User{}, defs: map[string][]AttributeDef{}, customers: map[ID]*Customer{}}
	err := s.Store.Read(ctx, func(tx Tx) error { return p.read(tx, w) })
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *prefetched) read(tx Tx, w prefetchWanted) (err error) {
	for _, id := range w.deptIDs {
		if p.deptByID[id], err = tx.Department(id); err != nil {
			return err
		}
	}
	for _, n := range w.deptNames {
		if p.deptByName[n], err = tx.DepartmentByName(n); err != nil {
			return err
		}
	}
	for _, id := range w.userIDs {
		if p.usersByID[id], err = tx.User(id); err != nil {
			return err
		}
	}
	for _, n := range w.userNames {
		if p.usersByNm[n], err = tx.UserByName(n); err != nil {
			return err
		}
	}
	if w.subtypes {
		p.hasSubtype = true
		if p.subtypes, err = tx.CalltrackSubtypes(); err != nil {
			return err
		}
	}
	if w.settings {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		p.settings = &st
	}
	for _, o := range w.defs {
		if p.defs[o], err = tx.AttributeDefs(o); err != nil {
			return err
		}
	}
	if err := p.readCustomers(tx, w.customerID); err != nil {
		return err
	}
	if len(w.pointCustomers)+len(w.activityCustomers) == 0 {
		return nil
	}
	p.depts, err = tx.CustomerDepartments(nil, slices.Compact(slices.Sorted(slices.Values(w.pointCustomers))),
		slices.Compact(slices.Sorted(slices.Values(w.activityCustomers))))
	return err
}

func (p *prefetched) readCustomers(tx Tx, ids []ID) error {
	for _, id := range ids {
		list, err := tx.Customers([]ID{id})
		if err != nil {
			return err
		}
		p.customers[id] = nil
		if len(list) == 1 {
			p.customers[id] = &list[0]
		}
	}
	return nil
}

// on returns tx with the getters of p; tx itself when p is nil.
func (p *prefetched) on(tx Tx) Tx {
	if p == nil {
		return tx
	}
	c := *p
	c.Tx = tx
	return &c
}

// copyOf returns a copy of *v, nil for nil: callers may change what a
// getter returns.
func copyOf[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func (p *prefetched) Settings() (Settings, error) {
	if p.settings == nil {
		return p.Tx.Settings()
	}
	return *p.settings, nil
}

func (p *prefetched) Department(id ID) (*Department, error) {
	if d, ok := p.deptByID[id]; ok {
		return copyOf(d), nil
	}
	return p.Tx.Department(id)
}

func (p *prefetched) DepartmentByName(name string) (*Department, error) {
	if d, ok := p.deptByName[name]; ok {
		return copyOf(d), nil
	}
	return p.Tx.DepartmentByName(name)
}

func (p *prefetched) User(id ID) (*User, error) {
	if u, ok := p.usersByID[id]; ok {
		return copyOf(u), nil
	}
	return p.Tx.User(id)
}

func (p *prefetched) UserByName(name string) (*User, error) {
	if u, ok := p.usersByNm[name]; ok {
		return copyOf(u), nil
	}
	return p.Tx.UserByName(name)
}

func (p *prefetched) CalltrackSubtypes() ([]string, error) {
	if !p.hasSubtype {
		return p.Tx.CalltrackSubtypes()
	}
	return slices.Clone(p.subtypes), nil
}

func (p *prefetched) AttributeDefs(object string) ([]AttributeDef, error) {
	if d, ok := p.defs[object]; ok {
		return slices.Clone(d), nil
	}
	return p.Tx.AttributeDefs(object)
}

// Customers serves a read of one prefetched customer (a creation names one
// customer by its ID); any other read is the transaction's.
func (p *prefetched) Customers(ids []ID) ([]Customer, error) {
	if len(ids) == 1 {
		if c, ok := p.customers[ids[0]]; ok {
			if c == nil {
				return nil, nil
			}
			return []Customer{*c}, nil
		}
	}
	return p.Tx.Customers(ids)
}

// CustomerDepartments serves a read of the departments of customers named
// by their IDs when every one of them was found before; anything else is
// read in the transaction.
func (p *prefetched) CustomerDepartments(customers, points, activities []ID) (map[ID]ID, error) {
	if len(points)+len(activities) > 0 || p.depts == nil {
		return p.Tx.CustomerDepartments(customers, points, activities)
	}
	out := make(map[ID]ID, len(customers))
	for _, id := range customers {
		dept, ok := p.depts[id]
		if !ok {
			return p.Tx.CustomerDepartments(customers, points, activities)
		}
		out[id] = dept
	}
	return out, nil
}
