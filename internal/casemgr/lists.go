package casemgr

import "slices"

// Configured value lists: the languages of activities and the lists a
// customer's details take their values from (docs/fixtures.md,
// "activityLanguages" and "customerAttributes"). They are configuration,
// kept with the custom attribute definitions under ListObject, so they
// share the configuration copy every process keeps.
const (
	ListActivityLanguages = "activityLanguages"
	ListGroupTypes        = "groupTypes"
	ListRegions           = "regions"
	ListCountries         = "countries"
	ListIndustries        = "industries"
	ListLevels            = "levels"
	ListContactTypes      = "contactTypes"
	ListSocialTypes       = "socialTypes"
)

// ValueListNames lists every configured value list.
var ValueListNames = []string{ListActivityLanguages, ListGroupTypes, ListRegions, ListCountries,
	ListIndustries, ListLevels, ListContactTypes, ListSocialTypes}

// DefaultActivityLanguages are the activity languages of a world that
// configures none.
var DefaultActivityLanguages = []string{"en"}

// ActivityLanguages returns the configured activity languages, or
// DefaultActivityLanguages when none are configured.
func ActivityLanguages(tx Tx) ([]string, error) {
	list, err := ValueList(tx, ListActivityLanguages)
	if err != nil || len(list) > 0 {
		return list, err
	}
	return slices.Clone(DefaultActivityLanguages), nil
}

// ListObject is the AttributeDef.Object of a value list; its Name is the
// list's name and its Values the list.
const ListObject = "list"

// ValueList returns a configured value list (nil when it is not
// configured).
func ValueList(tx Tx, name string) ([]string, error) {
	defs, err := tx.AttributeDefs(ListObject)
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if d.Name == name {
			return slices.Clone(d.Values), nil
		}
	}
	return nil, nil
}

// ListDef is the definition that stores a value list.
func ListDef(name string, values []string) AttributeDef {
	return AttributeDef{Object: ListObject, Name: name, Type: ListObject, Values: values}
}
