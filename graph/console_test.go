package graph_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/shopspring/decimal"
)

// The console fields of issue 13: viewer, node, a null never-used
// namespace, partial answers, and the usage and cost series.

func TestViewer(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		type viewerResp struct {
			Viewer struct {
				Tenant, Role, Namespace, CredentialID *string
				Operator                              bool
				Credential                            string
				Capabilities                          []string
			}
		}
		const q = `{ viewer { tenant role namespace credentialId operator credential capabilities } }`
		var v viewerResp
		mustPost(t, h.client(admin), q, &v)
		if v.Viewer.Tenant == nil || *v.Viewer.Tenant != admin.TenantName || *v.Viewer.Role != "ADMIN" || v.Viewer.Namespace != nil ||
			v.Viewer.Operator || v.Viewer.Credential != "API_TOKEN" || *v.Viewer.CredentialID != admin.TokenID {
			t.Fatalf("admin viewer = %+v", v.Viewer)
		}
		if got := strings.Join(v.Viewer.Capabilities, ","); got != "READ_NAMESPACES,READ_TENANT,WRITE_QUOTAS,RESERVE_QUOTA,RECORD_USAGE,MANAGE_BILLING,SEE_PAYMENT_TOKENS,READ_AUDIT_LOG" {
			t.Fatalf("admin capabilities = %s", got)
		}
		mustPost(t, h.client(h.sameTenant(t, admin, tenancy.RoleEditor, "shop")), q, &v)
		if *v.Viewer.Role != "EDITOR" || *v.Viewer.Namespace != "shop" || strings.Join(v.Viewer.Capabilities, ",") != "READ_NAMESPACES,WRITE_QUOTAS,RESERVE_QUOTA,RECORD_USAGE" {
			t.Fatalf("bound editor viewer = %+v", v.Viewer)
		}
		mustPost(t, h.client(h.sameTenant(t, admin, tenancy.RoleViewer, "")), q, &v)
		if *v.Viewer.Role != "VIEWER" || strings.Join(v.Viewer.Capabilities, ",") != "READ_NAMESPACES,READ_TENANT" {
			t.Fatalf("viewer viewer = %+v", v.Viewer)
		}
		mustPost(t, h.client(h.operator(t, admin.TenantName)), q, &v)
		if !v.Viewer.Operator || v.Viewer.Credential != "OPERATOR_TOKEN" || !strings.HasSuffix(strings.Join(v.Viewer.Capabilities, ","), "DECIDE_PLAN_TRANSITIONS,SET_INVOICE_STATUS") {
			t.Fatalf("operator viewer = %+v", v.Viewer)
		}
		mustPost(t, h.client(h.operator(t, "")), q, &v)
		if v.Viewer.Tenant != nil || v.Viewer.Role != nil || strings.Join(v.Viewer.Capabilities, ",") != "DECIDE_PLAN_TRANSITIONS" {
			t.Fatalf("operator without tenant = %+v", v.Viewer)
		}
	})
}

