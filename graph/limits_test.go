package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
)

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	c := client.New(h.handler(&p, graph.Config{MaxDepth: 4, Introspection: true}))
	var resp map[string]any

	// namespaces > edges > node > name is 4 deep: at the limit, accepted.
	mustPost(t, c, `{ namespaces { edges { node { name } } } }`, &resp)

	deep := map[string]string{
		"fields":          `{ namespaces { edges { node { quotas { totalCount } } } } }`,
		"inline fragment": `{ namespaces { edges { ... on NamespaceEdge { node { quotas { totalCount } } } } } }`,
		"named fragment":  `{ namespaces { edges { ...E } } } fragment E on NamespaceEdge { node { quotaUsage { objects { key } } } }`,
	}
	for name, q := range deep {
		t.Run(name, func(t *testing.T) {
			e := wantCode(t, c.Post(q, &resp), graph.CodeQueryTooDeep)
			if !strings.Contains(e.Message, "4 levels") {
				t.Fatalf("message = %q", e.Message)
			}
		})
	}

	// Introspection counts like any other field (issue 10, item 2): it
	// used to be skipped, which let it nest and multiply unchecked.
	typeRef := "kind name"
	for range 10 {
		typeRef = "kind name ofType { " + typeRef + " }"
	}
	wantCode(t, c.Post(`{ __schema { types { fields { type { `+typeRef+` } } } } }`, &resp), graph.CodeQueryTooDeep)

	// The default (15) accepts the deepest real query the schema allows and
	// the standard introspection query (15 deep), and no deeper one.
	def := client.New(h.handler(&p, graph.Config{Introspection: true}))
	mustPost(t, def, `{ namespaces { edges { node { quotas { edges { node { spec { apiLimits { key } } } } } } } } }`, &resp)
	mustPost(t, def, introspectionQuery(9), &resp)
	e := wantCode(t, def.Post(introspectionQuery(10), &resp), graph.CodeQueryTooDeep)
	if !strings.Contains(e.Message, "15 levels") {
		t.Fatalf("message = %q", e.Message)
	}
}

func TestComplexityLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	var resp map[string]any

	// The default limit (1000) stops a shallow query of 5 report fields
	// (201 each), though it selects only 10 fields.
	var b strings.Builder
	b.WriteString("{")
	for i := range 5 {
		fmt.Fprintf(&b, " m%d: monthlyUsage { from }", i)
	}
	b.WriteString(" }")
	e := wantCode(t, h.client(p).Post(b.String(), &resp), "COMPLEXITY_LIMIT_EXCEEDED")
	if !strings.Contains(e.Message, "limit of 1000") {
		t.Fatalf("message = %q", e.Message)
	}

	// A configured limit applies: 2 fields pass a limit of 3, 4 do not.
	c := client.New(h.handler(&p, graph.Config{MaxComplexity: 3}))
	mustPost(t, c, `{ a: namespace(name: "shop") { name } }`, &resp)
	wantCode(t, c.Post(`{ a: namespace(name: "shop") { name } b: namespace(name: "shop") { name } }`, &resp), "COMPLEXITY_LIMIT_EXCEEDED")
}

func TestIntrospectionSwitch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	var resp struct {
		Schema struct{ Types []struct{ Name string } } `json:"__schema"`
	}
	q := `{ __schema { types { name } } }`

	on := client.New(h.handler(&p, graph.Config{Introspection: true}))
	mustPost(t, on, q, &resp)
	if len(resp.Schema.Types) == 0 {
		t.Fatal("introspection on: no types")
	}
	off := client.New(h.handler(&p, graph.Config{}))
	wantCode(t, off.Post(q, &resp), graph.CodeIntrospectionDisabled)
	wantCode(t, off.Post(`{ ...F } fragment F on Query { __type(name: "Quota") { name } }`, &resp), graph.CodeIntrospectionDisabled)
	// __typename is not introspection of the schema.
	var tn struct {
		Typename string `json:"__typename"`
	}
	mustPost(t, off, `{ __typename }`, &tn)
}
