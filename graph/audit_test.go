package graph_test

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
)

// TestAuditLog: quota changes made through GraphQL appear in auditLog, in
// order and paged; non-admins are refused.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, h *harness) {
		admin := h.caller(t, tenancy.RoleAdmin, "")
		c := client.New(h.handler(&admin, graph.Config{}))
		for _, q := range []string{
			`mutation { createQuota(input: {namespace: "ns1", name: "q1", spec: {objectLimits: [{key: "http_loadbalancer", maximum: 3}]}}) { quota { name } } }`,
			`mutation { createQuota(input: {namespace: "ns2", name: "q2", spec: {}}) { quota { name } } }`,
			`mutation { deleteQuota(namespace: "ns1", name: "q1") { deletedId } }`,
		} {
			var out map[string]any
			if err := c.Post(q, &out); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		type page struct {
			AuditLog struct {
				Edges []struct {
					Node struct {
						ID                               string
						Seq                              float64
						Actor, Action, Namespace, Object string
						Before, After                    *string
					}
				}
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					EndCursor                    string
				}
			}
		}
		const fields = `edges { node { id seq actor action namespace object before after } } pageInfo { hasNextPage hasPreviousPage endCursor }`
		// Newest first.
		var pg page
		c.MustPost(`{ auditLog(first: 1) { `+fields+` } }`, &pg)
		e := pg.AuditLog.Edges
		if len(e) != 1 || e[0].Node.Action != "quota.delete" || e[0].Node.After != nil || e[0].Node.Before == nil ||
			!strings.HasPrefix(e[0].Node.Actor, "token:") || !pg.AuditLog.PageInfo.HasNextPage || pg.AuditLog.PageInfo.HasPreviousPage {
			t.Fatalf("first page: %+v", pg)
		}
		newest := e[0].Node
		c.MustPost(`query($a: String) { auditLog(first: 10, after: $a) { `+fields+` } }`, &pg, client.Var("a", pg.AuditLog.PageInfo.EndCursor))
		e = pg.AuditLog.Edges
		if len(e) != 2 || e[0].Node.Object != "q2" || e[1].Node.Action != "quota.create" || e[1].Node.Before != nil || pg.AuditLog.PageInfo.HasNextPage {
			t.Fatalf("second page: %+v", pg)
		}
		// Filters: action, namespace, time.
		c.MustPost(`{ auditLog(filter: {actions: ["quota.create"], namespace: "ns1"}) { `+fields+` } }`, &pg)
		if e = pg.AuditLog.Edges; len(e) != 1 || e[0].Node.Object != "q1" || e[0].Node.Action != "quota.create" {
			t.Fatalf("filtered: %+v", pg)
		}
		c.MustPost(`{ auditLog(filter: {to: "2000-01-01T00:00:00Z"}) { `+fields+` } }`, &pg)
		if len(pg.AuditLog.Edges) != 0 {
			t.Fatalf("nothing before 2000: %+v", pg)
		}
		var out map[string]any
		err := c.Post(`{ auditLog(filter: {namespace: "Not A Label"}) { edges { cursor } } }`, &out)
		if err == nil || !strings.Contains(err.Error(), "filter.namespace") {
			t.Fatalf("bad namespace filter: %v", err)
		}
		// The record's global id resolves through node.
		var n struct{ Node *struct{ Seq float64 } }
		c.MustPost(`query($id: ID!) { node(id: $id) { ... on AuditRecord { seq } } }`, &n, client.Var("id", newest.ID))
		if n.Node == nil || n.Node.Seq != newest.Seq {
			t.Fatalf("node = %+v", n)
		}
		viewer := h.sameTenant(t, admin, tenancy.RoleViewer, "")
		err = client.New(h.handler(&viewer, graph.Config{})).Post(`{ auditLog { edges { node { seq } } } }`, &out)
		if err == nil || !strings.Contains(err.Error(), "FORBIDDEN") {
			t.Fatalf("viewer: %v", err)
		}
	})
}
