package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token kinds as stored in casemgr.Token.Kind.
const (
	KindAccess  = "access"
	KindRefresh = "refresh"
)

// tokenBytes is the entropy of a token: 256 bits, far beyond guessing.
const tokenBytes = 32

// tokenLen is the length of a token on the wire: 32 bytes in base64url
// without padding.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns a fresh opaque token and the hash under which it is
// stored. The token itself is never stored: a copy of the database does not
// hand out working tokens, and any process sharing the database can check
// one without a per-process secret.
func newToken() (token, hash string) {
	var b [tokenBytes]byte
	// crypto/rand.Read never fails (it panics on a broken system source).
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token, the key it is stored under
// (casemgr.Token.Hash). A fast hash is enough because tokens carry 256 bits
// of entropy; unlike passwords they cannot be guessed from a dictionary.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// rotatedKey is the hash under which the fact that a refresh token was used
// (rotated) is recorded: a tombstone row in the token table whose key is
// derived from the old token's hash. Nobody can present a token that
// hashes to it, so the tombstone is never accepted as a credential; its
// primary key makes the use of a refresh token single, even when two
// processes race.
//
// It exists because casemgr.Tx has no way to delete or revoke a single
// token (see the package documentation).
func rotatedKey(refreshHash string) string {
	return HashToken("rotated:" + refreshHash)
}

// newSessionID returns a random session ID. Session IDs are not
// credentials (they appear in actors and logs), but random IDs keep one
// process from guessing another's.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// wellFormed reports whether s has the shape of a token this package issues,
// so that garbage is refused without a database round trip.
func wellFormed(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}
