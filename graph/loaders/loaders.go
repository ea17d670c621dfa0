// Package loaders holds the per-request dataloaders of the GraphQL adapter.
// A page of N namespaces asks each loader for N keys; the batch function
// answers them with one domain call, so a nested query costs a constant
// number of SQL statements whatever N is.
//
// Batching by time alone is not a guarantee: the N resolvers run in
// goroutines, and on a busy machine some reach the loader after the batch
// window has closed, which costs another round of statements. So the
// namespaces resolver announces its page (Expect), and the first batch that
// asks for any namespace of the page fetches the whole page and keeps the
// answers for the late keys. The window still merges namespaces reached by
// other paths (e.g. several namespace(name:) fields).
//
// Loaders are created per request by Middleware and never shared: their
// caches hold data of one caller, and a shared cache would leak it to
// another tenant.
package loaders

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/domain/usage"
	"github.com/graph-gophers/dataloader/v7"
)

// BatchWait is how long a loader collects keys before it calls the domain.
// The resolvers of sibling list items start together, so a short window is
// enough to merge most of them and adds little latency.
const BatchWait = time.Millisecond

// QuotaSource is the part of quota.Service the loaders need.
type QuotaSource interface {
	ListByNamespaces(ctx context.Context, p tenancy.Principal, nss []string, sel labels.Selector) (map[string][]quota.Quota, error)
	UsageByNamespaces(ctx context.Context, p tenancy.Principal, nss []string) (map[string]quota.Report, error)
}

// ReportSource is the part of usage.Service the loaders need. Each method
// answers every namespace given over every range given (the i-th map
// answers ranges[i]) with a fixed number of statements: one plan lookup
// and one rollups query, one Statements call for the costs.
type ReportSource interface {
	UsageByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string][]usage.UsageItem, error)
	UsageTotalsByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string][]usage.UsageItem, error)
	CostByRanges(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string]usage.Cost, error)
}

// RangeKind names a report loader a range is announced to (ExpectRanges).
type RangeKind int

// The report loaders.
const (
	MeteredRange RangeKind = iota // MeteredUsage
	TotalsRange                   // UsageTotals
	CostRange                     // Cost
)

// ExpectedRange is a range an operation asks a report loader for.
type ExpectedRange struct {
	Kind     RangeKind
	From, To time.Time
}

// ReportKey asks for a usage report of one namespace over [From, To) as the
// client gave them (zero = not given, the service's default). The times are
// UTC, so equal instants make equal keys; NewReportKey builds it.
type ReportKey struct {
	Namespace string
	From, To  time.Time
}

// NewReportKey returns the key of namespace ns over [from, to).
func NewReportKey(ns string, from, to time.Time) ReportKey {
	// UTC drops the location and the monotonic reading, which would make
	// equal instants unequal keys.
	return ReportKey{Namespace: ns, From: from.UTC(), To: to.UTC()}
}

// span is the range of a ReportKey, the unit of one batched domain call.
type span struct{ from, to time.Time }

// QuotaKey asks for the quotas of one namespace that match one selector.
// Selector is the canonical String() of a parsed labels.Selector, so two
// spellings of the same filter share a key (and a query).
type QuotaKey struct {
	Namespace string
	Selector  string
}

// Loaders are the dataloaders of one request.
type Loaders struct {
	src     QuotaSource
	reports ReportSource
	quotas  *dataloader.Loader[QuotaKey, []quota.Quota]
	usage   *dataloader.Loader[string, quota.Report]
	metered *dataloader.Loader[ReportKey, []usage.UsageItem]
	totals  *dataloader.Loader[ReportKey, []usage.UsageItem]
	cost    *dataloader.Loader[ReportKey, usage.Cost]

	mu       sync.Mutex
	expected []string // namespaces of the pages listed so far
	ranges   map[RangeKind][]span
	announce sync.Once       // ExpectRanges
	isExp    map[string]bool // set of expected
	quotaMem map[QuotaKey][]quota.Quota
	usageMem map[string]quota.Report
	// Guarded by meteredBatch and costBatch.
	meteredMem map[ReportKey][]usage.UsageItem
	totalsMem  map[ReportKey][]usage.UsageItem
	costMem    map[ReportKey]usage.Cost

	// One batch of a kind at a time, so a batch sees what the one before
	// it fetched instead of fetching it again.
	quotaBatch, usageBatch, meteredBatch, totalsBatch, costBatch sync.Mutex
}

