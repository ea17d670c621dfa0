package loaders

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
)

// fakeSource records every call. Quotas are named after their namespace and
// returned out of name order, as a database with another collation might.
type fakeSource struct {
	mu         sync.Mutex
	listCalls  []string // "selector|ns,ns"
	usageCalls [][]string
	failSel    string
	dropUsage  string
}

func (f *fakeSource) ListByNamespaces(_ context.Context, _ tenancy.Principal, nss []string, sel labels.Selector) (map[string][]quota.Quota, error) {
	f.mu.Lock()
	f.listCalls = append(f.listCalls, sel.String()+"|"+strings.Join(nss, ","))
	f.mu.Unlock()
	if f.failSel != "" && sel.String() == f.failSel {
		return nil, errs.New(errs.Unavailable, "database busy")
	}
	out := map[string][]quota.Quota{}
	for _, ns := range nss {
		out[ns] = []quota.Quota{{Namespace: ns, Name: "z-" + ns}, {Namespace: ns, Name: "a-" + ns}}
	}
	return out, nil
}

func (f *fakeSource) UsageByNamespaces(_ context.Context, _ tenancy.Principal, nss []string) (map[string]quota.Report, error) {
	f.mu.Lock()
	f.usageCalls = append(f.usageCalls, slices.Clone(nss))
	f.mu.Unlock()
	out := map[string]quota.Report{}
	for _, ns := range nss {
		if ns != f.dropUsage {
			out[ns] = quota.Report{Namespace: ns}
		}
	}
	return out, nil
}

