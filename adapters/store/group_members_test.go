package store_test

import (
	"context"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/kernel"
)

// TestGroupMembersForgetTheirMemos: a transaction that stores other
// requests' writes too (ingestion's group commit) leaves none of them
// reading what they remembered before it.
func TestGroupMembersForgetTheirMemos(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		member := kernel.WithMemo(context.Background())
		if _, err := kernel.MemoFrom(member).Do(member, kernel.MemoKey{Tenant: "acme", Kind: "test"}, func() (any, error) { return 1, nil }); err != nil {
			t.Fatal(err)
		}
		lead := kernel.WithGroupMembers(context.Background(), []context.Context{member})
		if db.InTransaction(lead) {
			t.Fatal("InTransaction outside a transaction")
		}
		err := db.InTx(lead, func(ctx context.Context) error {
			if !db.InTransaction(ctx) {
				t.Error("InTransaction inside a transaction said no")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := kernel.MemoFrom(member).Len(); n != 0 {
			t.Fatalf("the member's memo still holds %d answers after the group's transaction", n)
		}
	})
}
