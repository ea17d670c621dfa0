package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeQueryTooDeep is the extensions.code of an operation over the depth limit.
const CodeQueryTooDeep = "QUERY_TOO_DEEP"

// depthLimit rejects operations whose fields nest deeper than max, before
// anything runs. The complexity limit bounds how many fields a query has;
// this bounds how far it nests, which complexity alone would let a small
// query do.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

// ExtensionName names the extension in gqlgen's registry.
func (depthLimit) ExtensionName() string { return "DepthLimit" }

// Validate accepts every schema.
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext runs after validation, so fragments are resolved
// and cycle-free; the walk still stops as soon as the limit is passed.
func (d depthLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	if depth := selectionDepth(op.Operation.SelectionSet, 0, d.max, map[string]bool{}); depth > d.max {
		err := gqlerror.Errorf("operation is nested more than %d levels deep", d.max)
		errcode.Set(err, CodeQueryTooDeep)
		return err
	}
	return nil
}

// selectionDepth returns the depth of the deepest field under set, where set
// sits at depth above; it returns early with a value over max once the limit
// is passed. Fragments add no depth of their own. Introspection fields
// (__schema, __type) are not counted: the standard introspection query nests
// ofType deeper than any real query, and introspection has its own switch.
func selectionDepth(set ast.SelectionSet, above, max int, inFragment map[string]bool) int {
	deepest := above
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			if above+1 > max {
				return above + 1
			}
			d = selectionDepth(s.SelectionSet, above+1, max, inFragment)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, above, max, inFragment)
		case *ast.FragmentSpread:
			if s.Definition == nil || inFragment[s.Name] {
				continue
			}
			inFragment[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, above, max, inFragment)
			delete(inFragment, s.Name)
		}
		if d > deepest {
			deepest = d
		}
		if deepest > max {
			return deepest
		}
	}
	return deepest
}

// CodeIntrospectionDisabled is the extensions.code of a schema query sent
// while introspection is switched off.
const CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"

// noIntrospection rejects __schema and __type before anything runs when
// introspection is off. gqlgen would otherwise fail the field at run time
// with an unclassified error, which the presenter must show as INTERNAL.
// __typename stays allowed: clients use it to tell types apart, and it
// reveals nothing the answer does not.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

// ExtensionName names the extension in gqlgen's registry.
func (noIntrospection) ExtensionName() string { return "NoIntrospection" }

// Validate accepts every schema.
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext looks only at the root selection set (through
// fragments): __schema and __type exist only on the query root.
func (noIntrospection) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil || !selectsIntrospection(op.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	err := gqlerror.Errorf("introspection is disabled on this server")
	errcode.Set(err, CodeIntrospectionDisabled)
	return err
}

func selectsIntrospection(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if selectsIntrospection(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if selectsIntrospection(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
