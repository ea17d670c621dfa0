package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
)

const createMutation = `mutation($in: CreateQuotaInput!) {
  createQuota(input: $in) {
    quota {
      id name namespace uid resourceVersion createdAt modifiedAt disabled description
      labels { key value }
      annotations { key value }
      spec {
        objectLimits { key maximum }
        resourceLimits { key maximum }
        apiLimits { key rate burst unit }
      }
    }
    userErrors { field message code }
  }
}`

type quotaResp struct {
	ID              string
	Name            string
	Namespace       string
	UID             string
	ResourceVersion string
	CreatedAt       string
	ModifiedAt      string
	Disabled        bool
	Description     *string
	Labels          []struct{ Key, Value string }
	Annotations     []struct{ Key, Value string }
	Spec            struct {
		ObjectLimits []struct {
			Key     string
			Maximum int
		}
		ResourceLimits []struct{ Key, Maximum string }
		APILimits      []struct {
			Key         string
			Rate, Burst int
			Unit        string
		} `json:"apiLimits"`
	}
}

func TestQuotaLifecycle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(p)

		var created struct {
			CreateQuota struct {
				Quota      quotaResp
				UserErrors []userError
			}
		}
		mustPost(t, c, createMutation, &created, client.Var("in", map[string]any{
			"namespace": "shop", "name": "lb-cap", "description": "load balancers",
			"labels":      []map[string]any{{"key": "tier", "value": "gold"}, {"key": "env", "value": "prod"}},
			"annotations": []map[string]any{{"key": "owner", "value": "ops"}},
			"spec": map[string]any{
				"objectLimits":   []map[string]any{{"key": "http_loadbalancer", "maximum": 2}},
				"resourceLimits": []map[string]any{{"key": "vcpu", "maximum": "2.5"}},
				"apiLimits":      []map[string]any{{"key": "ListThings", "rate": 10, "burst": 20}},
			},
		}))
		q := created.CreateQuota.Quota
		if q.Name != "lb-cap" || q.Namespace != "shop" || q.UID == "" || q.ResourceVersion != "1" || q.CreatedAt == "" {
			t.Fatalf("created = %+v", q)
		}
		if len(q.Labels) != 2 || q.Labels[0].Key != "env" || q.Labels[1].Key != "tier" {
			t.Fatalf("labels not sorted by key: %+v", q.Labels)
		}
		if q.Spec.ResourceLimits[0].Maximum != "2.5" || q.Spec.ObjectLimits[0].Maximum != 2 || q.Spec.APILimits[0].Unit != "PER_SECOND" || q.ID == "" {
			t.Fatalf("spec = %+v", q.Spec)
		}

		// A second quota with the same name is a conflict.
		wantUserError(t, c, createMutation, "CONFLICT", client.Var("in", map[string]any{"namespace": "shop", "name": "lb-cap", "spec": map[string]any{}}))

		// Read back through the namespace.
		var got struct {
			Namespace struct {
				Name   string
				Quota  *quotaResp
				Quotas struct {
					TotalCount int
					Edges      []struct{ Node quotaResp }
				}
			}
		}
		mustPost(t, c, `{ namespace(name: "shop") { name quota(name: "lb-cap") { name uid resourceVersion } quotas { totalCount edges { node { name } } } } }`, &got)
		if got.Namespace.Quota == nil || got.Namespace.Quota.UID != q.UID || got.Namespace.Quotas.TotalCount != 1 {
			t.Fatalf("read back = %+v", got)
		}

		// Replace: a stale version is a conflict, the current one succeeds
		// and the answer is the stored quota.
		replace := `mutation($in: ReplaceQuotaInput!) { replaceQuota(input: $in) { quota { resourceVersion description disabled spec { objectLimits { key maximum } } } userErrors { field message code } } }`
		in := map[string]any{
			"namespace": "shop", "name": "lb-cap", "resourceVersion": "7", "description": "fewer",
			"spec": map[string]any{"objectLimits": []map[string]any{{"key": "http_loadbalancer", "maximum": 3}}},
		}
		var replaced struct {
			ReplaceQuota struct {
				Quota      quotaResp
				UserErrors []userError
			}
		}
		wantUserError(t, c, replace, "CONFLICT", client.Var("in", in))
		in["resourceVersion"] = "1"
		mustPost(t, c, replace, &replaced, client.Var("in", in))
		if r := replaced.ReplaceQuota.Quota; r.ResourceVersion != "2" || *r.Description != "fewer" || r.Spec.ObjectLimits[0].Maximum != 3 {
			t.Fatalf("replaced = %+v", r)
		}

		// Reserve within the limit, then over it: nothing is reserved and
		// the details name the key.
		reserve := `mutation($in: ReserveQuotaInput!) { reserveQuota(input: $in) { result { replayed objects { key current } resources { key current } apis { key current } }
			exceeded { class key scope limit current requested } userErrors { field message code } } }`
		var res struct {
			ReserveQuota struct {
				Result struct {
					Replayed                 bool
					Objects, Resources, Apis []struct{ Key, Current string }
				}
				Exceeded   []map[string]any
				UserErrors []userError
			}
		}
		mustPost(t, c, reserve, &res, client.Var("in", map[string]any{
			"namespace": "shop", "idempotencyKey": "k1",
			"objects":   []map[string]any{{"key": "http_loadbalancer", "amount": 2}},
			"resources": []map[string]any{{"key": "vcpu", "amount": "1.25"}},
		}))
		if r := res.ReserveQuota.Result; r.Replayed || len(r.Objects) != 1 || r.Objects[0].Current != "2" || r.Resources[0].Current != "1.25" {
			t.Fatalf("reserve = %+v", r)
		}
		// The same idempotency key replays the answer without reserving.
		mustPost(t, c, reserve, &res, client.Var("in", map[string]any{
			"namespace": "shop", "idempotencyKey": "k1",
			"objects":   []map[string]any{{"key": "http_loadbalancer", "amount": 2}},
			"resources": []map[string]any{{"key": "vcpu", "amount": "1.25"}},
		}))
		if !res.ReserveQuota.Result.Replayed || res.ReserveQuota.Result.Objects[0].Current != "2" {
			t.Fatalf("replay = %+v", res.ReserveQuota)
		}
		var over struct {
			ReserveQuota struct {
				Result     *map[string]any
				Exceeded   []struct{ Class, Key, Scope, Limit, Current, Requested string }
				UserErrors []userError
			}
		}
		over4 := client.Var("in", map[string]any{
			"namespace": "shop",
			"objects":   []map[string]any{{"key": "http_loadbalancer", "amount": "2"}},
		})
		wantUserError(t, c, reserve, "QUOTA_EXCEEDED", over4)
		mustPost(t, c, reserve, &over, over4)
		if over.ReserveQuota.Result != nil || len(over.ReserveQuota.Exceeded) != 1 {
			t.Fatalf("over quota = %+v", over.ReserveQuota)
		}
		if d := over.ReserveQuota.Exceeded[0]; d.Class != "OBJECTS" || d.Key != "http_loadbalancer" || d.Limit != "3" || d.Current != "2" || d.Requested != "2" || d.Scope != "NAMESPACE" {
			t.Fatalf("detail = %+v", d)
		}

		// Usage shows the limits and what was reserved (once).
		var usage struct {
			Namespace struct {
				QuotaUsage struct {
					Objects, Resources []struct {
						Key, DisplayName   string
						Limit              *string
						LimitSource        *string
						UtilizationPercent *string
						Current            string
					}
					Apis []struct {
						Key       string
						RateLimit *struct{ Rate, Burst int }
						Current   string
					}
				}
			}
		}
		mustPost(t, c, `{ namespace(name: "shop") { quotaUsage {
			objects { key displayName limit limitSource utilizationPercent current }
			resources { key displayName limit limitSource utilizationPercent current }
			apis { key rateLimit { rate burst } current } } } }`, &usage)
		u := usage.Namespace.QuotaUsage
		if len(u.Objects) != 1 || u.Objects[0].Key != "http_loadbalancer" || *u.Objects[0].Limit != "3" || u.Objects[0].Current != "2" || u.Objects[0].DisplayName != "HTTP Load Balancer" ||
			*u.Objects[0].LimitSource != "NAMESPACE" || *u.Objects[0].UtilizationPercent != "66.67" {
			t.Fatalf("object usage = %+v", u.Objects)
		}
		// The replace dropped the vcpu limit; the counter stays, unlimited.
		if len(u.Resources) != 1 || u.Resources[0].Limit != nil || u.Resources[0].LimitSource != nil || u.Resources[0].UtilizationPercent != nil || u.Resources[0].Current != "1.25" {
			t.Fatalf("resource usage = %+v", u.Resources)
		}

		// Delete, then the quota is gone and a second delete is NOT_FOUND.
		del := `mutation { deleteQuota(namespace: "shop", name: "lb-cap") { deletedId userErrors { field message code } } }`
		var deleted struct {
			DeleteQuota struct {
				DeletedID  *string
				UserErrors []userError
			}
		}
		mustPost(t, c, del, &deleted)
		if deleted.DeleteQuota.DeletedID == nil || *deleted.DeleteQuota.DeletedID != q.ID {
			t.Fatalf("deleteQuota = %+v, want id %s", deleted, q.ID)
		}
		var gone struct {
			Namespace struct {
				Quota  *quotaResp
				Quotas struct{ TotalCount int }
			}
		}
		mustPost(t, c, `{ namespace(name: "shop") { quota(name: "lb-cap") { name } quotas { totalCount } } }`, &gone)
		if gone.Namespace.Quota != nil || gone.Namespace.Quotas.TotalCount != 0 {
			t.Fatalf("after delete = %+v", gone)
		}
		wantUserError(t, c, del, "NOT_FOUND")
	})
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		c := h.client(p)
		var resp map[string]any
		const ue = "userErrors { field message code }"

		e := wantCode(t, c.Post(`{ namespace(name: "system") { quotas(labelFilter: "env in (") { totalCount } } }`, &resp), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || e.Extensions.Fields[0].Field != "labelFilter" || !strings.Contains(e.Extensions.Fields[0].Problem, "position") {
			t.Fatalf("labelFilter error = %+v", e)
		}
		if fmt.Sprint(e.Path) != "[namespace quotas]" {
			t.Fatalf("path = %v", e.Path)
		}

		cases := map[string]string{
			"float literal":       `mutation { reserveQuota(input: {namespace: "shop", resources: [{key: "vcpu", amount: 1.5}]}) { ` + ue + ` } }`,
			"malformed decimal":   `mutation { reserveQuota(input: {namespace: "shop", resources: [{key: "vcpu", amount: "1e3"}]}) { ` + ue + ` } }`,
			"too many decimals":   `mutation { reserveQuota(input: {namespace: "shop", resources: [{key: "vcpu", amount: "0.0000001"}]}) { ` + ue + ` } }`,
			"repeated key":        `mutation { reserveQuota(input: {namespace: "shop", objects: [{key: "a1", amount: 1}, {key: "a1", amount: 2}]}) { ` + ue + ` } }`,
			"nothing to reserve":  `mutation { reserveQuota(input: {namespace: "shop"}) { ` + ue + ` } }`,
			"bad namespace":       `{ namespace(name: "Not_A_Label") { name } }`,
			"bad cursor":          `{ namespaces(after: "%%%") { pageInfo { hasNextPage } } }`,
			"NUL in a cursor":     `{ namespaces(after: "AA") { pageInfo { hasNextPage } } }`,
			"quota cursor of NUL": `{ namespace(name: "system") { quotas(after: "AA") { totalCount } } }`,
			"page too large":      `{ namespaces(first: 101) { pageInfo { hasNextPage } } }`,
			"bad quota name":      `mutation { createQuota(input: {namespace: "shop", name: "UPPER", spec: {}}) { ` + ue + ` } }`,
			"repeated label":      `mutation { createQuota(input: {namespace: "shop", name: "q", labels: [{key: "a", value: "1"}, {key: "a", value: "2"}], spec: {}}) { ` + ue + ` } }`,
		}
		// A Decimal refused by the scalar names its input field too.
		e = wantCode(t, c.Post(`mutation($a: Decimal!) { reserveQuota(input: {namespace: "shop", resources: [{key: "vcpu", amount: $a}]}) { `+ue+` } }`, &resp, client.Var("a", 1.5)), "INVALID_ARGUMENT")
		if len(e.Extensions.Fields) != 1 || e.Extensions.Fields[0].Field != "input.resources[0].amount" {
			t.Fatalf("decimal error = %+v", e)
		}

		for name, q := range cases {
			t.Run(name, func(t *testing.T) {
				// Input the schema's scalars refuse is an error of the
				// field; input the domain refuses is a user error of the
				// mutation's payload. Both name the field.
				err := c.Post(q, &resp)
				if err != nil {
					e := wantCode(t, err, "INVALID_ARGUMENT")
					if len(e.Extensions.Fields) == 0 {
						t.Fatalf("no fields in %+v", e)
					}
					return
				}
				if !strings.HasPrefix(q, "mutation") {
					t.Fatalf("%s: no error", q)
				}
				for _, u := range wantUserError(t, c, q, "INVALID_ARGUMENT") {
					if u.Field == nil {
						t.Fatalf("user error without a field: %+v", u)
					}
				}
			})
		}
	})
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		if _, err := h.qs.Create(asCaller(admin), tenancy.FromContext(asCaller(admin)), quota.CreateInput{Namespace: "other", Name: "q"}); err != nil {
			t.Fatal(err)
		}
		viewer := h.sameTenant(t, admin, tenancy.RoleViewer, "shop")
		c := h.client(viewer)

		// A namespace-bound token sees only its namespace.
		var list struct {
			Namespaces struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		mustPost(t, c, `{ namespaces { edges { node { name } } } }`, &list)
		if len(list.Namespaces.Edges) != 1 || list.Namespaces.Edges[0].Node.Name != "shop" {
			t.Fatalf("namespaces = %+v", list)
		}
		var resp map[string]any
		wantCode(t, c.Post(`{ namespace(name: "other") { name } }`, &resp), "FORBIDDEN")
		wantUserError(t, c, `mutation { createQuota(input: {namespace: "shop", name: "q", spec: {}}) { userErrors { field message code } } }`, "FORBIDDEN")

		// Without a caller in the context everything is UNAUTHENTICATED.
		anon := client.New(h.handler(nil, graph.Config{}))
		wantCode(t, anon.Post(`{ namespaces { edges { cursor } } }`, &resp), "UNAUTHENTICATED")
		wantCode(t, anon.Post(`{ namespace(name: "shop") { name } }`, &resp), "UNAUTHENTICATED")
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		ctx := asCaller(p)
		// "system" exists from the token; add four more.
		for _, ns := range []string{"ns-a", "ns-b", "ns-c", "ns-d"} {
			for i, tier := range []string{"gold", "silver", "gold"} {
				in := quota.CreateInput{Namespace: ns, Name: fmt.Sprintf("q%d", i), Labels: map[string]string{"tier": tier}}
				if _, err := h.qs.Create(ctx, tenancy.FromContext(ctx), in); err != nil {
					t.Fatal(err)
				}
			}
		}
		c := h.client(p)

		type page struct {
			Namespaces struct {
				Edges []struct {
					Cursor string
					Node   struct{ Name string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		var names []string
		var after *string
		for i := 0; ; i++ {
			var pg page
			mustPost(t, c, `query($after: String) { namespaces(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`, &pg, client.Var("after", after))
			for _, e := range pg.Namespaces.Edges {
				names = append(names, e.Node.Name)
			}
			if !pg.Namespaces.PageInfo.HasNextPage {
				break
			}
			after = pg.Namespaces.PageInfo.EndCursor
			if i > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if strings.Join(names, ",") != "ns-a,ns-b,ns-c,ns-d,system" {
			t.Fatalf("paged names = %v", names)
		}

		// Quotas: filtered, paged by one.
		var qp struct {
			Namespace struct {
				Quotas struct {
					TotalCount int
					Edges      []struct{ Node struct{ Name string } }
					PageInfo   struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
		}
		q := `query($after: String) { namespace(name: "ns-b") { quotas(first: 1, after: $after, labelFilter: "tier = gold") { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } } }`
		mustPost(t, c, q, &qp, client.Var("after", nil))
		if qp.Namespace.Quotas.TotalCount != 2 || qp.Namespace.Quotas.Edges[0].Node.Name != "q0" || !qp.Namespace.Quotas.PageInfo.HasNextPage {
			t.Fatalf("first quota page = %+v", qp)
		}
		mustPost(t, c, q, &qp, client.Var("after", qp.Namespace.Quotas.PageInfo.EndCursor))
		if qp.Namespace.Quotas.Edges[0].Node.Name != "q2" || qp.Namespace.Quotas.PageInfo.HasNextPage {
			t.Fatalf("second quota page = %+v", qp)
		}
	})
}

// TestNoNPlusOne proves that the nested query costs the same number of SQL
// statements for 1 namespace as for 50: every relation field goes through a
// dataloader that answers all namespaces of the page with one domain call.
func TestNoNPlusOne(t *testing.T) {
	t.Parallel()
	const query = `{ namespaces(first: 50) { edges { node { name quotas { edges { node { name } } } quotaUsage { objects { key current tenantCurrent tenantLimit } } } } } }`
	forEachStore(t, func(t *testing.T, h *harness) {
		measure := func(t *testing.T, n int) (statements int64, listed int) {
			p := h.caller(t, tenancy.RoleAdmin, "")
			ctx := asCaller(p)
			for i := range n {
				ns := fmt.Sprintf("ns-%02d", i)
				for _, name := range []string{"cap-a", "cap-b"} {
					in := quota.CreateInput{Namespace: ns, Name: name, Spec: quota.Spec{ObjectLimits: map[string]quota.ObjectLimit{"origin_pool": {Maximum: 10}}}}
					if _, err := h.qs.Create(ctx, tenancy.FromContext(ctx), in); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := h.qs.Reserve(ctx, tenancy.FromContext(ctx), quota.ReserveInput{Namespace: ns, Objects: map[string]quota.Amount{"origin_pool": quota.Units(1)}}); err != nil {
					t.Fatal(err)
				}
			}
			c := h.client(p)
			var resp struct {
				Namespaces struct {
					Edges []struct {
						Node struct {
							Name   string
							Quotas struct {
								Edges []struct{ Node struct{ Name string } }
							}
							QuotaUsage struct {
								Objects []struct {
									Key, Current, TenantCurrent string
									TenantLimit                 *string
								}
							}
						}
					}
				}
			}
			before := h.db.Queries()
			mustPost(t, c, query, &resp)
			statements = h.db.Queries() - before
			for _, e := range resp.Namespaces.Edges {
				if e.Node.Name == tenancy.SystemNamespace {
					continue
				}
				if len(e.Node.Quotas.Edges) != 2 || len(e.Node.QuotaUsage.Objects) != 1 || e.Node.QuotaUsage.Objects[0].Current != "1" ||
					e.Node.QuotaUsage.Objects[0].TenantCurrent != fmt.Sprint(n) {
					t.Fatalf("namespace %s = %+v", e.Node.Name, e.Node)
				}
			}
			return statements, len(resp.Namespaces.Edges)
		}
		// Sequential: the statement counter is per store, shared by both.
		one, listedOne := measure(t, 1)
		fifty, listedFifty := measure(t, 50)
		t.Logf("SQL statements: %d for %d namespaces listed, %d for %d", one, listedOne, fifty, listedFifty)
		if listedFifty != 50 {
			t.Fatalf("listed %d namespaces, want 50", listedFifty)
		}
		if one != fifty {
			t.Fatalf("statements grow with namespaces: %d for %d, %d for %d", one, listedOne, fifty, listedFifty)
		}
	})
}

func TestPanicIsInternal(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		// A quota service that was never wired (its zero value) panics
		// inside the resolver; the caller sees INTERNAL and nothing of the
		// panic.
		c := client.New(h.handler(&p, graph.Config{Quotas: &quota.Service{}}))
		var resp map[string]any
		e := wantCode(t, c.Post(`mutation { createQuota(input: {namespace: "shop", name: "q", spec: {}}) { quota { name } } }`, &resp), "INTERNAL")
		if e.Message != "internal error" {
			t.Fatalf("message = %q", e.Message)
		}
	})
}
