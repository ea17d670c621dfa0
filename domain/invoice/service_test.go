package invoice_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

func decimalOf(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

func testCatalog() *plan.Catalog {
	rate := func(price string) []plan.Rate {
		return []plan.Rate{{MetricLabel: "http_requests", DisplayName: "HTTP requests", UnitName: "request", UnitNameBillable: "million requests",
			UnitsPerBillable: decimal.NewFromInt(1_000_000), PricePerBillable: decimal.RequireFromString(price)}}
	}
	return &plan.Catalog{Currency: "USD",
		Plans: []plan.Plan{
			{Name: "free", Title: "Free", PlanType: plan.PlanTypeFree, RenewalPeriodUnit: plan.PeriodMonth, InvoiceDueDays: 30, RateCard: rate("0")},
			{Name: "individual", Title: "Individual", PlanType: plan.PlanTypeIndividual, FlatPriceCents: 2500, RenewalPeriodUnit: plan.PeriodMonth, InvoiceDueDays: 30, RateCard: rate("0.75")},
			{Name: "team", Title: "Team", PlanType: plan.PlanTypeTeam, FlatPriceCents: 9900, RenewalPeriodUnit: plan.PeriodMonth, InvoiceDueDays: 30,
				RateCard: rate("0.50"), AllowedAddons: []string{"f5xc_waap_standard"}},
			{Name: "pro", Title: "Pro", PlanType: plan.PlanTypeTeam, FlatPriceCents: 3000, RenewalPeriodUnit: plan.PeriodMonth, InvoiceDueDays: 30,
				TrialPeriod: 14, TrialPeriodUnit: plan.PeriodDay, RateCard: rate("0.40")},
		},
		Addons: []plan.Addon{{Name: "f5xc_waap_standard", DisplayName: "WAAP Standard", MonthlyPriceCents: 3000}},
	}
}

type env struct {
	svc   *invoice.Service
	us    *usage.Service
	price *usage.Pricer
	repo  *memRepo
	use   *memUsage
	clock *kernel.FixedClock
	audit *memAudit
}

var (
	created = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	acme    = invoice.Tenant{ID: "t-acme", Name: "acme", CreatedAt: created}
	globex  = invoice.Tenant{ID: "t-globex", Name: "globex", CreatedAt: created}
)

func newEnv(t *testing.T, now time.Time, subs invoice.SubscriptionSource) env {
	t.Helper()
	return newEnvOn(t, now, subs, map[string]string{acme.ID: "team"})
}

// newEnvOn (subs nil: no subscriptions) is newEnv with the tenants' current plans (tenant id → plan).
func newEnvOn(t *testing.T, now time.Time, subs invoice.SubscriptionSource, on map[string]string) env {
	t.Helper()
	clk := kernel.NewFixedClock(now)
	plans := memPlans{cat: testCatalog(), of: on}
	use := &memUsage{}
	tx := &memTx{}
	price, err := usage.NewPricer(use, plans)
	if err != nil {
		t.Fatal(err)
	}
	repo := newMemRepo(acme, globex)
	aud := &memAudit{}
	if subs == nil {
		subs = memSubs{}
	}
	svc, err := invoice.NewService(invoice.Config{Repo: repo, Tx: tx, Clock: clk, Plans: plans, Usage: price, Subscriptions: subs, Renderer: fakeRenderer{},
		Contacts: memContacts{}, Audit: aud})
	if err != nil {
		t.Fatal(err)
	}
	us, err := usage.NewService(usage.Config{Repo: use, Tx: tx, Clock: clk, Plans: plans, TokenKey: []byte(strings.Repeat("k", 32)),
		Namespaces: nopNamespaces{}, Statements: svc, Audit: &memAudit{}})
	if err != nil {
		t.Fatal(err)
	}
	return env{svc: svc, us: us, price: price, repo: repo, use: use, clock: clk, audit: aud}
}

func as(t invoice.Tenant, role tenancy.Role) context.Context {
	return tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: t.ID, TenantName: t.Name, TokenID: "tok-" + string(role), Role: role})
}

