// Package loaders holds the per-request dataloaders of the GraphQL adapter.
// A list of N namespaces asks each loader for N keys within one batch window;
// the batch function answers them all with one domain call, so a nested query
// costs a constant number of SQL statements whatever N is.
//
// Loaders are created per request by Middleware and never shared: their
// cache holds data of one caller, and a shared cache would leak it to
// another tenant.
package loaders

import (
	"context"
	"net/http"
	"time"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/labels"
	"github.com/billingd/billingd/domain/quota"
	"github.com/graph-gophers/dataloader/v7"
)

// BatchWait is how long a loader collects keys before it calls the domain.
// The resolvers of sibling list items start together, so a short window is
// enough to batch them and adds little latency.
const BatchWait = time.Millisecond

// QuotaSource is the part of quota.Service the loaders need.
type QuotaSource interface {
	ListByNamespaces(ctx context.Context, nss []string, sel labels.Selector) (map[string][]quota.Quota, error)
	UsageByNamespaces(ctx context.Context, nss []string) (map[string]quota.Report, error)
}

// QuotaKey asks for the quotas of one namespace that match one selector.
// Selector is the canonical String() of a parsed labels.Selector, so two
// spellings of the same filter share a key (and a query).
type QuotaKey struct {
	Namespace string
	Selector  string
}

// Loaders are the dataloaders of one request.
type Loaders struct {
	quotas *dataloader.Loader[QuotaKey, []quota.Quota]
	usage  *dataloader.Loader[string, quota.Report]
}

// New returns fresh loaders over src, for one request.
func New(src QuotaSource) *Loaders {
	return &Loaders{
		quotas: dataloader.NewBatchedLoader(quotasBatch(src), dataloader.WithWait[QuotaKey, []quota.Quota](BatchWait)),
		usage:  dataloader.NewBatchedLoader(usageBatch(src), dataloader.WithWait[string, quota.Report](BatchWait)),
	}
}

// Quotas returns the quotas of namespace ns that match sel, in name order.
func (l *Loaders) Quotas(ctx context.Context, ns string, sel labels.Selector) ([]quota.Quota, error) {
	return l.quotas.Load(ctx, QuotaKey{Namespace: ns, Selector: sel.String()})()
}

// Usage returns the effective limits and usage of namespace ns.
func (l *Loaders) Usage(ctx context.Context, ns string) (quota.Report, error) {
	return l.usage.Load(ctx, ns)()
}

// quotasBatch calls ListByNamespaces once per distinct selector (usually
// one), with every namespace asked for under it.
func quotasBatch(src QuotaSource) dataloader.BatchFunc[QuotaKey, []quota.Quota] {
	return func(ctx context.Context, keys []QuotaKey) []*dataloader.Result[[]quota.Quota] {
		type group struct {
			nss  []string
			seen map[string]bool
			got  map[string][]quota.Quota
			err  error
		}
		groups := map[string]*group{}
		var order []string
		for _, k := range keys {
			g, ok := groups[k.Selector]
			if !ok {
				g = &group{seen: map[string]bool{}}
				groups[k.Selector] = g
				order = append(order, k.Selector)
			}
			if !g.seen[k.Namespace] {
				g.seen[k.Namespace] = true
				g.nss = append(g.nss, k.Namespace)
			}
		}
		for _, s := range order {
			g := groups[s]
			// The key holds the canonical form of a selector the resolver
			// already parsed, so this cannot fail on a real key.
			sel, err := labels.Parse(s)
			if err != nil {
				g.err = err
				continue
			}
			g.got, g.err = src.ListByNamespaces(ctx, g.nss, sel)
		}
		out := make([]*dataloader.Result[[]quota.Quota], len(keys))
		for i, k := range keys {
			g := groups[k.Selector]
			out[i] = &dataloader.Result[[]quota.Quota]{Data: g.got[k.Namespace], Error: g.err}
		}
		return out
	}
}

// usageBatch builds the reports of every namespace asked for in one call.
func usageBatch(src QuotaSource) dataloader.BatchFunc[string, quota.Report] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[quota.Report] {
		// The loader's cache already dedups keys within a request, so keys
		// are distinct here.
		got, err := src.UsageByNamespaces(ctx, keys)
		out := make([]*dataloader.Result[quota.Report], len(keys))
		for i, k := range keys {
			if err != nil {
				out[i] = &dataloader.Result[quota.Report]{Error: err}
				continue
			}
			rep, ok := got[k]
			if !ok {
				// UsageByNamespaces reports every namespace it is given; a
				// missing one is a bug, not an empty namespace.
				out[i] = &dataloader.Result[quota.Report]{Error: errs.New(errs.Internal, "no quota report for namespace %q", k)}
				continue
			}
			out[i] = &dataloader.Result[quota.Report]{Data: rep}
		}
		return out
	}
}

type ctxKey struct{}

// Middleware gives every request its own loaders over src.
func Middleware(src QuotaSource, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), ctxKey{}, New(src))
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
