package usage_test

import (
	"testing"
	"time"

	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// The content hash is stored with every event (usage_event_ids), and a
// retry is a duplicate only when its hash equals the stored one: the value
// for the same content must never change between releases. This one was
// computed by the implementation before 2026-12-02.
func TestContentHashIsStable(t *testing.T) {
	e := usage.Event{ID: "e1", Namespace: "shop", UsageType: "http_requests", ObjectName: "lb-1", Deployment: "dep-a",
		Quantity: decimal.RequireFromString("12.5"), UnitName: "request",
		Timestamp: time.Date(2026, 11, 30, 23, 59, 59, 123456000, time.FixedZone("x", 3600))}
	if got, want := e.ContentHash(), "a2abc07f2a402db34afdaed8a3dad0effd41581d2c9bd6bfe803531b46f1dc58"; got != want {
		t.Fatalf("content hash %s, want %s", got, want)
	}
	long := e
	long.ObjectName = string(make([]byte, 4096)) // beyond the stack buffer
	if long.ContentHash() == e.ContentHash() {
		t.Fatal("the object name does not change the hash")
	}
}