func mustSel(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// TestQuotasBatchOrder calls the batch function directly: results come back
// in key order, one per key, with one call per distinct selector and the
// error of a failing selector only on its own keys.
func TestQuotasBatchOrder(t *testing.T) {
	t.Parallel()
	src := &fakeSource{failSel: "tier=bad"}
	l := New(src, nil)
	keys := []QuotaKey{
		{"ns-b", ""}, {"ns-a", "env=prod"}, {"ns-a", ""}, {"ns-c", "tier=bad"}, {"ns-b", "env=prod"},
	}
	res := l.loadQuotas(context.Background(), keys)
	if len(res) != len(keys) {
		t.Fatalf("%d results for %d keys", len(res), len(keys))
	}
	for i, k := range keys {
		if k.Selector == "tier=bad" {
			if !errs.Is(res[i].Error, errs.Unavailable) {
				t.Fatalf("key %v: error = %v", k, res[i].Error)
			}
			continue
		}
		if res[i].Error != nil || len(res[i].Data) != 2 || res[i].Data[0].Namespace != k.Namespace {
			t.Fatalf("key %v: got %+v, %v", k, res[i].Data, res[i].Error)
		}
		if res[i].Data[0].Name > res[i].Data[1].Name {
			t.Fatalf("key %v: not sorted by name: %+v", k, res[i].Data)
		}
	}
	want := []string{"|ns-b,ns-a", "env=prod|ns-a,ns-b", "tier=bad|ns-c"}
	if !slices.Equal(src.listCalls, want) {
		t.Fatalf("calls = %q, want %q", src.listCalls, want)
	}
}

// TestExpectWidens: after Expect, the first load of one namespace fetches
// the whole page, and late loads of the others cost no further call.
func TestExpectWidens(t *testing.T) {
	t.Parallel()
	src := &fakeSource{}
	l := New(src, nil)
	page := []string{"ns-1", "ns-2", "ns-3"}
	l.Expect(page)
	ctx := context.Background()
	for _, ns := range page {
		if _, err := l.Quotas(ctx, ns, labels.Selector{}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Usage(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	if len(src.listCalls) != 1 || src.listCalls[0] != "|ns-1,ns-2,ns-3" {
		t.Fatalf("list calls = %q", src.listCalls)
	}
	if len(src.usageCalls) != 1 || len(src.usageCalls[0]) != 3 {
		t.Fatalf("usage calls = %q", src.usageCalls)
	}
	// Another selector is another fetch, again of the whole page.
	if _, err := l.Quotas(ctx, "ns-2", mustSel(t, "env = prod")); err != nil {
		t.Fatal(err)
	}
	if len(src.listCalls) != 2 || src.listCalls[1] != "env=prod|ns-2,ns-1,ns-3" {
		t.Fatalf("list calls = %q", src.listCalls)
	}
	// A namespace outside the page is fetched alone.
	if _, err := l.Quotas(ctx, "elsewhere", labels.Selector{}); err != nil {
		t.Fatal(err)
	}
	if src.listCalls[2] != "|elsewhere" {
		t.Fatalf("list calls = %q", src.listCalls)
	}
}

// TestConcurrentLoadsBatch: many loads within the window are one call.
func TestConcurrentLoadsBatch(t *testing.T) {
	t.Parallel()
	src := &fakeSource{}
	l := New(src, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := l.Usage(context.Background(), fmt.Sprintf("ns-%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	total := 0
	for _, c := range src.usageCalls {
		total += len(c)
	}
	if total != 20 {
		t.Fatalf("usage calls %v fetched %d namespaces, want 20 in all", src.usageCalls, total)
	}
}

func TestUsageMissingReportIsInternal(t *testing.T) {
	t.Parallel()
	l := New(&fakeSource{dropUsage: "ns-x"}, nil)
	if _, err := l.Usage(context.Background(), "ns-x"); !errs.Is(err, errs.Internal) {
		t.Fatalf("err = %v", err)
	}
}

func TestMiddlewareGivesEachRequestItsOwnLoaders(t *testing.T) {
	t.Parallel()
	if _, err := For(context.Background()); !errs.Is(err, errs.Internal) {
		t.Fatalf("For without middleware: %v", err)
	}
	var seen []*Loaders
	h := Middleware(&fakeSource{}, nil, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		l, err := For(r.Context())
		if err != nil {
			t.Error(err)
		}
		seen = append(seen, l)
	}))
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", nil))
	}
	if len(seen) != 2 || seen[0] == nil || seen[0] == seen[1] {
		t.Fatal("loaders shared between requests")
	}
}

// fakeReports records every batched report call as "method|from|ns,ns".
type fakeReports struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeReports) record(method string, nss []string, from time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nss = slices.Sorted(slices.Values(nss)) // the order keys arrive in is not fixed
	f.calls = append(f.calls, method+"|"+from.Format(time.RFC3339)+"|"+strings.Join(nss, ","))
}

func (f *fakeReports) UsageByRanges(_ context.Context, _ tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string][]usage.UsageItem, error) {
	out := make([]map[string][]usage.UsageItem, len(ranges))
	for i, r := range ranges {
		f.record("usage", nss, r.From)
		out[i] = map[string][]usage.UsageItem{}
		for _, ns := range nss {
			out[i][ns] = []usage.UsageItem{{Namespace: ns, Start: r.From}}
		}
	}
	return out, nil
}

func (f *fakeReports) UsageTotalsByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string][]usage.UsageItem, error) {
	return f.UsageByRanges(ctx, p, nss, ranges)
}

func (f *fakeReports) CostByRanges(_ context.Context, _ tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string]usage.Cost, error) {
	out := make([]map[string]usage.Cost, len(ranges))
	for i, r := range ranges {
		f.record("cost", nss, r.From)
		out[i] = map[string]usage.Cost{}
		for _, ns := range nss {
			out[i][ns] = usage.Cost{From: r.From, Currency: ns}
		}
	}
	return out, nil
}

