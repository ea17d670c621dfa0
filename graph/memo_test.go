package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/payment"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
)

// consoleQuery is a page of the console as scripts/console/NAME.v2.graphql
// sends it (what scripts/bench_console.sh measures): the same text, so the
// test and the benchmark cannot drift apart. Its $from and $to defaults
// are placeholders the caller's variables replace.
func consoleQuery(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../scripts/console/" + name + ".v2.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// billingTenant seeds a tenant as scripts/console/seed.py does, at a
// smaller scale: two payment methods, a transition to the team plan, an
// add-on, usage in two namespaces, and two issued invoices.
func billingTenant(t *testing.T, h *harness) tenancy.Principal {
	t.Helper()
	p := h.caller(t, tenancy.RoleAdmin, "")
	c := h.client(p)
	contact := map[string]any{"address1": "1 Main St", "city": "Seattle", "country": "US", "contactType": "BILLING"}
	var raw map[string]any
	mustPost(t, c, `mutation($in: CreatePaymentMethodInput!) { createPaymentMethod(input: $in) { userErrors { message } } }`, &raw,
		client.Var("in", map[string]any{"token": "tok_visa_4242", "role": "PRIMARY", "contact": contact}))
	mustPost(t, c, `mutation($in: CreatePaymentMethodInput!) { createPaymentMethod(input: $in) { userErrors { message } } }`, &raw,
		client.Var("in", map[string]any{"token": "tok_visa_4343", "contact": contact}))
	mustPost(t, c, `mutation($in: InitiatePlanTransitionInput!) { initiatePlanTransition(input: $in) { userErrors { message } } }`, &raw,
		client.Var("in", map[string]any{"newPlan": "team", "paymentProviderToken": "tok_visa_4242", "domain": "acme.example.com", "billingAddress": contact}))
	mustPost(t, c, `mutation { subscribeAddon(name: "f5xc_waap_advanced") { userErrors { message } } }`, &raw)
	hour := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Hour)
	for _, ns := range []string{"ns-00", "ns-01"} {
		var rec recordResp
		mustPost(t, c, recordMutation, &rec, client.Var("ns", ns), client.Var("events", []map[string]any{
			event(ns+"-r", "http_requests", "lb-0", "10037", "request", hour),
			event(ns+"-v", "vcpu_hours", "vm-1", "2", "hour", hour.Add(time.Minute)),
		}))
		if r := rec.RecordUsage.Result; r.Accepted != 2 {
			t.Fatalf("record usage in %s: %+v", ns, rec.RecordUsage)
		}
	}
	issue(t, h, p, 1)
	issue(t, h, p, 2)
	return p
}

// maxBillingPageStatements is issue 15's bound on the billing page.
const maxBillingPageStatements = 8

// TestBillingPageStatements: the console's billing page (plans,
// subscriptions, invoices with lines, payment methods, monthlyUsage) runs at
// most maxBillingPageStatements SQL statements: the tenant-level reads its
// services repeat are answered from the operation's memo. The memo changes
// no answer: each field alone (its own operation) answers the same.
func TestBillingPageStatements(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := billingTenant(t, h)
		c := h.client(p)
		var page map[string]any
		before := h.db.Queries()
		mustPost(t, c, consoleQuery(t, "billing"), &page)
		n := h.db.Queries() - before

		var resp struct {
			CurrentPlan    struct{ Name string }
			PaymentMethods []struct{ Name, Role string }
			Subscriptions  []struct{ Name, Kind string }
			Invoices       struct {
				Edges []struct {
					Node struct {
						Name, Status string
						TotalCents   int64
						Lines        []struct{ AmountCents int64 }
					}
				}
			}
			MonthlyUsage []struct{ AmountCents int64 }
		}
		b, _ := json.Marshal(page)
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.CurrentPlan.Name != "team" || len(resp.PaymentMethods) != 2 || resp.PaymentMethods[0].Role != "PRIMARY" ||
			len(resp.Subscriptions) != 2 || len(resp.Invoices.Edges) != 3 || len(resp.MonthlyUsage) == 0 {
			t.Fatalf("billing page = %s", b)
		}
		for _, e := range resp.Invoices.Edges[1:] {
			if e.Node.Status != "ISSUED" || len(e.Node.Lines) != 2 || e.Node.Lines[0].AmountCents+e.Node.Lines[1].AmountCents != 2588 {
				t.Fatalf("issued invoice = %+v", e.Node)
			}
		}
		if run := resp.Invoices.Edges[0].Node; run.Status != "PENDING" || len(run.Lines) == 0 {
			t.Fatalf("running invoice = %+v", run)
		}

		// Each field in an operation of its own answers the same.
		fields := map[string]string{
			"currentPlan":    `currentPlan { name title flatPriceCents currency }`,
			"paymentMethods": `paymentMethods { name role contact { city country } }`,
			"subscriptions":  `subscriptions(current: true) { name kind title from }`,
			"invoices":       `invoices(first: 12) { edges { node { name status period totalCents lines { kind description amountCents } } } }`,
			"monthlyUsage":   `monthlyUsage { from amountCents currency }`,
		}
		for name, sel := range fields {
			var alone map[string]any
			mustPost(t, c, "{ "+sel+" }", &alone)
			a, _ := json.Marshal(alone[name])
			in, _ := json.Marshal(page[name])
			if string(a) != string(in) {
				t.Fatalf("%s alone = %s, in the page = %s", name, a, in)
			}
		}

		to := time.Now().UTC().Truncate(time.Hour)
		from := to.AddDate(0, 0, -30)
		count := func(q string) int64 {
			var raw map[string]any
			before := h.db.Queries()
			mustPost(t, c, q, &raw, client.Var("from", from), client.Var("to", to))
			return h.db.Queries() - before
		}
		console, dashboard := count(consoleQuery(t, "billing-console")), count(consoleQuery(t, "dashboard"))
		t.Logf("SQL statements: billing page %d, billing console %d, dashboard %d", n, console, dashboard)
		if n > maxBillingPageStatements {
			t.Fatalf("billing page ran %d statements, want at most %d", n, maxBillingPageStatements)
		}
		// Before the memo and the batched windows: about 229 and 23 on this
		// tenant; 8 and 12 since.
		if console > 12 || dashboard > 16 {
			t.Fatalf("billing console ran %d statements, dashboard %d", console, dashboard)
		}
	})
}

