package graph_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/kernel"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/billingd/billingd/graph"
	"github.com/billingd/billingd/internal/app"
	"github.com/shopspring/decimal"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/dashboard.golden.json")

// goldenQueries are the console's dashboard (its bench query, without the
// random tenant id) and the plan catalogue: between them every shape
// graph/codegen rewrites (leaf fields of many types, nullable ones, enums,
// lists of resolver-free objects nested three deep, a list of objects with
// resolvers, aliases and __typename).
func goldenQueries(t *testing.T) []string {
	b, err := os.ReadFile("../scripts/console/dashboard.v2.graphql")
	if err != nil {
		t.Fatal(err)
	}
	dashboard := strings.Replace(string(b), "viewer { tenant role", "viewer { role", 1)
	if dashboard == string(b) {
		t.Fatal("the dashboard query's viewer changed: update goldenQueries")
	}
	return []string{dashboard, `{ plans { __typename id name title subtitle tenantType planType flatPriceCents currency renewalPeriodUnit trialPeriod trialPeriodUnit again: name } }`}
}

// TestExecutorAnswerGolden pins the executor's answer to a dashboard query
// byte for byte. testdata/dashboard.golden.json was written by gqlgen's own
// executor before graph/codegen rewrote it (go test ./graph -run
// TestExecutorAnswerGolden -update writes it again), so the rewrites are
// proven to change nothing a client sees, on both stores.
func TestExecutorAnswerGolden(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("testdata/dashboard.golden.json")
	if err != nil && !*updateGolden {
		t.Fatal(err)
	}
	// Every time in the answer comes from this clock or the events.
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	clock := func(c *app.Config) { c.Clock = kernel.NewFixedClock(month.AddDate(0, 0, 20)) }
	forEachStore(t, func(t *testing.T, h *harness) {
		p := h.caller(t, tenancy.RoleAdmin, "")
		ctx := asCaller(p)
		for i, ns := range []string{"alpha", "beta", "gamma"} {
			h.createQuotas(t, ctx, quota.CreateInput{Namespace: ns, Name: "caps", Spec: quota.Spec{
				ObjectLimits:   map[string]quota.ObjectLimit{"http_loadbalancer": {Maximum: int32(5 + i)}, "origin_pool": {Maximum: 10}},
				ResourceLimits: map[string]quota.ResourceLimit{"vcpu": {Maximum: 2.5 * float64(i+1)}},
			}})
			if _, err := h.qs.Reserve(ctx, p, quota.ReserveInput{Namespace: ns, IdempotencyKey: "k-" + ns,
				Objects: map[string]quota.Amount{"http_loadbalancer": quota.Amount(i+1) * quota.AmountScale}}); err != nil {
				t.Fatal(err)
			}
			var evs []usage.Event
			for k := range 6 {
				evs = append(evs,
					usage.Event{ID: fmt.Sprintf("%s-%d", ns, k), UsageType: "http_requests", ObjectName: fmt.Sprintf("lb-%d", k%2),
						Quantity: decimal.NewFromInt(int64(250_000 * (k + i + 1))), UnitName: "request", Timestamp: month.Add(time.Duration(k*29) * time.Hour)},
					usage.Event{ID: fmt.Sprintf("%s-%d-v", ns, k), UsageType: "vcpu_hours", ObjectName: "vm",
						Quantity: decimal.RequireFromString("1.25"), UnitName: "hour", Timestamp: month.Add(time.Duration(k*31) * time.Hour)})
			}
			if res, err := h.us.Ingest(ctx, p, ns, evs); err != nil || res.Accepted != len(evs) {
				t.Fatalf("ingest: %+v %v", res, err)
			}
		}
		var got []byte
		for _, q := range goldenQueries(t) {
			body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]string{
				"from": month.Format(time.RFC3339), "to": month.AddDate(0, 1, 0).Format(time.RFC3339)}})
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			h.handler(&p, graph.Config{}).ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
			}
			got = append(append(got, rec.Body.Bytes()...), '\n')
		}
		if *updateGolden {
			if err := os.WriteFile("testdata/dashboard.golden.json", got, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		if string(got) != string(want) {
			t.Fatalf("answers differ from testdata/dashboard.golden.json at byte %d:\n got %s\nwant %s",
				firstDiff(string(got), string(want)), got, want)
		}
	}, clock)
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
