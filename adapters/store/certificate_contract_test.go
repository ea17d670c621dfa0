package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestCertificateContract: the installation CA is created once whoever asks
// first, an API certificate authenticates as its credential until revoked,
// creation and revocation are audited, and certificates stay apart per
// tenant.
func TestCertificateContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		aud := store.NewAuditRepo(db, f.clock)
		f.ten = newTenancy(t, db, f.clock, aud)

		// Four processes asking for the CA at once agree on one.
		cas := make([]*tenancy.CertificateAuthority, 4)
		var wg sync.WaitGroup
		for i := range cas {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := newTenancy(t, db, f.clock, aud)
				ca, err := s.CertificateAuthority(ctx, tenancy.Operator(""))
				if err != nil {
					t.Error(err)
					return
				}
				cas[i] = ca
			}(i)
		}
		wg.Wait()
		mine, err := f.ten.CertificateAuthority(ctx, tenancy.Operator(""))
		if err != nil {
			t.Fatal(err)
		}
		for i, ca := range cas {
			if ca == nil || !ca.Cert.Equal(mine.Cert) {
				t.Fatalf("process %d has another CA", i)
			}
		}

		issued, cred, err := f.ten.CreateCertificate(ctx, tenancy.Operator(""), tenancy.CreateCertificateInput{Tenant: "acme", Role: tenancy.RoleViewer, Namespace: "ns1", ValidFor: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.ten.AuthenticateCertificate(ctx, issued.Cert)
		if err != nil || p.TenantName != "acme" || p.Role != tenancy.RoleViewer || p.Namespace != "ns1" || p.TokenID != cred.ID || !p.Certificate {
			t.Fatalf("authenticate: %+v %v", p, err)
		}
		// The stored row is the fingerprint, never the key.
		var fp string
		if err := db.SQL().QueryRowContext(ctx, "SELECT fingerprint FROM api_certificates WHERE id = '"+cred.ID+"'").Scan(&fp); err != nil || fp != tenancy.CertificateFingerprint(issued.Cert.Raw) {
			t.Fatalf("stored fingerprint %q %v", fp, err)
		}
		// The same certificate twice is a conflict (fingerprints are unique).
		dup := cred
		dup.ID = "dup"
		wantKind(t, store.NewCertificateRepo(db, f.clock).CreateCertificate(ctx, dup), errs.Conflict)

		_, other, err := f.ten.CreateCertificate(ctx, tenancy.Operator(""), tenancy.CreateCertificateInput{Tenant: "globex"})
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.ten.ListCertificates(ctx, tenancy.Operator(""), "acme")
		if err != nil || len(list) != 1 || list[0].ID != cred.ID || list[0].Serial != cred.Serial || !list[0].NotAfter.Equal(cred.NotAfter) || list[0].RevokedAt != nil {
			t.Fatalf("list: %+v %v", list, err)
		}
		if none, err := f.ten.ListCertificates(ctx, tenancy.Operator(""), "nobody"); err != nil || len(none) != 0 {
			t.Fatalf("unknown tenant: %+v %v", none, err)
		}
		// Another tenant's id is NotFound, and it is not revoked.
		wantKind(t, f.ten.RevokeCertificate(ctx, tenancy.Operator(""), "acme", other.ID), errs.NotFound)
		if err := f.ten.RevokeCertificate(ctx, tenancy.Operator(""), "acme", cred.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, f.ten.RevokeCertificate(ctx, tenancy.Operator(""), "acme", cred.ID), errs.NotFound)
		_, err = f.ten.AuthenticateCertificate(ctx, issued.Cert)
		wantKind(t, err, errs.Unauthenticated)
		if list, _ := f.ten.ListCertificates(ctx, tenancy.Operator(""), "acme"); len(list) != 1 || list[0].RevokedAt == nil {
			t.Fatalf("revoked certificate listed as %+v", list)
		}

		entries, err := aud.List(ctx, cred.TenantID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			if e.Object == cred.ID {
				actions = append(actions, e.Action)
			}
		}
		if len(actions) != 2 || actions[0] != "certificate.create" || actions[1] != "certificate.revoke" {
			t.Fatalf("audit: %v", actions)
		}
	})
}
