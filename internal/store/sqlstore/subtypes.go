package sqlstore

import (
	"slices"
)

// CalltrackSubtypes lists the calltrack subtypes in the order they were added.
func (t *tx) CalltrackSubtypes() ([]string, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil || len(c.subtypes) == 0 {
			return nil, err
		}
		return slices.Clone(c.subtypes), nil
	}
	return t.dbCalltrackSubtypes()
}

func (t *tx) dbCalltrackSubtypes() ([]string, error) {
	return queryList(t, "calltrack subtypes", func(r scanner) (string, error) {
		var s string
		err := r.Scan(&s)
		return s, err
	}, `SELECT name FROM calltrack_subtypes ORDER BY seq`)
}

// AddCalltrackSubtype adds a calltrack subtype; adding one that exists
// changes nothing.
func (t *tx) AddCalltrackSubtype(name string) error {
	if err := t.writable("add calltrack subtype"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("add calltrack subtype",
		`INSERT INTO calltrack_subtypes (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name)
	return err
}