// TestNodeAndNamespaces: node(id:) finds what an id names in the caller's
// tenant only; a never-used namespace is null; one failing field leaves
// the others answered.
func TestNodeAndNamespaces(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		if _, err := h.qs.Create(asCaller(admin), admin, quota.CreateInput{Namespace: "shop", Name: "cap"}); err != nil {
			t.Fatal(err)
		}
		c := h.client(admin)
		var resp struct {
			Shop, Never *struct {
				ID    string
				Name  string
				Quota *struct{ ID string }
			}
			Namespaces struct{ TotalCount int }
		}
		mustPost(t, c, `{ shop: namespace(name: "shop") { id name quota(name: "cap") { id } } never: namespace(name: "never-used") { id name }
		  namespaces { totalCount } }`, &resp)
		if resp.Shop == nil || resp.Never != nil || resp.Shop.Quota == nil || resp.Namespaces.TotalCount != 2 {
			t.Fatalf("namespaces = %+v", resp)
		}
		type nodeResp struct {
			Node *struct {
				Typename string `json:"__typename"`
				ID       string
				Name     string
			}
		}
		for _, id := range []string{resp.Shop.ID, resp.Shop.Quota.ID} {
			var n nodeResp
			mustPost(t, c, `query($id: ID!) { node(id: $id) { __typename id ... on Namespace { name } ... on Quota { name } } }`, &n, client.Var("id", id))
			if n.Node == nil || n.Node.ID != id {
				t.Fatalf("node(%s) = %+v", id, n.Node)
			}
		}
		var plans struct {
			Plans []struct{ ID, Name string }
		}
		mustPost(t, c, `{ plans { id name } }`, &plans)
		var n nodeResp
		mustPost(t, c, `query($id: ID!) { node(id: $id) { __typename id ... on Plan { name } } }`, &n, client.Var("id", plans.Plans[1].ID))
		if n.Node == nil || n.Node.Typename != "Plan" || n.Node.Name != plans.Plans[1].Name {
			t.Fatalf("plan node = %+v", n.Node)
		}
		// Another tenant's id, a forged one and garbage are null.
		other := h.client(h.caller(t, tenancy.RoleAdmin, ""))
		forged := base64.RawURLEncoding.EncodeToString([]byte("Quota:shop/\x00"))
		for cl, id := range map[*client.Client]string{other: resp.Shop.Quota.ID, c: forged} {
			n.Node = nil
			mustPost(t, cl, `query($id: ID!) { node(id: $id) { id } }`, &n, client.Var("id", id))
			if n.Node != nil {
				t.Fatalf("node(%q) = %+v, want null", id, n.Node)
			}
		}
		for _, id := range []string{"!!", base64.RawURLEncoding.EncodeToString([]byte("Quota:shop/cap/x")), base64.RawURLEncoding.EncodeToString([]byte("Nope:x"))} {
			n.Node = nil
			mustPost(t, c, `query($id: ID!) { node(id: $id) { id } }`, &n, client.Var("id", id))
			if n.Node != nil {
				t.Fatalf("node(%q) = %+v, want null", id, n.Node)
			}
		}

		// Partial answers: a bad label filter fails that field only, and a
		// forbidden root field is null next to the ones the token may read.
		var partial map[string]any
		err := c.Post(`{ currentPlan { name } namespace(name: "shop") { name quotas(labelFilter: "env in (") { totalCount } quota(name: "cap") { name } } }`, &partial)
		if es := errorsOf(t, err); len(es) != 1 || es[0].Extensions.Code != "INVALID_ARGUMENT" {
			t.Fatalf("errors = %+v", es)
		}
		if partial["currentPlan"] == nil || partial["namespace"].(map[string]any)["quota"] == nil {
			t.Fatalf("partial answer = %+v", partial)
		}
		bound := h.client(h.sameTenant(t, admin, tenancy.RoleViewer, "shop"))
		partial = nil
		err = bound.Post(`{ auditLog { edges { cursor } } namespace(name: "shop") { name } }`, &partial)
		if es := errorsOf(t, err); len(es) != 1 || es[0].Extensions.Code != "FORBIDDEN" || partial["namespace"] == nil || partial["auditLog"] != nil {
			t.Fatalf("partial = %+v, errors %+v", partial, es)
		}
		// Two mutations: the first commits, the second's user error is its own.
		var two struct {
			A, B struct {
				Quota      *struct{ Name string }
				UserErrors []userError
			}
		}
		mustPost(t, c, `mutation { a: createQuota(input: {namespace: "shop", name: "ok", spec: {}}) { quota { name } userErrors { field message code } }
		  b: createQuota(input: {namespace: "shop", name: "cap", spec: {}}) { quota { name } userErrors { field message code } } }`, &two)
		if two.A.Quota == nil || len(two.A.UserErrors) != 0 || two.B.Quota != nil || len(two.B.UserErrors) != 1 || two.B.UserErrors[0].Code != "CONFLICT" {
			t.Fatalf("two mutations = %+v", two)
		}
	})
}

