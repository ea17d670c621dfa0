package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

type paymentMethodResp struct {
	Name    string
	Role    string
	Token   *string
	Contact struct{ ContactType, City string }
}

const pmFields = `name role token contact { contactType city }`

// roles maps method names to roles.
func roles(ms []paymentMethodResp) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m.Name] = strings.TrimPrefix(m.Role, "PAYMENT_METHOD_ROLE_")
	}
	return out
}

func TestPaymentMethodsGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(admin)
		create := `mutation($in: CreatePaymentMethodInput!) { createPaymentMethod(input: $in) { ` + pmFields + ` } }`

		var cr struct{ CreatePaymentMethod paymentMethodResp }
		mustPost(t, c, create, &cr, client.Var("in", map[string]any{"token": "tok-1", "role": "PAYMENT_METHOD_ROLE_PRIMARY", "contact": map[string]any{"city": "Paris"}}))
		m1 := cr.CreatePaymentMethod
		if m1.Name != "payment-method-1" || m1.Role != "PAYMENT_METHOD_ROLE_PRIMARY" || m1.Token == nil || *m1.Token != "tok-1" ||
			m1.Contact.City != "Paris" || m1.Contact.ContactType != "MAILING" {
			t.Fatalf("created = %+v", m1)
		}
		mustPost(t, c, create, &cr, client.Var("in", map[string]any{"token": "tok-2"}))
		if cr.CreatePaymentMethod.Name != "payment-method-2" || cr.CreatePaymentMethod.Role != "PAYMENT_METHOD_ROLE_NORMAL" {
			t.Fatalf("second = %+v", cr.CreatePaymentMethod)
		}

		// A raw card number is refused and names the field.
		e := wantCode(t, c.Post(create, &cr, client.Var("in", map[string]any{"token": "4111 1111 1111 1111"})), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || e.Extensions.Fields[0].Field != "token" {
			t.Fatalf("fields = %+v", e.Extensions.Fields)
		}
		wantCode(t, c.Post(create, &cr, client.Var("in", map[string]any{"token": "tok-3", "role": "BOSS"})), "INVALID_ARGUMENT")

		var sec struct{ MakePaymentMethodSecondary []paymentMethodResp }
		mustPost(t, c, `mutation { makePaymentMethodSecondary(name: "payment-method-2") { `+pmFields+` } }`, &sec)
		if r := roles(sec.MakePaymentMethodSecondary); r["payment-method-1"] != "PRIMARY" || r["payment-method-2"] != "SECONDARY" {
			t.Fatalf("after secondary: %v", r)
		}
		var swap struct{ SwapPaymentMethodRole []paymentMethodResp }
		mustPost(t, c, `mutation { swapPaymentMethodRole(name: "payment-method-2") { `+pmFields+` } }`, &swap)
		if r := roles(swap.SwapPaymentMethodRole); r["payment-method-1"] != "SECONDARY" || r["payment-method-2"] != "PRIMARY" {
			t.Fatalf("after swap: %v", r)
		}
		var prim struct{ MakePaymentMethodPrimary []paymentMethodResp }
		mustPost(t, c, `mutation { makePaymentMethodPrimary(name: "payment-method-1") { `+pmFields+` } }`, &prim)
		if r := roles(prim.MakePaymentMethodPrimary); r["payment-method-1"] != "PRIMARY" || r["payment-method-2"] != "NORMAL" {
			t.Fatalf("after primary: %v", r)
		}
		wantCode(t, c.Post(`mutation { makePaymentMethodPrimary(name: "payment-method-9") { name } }`, &prim), "NOT_FOUND")
		wantCode(t, c.Post(`mutation { swapPaymentMethodRole(name: "payment-method-9") { name } }`, &swap), "NOT_FOUND")

		// A viewer reads the methods without their tokens and changes nothing.
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		var list struct{ PaymentMethods []paymentMethodResp }
		mustPost(t, viewer, `{ paymentMethods { `+pmFields+` } }`, &list)
		if len(list.PaymentMethods) != 2 || list.PaymentMethods[0].Token != nil || list.PaymentMethods[0].Name != "payment-method-1" {
			t.Fatalf("viewer list = %+v", list.PaymentMethods)
		}
		wantCode(t, viewer.Post(create, &cr, client.Var("in", map[string]any{"token": "tok-4"})), "FORBIDDEN")
		wantCode(t, viewer.Post(`mutation { makePaymentMethodSecondary(name: "payment-method-2") { name } }`, &sec), "FORBIDDEN")
		var del struct{ DeletePaymentMethod bool }
		wantCode(t, viewer.Post(`mutation { deletePaymentMethod(name: "payment-method-2") }`, &del), "FORBIDDEN")
		// Payment methods are tenant-wide: a token bound to a namespace cannot see them.
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleAdmin, "shop"))
		wantCode(t, bound.Post(`{ paymentMethods { name } }`, &list), "FORBIDDEN")

		wantCode(t, c.Post(`mutation { deletePaymentMethod(name: "payment-method-9") }`, &del), "NOT_FOUND")
		mustPost(t, c, `mutation { deletePaymentMethod(name: "payment-method-2") }`, &del)
		if !del.DeletePaymentMethod {
			t.Fatal("delete answered false")
		}
		mustPost(t, c, `{ paymentMethods { `+pmFields+` } }`, &list)
		if len(list.PaymentMethods) != 1 || list.PaymentMethods[0].Name != "payment-method-1" {
			t.Fatalf("after delete = %+v", list.PaymentMethods)
		}
		// Another tenant sees none of them.
		other := h.client(h.caller(t, tenancy.RoleAdmin, ""))
		mustPost(t, other, `{ paymentMethods { name } }`, &list)
		if len(list.PaymentMethods) != 0 {
			t.Fatalf("other tenant sees %+v", list.PaymentMethods)
		}
	})
}

