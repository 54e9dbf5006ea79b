package auth

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashSecretRoundTrip(t *testing.T) {
	h1, err := HashSecret("s3cret", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := HashSecret("s3cret", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of one secret are equal: not salted")
	}
	if strings.Contains(h1, "s3cret") {
		t.Error("hash contains the secret")
	}
	if cost, err := bcrypt.Cost([]byte(h1)); err != nil || cost != bcrypt.MinCost {
		t.Errorf("cost = %d, %v; want %d", cost, err, bcrypt.MinCost)
	}
	for _, tc := range []struct {
		hash, secret string
		want         bool
	}{
		{h1, "s3cret", true},
		{h2, "s3cret", true},
		{h1, "S3cret", false},
		{h1, "s3cret ", false},
		{h1, "", false},
		{"", "s3cret", false},
		{"", "", false},
		{"not a bcrypt hash", "s3cret", false},
		{h1[:len(h1)-1], "s3cret", false},
		{h1, strings.Repeat("x", 100), false},
	} {
		if got := CheckSecret(tc.hash, tc.secret); got != tc.want {
			t.Errorf("CheckSecret(%q, %q) = %v, want %v", tc.hash, tc.secret, got, tc.want)
		}
	}
}

func TestHashSecretTooLong(t *testing.T) {
	if _, err := HashSecret(strings.Repeat("x", 73), bcrypt.MinCost); err == nil {
		t.Error("a 73-byte secret was hashed; bcrypt would ignore its tail")
	}
	long := strings.Repeat("x", 72)
	h, err := HashSecret(long, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckSecret(h, long) {
		t.Error("72-byte secret does not match its hash")
	}
	// bcrypt alone would accept any extension of a 72-byte secret.
	if CheckSecret(h, long+"y") {
		t.Error("a longer secret with the same first 72 bytes matches")
	}
}

func TestDefaultCost(t *testing.T) {
	if DefaultCost != bcrypt.DefaultCost {
		t.Errorf("DefaultCost = %d", DefaultCost)
	}
	// The dummy hash must cost what real hashes cost, or unknown names
	// answer faster than wrong secrets.
	if cost, err := bcrypt.Cost(dummyHash()); err != nil || cost != DefaultCost {
		t.Errorf("dummy hash cost = %d, %v", cost, err)
	}
	burnComparison(strings.Repeat("z", 200)) // must not panic
}
