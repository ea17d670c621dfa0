package usage

import (
	"context"
	"time"

	"github.com/billingd/billingd/domain/kernel"
)

// Repository stores events and rollups. Every method is scoped to one tenant.
type Repository interface {
	// InsertEvents stores the events of a batch that are new and adds exactly
	// those to their hourly rollups, in the caller's transaction. Dedup is the
	// primary key (tenant, event id), never a read-then-write. It returns one
	// Outcome per event, in order. IDs within one batch are distinct (the
	// service collapses repeats before calling).
	InsertEvents(ctx context.Context, tenantID string, events []Event) ([]Outcome, error)
	// Rollups returns the tenant's rollup rows with from <= hour < to, of the
	// given namespaces (all namespaces when nss is nil), ordered by namespace,
	// usage type, object, deployment, container, hour. One query.
	Rollups(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]Rollup, error)
	// Months returns, per UTC calendar month with usage, the summed rollups
	// per usage type (RollupKey.Hour is the month's first instant; the other
	// key fields but UsageType are empty). One query.
	Months(ctx context.Context, tenantID string, nss []string) ([]Rollup, error)
	// LateWindow is the tenant's late-arrival window, DefaultLateWindow when unset.
	LateWindow(ctx context.Context, tenantID string) (time.Duration, error)
	// SetLateWindow changes the tenant's late-arrival window.
	SetLateWindow(ctx context.Context, tenantID string, d time.Duration) error
	// TypeTotals returns the sums per usage type of the rollups Rollups
	// would return for the same arguments, computed by the database instead
	// of shipping every hourly row where it can. The rows carry UsageType,
	// UnitName and Quantity only; summing them per usage type must give
	// exactly what summing Rollups' rows gives, unit name included (the unit
	// of a usage type's first row in Rollups' order). A repository that
	// cannot sum may return Rollups' rows.
	TypeTotals(ctx context.Context, tenantID string, nss []string, from, to time.Time) ([]Rollup, error)
	// TypeHours returns the sums per usage type and hour (and namespace,
	// when byNamespace) of the rollups Rollups would return for the same
	// arguments, with one query (usage_type_hourly where the database keeps
	// it). The rows carry UsageType, Hour, UnitName, Quantity and, by
	// namespace, Namespace; summing them per usage type must give what
	// summing Rollups' rows gives. A repository without the per-type table
	// may return Rollups' rows.
	TypeHours(ctx context.Context, tenantID string, nss []string, from, to time.Time, byNamespace bool) ([]Rollup, error)
	// NamespaceTotals returns, for each of ranges, the sums per namespace
	// and usage type of the rollups Rollups would return for that range
	// (out[i] answers ranges[i]; the rows carry Namespace, UsageType,
	// UnitName and Quantity; Hour and ObjectName are zero; a type stored
	// under several unit names may have a row per unit), with one query
	// however many ranges: what the namespaces' shares of statements need,
	// without a row per object and hour. A repository that cannot sum may
	// return each range's Rollups rows.
	NamespaceTotals(ctx context.Context, tenantID string, nss []string, ranges []Window) ([][]Rollup, error)
	// RangeTotals returns, for each of ranges, the whole tenant's sums per
	// usage type and unit name of the rollups Rollups would return for that
	// range (out[i] answers ranges[i]; rows carry UsageType, UnitName and
	// Quantity, ordered by usage type then unit name), with one query
	// however many ranges: what pricing a statement's plan spans needs. A
	// type stored under several unit names has a row per unit. A repository
	// that cannot sum may return each range's Rollups rows.
	RangeTotals(ctx context.Context, tenantID string, ranges []Window) ([][]Rollup, error)
	// ObjectTotals returns, for each of ranges, the sums per namespace,
	// usage type and object of the rollups Rollups would return for that
	// range (out[i] answers ranges[i]; the rows carry Namespace, UsageType,
	// ObjectName, UnitName and Quantity; Hour is zero), with one query
	// however many ranges: summing an object's rows gives what summing its
	// Rollups rows gives, unit name included. A repository that cannot sum
	// may return each range's Rollups rows.
	ObjectTotals(ctx context.Context, tenantID string, nss []string, ranges []Window) ([][]Rollup, error)
}

type sharesKey struct{}

// WithNamespaceShares marks ctx as pricing ranges whose every namespace's
// sums (NamespaceTotals of all namespaces, same ranges) the caller reads
// next: a namespace's cost is its share of the tenant's statement. A
// repository may then read the tenant's totals and the namespaces' sums of
// those ranges together and answer both RangeTotals and NamespaceTotals
// from that one read. The answers are the same either way.
func WithNamespaceShares(ctx context.Context) context.Context { return kernel.Mark[sharesKey](ctx) }

// NamespaceSharesWanted tells whether ctx was marked by WithNamespaceShares.
func NamespaceSharesWanted(ctx context.Context) bool { return kernel.Marked[sharesKey](ctx) }