func period(t *testing.T, s string) invoice.Period {
	t.Helper()
	p, err := invoice.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v, want kind %v", err, k)
	}
}

func TestParseStatusAndTransitions(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]invoice.Status{"PAID": invoice.StatusPaid, "status_paid": invoice.StatusPaid, "6": invoice.StatusOverdue,
		"OVERDUE": invoice.StatusOverdue, "cancelled": invoice.StatusCancelled, "4": invoice.StatusRefunded, "STATUS_ISSUED": invoice.StatusIssued} {
		if got, err := invoice.ParseStatus(in); err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "PAYED", "7", "-1"} {
		_, err := invoice.ParseStatus(bad)
		wantKind(t, err, errs.Invalid)
	}
	all := []invoice.Status{invoice.StatusIssued, invoice.StatusPending, invoice.StatusPaid, invoice.StatusRefunded, invoice.StatusCancelled, invoice.StatusOverdue}
	allowed := map[[2]invoice.Status]bool{
		{invoice.StatusIssued, invoice.StatusPaid}: true, {invoice.StatusIssued, invoice.StatusOverdue}: true, {invoice.StatusIssued, invoice.StatusCancelled}: true,
		{invoice.StatusOverdue, invoice.StatusPaid}: true, {invoice.StatusOverdue, invoice.StatusCancelled}: true, {invoice.StatusPaid, invoice.StatusRefunded}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := invoice.CanMove(from, to); got != allowed[[2]invoice.Status{from, to}] {
				t.Errorf("CanMove(%s, %s) = %v", from, to, got)
			}
		}
	}
	for in, ok := range map[string]bool{"2026-10": true, "2026-13": false, "26-10": false, "2026-1": false, "": false} {
		if _, err := invoice.ParsePeriod(in); (err == nil) != ok {
			t.Errorf("ParsePeriod(%q): %v", in, err)
		}
	}
}

func TestPendingInvoiceIsCurrentUsage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	// WAAP from Oct 1 (whole month) and a second stint ending half-way? One
	// subscription covering 15 of 31 days.
	subs := memSubs{acme.ID: {
		{TenantID: acme.ID, ID: "s1", Kind: subscription.KindPlan, Name: "team", Start: created},
		{TenantID: acme.ID, ID: "s2", Kind: subscription.KindAddon, Name: "f5xc_waap_standard", Start: time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC)},
	}}
	e := newEnv(t, now, subs)
	e.use.add(acme.ID, "http_requests", 2_500_000, time.Date(2026, 10, 3, 10, 0, 0, 0, time.UTC))
	e.use.add(acme.ID, "http_requests", 700_000, time.Date(2026, 10, 19, 10, 0, 0, 0, time.UTC))
	e.use.add(acme.ID, "http_requests", 9_000_000, time.Date(2026, 9, 19, 10, 0, 0, 0, time.UTC)) // another month

	ctx := as(acme, tenancy.RoleViewer)
	list, err := e.svc.List(ctx, tenancy.FromContext(ctx), 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	inv := list[0]
	p := period(t, "2026-10")
	cost, err := e.us.CurrentUsage(ctx, tenancy.FromContext(ctx), tenancy.SystemNamespace, p.Start(), p.End())
	if err != nil {
		t.Fatal(err)
	}
	// 15 of 31 days of 30.00 = 14.516… → 1452 cents.
	const addon = 1452
	if !inv.Active() || inv.Status != invoice.StatusPending || inv.Name != "inv-pending-2026-10" || inv.Number != 0 {
		t.Fatalf("pending invoice: %+v", inv)
	}
	// One number everywhere (issue 11): current_usage of the running month
	// is the running invoice, add-on included as a fixed line.
	if cost.TotalCents != 9900+150+addon || inv.AmountCents != cost.TotalCents || invoice.Total(inv.Lines) != inv.AmountCents {
		t.Fatalf("pending amount %d, current_usage %d, lines %+v", inv.AmountCents, cost.TotalCents, inv.Lines)
	}
	kinds := map[invoice.LineKind]int64{}
	for _, l := range inv.Lines {
		kinds[l.Kind] += l.AmountCents
	}
	if kinds[invoice.KindPlan] != 9900 || kinds[invoice.KindUsage] != 150 || kinds[invoice.KindAddon] != addon {
		t.Fatalf("lines by kind %v: %+v", kinds, inv.Lines)
	}
	// The running invoice opens by name and renders; a namespace token cannot read invoices.
	if b, err := e.svc.PDF(ctx, tenancy.FromContext(ctx), inv.Name); err != nil || string(b) != "inv-pending-2026-10:11502" {
		t.Fatalf("pdf: %q %v", b, err)
	}
	_, err = e.svc.List(tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: acme.ID, Role: tenancy.RoleViewer, Namespace: "shop"}), tenancy.FromContext(tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: acme.ID, Role: tenancy.RoleViewer, Namespace: "shop"})), 5)
	wantKind(t, err, errs.Forbidden)
	_, err = e.svc.Get(ctx, tenancy.FromContext(ctx), "inv-000001")
	wantKind(t, err, errs.NotFound)
}

func TestCloseNumbersWithoutGapsAndIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC), nil)
	ctx := context.Background()
	e.use.add(acme.ID, "http_requests", 1_500_000, time.Date(2026, 8, 5, 0, 0, 0, 0, time.UTC))

	// The running month cannot be closed.
	_, err := e.svc.Close(ctx, closer, period(t, "2026-09"))
	wantKind(t, err, errs.Invalid)

	res, err := e.svc.Close(ctx, closer, period(t, "2026-08"))
	if err != nil || len(res.Issued) != 1 || res.Empty != 1 {
		t.Fatalf("close August: %+v %v", res, err)
	}
	aug := res.Issued[0]
	if aug.Name != "inv-000001" || aug.Number != 1 || aug.AmountCents != 9900+50 || aug.Status != invoice.StatusIssued ||
		!aug.DueAt.Equal(aug.IssuedAt.AddDate(0, 0, 30)) || aug.TenantName != "acme" || aug.PlanName != "team" || aug.Currency != "USD" {
		t.Fatalf("August invoice: %+v", aug)
	}
	// Again, and concurrently: nothing more is issued.
	done := make(chan invoice.CloseResult, 4)
	for range 4 {
		go func() {
			r, err := e.svc.Close(ctx, closer, period(t, "2026-08"))
			if err != nil {
				t.Error(err)
			}
			done <- r
		}()
	}
	for range 4 {
		if r := <-done; len(r.Issued) != 0 || r.Already != 1 {
			t.Fatalf("second close: %+v", r)
		}
	}
	// Months with nothing billable are skipped for free tenants but a paid
	// plan always bills its flat price: numbers follow without gaps.
	e.clock.Advance(60 * 24 * time.Hour) // Nov 9
	for i, m := range []string{"2026-09", "2026-10"} {
		res, err := e.svc.Close(ctx, closer, period(t, m))
		if err != nil || len(res.Issued) != 1 {
			t.Fatalf("close %s: %+v %v", m, res, err)
		}
		if inv := res.Issued[0]; inv.Number != int64(i+2) || inv.Name != invoice.NameFor(int64(i+2)) || inv.AmountCents != 9900 {
			t.Fatalf("%s: %+v", m, inv)
		}
	}
	ctxA := as(acme, tenancy.RoleAdmin)
	list, err := e.svc.List(ctxA, tenancy.FromContext(ctxA), 0)
	if err != nil || len(list) != 4 {
		t.Fatalf("list: %+v %v", list, err)
	}
	for i, want := range []string{"inv-pending-2026-11", "inv-000003", "inv-000002", "inv-000001"} {
		if list[i].Name != want {
			t.Fatalf("list order: %v", list)
		}
	}
	if l, _ := e.svc.List(ctxA, tenancy.FromContext(ctxA), 2); len(l) != 2 || l[1].Name != "inv-000003" {
		t.Fatalf("limit 2: %+v", l)
	}
	if l, _ := e.svc.List(as(globex, tenancy.RoleAdmin), tenancy.FromContext(as(globex, tenancy.RoleAdmin)), 0); len(l) != 1 || !l[0].Active() {
		t.Fatalf("globex sees: %+v", l)
	}
}