// TestReportLoadersBatchPerRange checks one call per distinct range, page
// widening for late keys, and that equal instants in other zones share a key.
func TestReportLoadersBatchPerRange(t *testing.T) {
	t.Parallel()
	src := &fakeReports{}
	l := New(&fakeSource{}, src)
	l.Expect([]string{"a", "b", "c"})
	ctx := context.Background()
	t1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	var wg sync.WaitGroup
	for _, k := range []ReportKey{NewReportKey("a", t1, time.Time{}), NewReportKey("b", t1.In(paris), time.Time{}), NewReportKey("a", time.Time{}, time.Time{})} {
		wg.Add(2)
		go func() {
			defer wg.Done()
			items, err := l.MeteredUsage(ctx, k)
			if err != nil || len(items) != 1 || items[0].Namespace != k.Namespace || !items[0].Start.Equal(k.From) {
				t.Errorf("usage %v = %v, %v", k, items, err)
			}
		}()
		go func() {
			defer wg.Done()
			c, err := l.Cost(ctx, k)
			if err != nil || c.Currency != k.Namespace {
				t.Errorf("cost %v = %v, %v", k, c, err)
			}
		}()
	}
	wg.Wait()
	// A late key of the page is already known: no new call.
	if _, err := l.Cost(ctx, NewReportKey("c", t1, time.Time{})); err != nil {
		t.Fatal(err)
	}
	slices.Sort(src.calls)
	want := []string{
		"cost|0001-01-01T00:00:00Z|a,b,c", "cost|2026-03-01T00:00:00Z|a,b,c",
		"usage|0001-01-01T00:00:00Z|a,b,c", "usage|2026-03-01T00:00:00Z|a,b,c",
	}
	if !slices.Equal(src.calls, want) {
		t.Fatalf("calls = %q, want %q", src.calls, want)
	}
}

func TestReportLoadersWithoutSourceAreInternal(t *testing.T) {
	t.Parallel()
	l := New(&fakeSource{}, nil)
	_, err := l.Cost(context.Background(), NewReportKey("a", time.Time{}, time.Time{}))
	if errs.KindOf(err) != errs.Internal {
		t.Fatalf("err = %v, want Internal", err)
	}
	_, err = l.MeteredUsage(context.Background(), NewReportKey("a", time.Time{}, time.Time{}))
	if errs.KindOf(err) != errs.Internal {
		t.Fatalf("err = %v, want Internal", err)
	}
}

// countingReports counts the batched calls of fakeReports.
type countingReports struct {
	fakeReports
	batches int
}

func (c *countingReports) CostByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string]usage.Cost, error) {
	c.mu.Lock()
	c.batches++
	c.mu.Unlock()
	return c.fakeReports.CostByRanges(ctx, p, nss, ranges)
}

// TestReportLoadersExpectRanges: ranges announced by ExpectRanges are
// fetched with the first batch, so later keys of those ranges cost no
// call; only the first announcement counts.
func TestReportLoadersExpectRanges(t *testing.T) {
	t.Parallel()
	src := &countingReports{}
	l := New(&fakeSource{}, src)
	l.Expect([]string{"a", "b"})
	t1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var ranges []ExpectedRange
	for i := range 5 {
		ranges = append(ranges, ExpectedRange{Kind: CostRange, From: t1.AddDate(0, 0, i), To: t1.AddDate(0, 0, 10)})
	}
	l.ExpectRanges(func() []ExpectedRange { return ranges })
	l.ExpectRanges(func() []ExpectedRange { t.Error("announced twice"); return nil })
	ctx := context.Background()
	for i := range 5 {
		for _, ns := range []string{"a", "b"} {
			c, err := l.Cost(ctx, NewReportKey(ns, t1.AddDate(0, 0, i), t1.AddDate(0, 0, 10)))
			if err != nil || c.Currency != ns || !c.From.Equal(t1.AddDate(0, 0, i)) {
				t.Fatalf("cost %s %d = %+v, %v", ns, i, c, err)
			}
		}
	}
	if src.batches != 1 || len(src.calls) != 5 {
		t.Fatalf("%d batches, ranges fetched %q; want 1 batch of 5 ranges", src.batches, src.calls)
	}
}
