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
			`mutation { createQuota(input: {namespace: "ns1", name: "q1", spec: {objectLimits: [{key: "http_loadbalancer", maximum: 3}]}}) { name } }`,
			`mutation { deleteQuota(namespace: "ns1", name: "q1") }`,
		} {
			var out map[string]any
			if err := c.Post(q, &out); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		var page struct {
			AuditLog struct {
				Edges []struct {
					Node struct {
						Seq                   float64
						Actor, Action, Object string
						Before, After         *string
					}
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		c.MustPost(`{ auditLog(first: 1) { edges { node { seq actor action object before after } } pageInfo { hasNextPage endCursor } } }`, &page)
		e := page.AuditLog.Edges
		if len(e) != 1 || e[0].Node.Action != "quota.create" || e[0].Node.Before != nil || e[0].Node.After == nil ||
			!strings.HasPrefix(e[0].Node.Actor, "token:") || !page.AuditLog.PageInfo.HasNextPage {
			t.Fatalf("first page: %+v", page)
		}
		c.MustPost(`query($a: String) { auditLog(first: 10, after: $a) { edges { node { seq actor action object before after } } pageInfo { hasNextPage endCursor } } }`,
			&page, client.Var("a", page.AuditLog.PageInfo.EndCursor))
		e = page.AuditLog.Edges
		if len(e) != 1 || e[0].Node.Action != "quota.delete" || e[0].Node.After != nil || e[0].Node.Before == nil || page.AuditLog.PageInfo.HasNextPage {
			t.Fatalf("second page: %+v", page)
		}
		viewer := h.sameTenant(t, admin, tenancy.RoleViewer, "")
		var out map[string]any
		err := client.New(h.handler(&viewer, graph.Config{})).Post(`{ auditLog { edges { node { seq } } } }`, &out)
		if err == nil || !strings.Contains(err.Error(), "FORBIDDEN") {
			t.Fatalf("viewer: %v", err)
		}
	})
}
