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
	ID      string
	Name    string
	Role    string
	Token   *string
	Contact struct {
		ContactType string
		City        *string
	}
}

const pmFields = `id name role token contact { contactType city }`

// pmPayload is the payload of the payment-method mutations.
type pmPayload struct {
	PaymentMethod  *paymentMethodResp
	PaymentMethods []paymentMethodResp
	DeletedID      *string
	UserErrors     []userError
}

const pmPayloadFields = `paymentMethod { ` + pmFields + ` } paymentMethods { ` + pmFields + ` } deletedId userErrors { field message code }`

// roles maps method names to roles.
func roles(ms []paymentMethodResp) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m.Name] = m.Role
	}
	return out
}

func TestPaymentMethodsGraphQL(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(admin)
		create := `mutation($in: CreatePaymentMethodInput!) { createPaymentMethod(input: $in) { ` + pmPayloadFields + ` } }`

		var cr struct{ CreatePaymentMethod pmPayload }
		mustPost(t, c, create, &cr, client.Var("in", map[string]any{"token": "tok-1", "role": "PRIMARY", "contact": map[string]any{"city": "Paris"}}))
		m1 := cr.CreatePaymentMethod.PaymentMethod
		if m1 == nil || m1.Name != "payment-method-1" || m1.Role != "PRIMARY" || m1.Token == nil || *m1.Token != "tok-1" ||
			*m1.Contact.City != "Paris" || m1.Contact.ContactType != "MAILING" || m1.ID == "" {
			t.Fatalf("created = %+v", cr.CreatePaymentMethod)
		}
		mustPost(t, c, create, &cr, client.Var("in", map[string]any{"token": "tok-2"}))
		if m := cr.CreatePaymentMethod.PaymentMethod; m.Name != "payment-method-2" || m.Role != "NORMAL" || m.Contact.City != nil {
			t.Fatalf("second = %+v", m)
		}
		if len(cr.CreatePaymentMethod.PaymentMethods) != 2 {
			t.Fatalf("paymentMethods after create = %+v", cr.CreatePaymentMethod.PaymentMethods)
		}

		// A raw card number is refused and names the field.
		ue := wantUserError(t, c, create, "INVALID_ARGUMENT", client.Var("in", map[string]any{"token": "4111 1111 1111 1111"}))
		if len(ue) != 1 || ue[0].Field == nil || *ue[0].Field != "token" {
			t.Fatalf("user errors = %+v", ue)
		}
		// An unknown role is refused by the enum, before the mutation runs.
		if err := c.Post(create, &cr, client.Var("in", map[string]any{"token": "tok-3", "role": "BOSS"})); err == nil || !strings.Contains(err.Error(), "GRAPHQL_VALIDATION_FAILED") {
			t.Fatalf("role BOSS: %v", err)
		}

		var sec struct{ MakePaymentMethodSecondary pmPayload }
		mustPost(t, c, `mutation { makePaymentMethodSecondary(name: "payment-method-2") { `+pmPayloadFields+` } }`, &sec)
		if r := roles(sec.MakePaymentMethodSecondary.PaymentMethods); r["payment-method-1"] != "PRIMARY" || r["payment-method-2"] != "SECONDARY" {
			t.Fatalf("after secondary: %v", r)
		}
		var swap struct{ SwapPaymentMethodRole pmPayload }
		mustPost(t, c, `mutation { swapPaymentMethodRole(name: "payment-method-2") { `+pmPayloadFields+` } }`, &swap)
		if r := roles(swap.SwapPaymentMethodRole.PaymentMethods); r["payment-method-1"] != "SECONDARY" || r["payment-method-2"] != "PRIMARY" {
			t.Fatalf("after swap: %v", r)
		}
		var prim struct{ MakePaymentMethodPrimary pmPayload }
		mustPost(t, c, `mutation { makePaymentMethodPrimary(name: "payment-method-1") { `+pmPayloadFields+` } }`, &prim)
		if r := roles(prim.MakePaymentMethodPrimary.PaymentMethods); r["payment-method-1"] != "PRIMARY" || r["payment-method-2"] != "NORMAL" {
			t.Fatalf("after primary: %v", r)
		}
		wantUserError(t, c, `mutation { makePaymentMethodPrimary(name: "payment-method-9") { userErrors { field message code } } }`, "NOT_FOUND")
		wantUserError(t, c, `mutation { swapPaymentMethodRole(name: "payment-method-9") { userErrors { field message code } } }`, "NOT_FOUND")

		// A viewer reads the methods without their tokens and changes nothing.
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		var list struct{ PaymentMethods []paymentMethodResp }
		mustPost(t, viewer, `{ paymentMethods { `+pmFields+` } }`, &list)
		if len(list.PaymentMethods) != 2 || list.PaymentMethods[0].Token != nil || list.PaymentMethods[0].Name != "payment-method-1" {
			t.Fatalf("viewer list = %+v", list.PaymentMethods)
		}
		wantUserError(t, viewer, create, "FORBIDDEN", client.Var("in", map[string]any{"token": "tok-4"}))
		wantUserError(t, viewer, `mutation { makePaymentMethodSecondary(name: "payment-method-2") { userErrors { field message code } } }`, "FORBIDDEN")
		del := `mutation($n: String!) { deletePaymentMethod(name: $n) { deletedId paymentMethods { name } userErrors { field message code } } }`
		wantUserError(t, viewer, del, "FORBIDDEN", client.Var("n", "payment-method-2"))
		// Payment methods are tenant-wide: a token bound to a namespace cannot see them.
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleAdmin, "shop"))
		wantCode(t, bound.Post(`{ paymentMethods { name } }`, &list), "FORBIDDEN")

		wantUserError(t, c, del, "NOT_FOUND", client.Var("n", "payment-method-9"))
		var deleted struct {
			DeletePaymentMethod struct {
				DeletedID      *string
				PaymentMethods []struct{ Name string }
				UserErrors     []userError
			}
		}
		mustPost(t, c, del, &deleted, client.Var("n", "payment-method-2"))
		if d := deleted.DeletePaymentMethod; d.DeletedID == nil || len(d.PaymentMethods) != 1 || len(d.UserErrors) != 0 {
			t.Fatalf("delete = %+v", d)
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
	TransitionID           string
	State                  string
	FromPlan               *string
	TargetPlan             string
	RequiresManualApproval bool
	FailureReason          *string
	DecidedBy              *string
	SubscribeAddons        []string
	CreatedAt, UpdatedAt   string
}