// TestMemoFreshAndPerTenant: a write through the store clears the memo of
// its context, so a read after it is fresh (in one memo, and from one
// GraphQL operation to the next); what the memo hands out is a copy; two
// tenants never share an entry, even in one memo.
func TestMemoFreshAndPerTenant(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p1, p2 := h.caller(t, tenancy.RoleAdmin, ""), h.caller(t, tenancy.RoleAdmin, "")
		base := kernel.WithMemo(context.Background())
		create := func(ctx context.Context, p tenancy.Principal, tok string) {
			t.Helper()
			if _, err := h.pay.Create(ctx, p, payment.CreateInput{Token: tok, Contact: payment.Contact{City: "Paris"}}); err != nil {
				t.Fatalf("create payment method: %v", err)
			}
		}
		list := func(ctx context.Context, p tenancy.Principal) []payment.PaymentMethod {
			t.Helper()
			ms, err := h.pay.List(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return ms
		}
		create(context.Background(), p1, "tok-a")
		create(context.Background(), p2, "tok-b")
		create(context.Background(), p2, "tok-c")

		// One memo, two tenants: each sees its own.
		if a, b := list(base, p1), list(base, p2); len(a) != 1 || a[0].Token != "tok-a" || len(b) != 2 || b[0].Token != "tok-b" {
			t.Fatalf("tenant 1 = %+v, tenant 2 = %+v", a, b)
		}
		if err := h.subs.AssignPlan(context.Background(), operatorOn(p2.TenantID), "team"); err != nil {
			t.Fatal(err)
		}
		plan1, err1 := h.plans.CurrentPlan(base, p1)
		plan2, err2 := h.plans.CurrentPlan(base, p2)
		if err := errors.Join(err1, err2); err != nil || plan1.Name == "team" || plan2.Name != "team" {
			t.Fatalf("plans = %s, %s (%v)", plan1.Name, plan2.Name, err)
		}

		// A second read is remembered, and handed out as a copy.
		ms := list(base, p1)
		ms[0].Contact.City = "changed"
		before := h.db.Queries()
		if again := list(base, p1); again[0].Contact.City != "Paris" {
			t.Fatalf("the memo handed out a shared value: %+v", again)
		}
		if n := h.db.Queries() - before; n != 0 {
			t.Fatalf("a remembered read ran %d statements", n)
		}
		// A write with the memo's context clears it: the next read is fresh.
		create(base, p1, "tok-d")
		if ms := list(base, p1); len(ms) != 2 {
			t.Fatalf("after a write: %+v", ms)
		}
		if err := h.subs.AssignPlan(base, operatorOn(p1.TenantID), "individual"); err != nil {
			t.Fatal(err)
		}
		if pl, err := h.plans.CurrentPlan(base, p1); err != nil || pl.Name != "individual" {
			t.Fatalf("plan after AssignPlan = %s, %v", pl.Name, err)
		}

		// Through GraphQL: a mutation, then a query, sees the new value; the
		// other tenant's query does not.
		c1, c2 := h.client(p1), h.client(p2)
		var pms struct{ PaymentMethods []struct{ Name string } }
		mustPost(t, c1, `{ paymentMethods { name } }`, &pms)
		if len(pms.PaymentMethods) != 2 {
			t.Fatalf("tenant 1 methods = %+v", pms)
		}
		var raw map[string]any
		mustPost(t, c1, `mutation { createPaymentMethod(input: {token: "tok-e"}) { userErrors { message } } }`, &raw)
		mustPost(t, c1, `{ paymentMethods { name } }`, &pms)
		if len(pms.PaymentMethods) != 3 {
			t.Fatalf("after createPaymentMethod: %+v", pms)
		}
		mustPost(t, c2, `{ paymentMethods { name } }`, &pms)
		if len(pms.PaymentMethods) != 2 {
			t.Fatalf("tenant 2 methods = %+v", pms)
		}
	})
}