type transitionResp struct {
	ID                     string
	State                  string
	FromPlan               *string
	TargetPlan             string
	RequiresManualApproval bool
	FailureReason          string
	DecidedBy              string
	SubscribeAddons        []string
	CreatedAt, UpdatedAt   string
}

const transitionFields = `id state fromPlan targetPlan requiresManualApproval failureReason decidedBy subscribeAddons createdAt updatedAt`

type subscriptionResp struct {
	ID, Kind, Name, Title, Start string
	End                          *string
	Current                      bool
	Periods                      []struct {
		UID, Start, End, InternalStart, InternalEnd string
		Trial                                       bool
	}
}

const subscriptionFields = `id kind name title start end current periods { uid start end internalStart internalEnd trial }`

func currentPlanName(t *testing.T, c *client.Client) string {
	t.Helper()
	var resp struct{ CurrentPlan struct{ Name string } }
	mustPost(t, c, `{ currentPlan { name } }`, &resp)
	return resp.CurrentPlan.Name
}

func findSub(subs []subscriptionResp, kind, name string) *subscriptionResp {
	for i := range subs {
		if subs[i].Kind == kind && subs[i].Name == name {
			return &subs[i]
		}
	}
	return nil
}

func TestPlanTransitionsGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(admin)
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		initiate := `mutation($in: InitiatePlanTransitionInput!) { initiatePlanTransition(input: $in) { ` + transitionFields + ` } }`
		subsQuery := `query($cur: Boolean) { subscriptions(current: $cur) { ` + subscriptionFields + ` } }`

		var subs struct{ Subscriptions []subscriptionResp }
		mustPost(t, c, subsQuery, &subs, client.Var("cur", true))
		if len(subs.Subscriptions) != 1 || subs.Subscriptions[0].Kind != "PLAN" || subs.Subscriptions[0].Name != "free" ||
			!subs.Subscriptions[0].Current || subs.Subscriptions[0].End != nil || len(subs.Subscriptions[0].Periods) == 0 {
			t.Fatalf("first subscriptions = %+v", subs.Subscriptions)
		}

		// The target plan's flow requires a payment token: the error names it.
		var in struct{ InitiatePlanTransition transitionResp }
		e := wantCode(t, c.Post(initiate, &in, client.Var("in", map[string]any{"newPlan": "individual"})), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || e.Extensions.Fields[0].Field != "payload.payment_provider_token" {
			t.Fatalf("fields = %+v", e.Extensions.Fields)
		}
		wantCode(t, viewer.Post(initiate, &in, client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1"})), "FORBIDDEN")

		// An upgrade without manual approval finishes at once and changes the plan.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1", "idempotencyKey": "k1"}))
		up := in.InitiatePlanTransition
		if up.State != "STATE_FINISHED" || up.FromPlan == nil || *up.FromPlan != "free" || up.TargetPlan != "individual" || up.RequiresManualApproval || up.ID == "" {
			t.Fatalf("upgrade = %+v", up)
		}
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan = %q, want individual", got)
		}
		// The same idempotency key answers the same transition.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1", "idempotencyKey": "k1"}))
		if in.InitiatePlanTransition.ID != up.ID {
			t.Fatalf("replayed id = %s, want %s", in.InitiatePlanTransition.ID, up.ID)
		}

		var get struct{ PlanTransition *transitionResp }
		mustPost(t, viewer, `query($id: ID!) { planTransition(id: $id) { `+transitionFields+` } }`, &get, client.Var("id", up.ID))
		if get.PlanTransition == nil || get.PlanTransition.State != "STATE_FINISHED" || get.PlanTransition.TargetPlan != "individual" {
			t.Fatalf("planTransition = %+v", get.PlanTransition)
		}
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			get.PlanTransition = nil
			mustPost(t, c, `query($id: ID!) { planTransition(id: $id) { id } }`, &get, client.Var("id", id))
			if get.PlanTransition != nil {
				t.Fatalf("planTransition(%s) = %+v, want null", id, get.PlanTransition)
			}
		}
		// Another tenant does not see it.
		other := h.client(h.caller(t, tenancy.RoleAdmin, ""))
		get.PlanTransition = nil
		mustPost(t, other, `query($id: ID!) { planTransition(id: $id) { id } }`, &get, client.Var("id", up.ID))
		if get.PlanTransition != nil {
			t.Fatal("another tenant sees the transition")
		}
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleAdmin, "shop"))
		wantCode(t, bound.Post(`query($id: ID!) { planTransition(id: $id) { id } }`, &get, client.Var("id", up.ID)), "FORBIDDEN")
		wantCode(t, bound.Post(`{ subscriptions { id } }`, &subs), "FORBIDDEN")

		// The free subscription closed; the individual one runs.
		mustPost(t, c, subsQuery, &subs, client.Var("cur", nil))
		if f := findSub(subs.Subscriptions, "PLAN", "free"); f == nil || f.Current || f.End == nil {
			t.Fatalf("free subscription after upgrade: %+v", subs.Subscriptions)
		}
		if i := findSub(subs.Subscriptions, "PLAN", "individual"); i == nil || !i.Current || len(i.Periods) == 0 {
			t.Fatalf("individual subscription: %+v", subs.Subscriptions)
		}

		// Add-ons.
		var sub struct{ SubscribeAddon []subscriptionResp }
		mustPost(t, c, `mutation { subscribeAddon(name: "f5xc_waap_standard") { `+subscriptionFields+` } }`, &sub)
		if a := findSub(sub.SubscribeAddon, "ADDON", "f5xc_waap_standard"); a == nil || !a.Current || a.Title == "" {
			t.Fatalf("after subscribe: %+v", sub.SubscribeAddon)
		}
		mustPost(t, c, `mutation { subscribeAddon(name: "f5xc_waap_standard") { id } }`, &sub) // twice is a no-op
		e = wantCode(t, c.Post(`mutation { subscribeAddon(name: "f5xc_appstack_standard") { id } }`, &sub), "FORBIDDEN")
		if !strings.Contains(e.Message, "individual") {
			t.Fatalf("forbidden message does not say why: %q", e.Message)
		}
		wantCode(t, c.Post(`mutation { subscribeAddon(name: "no_such_addon") { id } }`, &sub), "INVALID_ARGUMENT")
		wantCode(t, viewer.Post(`mutation { subscribeAddon(name: "f5xc_waap_standard") { id } }`, &sub), "FORBIDDEN")
		var unsub struct{ UnsubscribeAddon []subscriptionResp }
		mustPost(t, c, `mutation { unsubscribeAddon(name: "f5xc_waap_standard") { `+subscriptionFields+` } }`, &unsub)
		if findSub(unsub.UnsubscribeAddon, "ADDON", "f5xc_waap_standard") != nil || findSub(unsub.UnsubscribeAddon, "PLAN", "individual") == nil {
			t.Fatalf("after unsubscribe: %+v", unsub.UnsubscribeAddon)
		}
		wantCode(t, viewer.Post(`mutation { unsubscribeAddon(name: "f5xc_waap_standard") { id } }`, &unsub), "FORBIDDEN")

		// organization needs a human: the transition waits, and only one may be in flight.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "organization"}))
		wait := in.InitiatePlanTransition
		if wait.State != "STATE_WAITING_FOR_APPROVAL" || !wait.RequiresManualApproval {
			t.Fatalf("organization = %+v", wait)
		}
		wantCode(t, c.Post(initiate, &in, client.Var("in", map[string]any{"newPlan": "organization"})), "CONFLICT")

		// Rejected: it fails with the reason and the plan stays.
		var rej struct{ RejectPlanTransition transitionResp }
		reject := `mutation($id: ID!) { rejectPlanTransition(id: $id, reason: "no budget") { ` + transitionFields + ` } }`
		// Deciding is for operators: not even the tenant's admin may.
		op := h.client(h.operator(t, admin.TenantName))
		opAnyTenant := h.client(h.operator(t, ""))
		wantCode(t, viewer.Post(reject, &rej, client.Var("id", wait.ID)), "FORBIDDEN")
		e = wantCode(t, c.Post(reject, &rej, client.Var("id", wait.ID)), "FORBIDDEN")
		if !strings.Contains(e.Message, "operator decision") {
			t.Fatalf("forbidden message = %q", e.Message)
		}
		wantCode(t, op.Post(reject, &rej, client.Var("id", uuid.NewString())), "NOT_FOUND")
		mustPost(t, op, reject, &rej, client.Var("id", wait.ID))
		if r := rej.RejectPlanTransition; r.State != "STATE_FAILED" || !strings.Contains(r.FailureReason, "no budget") || !strings.HasPrefix(r.DecidedBy, "operator:") {
			t.Fatalf("rejected = %+v", r)
		}
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan after reject = %q", got)
		}

		// Approved: it finishes and the plan changes.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "organization"}))
		wait = in.InitiatePlanTransition
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan while waiting = %q", got)
		}
		approve := `mutation($id: ID!) { approvePlanTransition(id: $id) { ` + transitionFields + ` } }`
		var appr struct{ ApprovePlanTransition transitionResp }
		wantCode(t, viewer.Post(approve, &appr, client.Var("id", wait.ID)), "FORBIDDEN")
		wantCode(t, c.Post(approve, &appr, client.Var("id", wait.ID)), "FORBIDDEN")
		wantCode(t, opAnyTenant.Post(approve, &appr, client.Var("id", uuid.NewString())), "NOT_FOUND")
		// An operator naming no tenant finds the transition by its id.
		mustPost(t, opAnyTenant, approve, &appr, client.Var("id", wait.ID))
		if a := appr.ApprovePlanTransition; a.State != "STATE_FINISHED" || a.FromPlan == nil || *a.FromPlan != "individual" || !strings.HasPrefix(a.DecidedBy, "operator:") {
			t.Fatalf("approved = %+v", a)
		}
		if got := currentPlanName(t, c); got != "organization" {
			t.Fatalf("currentPlan after approval = %q, want organization", got)
		}
		// It is no longer waiting.
		wantCode(t, op.Post(approve, &appr, client.Var("id", wait.ID)), "CONFLICT")

		// On a paid plan the primary payment method cannot be deleted.
		var cr struct{ CreatePaymentMethod struct{ Name string } }
		mustPost(t, c, `mutation { createPaymentMethod(input: {token: "tok-9", role: "PAYMENT_METHOD_ROLE_PRIMARY"}) { name } }`, &cr)
		var del struct{ DeletePaymentMethod bool }
		e = wantCode(t, c.Post(`mutation($n: String!) { deletePaymentMethod(name: $n) }`, &del, client.Var("n", cr.CreatePaymentMethod.Name)), "CONFLICT")
		if !strings.Contains(e.Message, "primary") {
			t.Fatalf("conflict message = %q", e.Message)
		}
	})
}

