package sqlstore

// HasConfigCopy reports whether the store holds a copy of the
// configuration, for the tests of the cache.
func HasConfigCopy(s *Store) bool { return s.config.current() != nil }