func TestLateUsageBecomesAdjustmentOnNextInvoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC), nil)
	ctx := context.Background()
	sep := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)
	e.use.add(acme.ID, "http_requests", 1_500_000, sep) // 1 billable → 0.50
	res, err := e.svc.Close(ctx, closer, period(t, "2026-09"))
	if err != nil || len(res.Issued) != 1 || res.Issued[0].AmountCents != 9950 {
		t.Fatalf("close September: %+v %v", res, err)
	}
	// Late: 1,000,000 more September requests → 2.5M → 2 billable → 1.00.
	e.use.add(acme.ID, "http_requests", 1_000_000, sep.Add(time.Hour))
	e.use.add(acme.ID, "http_requests", 300_000, time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC))

	ctxV := as(acme, tenancy.RoleViewer)
	pend, err := e.svc.Get(ctxV, tenancy.FromContext(ctxV), "inv-pending-2026-10")
	if err != nil {
		t.Fatal(err)
	}
	adj := func(inv invoice.Invoice) []invoice.Line {
		var out []invoice.Line
		for _, l := range inv.Lines {
			if l.Kind == invoice.KindAdjustment {
				out = append(out, l)
			}
		}
		return out
	}
	a := adj(pend)
	if len(a) != 1 || a[0].Description != "Late usage for 2026-09: HTTP requests" || !a[0].Quantity.Equal(decimalOf(1_000_000)) ||
		a[0].AmountCents != 50 || a[0].ForPeriod != "2026-09" || !a[0].Billable.Equal(decimalOf(1)) {
		t.Fatalf("pending adjustment: %+v", pend.Lines)
	}
	if pend.AmountCents != 9900+50+50 {
		t.Fatalf("pending October amount %d: %+v", pend.AmountCents, pend.Lines)
	}
	// The issued September invoice did not change.
	septInv, err := e.svc.Get(ctxV, tenancy.FromContext(ctxV), "inv-000001")
	if err != nil || septInv.AmountCents != 9950 || len(adj(septInv)) != 0 {
		t.Fatalf("September changed: %+v %v", septInv, err)
	}

	e.clock.Advance(31 * 24 * time.Hour) // Nov 1
	res, err = e.svc.Close(ctx, closer, period(t, "2026-10"))
	if err != nil || len(res.Issued) != 1 {
		t.Fatalf("close October: %+v %v", res, err)
	}
	oct := res.Issued[0]
	if oct.AmountCents != 10000 || len(adj(oct)) != 1 {
		t.Fatalf("October invoice: %+v", oct)
	}
	// Another late September event below the next billable unit: the
	// quantity is adjusted with a 0.00 line; nothing is billed twice.
	e.use.add(acme.ID, "http_requests", 200_000, sep.Add(2*time.Hour))
	pend, err = e.svc.Get(ctxV, tenancy.FromContext(ctxV), "inv-pending-2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if a := adj(pend); len(a) != 1 || !a[0].Quantity.Equal(decimalOf(200_000)) || a[0].AmountCents != 0 {
		t.Fatalf("second adjustment: %+v", pend.Lines)
	}
	// Late October usage is adjusted too, next to September's.
	e.use.add(acme.ID, "http_requests", 800_000, time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)) // 1.1M → still 1 billable
	pend, _ = e.svc.Get(ctxV, tenancy.FromContext(ctxV), "inv-pending-2026-11")
	if a := adj(pend); len(a) != 2 || a[1].ForPeriod != "2026-10" || a[1].AmountCents != 0 || !a[1].Quantity.Equal(decimalOf(800_000)) {
		t.Fatalf("two adjustments: %+v", pend.Lines)
	}
	e.clock.Advance(30 * 24 * time.Hour) // Dec 1
	if res, err = e.svc.Close(ctx, closer, period(t, "2026-11")); err != nil || len(res.Issued) != 1 || len(adj(res.Issued[0])) != 2 {
		t.Fatalf("close November: %+v %v", res, err)
	}
	// Everything is billed now: December's pending invoice has no adjustment.
	if pend, _ = e.svc.Get(ctxV, tenancy.FromContext(ctxV), "inv-pending-2026-12"); len(adj(pend)) != 0 {
		t.Fatalf("adjusted twice: %+v", pend.Lines)
	}
}

