package store_test

import (
	"cmp"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

type nameRenderer struct{}

func (nameRenderer) Render(inv invoice.Invoice) ([]byte, error) { return []byte(inv.Name), nil }

// TestInvoiceContract checks the invoice store on every dialect: issuing
// once per (tenant, period) also under concurrent closers, gapless numbers,
// lines stored exactly and immutable, late usage as an adjustment, status
// changes as a compare-and-set with their audit trail, and tenant isolation.
func TestInvoiceContract(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := kernel.NewFixedClock(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
		ten := newTenancy(t, db, clk, nopAuditor{})
		as := func(tenant string, role tenancy.Role) context.Context {
			secret, _, err := ten.CreateToken(ctx, tenancy.Operator(""), tenancy.CreateTokenInput{Tenant: tenant, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			p, err := ten.Authenticate(ctx, "APIToken "+secret)
			if err != nil {
				t.Fatal(err)
			}
			return tenancy.WithPrincipal(ctx, p)
		}
		admin, viewer, globex := as("acme", tenancy.RoleAdmin), as("acme", tenancy.RoleViewer), as("globex", tenancy.RoleAdmin)
		acmeID := principal(t, admin).TenantID
		cat, err := catalog.Builtin()
		if err != nil {
			t.Fatal(err)
		}
		plans, err := plan.NewService(plan.Config{Repo: store.NewPlanRepo(db), Catalog: cat})
		if err != nil {
			t.Fatal(err)
		}
		if err := newSubscriptions(t, db, clk, plans, noQuotaFit{}).AssignPlan(ctx, operatorOn(acmeID), "team"); err != nil {
			t.Fatal(err)
		}
		urepo := store.NewUsageRepo(db)
		us, err := usage.NewService(usage.Config{Repo: urepo, Tx: db, Clock: clk, Plans: plans, TokenKey: []byte(strings.Repeat("x", 32)),
			Namespaces: store.NewTenancyRepo(db, clk), Audit: nopAuditor{}})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := invoice.NewService(invoice.Config{Repo: store.NewInvoiceRepo(db), Tx: db, Clock: clk, Plans: plans, Usage: us,
			Subscriptions: store.NewSubscriptionRepo(db), Renderer: nameRenderer{}, Contacts: noContacts{}, Audit: nopAuditor{}})
		if err != nil {
			t.Fatal(err)
		}
		sep := time.Date(2026, 9, 10, 5, 30, 0, 0, time.UTC)
		put := func(id, qty string, at time.Time) {
			t.Helper()
			if _, err := urepo.InsertEvents(ctx, acmeID, []usage.Event{{ID: id, Namespace: "shop", UsageType: "http_requests", ObjectName: "lb",
				Quantity: decimal.RequireFromString(qty), UnitName: "request", Timestamp: at}}); err != nil {
				t.Fatal(err)
			}
		}
		put("e1", "1500000.5", sep)
		clk.Advance(30*24*time.Hour + 2*time.Hour) // Oct 1, 02:00

		// Eight concurrent closes of September issue one invoice.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var issued []invoice.Invoice
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := svc.Close(ctx, tenancy.Operator(""), mustPeriod(t, "2026-09"))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				issued = append(issued, res.Issued...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if len(issued) != 1 || issued[0].Name != "inv-000001" || issued[0].AmountCents != 9950 {
			t.Fatalf("concurrent closes issued %+v", issued)
		}
		got, err := svc.Get(viewer, tenancy.FromContext(viewer), "inv-000001")
		if err != nil {
			t.Fatal(err)
		}
		want := issued[0]
		if got.AmountCents != want.AmountCents || got.Number != 1 || got.Period != want.Period || !got.IssuedAt.Equal(want.IssuedAt) ||
			!got.DueAt.Equal(want.IssuedAt.AddDate(0, 0, 30)) || got.Status != invoice.StatusIssued || got.TenantName != "acme" ||
			got.PlanName != "team" || got.Currency != "USD" || len(got.Lines) != len(want.Lines) {
			t.Fatalf("stored %+v\nissued %+v", got, want)
		}
		for i, l := range got.Lines {
			w := want.Lines[i]
			if l.Kind != w.Kind || l.Description != w.Description || !l.Quantity.Equal(w.Quantity) || !l.Billable.Equal(w.Billable) ||
				!l.UnitPrice.Equal(w.UnitPrice) || l.AmountCents != w.AmountCents || l.UsageType != w.UsageType || l.ForPeriod != w.ForPeriod {
				t.Fatalf("line %d stored %+v, issued %+v", i, l, w)
			}
		}
		if !got.Lines[1].Quantity.Equal(decimal.RequireFromString("1500000.5")) {
			t.Fatalf("usage quantity not exact: %+v", got.Lines[1])
		}
		_, err = svc.Get(globex, tenancy.FromContext(globex), "inv-000001")
		wantKind(t, err, errs.NotFound)

		// Issued rows are immutable in the database itself.
		for _, q := range []string{`UPDATE invoice_lines SET amount_cents = 1`, `DELETE FROM invoice_lines`, `UPDATE invoices SET amount_cents = 1`, `DELETE FROM invoices`} {
			if _, err := db.SQL().ExecContext(ctx, q); err == nil {
				t.Fatalf("%s succeeded", q)
			}
		}

		// A late September event becomes October's adjustment line.
		put("e2", "1000000", sep.Add(time.Hour))
		clk.Advance(31 * 24 * time.Hour) // Nov 1
		res, err := svc.Close(ctx, tenancy.Operator(""), mustPeriod(t, "2026-10"))
		if err != nil || len(res.Issued) != 1 {
			t.Fatalf("close October: %+v %v", res, err)
		}
		oct, err := svc.Get(viewer, tenancy.FromContext(viewer), "inv-000002")
		if err != nil {
			t.Fatal(err)
		}
		last := oct.Lines[len(oct.Lines)-1]
		if oct.AmountCents != 9900+50 || last.Kind != invoice.KindAdjustment || last.Description != "Late usage for 2026-09: HTTP Load Balancer Requests" ||
			!last.Quantity.Equal(decimal.NewFromInt(1000000)) || last.AmountCents != 50 {
			t.Fatalf("October: %+v", oct.Lines)
		}
		if sepInv, _ := svc.Get(viewer, tenancy.FromContext(viewer), "inv-000001"); sepInv.AmountCents != 9950 {
			t.Fatalf("September changed: %+v", sepInv)
		}
		if res, err := svc.Close(ctx, tenancy.Operator(""), mustPeriod(t, "2026-10")); err != nil || len(res.Issued) != 0 || res.Already != 1 {
			t.Fatalf("close October again: %+v %v", res, err)
		}
		list, err := svc.List(viewer, tenancy.FromContext(viewer), 10)
		if err != nil || len(list) != 3 || list[0].Name != "inv-pending-2026-11" || list[1].Name != "inv-000002" || list[2].Name != "inv-000001" {
			t.Fatalf("list: %+v %v", list, err)
		}

		// Paying is an operator decision: the tenant's admin is refused.
		if _, err := svc.SetStatus(admin, tenancy.FromContext(admin), "inv-000001", invoice.StatusPaid); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("tenant admin marks its invoice paid: %v", err)
		}
		osecret, _, err := ten.CreateOperatorToken(ctx, tenancy.Operator(""))
		if err != nil {
			t.Fatal(err)
		}
		op, err := ten.Authenticate(ctx, "APIToken "+osecret)
		if err != nil {
			t.Fatal(err)
		}
		if op, err = ten.ActOnTenant(ctx, op, "acme"); err != nil {
			t.Fatal(err)
		}
		operator := tenancy.WithPrincipal(ctx, op)
		// Two concurrent payments: one wins, the other is a Conflict.
		errc := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := svc.SetStatus(operator, tenancy.FromContext(operator), "inv-000001", invoice.StatusPaid)
				errc <- err
			}()
		}
		e1, e2 := <-errc, <-errc
		if (e1 == nil) == (e2 == nil) || !errs.Is(cmp.Or(e1, e2), errs.Conflict) {
			t.Fatalf("concurrent payments: %v, %v", e1, e2)
		}
		// October is due on Dec 1: the scheduler pass marks it OVERDUE.
		clk.Advance(31 * 24 * time.Hour)
		if _, _, _, err := svc.CloseDue(ctx, tenancy.System("scheduler"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.MarkOverdue(ctx, tenancy.System("scheduler")); err != nil {
			t.Fatal(err)
		}
		if oct, _ = svc.Get(viewer, tenancy.FromContext(viewer), "inv-000002"); oct.Status != invoice.StatusOverdue {
			t.Fatalf("October after its due date: %s", oct.Status)
		}
		trail, err := svc.StatusChanges(viewer, tenancy.FromContext(viewer), "inv-000002")
		if err != nil || len(trail) != 2 || trail[1].Actor != "scheduler" || trail[1].From != invoice.StatusIssued || trail[1].To != invoice.StatusOverdue {
			t.Fatalf("trail: %+v %v", trail, err)
		}
		trail, _ = svc.StatusChanges(viewer, tenancy.FromContext(viewer), "inv-000001")
		if len(trail) != 2 || trail[1].To != invoice.StatusPaid || trail[1].Actor != "operator:"+op.TokenID {
			t.Fatalf("September trail: %+v", trail)
		}
		// The scheduler also closed November (globex had nothing to bill).
		if inv, err := svc.Get(viewer, tenancy.FromContext(viewer), "inv-000003"); err != nil || inv.Period.String() != "2026-11" {
			t.Fatalf("November: %+v %v", inv, err)
		}
		if l, _ := svc.List(globex, tenancy.FromContext(globex), 0); len(l) != 1 {
			t.Fatalf("globex: %+v", l)
		}
	})
}

func mustPeriod(t *testing.T, s string) invoice.Period {
	t.Helper()
	p, err := invoice.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