// TestMemoPerOperation: within one query operation a repeated read runs
// once; the next operation reads again (its memo is its own), and sees
// what changed in between.
func TestMemoPerOperation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		if _, err := h.pay.Create(context.Background(), p, payment.CreateInput{Token: "tok-1"}); err != nil {
			t.Fatal(err)
		}
		c := h.client(p)
		const q = `{ a: paymentMethods { name } b: paymentMethods { name } }`
		var resp struct{ A, B []struct{ Name string } }
		before := h.db.Queries()
		mustPost(t, c, q, &resp)
		if n := h.db.Queries() - before; n != 1 || len(resp.A) != 1 || len(resp.B) != 1 {
			t.Fatalf("one operation: %d statements, %+v", n, resp)
		}
		if _, err := h.pay.Create(context.Background(), p, payment.CreateInput{Token: "tok-2"}); err != nil {
			t.Fatal(err)
		}
		before = h.db.Queries()
		mustPost(t, c, q, &resp)
		if n := h.db.Queries() - before; n != 1 || len(resp.A) != 2 || len(resp.B) != 2 {
			t.Fatalf("next operation: %d statements, %+v", n, resp)
		}
	})
}

// TestQuotasReadOnceWithQuotaUsage: on a page of namespaces, quotas and
// quotaUsage read the quota rows with one statement: quotaUsage needs the
// page's rows and the system namespace's, and the memoised read takes both
// for either field. Asking for quotas as well as quotaUsage costs no
// statement more than quotaUsage alone, and each field answers as it does
// in an operation of its own.
func TestQuotasReadOnceWithQuotaUsage(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		ctx := asCaller(p)
		h.createQuotas(t, ctx,
			quota.CreateInput{Namespace: "system", Name: "tenant", Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 10}}}},
			quota.CreateInput{Namespace: "shop", Name: "cap", Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 4}}}},
			quota.CreateInput{Namespace: "blog", Name: "cap", Disable: true, Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: 2}}}})
		if _, err := h.qs.Reserve(ctx, p, quota.ReserveInput{Namespace: "blog", Objects: map[string]quota.Amount{"http_loadbalancer": quota.Units(3)}}); err != nil {
			t.Fatal(err)
		}
		const quotas = `quotas { edges { node { name disabled spec { objectLimits { key maximum } } } } }`
		const usage = `quotaUsage { objects { key limit limitSource current tenantLimit tenantCurrent } }`
		c := h.client(p)
		page := func(fields string) (map[string]any, int64) {
			var resp map[string]any
			before := h.db.Queries()
			mustPost(t, c, `{ namespaces(first: 10) { edges { node { name `+fields+` } } } }`, &resp)
			return resp, h.db.Queries() - before
		}
		both, nBoth := page(quotas + " " + usage)
		onlyQuotas, _ := page(quotas)
		onlyUsage, nUsage := page(usage)
		t.Logf("statements: quotas and quotaUsage %d, quotaUsage alone %d", nBoth, nUsage)
		if nBoth != nUsage {
			t.Errorf("quotas and quotaUsage ran %d statements, quotaUsage alone %d", nBoth, nUsage)
		}
		nodes := func(resp map[string]any) []any {
			return resp["namespaces"].(map[string]any)["edges"].([]any)
		}
		for i, e := range nodes(both) {
			n := e.(map[string]any)["node"].(map[string]any)
			for field, alone := range map[string]map[string]any{"quotas": onlyQuotas, "quotaUsage": onlyUsage} {
				a, _ := json.Marshal(nodes(alone)[i].(map[string]any)["node"].(map[string]any)[field])
				in, _ := json.Marshal(n[field])
				if string(a) != string(in) {
					t.Errorf("%s of %v alone = %s, with the other field = %s", field, n["name"], a, in)
				}
			}
		}
		if s, _ := json.Marshal(both); !strings.Contains(string(s), `"limit":"10","limitSource"`) || !strings.Contains(string(s), `"name":"cap"`) {
			t.Errorf("page = %s", s)
		}
	})
}