const transitionFields = `id transitionId state fromPlan targetPlan requiresManualApproval failureReason decidedBy subscribeAddons createdAt updatedAt`

// transitionPayload is the payload of the plan-transition mutations.
type transitionPayload struct {
	PlanTransition *transitionResp
	UserErrors     []userError
}

const transitionPayloadFields = `planTransition { ` + transitionFields + ` } userErrors { field message code }`

type subscriptionResp struct {
	ID, SubscriptionID, Kind, Name, Title, From string
	To                                          *string
	Current                                     bool
	Periods                                     []struct {
		UID, From, To, BilledFrom, BilledTo string
		Trial                               bool
	}
}

const subscriptionFields = `id subscriptionId kind name title from to current periods { uid from to billedFrom billedTo trial }`

// addonPayload is the payload of the add-on mutations.
type addonPayload struct {
	Subscriptions []subscriptionResp
	UserErrors    []userError
}

const addonPayloadFields = `subscriptions { ` + subscriptionFields + ` } userErrors { field message code }`

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
		initiate := `mutation($in: InitiatePlanTransitionInput!) { initiatePlanTransition(input: $in) { ` + transitionPayloadFields + ` } }`
		subsQuery := `query($cur: Boolean) { subscriptions(current: $cur) { ` + subscriptionFields + ` } }`

		var subs struct{ Subscriptions []subscriptionResp }
		mustPost(t, c, subsQuery, &subs, client.Var("cur", true))
		if len(subs.Subscriptions) != 1 || subs.Subscriptions[0].Kind != "PLAN" || subs.Subscriptions[0].Name != "free" ||
			!subs.Subscriptions[0].Current || subs.Subscriptions[0].To != nil || len(subs.Subscriptions[0].Periods) == 0 {
			t.Fatalf("first subscriptions = %+v", subs.Subscriptions)
		}

		// The target plan's flow requires a payment token: the error names it.
		var in struct{ InitiatePlanTransition transitionPayload }
		ue := wantUserError(t, c, initiate, "INVALID_ARGUMENT", client.Var("in", map[string]any{"newPlan": "individual"}))
		if len(ue) != 1 || ue[0].Field == nil || *ue[0].Field != "payload.payment_provider_token" {
			t.Fatalf("user errors = %+v", ue)
		}
		wantUserError(t, viewer, initiate, "FORBIDDEN", client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1"}))

		// An upgrade without manual approval finishes at once and changes the plan.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1", "idempotencyKey": "k1"}))
		up := *in.InitiatePlanTransition.PlanTransition
		if up.State != "FINISHED" || up.FromPlan == nil || *up.FromPlan != "free" || up.TargetPlan != "individual" || up.RequiresManualApproval || up.ID == "" {
			t.Fatalf("upgrade = %+v", up)
		}
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan = %q, want individual", got)
		}
		// The same idempotency key answers the same transition.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "individual", "paymentProviderToken": "tok-1", "idempotencyKey": "k1"}))
		if in.InitiatePlanTransition.PlanTransition.ID != up.ID {
			t.Fatalf("replayed id = %s, want %s", in.InitiatePlanTransition.PlanTransition.ID, up.ID)
		}

		var get struct{ PlanTransition *transitionResp }
		mustPost(t, viewer, `query($id: ID!) { planTransition(id: $id) { `+transitionFields+` } }`, &get, client.Var("id", up.ID))
		if get.PlanTransition == nil || get.PlanTransition.State != "FINISHED" || get.PlanTransition.TargetPlan != "individual" {
			t.Fatalf("planTransition = %+v", get.PlanTransition)
		}
		// The transition's own id (REST's) finds it too.
		get.PlanTransition = nil
		mustPost(t, viewer, `query($id: ID!) { planTransition(id: $id) { `+transitionFields+` } }`, &get, client.Var("id", up.TransitionID))
		if get.PlanTransition == nil || get.PlanTransition.ID != up.ID {
			t.Fatalf("planTransition by transitionId = %+v", get.PlanTransition)
		}
		var listed struct{ PlanTransitions []transitionResp }
		mustPost(t, viewer, `{ planTransitions(state: FINISHED) { `+transitionFields+` } }`, &listed)
		if len(listed.PlanTransitions) != 1 || listed.PlanTransitions[0].ID != up.ID {
			t.Fatalf("planTransitions(FINISHED) = %+v", listed.PlanTransitions)
		}
		mustPost(t, viewer, `{ planTransitions(state: FAILED) { id } }`, &listed)
		if len(listed.PlanTransitions) != 0 {
			t.Fatalf("planTransitions(FAILED) = %+v", listed.PlanTransitions)
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
		if f := findSub(subs.Subscriptions, "PLAN", "free"); f == nil || f.Current || f.To == nil {
			t.Fatalf("free subscription after upgrade: %+v", subs.Subscriptions)
		}
		if i := findSub(subs.Subscriptions, "PLAN", "individual"); i == nil || !i.Current || len(i.Periods) == 0 {
			t.Fatalf("individual subscription: %+v", subs.Subscriptions)
		}

		// Add-ons.
		var sub struct{ SubscribeAddon addonPayload }
		subscribe := `mutation($n: String!) { subscribeAddon(name: $n) { ` + addonPayloadFields + ` } }`
		mustPost(t, c, subscribe, &sub, client.Var("n", "f5xc_waap_standard"))
		if a := findSub(sub.SubscribeAddon.Subscriptions, "ADDON", "f5xc_waap_standard"); a == nil || !a.Current || a.Title == "" {
			t.Fatalf("after subscribe: %+v", sub.SubscribeAddon)
		}
		var addons struct {
			Addons []struct {
				Name, DisplayName, Currency   string
				MonthlyPriceCents             int64
				Included, Allowed, Subscribed bool
			}
		}
		mustPost(t, viewer, `{ addons { name displayName currency monthlyPriceCents included allowed subscribed } }`, &addons)
		seen := false
		for _, a := range addons.Addons {
			if a.Name == "f5xc_waap_standard" {
				seen = a.Subscribed && a.Allowed && a.DisplayName != "" && a.Currency == "USD"
			} else if a.Subscribed {
				t.Fatalf("not subscribed, yet: %+v", a)
			}
		}
		if !seen {
			t.Fatalf("addons = %+v", addons.Addons)
		}
		mustPost(t, c, subscribe, &sub, client.Var("n", "f5xc_waap_standard")) // twice is a no-op
		ue = wantUserError(t, c, subscribe, "FORBIDDEN", client.Var("n", "f5xc_appstack_standard"))
		if !strings.Contains(ue[0].Message, "individual") {
			t.Fatalf("forbidden message does not say why: %q", ue[0].Message)
		}
		wantUserError(t, c, subscribe, "INVALID_ARGUMENT", client.Var("n", "no_such_addon"))
		wantUserError(t, viewer, subscribe, "FORBIDDEN", client.Var("n", "f5xc_waap_standard"))
		var unsub struct{ UnsubscribeAddon addonPayload }
		unsubscribe := `mutation($n: String!) { unsubscribeAddon(name: $n) { ` + addonPayloadFields + ` } }`
		mustPost(t, c, unsubscribe, &unsub, client.Var("n", "f5xc_waap_standard"))
		if findSub(unsub.UnsubscribeAddon.Subscriptions, "ADDON", "f5xc_waap_standard") != nil || findSub(unsub.UnsubscribeAddon.Subscriptions, "PLAN", "individual") == nil {
			t.Fatalf("after unsubscribe: %+v", unsub.UnsubscribeAddon)
		}
		wantUserError(t, viewer, unsubscribe, "FORBIDDEN", client.Var("n", "f5xc_waap_standard"))

		// organization needs a human: the transition waits, and only one may be in flight.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "organization"}))
		wait := *in.InitiatePlanTransition.PlanTransition
		if wait.State != "WAITING_FOR_APPROVAL" || !wait.RequiresManualApproval {
			t.Fatalf("organization = %+v", wait)
		}
		wantUserError(t, c, initiate, "CONFLICT", client.Var("in", map[string]any{"newPlan": "organization"}))

		// Rejected: it fails with the reason and the plan stays.
		var rej struct{ RejectPlanTransition transitionPayload }
		reject := `mutation($id: ID!) { rejectPlanTransition(id: $id, reason: "no budget") { ` + transitionPayloadFields + ` } }`
		// Deciding is for operators: not even the tenant's admin may.
		op := h.client(h.operator(t, admin.TenantName))
		opAnyTenant := h.client(h.operator(t, ""))
		wantUserError(t, viewer, reject, "FORBIDDEN", client.Var("id", wait.ID))
		ue = wantUserError(t, c, reject, "FORBIDDEN", client.Var("id", wait.ID))
		if !strings.Contains(ue[0].Message, "operator decision") {
			t.Fatalf("forbidden message = %q", ue[0].Message)
		}
		wantUserError(t, op, reject, "NOT_FOUND", client.Var("id", uuid.NewString()))
		mustPost(t, op, reject, &rej, client.Var("id", wait.ID))
		if r := rej.RejectPlanTransition.PlanTransition; r == nil || r.State != "FAILED" || !strings.Contains(*r.FailureReason, "no budget") || !strings.HasPrefix(*r.DecidedBy, "operator:") {
			t.Fatalf("rejected = %+v", r)
		}
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan after reject = %q", got)
		}

		// Approved: it finishes and the plan changes.
		mustPost(t, c, initiate, &in, client.Var("in", map[string]any{"newPlan": "organization"}))
		wait = *in.InitiatePlanTransition.PlanTransition
		if got := currentPlanName(t, c); got != "individual" {
			t.Fatalf("currentPlan while waiting = %q", got)
		}
		approve := `mutation($id: ID!) { approvePlanTransition(id: $id) { ` + transitionPayloadFields + ` } }`
		var appr struct{ ApprovePlanTransition transitionPayload }
		wantUserError(t, viewer, approve, "FORBIDDEN", client.Var("id", wait.ID))
		wantUserError(t, c, approve, "FORBIDDEN", client.Var("id", wait.ID))
		wantUserError(t, opAnyTenant, approve, "NOT_FOUND", client.Var("id", uuid.NewString()))
		// An operator naming no tenant finds the transition by its id (the
		// REST one here; the global id works as well).
		mustPost(t, opAnyTenant, approve, &appr, client.Var("id", wait.TransitionID))
		if a := appr.ApprovePlanTransition.PlanTransition; a == nil || a.State != "FINISHED" || a.FromPlan == nil || *a.FromPlan != "individual" || !strings.HasPrefix(*a.DecidedBy, "operator:") {
			t.Fatalf("approved = %+v", a)
		}
		if got := currentPlanName(t, c); got != "organization" {
			t.Fatalf("currentPlan after approval = %q, want organization", got)
		}
		// It is no longer waiting.
		wantUserError(t, op, approve, "CONFLICT", client.Var("id", wait.ID))

		// On a paid plan the primary payment method cannot be deleted.
		var cr struct {
			CreatePaymentMethod struct {
				PaymentMethod struct{ Name string }
				UserErrors    []userError
			}
		}
		mustPost(t, c, `mutation { createPaymentMethod(input: {token: "tok-9", role: PRIMARY}) { paymentMethod { name } userErrors { field message code } } }`, &cr)
		ue = wantUserError(t, c, `mutation($n: String!) { deletePaymentMethod(name: $n) { userErrors { field message code } } }`, "CONFLICT", client.Var("n", cr.CreatePaymentMethod.PaymentMethod.Name))
		if !strings.Contains(ue[0].Message, "primary") {
			t.Fatalf("conflict message = %q", ue[0].Message)
		}
	})
}