// TestUsageSeries: buckets add up to the usage, each bucket's cost is what
// cost(from, to) answers for its range, and the statements do not grow with
// the namespaces.
func TestUsageSeries(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.teamAdmin(t)
		ctx := asCaller(p)
		day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
		ingest := func(ns string, i int, qty int64, at time.Time) {
			t.Helper()
			res, err := h.us.Ingest(ctx, p, ns, []usage.Event{
				{ID: fmt.Sprintf("%s-%d", ns, i), UsageType: "http_requests", ObjectName: "lb-" + strconv.Itoa(i%2), Quantity: decimal.NewFromInt(qty), UnitName: "request", Timestamp: at},
				{ID: fmt.Sprintf("%s-%d-v", ns, i), UsageType: "vcpu_hours", ObjectName: "vm", Quantity: decimal.NewFromInt(1), UnitName: "hour", Timestamp: at},
			})
			if err != nil || res.Accepted != 2 {
				t.Fatalf("ingest: %+v %v", res, err)
			}
		}
		ingest("ns-a", 0, 1_500_000, day.Add(3*time.Hour))
		ingest("ns-a", 1, 700_000, day.Add(27*time.Hour))
		ingest("ns-b", 2, 2_300_000, day.Add(28*time.Hour))
		c := h.client(p)
		from, to := day.Format(time.RFC3339), day.AddDate(0, 0, 2).Format(time.RFC3339)

		var us struct {
			UsageSeries struct {
				From, To, Granularity, TimeZone string
				Buckets                         []struct {
					From, To string
					Points   []struct {
						UsageType, UsageTypeName, Unit, Quantity string
						Namespace, ObjectName                    *string
						AmountCents                              *int64
					}
				}
			}
		}
		mustPost(t, c, `query($f: Time!, $t: Time!) { usageSeries(from: $f, to: $t, granularity: DAY, groupBy: [NAMESPACE]) {
		  from to granularity timeZone buckets { from to points { usageType usageTypeName unit quantity namespace objectName amountCents } } } }`,
			&us, client.Var("f", from), client.Var("t", to))
		s := us.UsageSeries
		if len(s.Buckets) != 2 || s.From != from || s.To != to || s.TimeZone != "UTC" || s.Granularity != "DAY" {
			t.Fatalf("series = %+v", s)
		}
		got := map[string]string{}
		pointCents := map[string]int64{} // bucket/namespace → the points' amounts
		for i, b := range s.Buckets {
			for _, p := range b.Points {
				got[fmt.Sprintf("%d/%s/%s", i, *p.Namespace, p.UsageType)] = p.Quantity
				if p.ObjectName != nil || p.UsageTypeName == "" || p.AmountCents == nil {
					t.Fatalf("point = %+v", p)
				}
				pointCents[b.From+"/"+*p.Namespace] += *p.AmountCents
			}
		}
		want := map[string]string{"0/ns-a/http_requests": "1500000", "0/ns-a/vcpu_hours": "1", "1/ns-a/http_requests": "700000",
			"1/ns-a/vcpu_hours": "1", "1/ns-b/http_requests": "2300000", "1/ns-b/vcpu_hours": "1"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("points = %v, want %v", got, want)
		}
		// Filtered to one object, hourly.
		mustPost(t, c, `query($f: Time!, $t: Time!) { usageSeries(from: $f, to: $t, granularity: HOUR, groupBy: [OBJECT], filter: {objectNames: ["lb-1"], usageTypes: ["http_requests"]}) {
		  from to granularity timeZone buckets { from to points { usageType usageTypeName unit quantity namespace objectName } } } }`,
			&us, client.Var("f", from), client.Var("t", to))
		var nonEmpty int
		for _, b := range us.UsageSeries.Buckets {
			for _, p := range b.Points {
				nonEmpty++
				if *p.ObjectName != "lb-1" || p.Quantity != "700000" || b.From != day.Add(27*time.Hour).Format(time.RFC3339) {
					t.Fatalf("object point = %+v in %s", p, b.From)
				}
			}
		}
		if len(us.UsageSeries.Buckets) != 48 || nonEmpty != 1 {
			t.Fatalf("hourly buckets = %d, points = %d", len(us.UsageSeries.Buckets), nonEmpty)
		}

		// Each bucket's cost is cost(from, to) of its range: the tenant's
		// (flat price included) and each namespace's.
		var cs costSeriesAnswer
		const costQ = `query($f: Time!, $t: Time!, $g: [CostGroupBy!]) { costSeries(from: $f, to: $t, granularity: DAY, groupBy: $g) {
		  currency buckets { from to totalCents groups { namespace totalCents } } } }`
		costOf := func(ns, from, to string) int64 {
			var r struct {
				Namespace struct{ Cost struct{ TotalCents int64 } }
			}
			mustPost(t, c, `query($n: String!, $f: Time, $t: Time) { namespace(name: $n) { cost(from: $f, to: $t) { totalCents } } }`, &r,
				client.Var("n", ns), client.Var("f", from), client.Var("t", to))
			return r.Namespace.Cost.TotalCents
		}
		mustPost(t, c, costQ, &cs, client.Var("f", from), client.Var("t", to), client.Var("g", []string{}))
		if len(cs.CostSeries.Buckets) != 2 || cs.CostSeries.Currency != "USD" {
			t.Fatalf("cost series = %+v", cs)
		}
		for _, b := range cs.CostSeries.Buckets {
			if want := costOf("system", b.From, b.To); b.TotalCents != want || len(b.Groups) != 1 || b.Groups[0].Namespace != nil {
				t.Fatalf("bucket %s: %d, cost says %d", b.From, b.TotalCents, want)
			}
		}
		mustPost(t, c, costQ, &cs, client.Var("f", from), client.Var("t", to), client.Var("g", []string{"NAMESPACE"}))
		for _, b := range cs.CostSeries.Buckets {
			var sum int64
			for _, g := range b.Groups {
				if want := costOf(*g.Namespace, b.From, b.To); g.TotalCents != want || pointCents[b.From+"/"+*g.Namespace] != want {
					t.Fatalf("bucket %s %s: %d, usage points %d, cost says %d", b.From, *g.Namespace, g.TotalCents, pointCents[b.From+"/"+*g.Namespace], want)
				}
				sum += g.TotalCents
			}
			if sum != b.TotalCents || len(b.Groups) != 2 {
				t.Fatalf("bucket %s = %+v", b.From, b)
			}
		}

		// The forecast's to-date figure is the month's cost so far.
		var fc struct {
			Forecast struct {
				From, AsOf                  string
				ToDateCents, ProjectedCents int64
			}
		}
		mustPost(t, c, `{ forecast(namespace: "ns-a") { from asOf toDateCents projectedCents } }`, &fc)
		if want := costOf("ns-a", fc.Forecast.From, fc.Forecast.AsOf); fc.Forecast.ToDateCents != want || fc.Forecast.ProjectedCents < want {
			t.Fatalf("forecast = %+v, cost so far %d", fc.Forecast, want)
		}

		// Bad arguments name themselves.
		var resp map[string]any
		for q, field := range map[string]string{
			`{ usageSeries(from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z", granularity: DAY) { from } }`:                                "to",
			`{ usageSeries(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: DAY, timeZone: "Mars/Base") { from } }`:         "timeZone",
			`{ usageSeries(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: DAY, timeZone: "Asia/Kolkata") { from } }`:      "timeZone",
			`{ usageSeries(from: "2020-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: HOUR) { from } }`:                               "to",
			`{ usageSeries(from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", granularity: DAY, filter: {namespaces: ["A B"]}) { from } }`: "filter.namespaces[0]",
		} {
			e := wantCode(t, c.Post(q, &resp), "INVALID_ARGUMENT")
			if len(e.Extensions.Fields) == 0 || e.Extensions.Fields[0].Field != field {
				t.Fatalf("%s: %+v, want field %s", q, e, field)
			}
		}
		// A zone aligns days: Paris days start at 23:00 UTC in winter.
		mustPost(t, c, `{ usageSeries(from: "2026-01-10T12:00:00Z", to: "2026-01-11T12:00:00Z", granularity: DAY, timeZone: "Europe/Paris") {
		  from to granularity timeZone buckets { from to points { usageType usageTypeName unit quantity namespace objectName } } } }`, &us)
		if b := us.UsageSeries.Buckets; len(b) != 2 || b[0].From != "2026-01-09T23:00:00Z" || b[1].To != "2026-01-11T23:00:00Z" || us.UsageSeries.TimeZone != "Europe/Paris" {
			t.Fatalf("Paris buckets = %+v", us.UsageSeries)
		}
		// A bound token reads its namespace's series, not the tenant's.
		bound := h.client(h.sameTenant(t, p, tenancy.RoleViewer, "ns-a"))
		mustPost(t, bound, `query($f: Time!, $t: Time!) { usageSeries(from: $f, to: $t, granularity: MONTH, filter: {namespaces: ["ns-a"]}) { from } }`, &resp,
			client.Var("f", from), client.Var("t", to))
		wantCode(t, bound.Post(`query($f: Time!, $t: Time!) { usageSeries(from: $f, to: $t, granularity: MONTH) { from } }`, &resp,
			client.Var("f", from), client.Var("t", to)), "FORBIDDEN")
	})
}

