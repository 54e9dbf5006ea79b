package auth

import "sync/atomic"

// CountComparisons replaces the bcrypt comparison by one that counts its
// calls, until the returned restore is called. The count is read with the
// returned function.
func CountComparisons() (count func() int64, restore func()) {
	var n atomic.Int64
	orig := compare
	compare = func(hash, secret []byte) error {
		n.Add(1)
		return orig(hash, secret)
	}
	return n.Load, func() { compare = orig }
}
