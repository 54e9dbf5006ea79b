package sqlstore

import (
	"github.com/casemgr/casemgr/internal/casemgr"
)

// AttributeDefs lists the custom attribute definitions of an object ("case",
// "activity" or "user"; "" for all), in the order they were added.
func (t *tx) AttributeDefs(object string) ([]casemgr.AttributeDef, error) {
	if c, err := t.config(); err != nil || c != nil {
		if c == nil {
			return nil, err
		}
		return c.attributeDefs(object), nil
	}
	return t.dbAttributeDefs(object)
}

func (t *tx) dbAttributeDefs(object string) ([]casemgr.AttributeDef, error) {
	return queryList(t, "attribute defs", func(r scanner) (casemgr.AttributeDef, error) {
		var a casemgr.AttributeDef
		var vals string
		if err := r.Scan(&a.Object, &a.Name, &a.Type, &vals, &a.Unique); err != nil {
			return a, err
		}
		var err error
		a.Values, err = decList[string](vals, "attribute values")
		return a, err
	}, `SELECT object, name, type, vals, is_unique FROM attribute_defs WHERE object = ? OR ? = '' ORDER BY seq`,
		object, object)
}

// InsertAttributeDef stores a custom attribute definition; its object and
// name must be new.
func (t *tx) InsertAttributeDef(a *casemgr.AttributeDef) error {
	if err := t.writable("insert attribute def"); err != nil {
		return err
	}
	t.configChanged()
	_, err := t.exec("insert attribute def",
		`INSERT INTO attribute_defs (object, name, type, vals, is_unique) VALUES (?, ?, ?, ?, ?)`,
		a.Object, a.Name, a.Type, encList(a.Values), a.Unique)
	return err
}
