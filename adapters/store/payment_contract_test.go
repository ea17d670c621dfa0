package store_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/tenancy"
)

// TestPaymentMethodContract checks the payment-method store on every
// dialect: the role rules, the counter, the partial unique indexes and
// concurrent role changes.
func TestPaymentMethodContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.app(t)
		plans, subs := a.Plans, a.Subscriptions
		repo := store.NewPaymentRepo(db)
		pay, err := payment.NewService(payment.Config{Repo: repo, Tx: db, Clock: f.clock, Plans: plans, Audit: nopAuditor{}})
		if err != nil {
			t.Fatal(err)
		}
		admin := f.as(t, "acme", tenancy.RoleAdmin, "")
		viewer := f.as(t, "acme", tenancy.RoleViewer, "")
		globex := f.as(t, "globex", tenancy.RoleAdmin, "")
		acmeID := principal(t, admin).TenantID

		contact := payment.Contact{Address1: "1 Main St", City: "Seattle", StateCode: "WA", Country: "US", ZipCode: "98101", ContactType: payment.ContactBilling}
		m1, err := pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: "tok-1", Role: payment.RolePrimary, Contact: contact})
		if err != nil || m1.Name != "payment-method-1" {
			t.Fatalf("create: %+v %v", m1, err)
		}
		m2, err := pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: "tok-2", Role: payment.RoleSecondary})
		if err != nil || m2.Name != "payment-method-2" {
			t.Fatalf("create 2: %+v %v", m2, err)
		}
		if g, err := pay.Create(globex, tenancy.FromContext(globex), payment.CreateInput{Token: "tok-g", Role: payment.RolePrimary}); err != nil || g.Name != "payment-method-1" {
			t.Fatalf("names are per tenant: %+v %v", g, err)
		}
		_, err = pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: "4111 1111 1111 1111"})
		wantKind(t, err, errs.Invalid)
		_, err = pay.Create(viewer, tenancy.FromContext(viewer), payment.CreateInput{Token: "tok-v"})
		wantKind(t, err, errs.Forbidden)

		ms, err := pay.List(admin, tenancy.FromContext(admin))
		if err != nil || len(ms) != 2 {
			t.Fatalf("list: %+v %v", ms, err)
		}
		if ms[0].Contact != contact || ms[0].Token != "tok-1" || ms[0].Role != payment.RolePrimary || ms[1].Role != payment.RoleSecondary ||
			ms[1].Contact.ContactType != payment.ContactMailing || !ms[0].CreatedAt.Equal(t0) {
			t.Fatalf("stored methods: %+v", ms)
		}

		// Ops 4-6 through the store.
		steps := []struct {
			name   string
			change payment.Change
			want   [2]payment.Role
		}{
			{m2.Name, payment.MakePrimary, [2]payment.Role{payment.RoleNormal, payment.RolePrimary}},
			{m2.Name, payment.MakePrimary, [2]payment.Role{payment.RoleNormal, payment.RolePrimary}},
			{m1.Name, payment.SwapPrimary, [2]payment.Role{payment.RolePrimary, payment.RoleSecondary}},
			{m1.Name, payment.MakeSecondary, [2]payment.Role{payment.RoleSecondary, payment.RoleNormal}},
			{m2.Name, payment.SwapPrimary, [2]payment.Role{payment.RoleSecondary, payment.RolePrimary}},
		}
		for i, st := range steps {
			if err := pay.ChangeRole(admin, tenancy.FromContext(admin), st.name, st.change); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			ms, _ := pay.List(admin, tenancy.FromContext(admin))
			if ms[0].Role != st.want[0] || ms[1].Role != st.want[1] {
				t.Fatalf("step %d (%s %s): %s %s, want %v", i, st.change, st.name, ms[0].Role, ms[1].Role, st.want)
			}
		}
		wantKind(t, pay.ChangeRole(admin, tenancy.FromContext(admin), "payment-method-9", payment.MakePrimary), errs.NotFound)
		wantKind(t, pay.ChangeRole(globex, tenancy.FromContext(globex), m2.Name+"x", payment.MakePrimary), errs.NotFound)
		wantKind(t, pay.ChangeRole(viewer, tenancy.FromContext(viewer), m1.Name, payment.MakePrimary), errs.Forbidden)

		// The indexes themselves refuse a second primary, whatever the service does.
		wantKind(t, repo.Insert(admin, payment.PaymentMethod{TenantID: acmeID, Name: "rogue", Seq: 99, Token: "t", Role: payment.RolePrimary, CreatedAt: t0}), errs.Conflict)
		wantKind(t, repo.Insert(admin, payment.PaymentMethod{TenantID: acmeID, Name: m1.Name, Seq: 99, Token: "t", Role: payment.RoleNormal, CreatedAt: t0}), errs.Conflict)

		// Delete: the primary of a paid plan stays; numbers are not reused.
		if err := subs.AssignPlan(admin, operatorOn(acmeID), "team"); err != nil {
			t.Fatal(err)
		}
		err = pay.Delete(admin, tenancy.FromContext(admin), m2.Name)
		wantKind(t, err, errs.Conflict)
		wantKind(t, pay.Delete(globex, tenancy.FromContext(globex), m2.Name+"0"), errs.NotFound)
		wantKind(t, pay.Delete(viewer, tenancy.FromContext(viewer), m1.Name), errs.Forbidden)
		if err := pay.Delete(admin, tenancy.FromContext(admin), m1.Name); err != nil {
			t.Fatalf("delete secondary: %v", err)
		}
		wantKind(t, pay.Delete(admin, tenancy.FromContext(admin), m1.Name), errs.NotFound)
		if err := subs.AssignPlan(admin, operatorOn(acmeID), "free"); err != nil {
			t.Fatal(err)
		}
		if err := pay.Delete(admin, tenancy.FromContext(admin), m2.Name); err != nil {
			t.Fatalf("delete primary on the free plan: %v", err)
		}
		m3, err := pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: "tok-3"})
		if err != nil || m3.Name != "payment-method-3" || m3.Role != payment.RoleNormal {
			t.Fatalf("after deletes: %+v %v", m3, err)
		}
		if ms, _ := pay.List(viewer, tenancy.FromContext(viewer)); len(ms) != 1 || ms[0].Token != "" {
			t.Fatalf("viewer list: %+v", ms)
		}

		// 50 concurrent random role changes (and a few creates) on one tenant.
		for range 3 {
			if _, err := pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: "tok"}); err != nil {
				t.Fatal(err)
			}
		}
		ms, _ = pay.List(admin, tenancy.FromContext(admin))
		var wg sync.WaitGroup
		errc := make(chan error, 60)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), 7))
				if i%10 == 0 {
					role := []payment.Role{payment.RolePrimary, payment.RoleSecondary, ""}[r.IntN(3)]
					if _, err := pay.Create(admin, tenancy.FromContext(admin), payment.CreateInput{Token: fmt.Sprint("tok-c", i), Role: role}); err != nil {
						errc <- fmt.Errorf("create: %w", err)
					}
					return
				}
				name := ms[r.IntN(len(ms))].Name
				change := []payment.Change{payment.MakePrimary, payment.MakeSecondary, payment.SwapPrimary}[r.IntN(3)]
				if err := pay.ChangeRole(admin, tenancy.FromContext(admin), name, change); err != nil {
					errc <- fmt.Errorf("%s %s: %w", change, name, err)
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		ms, err = pay.List(admin, tenancy.FromContext(admin))
		if err != nil || len(ms) != 9 {
			t.Fatalf("after the race: %d methods, %v", len(ms), err)
		}
		roles := map[string]payment.Role{}
		for _, m := range ms {
			roles[m.Name] = m.Role
		}
		if err := payment.CheckRoles(roles); err != nil {
			t.Fatal(err)
		}
	})
}