// TestNoNPlusOneSeries: a series over 50 namespaces costs the statements of
// one over a single namespace.
func TestNoNPlusOneSeries(t *testing.T) {
	t.Parallel()
	const query = `query($f: Time!, $t: Time!) {
	  u: usageSeries(from: $f, to: $t, granularity: DAY, groupBy: [NAMESPACE]) { buckets { points { quantity } } }
	  c: costSeries(from: $f, to: $t, granularity: DAY, groupBy: [NAMESPACE]) { buckets { totalCents } }
	  forecast { projectedCents } }`
	forEachStore(t, func(t *testing.T, h *harness) {
		measure := func(t *testing.T, n int) int64 {
			p := h.caller(t, tenancy.RoleAdmin, "")
			ctx := asCaller(p)
			at := time.Now().UTC().Add(-time.Hour)
			for i := range n {
				ns := fmt.Sprintf("ns-%02d", i)
				if _, err := h.us.Ingest(ctx, p, ns, []usage.Event{{ID: ns, UsageType: "http_requests", ObjectName: "lb",
					Quantity: decimal.NewFromInt(1_000_000), UnitName: "request", Timestamp: at}}); err != nil {
					t.Fatal(err)
				}
			}
			var resp struct {
				U struct {
					Buckets []struct{ Points []struct{ Quantity string } }
				}
				C        struct{ Buckets []struct{ TotalCents int64 } }
				Forecast struct{ ProjectedCents int64 }
			}
			before := h.db.Queries()
			mustPost(t, h.client(p), query, &resp, client.Var("f", at.AddDate(0, 0, -30).Format(time.RFC3339)), client.Var("t", at.Add(time.Hour).Format(time.RFC3339)))
			statements := h.db.Queries() - before
			points := 0
			for _, b := range resp.U.Buckets {
				points += len(b.Points)
			}
			if points != n {
				t.Fatalf("%d points for %d namespaces", points, n)
			}
			return statements
		}
		one, fifty := measure(t, 1), measure(t, 50)
		t.Logf("SQL statements: %d for 1 namespace, %d for 50", one, fifty)
		if one != fifty {
			t.Fatalf("statements grow with namespaces: %d for 1, %d for 50", one, fifty)
		}
	})
}

// costSeriesAnswer is the data of a costSeries query.
type costSeriesAnswer struct {
	CostSeries struct {
		Currency string
		Buckets  []struct {
			From, To   string
			TotalCents int64
			Groups     []struct {
				Namespace  *string
				TotalCents int64
			}
		}
	}
}
