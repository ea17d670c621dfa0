package store_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/audit"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestAuditLog: every quota change leaves one record with before and after,
// in commit order; a change that fails leaves none; only admins read it, and
// only their own tenant's.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		reader, err := audit.NewService(audit.Config{Repo: store.NewAuditRepo(db, f.clock)})
		if err != nil {
			t.Fatal(err)
		}
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns1", "q1")); err != nil {
			t.Fatal(err)
		}
		in := quota.ReplaceInput{CreateInput: sampleInput("ns1", "q1"), ResourceVersion: "1"}
		in.Description = "changed"
		if err := f.quotas.Replace(admin, tenancy.FromContext(admin), in); err != nil {
			t.Fatal(err)
		}
		wantKind(t, f.quotas.Replace(admin, tenancy.FromContext(admin), in), errs.Conflict) // stale: no record
		if err := f.quotas.Delete(admin, tenancy.FromContext(admin), quota.DeleteInput{Namespace: "ns1", Name: "q1"}); err != nil {
			t.Fatal(err)
		}
		got, err := reader.List(admin, tenancy.FromContext(admin), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Action != "quota.create" || got[1].Action != "quota.replace" || got[2].Action != "quota.delete" {
			t.Fatalf("records: %+v", got)
		}
		for i, e := range got {
			if e.Seq != int64(i+1) || e.Namespace != "ns1" || e.Object != "q1" || !strings.HasPrefix(e.Actor, "token:") {
				t.Fatalf("record %d: %+v", i, e)
			}
		}
		if got[0].Before != "" || !strings.Contains(got[1].Before, `"Description":"caps"`) || !strings.Contains(got[1].After, `"Description":"changed"`) || got[2].After != "" {
			t.Fatalf("before/after: %+v", got)
		}
		if page, _ := reader.List(admin, tenancy.FromContext(admin), 2, 100); len(page) != 1 || page[0].Seq != 3 {
			t.Fatalf("page after 2: %+v", page)
		}
		_, err = reader.List(f.as(t, "acme", tenancy.RoleEditor, ""), tenancy.FromContext(f.as(t, "acme", tenancy.RoleEditor, "")), 0, 10)
		wantKind(t, err, errs.Forbidden)
		if other, _ := reader.List(f.as(t, "globex", tenancy.RoleAdmin, ""), tenancy.FromContext(f.as(t, "globex", tenancy.RoleAdmin, "")), 0, 10); len(other) != 0 {
			t.Fatalf("another tenant reads %d records", len(other))
		}

		// Concurrent changes of one tenant are all recorded, numbered 4..23.
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if _, err := f.quotas.Create(admin, tenancy.FromContext(admin), sampleInput("ns2", "c"+string(rune('a'+i)))); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		all, _ := reader.List(admin, tenancy.FromContext(admin), 0, 500)
		if len(all) != 23 || all[22].Seq != 23 {
			t.Fatalf("after concurrent creates: %d records", len(all))
		}
	})
}
