// Package redistest gives tests the Redis named by BILLINGD_TEST_REDIS_URL
// and a key prefix of their own. Without the variable the test is skipped;
// with CI=true it fails instead (as storetest does for PostgreSQL).
package redistest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// EnvURL names the variable holding the Redis URL for tests.
const EnvURL = "BILLINGD_TEST_REDIS_URL"

// URL returns the test Redis URL, or skips (fails under CI=true) without one.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set", EnvURL)
		}
		t.Skipf("Redis tests skipped: set %s (e.g. redis://127.0.0.1:6379/0)", EnvURL)
	}
	return u
}

// Prefix is a key prefix no other test uses, so tests sharing one Redis
// (in parallel, or a run after another) never see each other's buckets.
func Prefix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "billingd-test-" + hex.EncodeToString(b) + ":"
}