type invoiceResp struct {
	ID         string
	Name       string
	Number     *int64
	Status     string
	Active     bool
	Period     string
	From       string
	Plan       string
	Currency   string
	IssuedAt   *string
	DueAt      *string
	TotalCents int64
	PDFURL     string `json:"pdfUrl"`
	Lines      []struct {
		Kind, Description, ForPeriod, Quantity, Unit, BillableQuantity, BillableUnit, UnitPrice string
		UsageType                                                                               *string
		AmountCents                                                                             int64
	}
	StatusHistory []struct{ At, Actor, From, To string }
}

const invoiceFields = `id name number status active period from plan currency issuedAt dueAt totalCents pdfUrl
  lines { kind description usageType forPeriod quantity unit billableQuantity billableUnit unitPrice amountCents }
  statusHistory { at actor from to }`

type invoicePageResp struct {
	Invoices struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   invoiceResp
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
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
		  totalCount edges { cursor node { ` + invoiceFields + ` } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
		var pg invoicePageResp
		mustPost(t, c, q, &pg, client.Var("first", 2), client.Var("after", nil))
		es := pg.Invoices.Edges
		if len(es) != 2 || !pg.Invoices.PageInfo.HasNextPage || pg.Invoices.PageInfo.HasPreviousPage || pg.Invoices.PageInfo.EndCursor == nil || pg.Invoices.TotalCount != 3 {
			t.Fatalf("first page = %+v", pg.Invoices)
		}
		// The running invoice first, then the newest issued one.
		run := es[0].Node
		if !run.Active || run.Status != "PENDING" || len(run.StatusHistory) != 0 || run.Number != nil || run.IssuedAt != nil ||
			run.Period != invoice.PeriodOf(time.Now()).String() || !strings.HasPrefix(run.Name, "inv-pending-") {
			t.Fatalf("running invoice = %+v", run)
		}
		got := es[1].Node
		if got.Name != newer.Name || got.Number == nil || *got.Number != newer.Number || got.Status != "ISSUED" || got.Active || len(got.StatusHistory) != 1 || got.StatusHistory[0].To != "ISSUED" ||
			got.PDFURL != "/api/web/namespaces/system/usage/invoice_pdf?name="+newer.Name ||
			got.Period != newer.Period.String() || got.TotalCents != 2588 || got.Currency != "USD" || got.Plan != "individual" ||
			got.IssuedAt == nil || got.DueAt == nil {
			t.Fatalf("issued invoice = %+v", got)
		}
		if len(got.Lines) != 2 {
			t.Fatalf("lines = %+v", got.Lines)
		}
		if l := got.Lines[1]; l.Kind != "USAGE" || l.Quantity != "2500000" || l.BillableQuantity != "2.5" || l.UnitPrice != "0.35" ||
			l.AmountCents != 88 || *l.UsageType != "http_requests" || l.ForPeriod != newer.Period.String() || got.Lines[0].UsageType != nil {
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
		if len(pg.Invoices.Edges) != 1 || pg.Invoices.Edges[0].Node.Name != older.Name || pg.Invoices.PageInfo.HasNextPage || !pg.Invoices.PageInfo.HasPreviousPage {
			t.Fatalf("second page = %+v", pg.Invoices)
		}
		// Backward from the last invoice: the two before it.
		var back invoicePageResp
		mustPost(t, c, `query($b: String) { invoices(last: 2, before: $b) { totalCount edges { cursor node { `+invoiceFields+` } }
		  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, &back, client.Var("b", pg.Invoices.Edges[0].Cursor))
		if len(back.Invoices.Edges) != 2 || back.Invoices.Edges[1].Node.Name != newer.Name || back.Invoices.PageInfo.HasPreviousPage || !back.Invoices.PageInfo.HasNextPage {
			t.Fatalf("backward page = %+v", back.Invoices)
		}
		// invoice(name:) and node(id:) find the same invoice.
		var one struct {
			Invoice *invoiceResp
			Node    *invoiceResp
		}
		mustPost(t, c, `query($n: String!, $id: ID!) { invoice(name: $n) { `+invoiceFields+` } node(id: $id) { ... on Invoice { `+invoiceFields+` } } }`,
			&one, client.Var("n", newer.Name), client.Var("id", got.ID))
		if one.Invoice == nil || one.Node == nil || one.Invoice.ID != got.ID || one.Node.Name != newer.Name || len(one.Node.Lines) != 2 || len(one.Invoice.StatusHistory) != 1 {
			t.Fatalf("invoice/node = %+v", one)
		}
		one.Invoice = nil
		mustPost(t, c, `{ invoice(name: "inv-999999") { name } }`, &one)
		if one.Invoice != nil {
			t.Fatalf("unknown invoice = %+v", one.Invoice)
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
		set := `mutation($name: String!, $status: InvoiceStatus!) { setInvoiceStatus(name: $name, status: $status) { invoice { ` + invoiceFields + ` } userErrors { field message code } } }`
		var st struct {
			SetInvoiceStatus struct {
				Invoice    *invoiceResp
				UserErrors []userError
			}
		}
		// Only an operator, naming the tenant, changes a status.
		ue := wantUserError(t, c, set, "FORBIDDEN", client.Var("name", newer.Name), client.Var("status", "PAID"))
		if !strings.Contains(ue[0].Message, "operator decision") {
			t.Fatalf("forbidden message = %q", ue[0].Message)
		}
		wantUserError(t, h.client(h.operator(t, "")), set, "INVALID_ARGUMENT", client.Var("name", newer.Name), client.Var("status", "PAID"))
		op := h.client(h.operator(t, admin.TenantName))
		mustPost(t, op, set, &st, client.Var("name", newer.Name), client.Var("status", "PAID"))
		if i := st.SetInvoiceStatus.Invoice; i == nil || i.Status != "PAID" || i.TotalCents != 2588 || len(i.Lines) != 2 || len(i.StatusHistory) != 2 {
			t.Fatalf("paid = %+v", st.SetInvoiceStatus)
		}
		wantUserError(t, op, set, "CONFLICT", client.Var("name", newer.Name), client.Var("status", "OVERDUE"))
		wantUserError(t, op, set, "CONFLICT", client.Var("name", run.Name), client.Var("status", "PAID"))
		if err := op.Post(set, &st, client.Var("name", older.Name), client.Var("status", "SETTLED")); err == nil || !strings.Contains(err.Error(), "GRAPHQL_VALIDATION_FAILED") {
			t.Fatalf("status SETTLED: %v", err)
		}
		wantUserError(t, op, set, "NOT_FOUND", client.Var("name", "inv-999999"), client.Var("status", "PAID"))
		mustPost(t, op, set, &st, client.Var("name", newer.Name), client.Var("status", "REFUNDED"))
		if st.SetInvoiceStatus.Invoice.Status != "REFUNDED" {
			t.Fatalf("refunded = %+v", st.SetInvoiceStatus)
		}

		// A viewer reads invoices but changes no status; a namespace-bound
		// token reads none; another tenant sees only its own running invoice.
		viewer := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, ""))
		mustPost(t, viewer, `{ invoices { edges { node { name } } } }`, &slim)
		if len(slim.Invoices.Edges) != 3 {
			t.Fatalf("viewer invoices = %+v", slim.Invoices)
		}
		wantUserError(t, viewer, set, "FORBIDDEN", client.Var("name", older.Name), client.Var("status", "PAID"))
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, "shop"))
		wantCode(t, bound.Post(`{ invoices { edges { node { name } } } }`, &slim), "FORBIDDEN")
		otherAdmin := h.caller(t, tenancy.RoleAdmin, "")
		other := h.client(otherAdmin)
		mustPost(t, other, `{ invoices { edges { node { name } } } }`, &slim)
		if len(slim.Invoices.Edges) != 1 {
			t.Fatalf("other tenant invoices = %+v", slim.Invoices)
		}
		wantUserError(t, other, set, "FORBIDDEN", client.Var("name", older.Name), client.Var("status", "PAID"))
		// An operator acting on another tenant does not find this one's invoice.
		opOther := h.client(h.operator(t, otherAdmin.TenantName))
		wantUserError(t, opOther, set, "NOT_FOUND", client.Var("name", older.Name), client.Var("status", "PAID"))
	})
}

// TestNoNPlusOneInvoiceLines: the lines and the status histories of a page
// of issued invoices are read with one statement each, so the page costs the same for 1 and for 5.
func TestNoNPlusOneInvoiceLines(t *testing.T) {
	t.Parallel()
	const query = `{ invoices(first: 20) { edges { node { name lines { amountCents } statusHistory { to } } } } }`
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
							Name          string
							Lines         []struct{ AmountCents int64 }
							StatusHistory []struct{ To string }
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
				if len(e.Node.Lines) != 2 || e.Node.Lines[0].AmountCents+e.Node.Lines[1].AmountCents != 2588 || len(e.Node.StatusHistory) != 1 {
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
