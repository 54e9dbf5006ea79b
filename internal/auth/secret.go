package auth

import (
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt cost of stored passwords and client secrets.
// The dummy hash that stands in for unknown users and clients uses it too,
// so production hashes must be made with it for the timing of "unknown
// name" and "wrong secret" to match.
const DefaultCost = bcrypt.DefaultCost

// maxSecretLen is bcrypt's limit: it looks at no more than 72 bytes, so a
// longer secret is refused rather than silently truncated.
const maxSecretLen = 72

// HashSecret returns a salted bcrypt hash of a password or client secret,
// the only form in which secrets are stored. cost is normally DefaultCost;
// tests use bcrypt.MinCost to run fast. Secrets longer than 72 bytes are
// refused (bcrypt would ignore the rest).
func HashSecret(secret string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(secret), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// CheckSecret reports whether secret matches a hash made by HashSecret. The
// comparison is constant-time. Every call costs exactly one bcrypt
// comparison, whatever the outcome, so that response times reveal neither
// whether a name exists nor why its secret was refused:
//
//   - a hash that is empty or malformed (a user who has no password) never
//     matches, and is compared against the dummy hash instead;
//   - a secret over 72 bytes never matches (bcrypt would look at its first
//     72 bytes only, so a longer secret cannot be what was stored), and is
//     compared too, exactly as burnComparison does for an unknown name.
func CheckSecret(hash, secret string) bool {
	if len(secret) > maxSecretLen {
		burnComparison(secret)
		return false
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		burnComparison(secret)
		return false
	}
	return compare([]byte(hash), []byte(secret)) == nil
}

// compare is the bcrypt comparison behind every secret check; tests replace
// it to count comparisons, which is how they prove that every refusal costs
// the same without measuring time.
var compare = bcrypt.CompareHashAndPassword

// burnComparison runs one bcrypt comparison whose result is thrown away. It
// is called where no real hash exists (unknown user or client), so that
// answering "no such name" takes as long as "wrong secret" and response
// times do not reveal which names exist.
func burnComparison(secret string) {
	if len(secret) > maxSecretLen {
		secret = secret[:maxSecretLen]
	}
	_ = compare(dummyHash(), []byte(secret))
}

var (
	dummyOnce sync.Once
	dummy     []byte
)

// dummyHash is a hash of a random-looking fixed string at DefaultCost. It is
// computed on first use rather than at init so that programs which never
// check a secret do not pay for it at start-up.
func dummyHash() []byte {
	dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("casemgr dummy secret: no account has it"), DefaultCost)
		if err != nil {
			// GenerateFromPassword fails only on a bad cost or a
			// secret over 72 bytes; neither can happen here.
			panic("auth: dummy hash: " + err.Error())
		}
		dummy = h
	})
	return dummy
}