type invoiceResp struct {
	Name        string
	Number      *int64
	Status      string
	Active      bool
	Period      string
	PeriodStart string
	Plan        string
	Currency    string
	IssuedAt    *string
	DueAt       *string
	TotalCents  int64
	Lines       []struct {
		Kind, Description, UsageType, ForPeriod, Quantity, Unit, BillableQuantity, BillableUnit, UnitPrice string
		AmountCents                                                                                        int64
	}
}

const invoiceFields = `name number status active period periodStart plan currency issuedAt dueAt totalCents
  lines { kind description usageType forPeriod quantity unit billableQuantity billableUnit unitPrice amountCents }`

type invoicePageResp struct {
	Invoices struct {
		Edges []struct {
			Cursor string
			Node   invoiceResp
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// issue stores an issued invoice of p's tenant for the month months before
// now, as the monthly close would, with one plan line and one usage line.
func issue(t *testing.T, h *harness, p tenancy.Principal, months int) invoice.Invoice {
	t.Helper()
	ctx := context.Background()
	repo := store.NewInvoiceRepo(h.db)
	period := invoice.PeriodOf(time.Now().UTC().AddDate(0, -months, 0))
	lines := []invoice.Line{
		{Kind: invoice.KindPlan, Description: "Individual", ForPeriod: period.String(), Quantity: decimal.NewFromInt(1), Unit: "month",
			Billable: decimal.NewFromInt(1), BillableUnit: "month", UnitPrice: decimal.RequireFromString("25"), AmountCents: 2500},
		{Kind: invoice.KindUsage, Description: "HTTP Load Balancer Requests", UsageType: "http_requests", ForPeriod: period.String(),
			Quantity: decimal.RequireFromString("2500000"), Unit: "request", Billable: decimal.RequireFromString("2.5"),
			BillableUnit: "million requests", UnitPrice: decimal.RequireFromString("0.35"), AmountCents: 88},
	}
	var inv invoice.Invoice
	err := h.db.InTx(ctx, func(ctx context.Context) error {
		if err := repo.LockTenant(ctx, p.TenantID); err != nil {
			return err
		}
		n, err := repo.NextNumber(ctx, p.TenantID)
		if err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Second)
		inv = invoice.Invoice{TenantID: p.TenantID, TenantName: p.TenantName, Name: invoice.NameFor(n), Number: n, Period: period,
			Status: invoice.StatusIssued, Currency: "USD", PlanName: "individual", IssuedAt: now, DueAt: now.AddDate(0, 0, 30),
			Lines: lines, AmountCents: invoice.Total(lines)}
		return repo.Insert(ctx, inv, invoice.StatusChange{TenantID: p.TenantID, Invoice: inv.Name, At: now, Actor: "close",
			From: invoice.StatusPending, To: invoice.StatusIssued})
	})
	if err != nil {
		t.Fatalf("issue invoice: %v", err)
	}
	return inv
}

func TestInvoicesGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(admin)
		older := issue(t, h, admin, 2)
		newer := issue(t, h, admin, 1)

		q := `query($first: Int, $after: String) { invoices(first: $first, after: $after) {
		  edges { cursor node { ` + invoiceFields + ` } } pageInfo { hasNextPage endCursor } } }`
		var pg invoicePageResp
		mustPost(t, c, q, &pg, client.Var("first", 2), client.Var("after", nil))
		es := pg.Invoices.Edges
		if len(es) != 2 || !pg.Invoices.PageInfo.HasNextPage || pg.Invoices.PageInfo.EndCursor == nil {
			t.Fatalf("first page = %+v", pg.Invoices)
		}
		// The running invoice first, then the newest issued one.
		run := es[0].Node
		if !run.Active || run.Status != "STATUS_PENDING" || run.Number != nil || run.IssuedAt != nil ||
			run.Period != invoice.PeriodOf(time.Now()).String() || !strings.HasPrefix(run.Name, "inv-pending-") {
			t.Fatalf("running invoice = %+v", run)
		}
		got := es[1].Node
		if got.Name != newer.Name || got.Number == nil || *got.Number != newer.Number || got.Status != "STATUS_ISSUED" || got.Active ||
			got.Period != newer.Period.String() || got.TotalCents != 2588 || got.Currency != "USD" || got.Plan != "individual" ||
			got.IssuedAt == nil || got.DueAt == nil {
			t.Fatalf("issued invoice = %+v", got)
		}
		if len(got.Lines) != 2 {
			t.Fatalf("lines = %+v", got.Lines)
		}
		if l := got.Lines[1]; l.Kind != "usage" || l.Quantity != "2500000" || l.BillableQuantity != "2.5" || l.UnitPrice != "0.35" ||
			l.AmountCents != 88 || l.UsageType != "http_requests" || l.ForPeriod != newer.Period.String() {
			t.Fatalf("usage line = %+v", l)
		}
		var sum int64
		for _, l := range got.Lines {
			sum += l.AmountCents
		}
		if sum != got.TotalCents {
			t.Fatalf("lines add up to %d, total is %d", sum, got.TotalCents)
		}

		mustPost(t, c, q, &pg, client.Var("first", 2), client.Var("after", *pg.Invoices.PageInfo.EndCursor))
		if len(pg.Invoices.Edges) != 1 || pg.Invoices.Edges[0].Node.Name != older.Name || pg.Invoices.PageInfo.HasNextPage {
			t.Fatalf("second page = %+v", pg.Invoices)
		}
		// Without lines selected the page still answers.
		var slim struct {
			Invoices struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		mustPost(t, c, `{ invoices { edges { node { name } } } }`, &slim)
		if len(slim.Invoices.Edges) != 3 {
			t.Fatalf("all invoices = %+v", slim.Invoices)
		}
		wantCode(t, c.Post(q, &pg, client.Var("first", 2), client.Var("after", "!!")), "INVALID_ARGUMENT")
		wantCode(t, c.Post(q, &pg, client.Var("first", 0), client.Var("after", nil)), "INVALID_ARGUMENT")

		// Status changes.
		set := `mutation($name: String!, $status: String!) { setInvoiceStatus(name: $name, status: $status) { ` + invoiceFields + ` } }`
		var st struct{ SetInvoiceStatus invoiceResp }
		// Only an operator, naming the tenant, changes a status.
		e := wantCode(t, c.Post(set, &st, client.Var("name", newer.Name), client.Var("status", "PAID")), "FORBIDDEN")
		if !strings.Contains(e.Message, "operator decision") {
			t.Fatalf("forbidden message = %q", e.Message)
		}
		wantCode(t, h.client(h.operator(t, "")).Post(set, &st, client.Var("name", newer.Name), client.Var("status", "PAID")), "INVALID_ARGUMENT")
		op := h.client(h.operator(t, admin.TenantName))
		mustPost(t, op, set, &st, client.Var("name", newer.Name), client.Var("status", "PAID"))
		if st.SetInvoiceStatus.Status != "STATUS_PAID" || st.SetInvoiceStatus.TotalCents != 2588 || len(st.SetInvoiceStatus.Lines) != 2 {
			t.Fatalf("paid = %+v", st.SetInvoiceStatus)
		}
		wantCode(t, op.Post(set, &st, client.Var("name", newer.Name), client.Var("status", "OVERDUE")), "CONFLICT")
		wantCode(t, op.Post(set, &st, client.Var("name", run.Name), client.Var("status", "PAID")), "CONFLICT")
		e = wantCode(t, op.Post(set, &st, client.Var("name", older.Name), client.Var("status", "SETTLED")), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || e.Extensions.Fields[0].Field != "status" {
			t.Fatalf("fields = %+v", e.Extensions.Fields)
		}
		wantCode(t, op.Post(set, &st, client.Var("name", "inv-999999"), client.Var("status", "PAID")), "NOT_FOUND")
		mustPost(t, op, set, &st, client.Var("name", newer.Name), client.Var("status", "STATUS_REFUNDED"))
		if st.SetInvoiceStatus.Status != "STATUS_REFUNDED" {
			t.Fatalf("refunded = %+v", st.SetInvoiceStatus)
		}

		// A viewer reads invoices but changes no status; a namespace-bound
		// token reads none; another tenant sees only its own running invoice.
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		mustPost(t, viewer, `{ invoices { edges { node { name } } } }`, &slim)
		if len(slim.Invoices.Edges) != 3 {
			t.Fatalf("viewer invoices = %+v", slim.Invoices)
		}
		wantCode(t, viewer.Post(set, &st, client.Var("name", older.Name), client.Var("status", "PAID")), "FORBIDDEN")
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, "shop"))
		wantCode(t, bound.Post(`{ invoices { edges { node { name } } } }`, &slim), "FORBIDDEN")
		otherAdmin := h.caller(t, tenancy.RoleAdmin, "")
		other := h.client(otherAdmin)
		mustPost(t, other, `{ invoices { edges { node { name } } } }`, &slim)
		if len(slim.Invoices.Edges) != 1 {
			t.Fatalf("other tenant invoices = %+v", slim.Invoices)
		}
		wantCode(t, other.Post(set, &st, client.Var("name", older.Name), client.Var("status", "PAID")), "FORBIDDEN")
		// An operator acting on another tenant does not find this one's invoice.
		opOther := h.client(h.operator(t, otherAdmin.TenantName))
		wantCode(t, opOther.Post(set, &st, client.Var("name", older.Name), client.Var("status", "PAID")), "NOT_FOUND")
	})
}