// New returns fresh loaders over src and reports, for one request.
func New(src QuotaSource, reports ReportSource) *Loaders {
	l := &Loaders{src: src, reports: reports, isExp: map[string]bool{}, ranges: map[RangeKind][]span{}, quotaMem: map[QuotaKey][]quota.Quota{}, usageMem: map[string]quota.Report{},
		meteredMem: map[ReportKey][]usage.UsageItem{}, totalsMem: map[ReportKey][]usage.UsageItem{}, costMem: map[ReportKey]usage.Cost{}}
	l.quotas = dataloader.NewBatchedLoader(l.loadQuotas, dataloader.WithWait[QuotaKey, []quota.Quota](BatchWait))
	l.usage = dataloader.NewBatchedLoader(l.loadUsage, dataloader.WithWait[string, quota.Report](BatchWait))
	l.metered = dataloader.NewBatchedLoader(func(ctx context.Context, keys []ReportKey) []*dataloader.Result[[]usage.UsageItem] {
		l.meteredBatch.Lock()
		defer l.meteredBatch.Unlock()
		return loadReports(ctx, l, keys, l.meteredMem, MeteredRange, func(s ReportSource) fetchFunc[[]usage.UsageItem] { return s.UsageByRanges })
	}, dataloader.WithWait[ReportKey, []usage.UsageItem](BatchWait))
	l.totals = dataloader.NewBatchedLoader(func(ctx context.Context, keys []ReportKey) []*dataloader.Result[[]usage.UsageItem] {
		l.totalsBatch.Lock()
		defer l.totalsBatch.Unlock()
		return loadReports(ctx, l, keys, l.totalsMem, TotalsRange, func(s ReportSource) fetchFunc[[]usage.UsageItem] { return s.UsageTotalsByRanges })
	}, dataloader.WithWait[ReportKey, []usage.UsageItem](BatchWait))
	l.cost = dataloader.NewBatchedLoader(func(ctx context.Context, keys []ReportKey) []*dataloader.Result[usage.Cost] {
		l.costBatch.Lock()
		defer l.costBatch.Unlock()
		return loadReports(ctx, l, keys, l.costMem, CostRange, func(s ReportSource) fetchFunc[usage.Cost] { return s.CostByRanges })
	}, dataloader.WithWait[ReportKey, usage.Cost](BatchWait))
	return l
}

// Expect announces namespaces the request is about to resolve fields of,
// so that the first batch asking for one of them fetches them all. Only
// namespaces the caller may read belong here (a page of ListNamespaces):
// one unreadable namespace would fail the whole fetch.
func (l *Loaders) Expect(nss []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ns := range nss {
		if !l.isExp[ns] {
			l.isExp[ns] = true
			l.expected = append(l.expected, ns)
		}
	}
}

// ExpectRanges announces, once per request, the ranges the operation asks
// the report loaders for: the first call runs list (later calls do
// nothing), and every batch of a loader then fetches all its announced
// ranges together with the ones asked, in one batched call, so aliases of
// a report field over distinct ranges cost the statements of one range
// however late their resolvers reach the loader. list must announce only
// ranges the caller may ask (validated): one bad range would fail the
// batch of every range.
func (l *Loaders) ExpectRanges(list func() []ExpectedRange) {
	l.announce.Do(func() {
		rs := list()
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, r := range rs {
			k := NewReportKey("", r.From, r.To)
			sp := span{k.From, k.To}
			if !slices.Contains(l.ranges[r.Kind], sp) {
				l.ranges[r.Kind] = append(l.ranges[r.Kind], sp)
			}
		}
	})
}

// expectedSpans returns the ranges announced to kind.
func (l *Loaders) expectedSpans(kind RangeKind) []span {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ranges[kind])
}

// Quotas returns the quotas of namespace ns that match sel, sorted by name in
// byte order. The slice is shared by every caller of the request: read only.
func (l *Loaders) Quotas(ctx context.Context, ns string, sel labels.Selector) ([]quota.Quota, error) {
	return l.quotas.Load(ctx, QuotaKey{Namespace: ns, Selector: sel.String()})()
}

