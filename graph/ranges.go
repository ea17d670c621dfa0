package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/billingd/billingd/graph/loaders"
	"github.com/vektah/gqlparser/v2/ast"
)

// Namespace.usage and Namespace.cost take a range each. Aliases of them
// over distinct ranges would each be one batch of the report loaders, so
// the first of these resolvers to run announces every range of the
// operation to the loaders (loaders.ExpectRanges): the loaders then fetch
// all of them in one batched call (usage.Service's ...ByRanges), and the
// statements of an operation do not grow with its distinct ranges. The
// complexity limits still price each distinct range (complexity.go): the
// batching makes them cheaper for the database, not free.

// expectReportRanges announces the ranges of the operation in ctx to l,
// once per request.
func (r *Resolver) expectReportRanges(ctx context.Context, l *loaders.Loaders) {
	l.ExpectRanges(func() []loaders.ExpectedRange { return r.reportRanges(ctx) })
}

// reportRanges walks the operation's selection set once and returns the
// range of every Namespace.usage and Namespace.cost field in it, with the
// loader it goes to (usage with hourly selected: MeteredUsage). Ranges the
// service refuses are left out, so they fail on their own field only.
func (r *Resolver) reportRanges(ctx context.Context) []loaders.ExpectedRange {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil {
		return nil
	}
	var out []loaders.ExpectedRange
	eachField(op.Operation.SelectionSet, map[string]bool{}, func(f *ast.Field) bool {
		if f.ObjectDefinition != nil && f.ObjectDefinition.Name == "Namespace" && (f.Name == "usage" || f.Name == "cost") {
			if rg, ok := r.rangeOf(ctx, op, f); ok {
				out = append(out, rg)
			}
		}
		return true
	})
	return out
}

// rangeOf is the announced range of field f (Namespace.usage or cost).
func (r *Resolver) rangeOf(ctx context.Context, op *graphql.OperationContext, f *ast.Field) (loaders.ExpectedRange, bool) {
	args := f.ArgumentMap(op.Variables)
	var from, to time.Time
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		t, err := graphql.UnmarshalTime(v)
		if err != nil {
			return loaders.ExpectedRange{}, false
		}
		*dst = t
	}
	if _, _, err := r.usage.ReportRange(ctx, caller(ctx), from, to); err != nil {
		return loaders.ExpectedRange{}, false
	}
	rg := loaders.ExpectedRange{Kind: loaders.CostRange, From: from, To: to}
	if f.Name == "usage" {
		rg.Kind = loaders.TotalsRange
		if selectsField(op, f.SelectionSet, "NamespaceUsage", "hourly") {
			rg.Kind = loaders.MeteredRange
		}
	}
	return rg, true
}