func TestStatusChangesKeepAnAuditTrail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 9, 1, 1, 0, 0, 0, time.UTC), nil)
	ctx := context.Background()
	if _, err := e.svc.Close(ctx, closer, period(t, "2026-08")); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if _, err := e.svc.Close(ctx, closer, period(t, "2026-09")); err != nil {
		t.Fatal(err)
	}
	viewer := as(acme, tenancy.RoleViewer)
	// A tenant's own tokens never mark its invoices, not even an admin's.
	for _, c := range []context.Context{viewer, as(acme, tenancy.RoleAdmin), as(globex, tenancy.RoleAdmin)} {
		_, err := e.svc.SetStatus(c, tenancy.FromContext(c), "inv-000001", invoice.StatusPaid)
		wantKind(t, err, errs.Forbidden)
	}
	opOn := func(t invoice.Tenant) context.Context {
		return tenancy.WithPrincipal(context.Background(), tenancy.Principal{TenantID: t.ID, TenantName: t.Name, TokenID: "op-1", Role: tenancy.RoleAdmin, Operator: true})
	}
	admin := opOn(acme)
	_, err := e.svc.SetStatus(tenancy.WithPrincipal(context.Background(), tenancy.Principal{TokenID: "op-1", Role: tenancy.RoleAdmin, Operator: true}), tenancy.FromContext(tenancy.WithPrincipal(context.Background(), tenancy.Principal{TokenID: "op-1", Role: tenancy.RoleAdmin, Operator: true})), "inv-000001", invoice.StatusPaid)
	wantKind(t, err, errs.Invalid) // no tenant named: invoice names are per tenant
	_, err = e.svc.SetStatus(opOn(globex), tenancy.FromContext(opOn(globex)), "inv-000001", invoice.StatusPaid)
	wantKind(t, err, errs.NotFound)
	_, err = e.svc.SetStatus(admin, tenancy.FromContext(admin), "inv-pending-2026-10", invoice.StatusPaid)
	wantKind(t, err, errs.Conflict)

	steps := []struct {
		to   invoice.Status
		kind errs.Kind // 0: no error
	}{
		{invoice.StatusRefunded, errs.Conflict}, {invoice.StatusPaid, 0}, {invoice.StatusOverdue, errs.Conflict},
		{invoice.StatusPaid, errs.Conflict}, {invoice.StatusRefunded, 0}, {invoice.StatusCancelled, errs.Conflict},
	}
	for _, s := range steps {
		inv, err := e.svc.SetStatus(admin, tenancy.FromContext(admin), "inv-000001", s.to)
		if s.kind != 0 {
			wantKind(t, err, s.kind)
			continue
		}
		if err != nil || inv.Status != s.to {
			t.Fatalf("to %s: %+v %v", s.to, inv, err)
		}
	}
	trail, err := e.svc.StatusChanges(viewer, tenancy.FromContext(viewer), "inv-000001")
	if err != nil || len(trail) != 3 {
		t.Fatalf("trail: %+v %v", trail, err)
	}
	for i, want := range [][3]string{{"close", "STATUS_PENDING", "STATUS_ISSUED"}, {"operator:op-1", "STATUS_ISSUED", "STATUS_PAID"}, {"operator:op-1", "STATUS_PAID", "STATUS_REFUNDED"}} {
		if c := trail[i]; c.Actor != want[0] || string(c.From) != want[1] || string(c.To) != want[2] || c.At.IsZero() {
			t.Fatalf("trail[%d] = %+v", i, c)
		}
	}

	// The scheduler marks the unpaid September invoice OVERDUE once due,
	// and an operator can then cancel it.
	if n, err := e.svc.MarkOverdue(ctx, scheduler); err != nil || n != 0 {
		t.Fatalf("nothing is due yet: %d %v", n, err)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if _, _, due, err := e.svc.CloseDue(ctx, scheduler, time.Hour); err != nil || !due {
		t.Fatalf("close due: %v %v", due, err)
	}
	if _, err := e.svc.MarkOverdue(ctx, scheduler); err != nil {
		t.Fatal(err)
	}
	inv, err := e.svc.Get(viewer, tenancy.FromContext(viewer), "inv-000002")
	if err != nil || inv.Status != invoice.StatusOverdue {
		t.Fatalf("after the due date: %+v %v", inv, err)
	}
	if got, _ := e.svc.Get(viewer, tenancy.FromContext(viewer), "inv-000003"); got.Status != invoice.StatusIssued {
		t.Fatalf("the scheduler closed October but it is not due: %+v", got)
	}
	ops, err := tenancy.Operator("ops@example.com").ActingOn(acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inv, err = e.svc.SetStatus(ctx, ops, "inv-000002", invoice.StatusCancelled); err != nil || inv.Status != invoice.StatusCancelled {
		t.Fatalf("cancel: %+v %v", inv, err)
	}
	trail, _ = e.svc.StatusChanges(viewer, tenancy.FromContext(viewer), "inv-000002")
	if len(trail) != 3 || trail[1].Actor != "scheduler" || trail[2].Actor != "ops@example.com" {
		t.Fatalf("trail: %+v", trail)
	}

	// The append-only audit log has each issue and each status change,
	// every one written inside the transaction of the change.
	var got []string
	for _, r := range e.audit.records() {
		line := r.Actor + " " + r.Action + " " + r.Object
		if r.Action == "invoice.status" {
			line += fmt.Sprintf(" %v→%v", r.Before, r.After)
		}
		if r.TenantID != acme.ID || r.Namespace != tenancy.SystemNamespace {
			t.Errorf("record %+v", r)
		}
		got = append(got, line)
	}
	want := []string{
		"close invoice.issue inv-000001", "close invoice.issue inv-000002",
		"operator:op-1 invoice.status inv-000001 map[status:STATUS_ISSUED]→map[status:STATUS_PAID]",
		"operator:op-1 invoice.status inv-000001 map[status:STATUS_PAID]→map[status:STATUS_REFUNDED]",
		"close invoice.issue inv-000003",
		"scheduler invoice.status inv-000002 map[status:STATUS_ISSUED]→map[status:OVERDUE]",
		"ops@example.com invoice.status inv-000002 map[status:OVERDUE]→map[status:STATUS_CANCELLED]",
	}
	if !slices.Equal(got, want) || e.audit.outs != 0 {
		t.Fatalf("audit log (%d outside a transaction):\n%s\nwant\n%s", e.audit.outs, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := e.audit.records()[0]; r.Before != nil || r.After.(map[string]any)["number"] != int64(1) || r.After.(map[string]any)["amount_cents"] != int64(9900) {
		t.Fatalf("issue record: %+v", r)
	}
}

// closer and scheduler are the principals of trusted invoice work: the
// command line closing a month, and the server's scheduler.
var (
	closer    = tenancy.Operator("")
	scheduler = tenancy.System("scheduler")
)