// Usage returns the effective limits and usage of namespace ns.
func (l *Loaders) Usage(ctx context.Context, ns string) (quota.Report, error) {
	return l.usage.Load(ctx, ns)()
}

// MeteredUsage returns the usage items of the key's namespace and range, as
// usage.Service.UsageDetails answers them. The slice is shared: read only.
func (l *Loaders) MeteredUsage(ctx context.Context, k ReportKey) ([]usage.UsageItem, error) {
	return l.metered.Load(ctx, k)()
}

// UsageTotals is MeteredUsage without the hourly breakdowns (each item's
// Hourly is nil), which the database sums: for a page that does not show
// hours. The slice is shared: read only.
func (l *Loaders) UsageTotals(ctx context.Context, k ReportKey) ([]usage.UsageItem, error) {
	return l.totals.Load(ctx, k)()
}

// Cost returns the priced usage of the key's namespace and range, as
// usage.Service.CurrentUsage answers it. Its slices are shared: read only.
func (l *Loaders) Cost(ctx context.Context, k ReportKey) (usage.Cost, error) {
	return l.cost.Load(ctx, k)()
}

// widen returns the namespaces to fetch for the asked ones that are not yet
// known: those, plus every expected namespace not yet known when one of
// them is expected.
func (l *Loaders) widen(asked []string, known func(string) bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	add := func(ns string) {
		if !seen[ns] && !known(ns) {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	widen := false
	for _, ns := range asked {
		add(ns)
		widen = widen || l.isExp[ns]
	}
	if widen && len(out) > 0 {
		for _, ns := range l.expected {
			add(ns)
		}
	}
	return out
}

// loadQuotas is the quotas batch function: per distinct selector (usually
// one) it calls ListByNamespaces once for every namespace not yet fetched,
// then answers each key, in key order, from what was fetched.
func (l *Loaders) loadQuotas(ctx context.Context, keys []QuotaKey) []*dataloader.Result[[]quota.Quota] {
	l.quotaBatch.Lock()
	defer l.quotaBatch.Unlock()

	asked := map[string][]string{}
	var selectors []string
	for _, k := range keys {
		if _, ok := asked[k.Selector]; !ok {
			selectors = append(selectors, k.Selector)
		}
		asked[k.Selector] = append(asked[k.Selector], k.Namespace)
	}
	failed := map[string]error{}
	for _, s := range selectors {
		fetch := l.widen(asked[s], func(ns string) bool {
			_, ok := l.quotaMem[QuotaKey{ns, s}]
			return ok
		})
		if len(fetch) == 0 {
			continue
		}
		// The key holds the canonical form of a selector the resolver
		// already parsed, so this cannot fail on a real key.
		sel, err := labels.Parse(s)
		if err != nil {
			failed[s] = err
			continue
		}
		got, err := l.src.ListByNamespaces(ctx, tenancy.FromContext(ctx), fetch, sel)
		if err != nil {
			// Not remembered: a later batch in the request may try again.
			failed[s] = err
			continue
		}
		for _, ns := range fetch {
			qs := got[ns]
			// Byte order, whatever the database collation: resolvers
			// page and search by name with Go string comparison.
			slices.SortFunc(qs, func(a, b quota.Quota) int { return strings.Compare(a.Name, b.Name) })
			l.quotaMem[QuotaKey{ns, s}] = qs
		}
	}
	out := make([]*dataloader.Result[[]quota.Quota], len(keys))
	for i, k := range keys {
		if err := failed[k.Selector]; err != nil {
			out[i] = &dataloader.Result[[]quota.Quota]{Error: err}
			continue
		}
		out[i] = &dataloader.Result[[]quota.Quota]{Data: l.quotaMem[k]}
	}
	return out
}

// loadUsage is the usage batch function: one UsageByNamespaces call for every
// namespace not yet fetched, then each key answered in key order.
func (l *Loaders) loadUsage(ctx context.Context, keys []string) []*dataloader.Result[quota.Report] {
	l.usageBatch.Lock()
	defer l.usageBatch.Unlock()

	var err error
	if fetch := l.widen(keys, func(ns string) bool { _, ok := l.usageMem[ns]; return ok }); len(fetch) > 0 {
		var got map[string]quota.Report
		if got, err = l.src.UsageByNamespaces(ctx, tenancy.FromContext(ctx), fetch); err == nil {
			for ns, rep := range got {
				l.usageMem[ns] = rep
			}
		}
	}
	out := make([]*dataloader.Result[quota.Report], len(keys))
	for i, k := range keys {
		rep, ok := l.usageMem[k]
		switch {
		case ok:
			out[i] = &dataloader.Result[quota.Report]{Data: rep}
		case err != nil:
			out[i] = &dataloader.Result[quota.Report]{Error: err}
		default:
			// UsageByNamespaces reports every namespace it is given; a
			// missing one is a bug, not an empty namespace.
			out[i] = &dataloader.Result[quota.Report]{Error: errs.New(errs.Internal, "no quota report for namespace %q", k)}
		}
	}
	return out
}

// fetchFunc is a batched report method of ReportSource.
type fetchFunc[T any] func(ctx context.Context, p tenancy.Principal, nss []string, ranges []usage.Window) ([]map[string]T, error)

// loadReports is the batch function of the usage report loaders: one call
// for every namespace not yet fetched (widened to the expected page, as for
// quotas) over every range asked and every range announced to kind
// (ExpectRanges) that misses one of them, then each key answered, in key
// order, from mem. The caller holds the loader's batch lock, which guards
// mem.
func loadReports[T any](ctx context.Context, l *Loaders, keys []ReportKey, mem map[ReportKey]T, kind RangeKind, method func(ReportSource) fetchFunc[T]) []*dataloader.Result[T] {
	out := make([]*dataloader.Result[T], len(keys))
	fetch := method(l.reports)
	asked := map[span][]string{}
	var spans []span
	for _, k := range keys {
		sp := span{k.From, k.To}
		if _, ok := asked[sp]; !ok {
			spans = append(spans, sp)
		}
		asked[sp] = append(asked[sp], k.Namespace)
	}
	var nss []string
	for _, sp := range spans {
		for _, ns := range l.widen(asked[sp], func(ns string) bool {
			_, ok := mem[ReportKey{ns, sp.from, sp.to}]
			return ok
		}) {
			if !slices.Contains(nss, ns) {
				nss = append(nss, ns)
			}
		}
	}
	for _, sp := range l.expectedSpans(kind) {
		if _, ok := asked[sp]; !ok {
			spans = append(spans, sp)
		}
	}
	// Every range that misses one of the namespaces, in one call.
	var ranges []usage.Window
	var fetched []span
	for _, sp := range spans {
		if slices.ContainsFunc(nss, func(ns string) bool { _, ok := mem[ReportKey{ns, sp.from, sp.to}]; return !ok }) {
			ranges = append(ranges, usage.Window{From: sp.from, To: sp.to})
			fetched = append(fetched, sp)
		}
	}
	var failed error
	if len(ranges) > 0 {
		got, err := fetch(ctx, tenancy.FromContext(ctx), nss, ranges)
		if err != nil {
			// Not remembered: a later batch in the request may try again.
			failed = err
		}
		for i, m := range got {
			for ns, v := range m {
				mem[ReportKey{ns, fetched[i].from, fetched[i].to}] = v
			}
		}
	}
	for i, k := range keys {
		v, ok := mem[k]
		switch {
		case ok:
			out[i] = &dataloader.Result[T]{Data: v}
		case failed != nil:
			out[i] = &dataloader.Result[T]{Error: failed}
		default:
			// The batch methods answer every namespace they are given.
			out[i] = &dataloader.Result[T]{Error: errs.New(errs.Internal, "no usage report for namespace %q", k.Namespace)}
		}
	}
	return out
}

type ctxKey struct{}

// Middleware gives every request its own loaders over src and reports.
func Middleware(src QuotaSource, reports ReportSource, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ctxKey{}, New(src, reports))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// For returns the loaders of the request in ctx. Their absence is a wiring
// bug (the handler was used without Middleware), reported as Internal.
func For(ctx context.Context) (*Loaders, error) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return nil, errs.New(errs.Internal, "dataloaders missing from the request context")
	}
	return l, nil
}