// TestNoNPlusOneInvoiceLines: the lines of a page of issued invoices are
// read with one statement, so the page costs the same for 1 and for 5.
func TestNoNPlusOneInvoiceLines(t *testing.T) {
	t.Parallel()
	const query = `{ invoices(first: 20) { edges { node { name lines { amountCents } } } } }`
	forEachStore(t, func(t *testing.T, h *harness) {
		measure := func(t *testing.T, n int) int64 {
			p := h.caller(t, tenancy.RoleAdmin, "")
			for i := range n {
				issue(t, h, p, i+1)
			}
			c := h.client(p)
			var resp struct {
				Invoices struct {
					Edges []struct {
						Node struct {
							Name  string
							Lines []struct{ AmountCents int64 }
						}
					}
				}
			}
			before := h.db.Queries()
			mustPost(t, c, query, &resp)
			statements := h.db.Queries() - before
			if len(resp.Invoices.Edges) != n+1 {
				t.Fatalf("listed %d invoices, want %d", len(resp.Invoices.Edges), n+1)
			}
			for _, e := range resp.Invoices.Edges[1:] {
				if len(e.Node.Lines) != 2 || e.Node.Lines[0].AmountCents+e.Node.Lines[1].AmountCents != 2588 {
					t.Fatalf("invoice %s lines = %+v", e.Node.Name, e.Node.Lines)
				}
			}
			return statements
		}
		// Sequential: the statement counter is per store.
		one, five := measure(t, 1), measure(t, 5)
		t.Logf("SQL statements: %d for 1 issued invoice, %d for 5", one, five)
		if one != five {
			t.Fatalf("statements grow with invoices: %d for 1, %d for 5", one, five)
		}
	})
}

// operator creates an operator token and returns its principal acting on
// the tenant called tenant ("" for none), as the HTTP middleware would.
func (h *harness) operator(t *testing.T, tenant string) tenancy.Principal {
	t.Helper()
	ctx := context.Background()
	secret, _, err := h.ten.CreateOperatorToken(ctx, tenancy.Operator(""))
	if err != nil {
		t.Fatalf("create operator token: %v", err)
	}
	p, err := h.ten.Authenticate(ctx, "APIToken "+secret)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	if p, err = h.ten.ActOnTenant(ctx, p, tenant); err != nil {
		t.Fatalf("act on %q: %v", tenant, err)
	}
	return p
}
