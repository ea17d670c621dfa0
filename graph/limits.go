package graph

import (
	"context"
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/billingd/billingd/domain/errs"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// The extensions.code of each query limit. Every limit error says which
// limit it is and its value; all of them are answered before any resolver
// runs.
const (
	// CodeQueryTooDeep: fields nest deeper than Config.MaxDepth.
	CodeQueryTooDeep = "QUERY_TOO_DEEP"
	// CodeQueryTooLarge: the query has more than Config.MaxTokens tokens.
	CodeQueryTooLarge = "QUERY_TOO_LARGE"
	// CodeTooManyFields: more than Config.MaxFields fields once every
	// fragment spread is replaced by the fragment's fields.
	CodeTooManyFields = "TOO_MANY_FIELDS"
	// CodeTooManyAliases: more than Config.MaxAliases aliased fields, also
	// counted after fragment expansion.
	CodeTooManyAliases = "TOO_MANY_ALIASES"
	// CodeIntrospectionLimit: more than one __schema field in a request.
	CodeIntrospectionLimit = "INTROSPECTION_LIMIT"
	// CodeComplexityLimit: the operation costs more than
	// Config.MaxComplexity (the same code as gqlgen's own limit).
	CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
	// CodeFragmentCycle: a fragment spreads itself, directly or not.
	CodeFragmentCycle = "GRAPHQL_VALIDATION_FAILED"
)

// maxSchemaFields is how many __schema fields one request may select: one
// answers everything introspection can say, and each costs the whole schema
// (300 aliases of it made a 6.6 MB answer).
const maxSchemaFields = 1

// checkEvery is how many selections the walks visit between two looks at
// the request context.
const checkEvery = 256

// queryLimits holds the query size limits of the handler (all positive).
type queryLimits struct {
	tokens, depth, fields, setFields, aliases, complexity int
}

// limitGuard enforces queryLimits in two steps:
//
//   - before gqlgen parses and validates a query it has not cached, the
//     query's tokens are counted and its shape (depth, fields, aliases,
//     __schema fields, fragment cycles) is measured on a parse of its own.
//     gqlparser's validation is quadratic in the number of fields sharing a
//     response name (OverlappingFieldsCanBeMerged), so it must only ever see
//     a query whose expanded size is already bounded;
//   - after validation, the operation's complexity is computed with the
//     schema's costs (complexity.go) and the request's variables.
//
// Both walks visit each fragment once whatever the number of its spreads
// (its result is memoised), so their work is linear in the query's size;
// both stop when the request context ends.
type limitGuard struct {
	lim   queryLimits
	es    graphql.ExecutableSchema
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*limitGuard)(nil)

// ExtensionName names the extension in gqlgen's registry.
func (*limitGuard) ExtensionName() string { return "QueryLimits" }

// Validate keeps the schema, whose costs the complexity walk asks for.
func (g *limitGuard) Validate(es graphql.ExecutableSchema) error {
	g.es = es
	return nil
}

// MutateOperationParameters measures a query gqlgen has not validated yet.
// A cached query was measured before it was cached, and the limits do not
// change, so it is not measured again.
func (g *limitGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := stopped(ctx); err != nil {
		return err
	}
	if g.cache != nil {
		if _, ok := g.cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	_, err := g.precheck(ctx, p.Query)
	return err
}

// precheck counts tokens, parses and measures query; it returns the number
// of selections it visited (the work counter the tests read). A query that
// does not parse is left to gqlgen, which reports the same parse error.
func (g *limitGuard) precheck(ctx context.Context, query string) (int, *gqlerror.Error) {
	if err := checkTokens(query, g.lim.tokens); err != nil {
		return 0, err
	}
	doc, perr := parser.ParseQuery(&ast.Source{Input: query})
	if perr != nil {
		return 0, nil
	}
	return checkShape(ctx, doc, g.lim)
}

// MutateOperationContext checks the complexity of the operation about to
// run, now that validation has resolved every field's definition.
func (g *limitGuard) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	cost, _, err := operationCost(ctx, g.es, op.Operation, op.Variables)
	if err != nil {
		return err
	}
	// Kept where gqlgen's own complexity extension puts it, for tracers.
	op.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: cost, ComplexityLimit: g.lim.complexity})
	if cost > g.lim.complexity {
		return limitError(CodeComplexityLimit, "operation has complexity %d, which exceeds the limit of %d (report fields such as monthlyUsage cost more than plain fields: see the schema's complexity table)", cost, g.lim.complexity)
	}
	return nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, code)
	return err
}

// stopped is the error of a request whose context has ended: the client
// left or the request's deadline passed, so nobody waits for the answer.
func stopped(ctx context.Context) *gqlerror.Error {
	if ctx.Err() == nil {
		return nil
	}
	return limitError(CodeOf(errs.Unavailable), "the request was cancelled or its deadline passed before the query was validated")
}

// checkTokens refuses a query of more than limit tokens (comments are not
// tokens, as for gqlparser's own limit). A token is at least one byte, so a
// query of at most limit bytes is not lexed here at all. A lexing error stops
// the count: the parser reports it.
func checkTokens(query string, limit int) *gqlerror.Error {
	if len(query) <= limit {
		return nil
	}
	lx := lexer.New(&ast.Source{Input: query})
	for n := 0; ; {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		if tok.Kind == lexer.Comment {
			continue
		}
		if n++; n > limit {
			return limitError(CodeQueryTooLarge, "query has more than %d tokens (names, punctuation and values), the limit", limit)
		}
	}
}

// shape is what a selection set amounts to once every fragment spread in it
// is replaced by the fragment's selections. The counts saturate at maxInt.
type shape struct {
	depth   int // levels of fields below the set
	fields  int
	aliases int // fields whose response name is not their name
	schemas int // __schema fields
	top     int // fields directly in the set (its fragments' included)
	widest  int // the largest top of the set and of every set below it
}

// plus adds the shape of a fragment (or inline fragment) spread in a set:
// its fields are the set's own.
func (s shape) plus(o shape) shape {
	return shape{depth: max(s.depth, o.depth), fields: addSat(s.fields, o.fields),
		aliases: addSat(s.aliases, o.aliases), schemas: addSat(s.schemas, o.schemas),
		top: addSat(s.top, o.top), widest: max(s.widest, o.widest)}
}

const maxInt = int(^uint(0) >> 1)

// addSat adds two non-negative counts, saturating instead of overflowing:
// a fragment spread twice in each of 70 nested fragments expands to 2^70
// fields, which must not wrap around to a small number.
func addSat(a, b int) int {
	if c := a + b; c >= a {
		return c
	}
	return maxInt
}

// shapeWalker measures selection sets before validation: fragment spreads
// are resolved by name here, and a cycle is an error rather than a hang.
type shapeWalker struct {
	ctx    context.Context
	frags  map[string]*ast.FragmentDefinition
	memo   map[string]shape
	active map[string]bool // fragments being measured: a spread of one is a cycle
	visits int             // selections visited: the work done
	err    *gqlerror.Error
}

// checkShape measures every operation and every fragment definition of doc
// (gqlgen validates all of them, not only the operation that runs) against
// lim, and returns the number of selections visited.
func checkShape(ctx context.Context, doc *ast.QueryDocument, lim queryLimits) (int, *gqlerror.Error) {
	w := &shapeWalker{ctx: ctx, frags: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo: make(map[string]shape, len(doc.Fragments)), active: map[string]bool{}}
	for _, f := range doc.Fragments {
		// The first of duplicate names, as the validator picks it.
		if _, ok := w.frags[f.Name]; !ok {
			w.frags[f.Name] = f
		}
	}
	for _, op := range doc.Operations {
		s := w.set(op.SelectionSet)
		if w.err != nil {
			return w.visits, w.err
		}
		name := "the operation"
		if op.Name != "" {
			name = fmt.Sprintf("operation %q", op.Name)
		}
		if err := s.check(name, lim); err != nil {
			return w.visits, err
		}
	}
	for _, f := range doc.Fragments {
		s := w.fragment(f.Name)
		if w.err != nil {
			return w.visits, w.err
		}
		if err := s.check(fmt.Sprintf("fragment %q", f.Name), lim); err != nil {
			return w.visits, err
		}
	}
	return w.visits, nil
}

// check compares the shape of what (an operation or a fragment) with lim.
func (s shape) check(what string, lim queryLimits) *gqlerror.Error {
	switch {
	case s.depth > lim.depth:
		return limitError(CodeQueryTooDeep, "%s is nested more than %d levels deep", what, lim.depth)
	case s.fields > lim.fields:
		return limitError(CodeTooManyFields, "%s selects more than %d fields once its fragments are expanded, the limit", what, lim.fields)
	case s.widest > lim.setFields:
		return limitError(CodeTooManyFields, "%s selects more than %d fields side by side in one selection set once its fragments are expanded, the limit", what, lim.setFields)
	case s.aliases > lim.aliases:
		return limitError(CodeTooManyAliases, "%s has more than %d aliased fields once its fragments are expanded, the limit", what, lim.aliases)
	case s.schemas > maxSchemaFields:
		return limitError(CodeIntrospectionLimit, "%s selects __schema %d times; a request may select it at most %d time", what, s.schemas, maxSchemaFields)
	}
	return nil
}

func (w *shapeWalker) set(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		if w.err != nil {
			return out
		}
		if w.visits++; w.visits%checkEvery == 0 {
			if w.err = stopped(w.ctx); w.err != nil {
				return out
			}
		}
		switch s := sel.(type) {
		case *ast.Field:
			sub := w.set(s.SelectionSet)
			sub.top = 1 // its own fields are one level down
			sub.depth++
			sub.fields = addSat(sub.fields, 1)
			if s.Alias != "" && s.Alias != s.Name {
				sub.aliases = addSat(sub.aliases, 1)
			}
			if s.Name == "__schema" {
				sub.schemas = addSat(sub.schemas, 1)
			}
			out = out.plus(sub)
		case *ast.InlineFragment:
			out = out.plus(w.set(s.SelectionSet))
		case *ast.FragmentSpread:
			out = out.plus(w.fragment(s.Name))
		}
	}
	out.widest = max(out.widest, out.top)
	return out
}

// fragment returns the shape of the fragment called name, measuring it on
// its first spread only. An unknown fragment measures nothing: validation
// reports it.
func (w *shapeWalker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		return s
	}
	def := w.frags[name]
	if def == nil {
		return shape{}
	}
	if w.active[name] {
		w.err = limitError(CodeFragmentCycle, "fragment %q spreads itself (a fragment cycle)", name)
		return shape{}
	}
	w.active[name] = true
	s := w.set(def.SelectionSet)
	delete(w.active, name)
	if w.err == nil {
		w.memo[name] = s
	}
	return s
}

// costWalker computes an operation's complexity as gqlgen's complexity
// package does (the schema's cost functions, else 1 per field plus its
// children), with two differences: a fragment's cost is computed once and
// reused for each spread, and introspection fields are counted like any
// other (gqlgen skips __schema).
type costWalker struct {
	ctx    context.Context
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	memo   map[string]int
	visits int
	err    *gqlerror.Error
	// page is how many namespaces the set being walked stands for: the
	// page size of the namespaces field above it, 1 under namespace(name:)
	// or node(id:).
	page int
	// ranges are the namespace report ranges already priced (field and
	// range): the loaders fetch one range once for every namespace.
	ranges map[string]bool
}

// operationCost returns the complexity of op and the number of selections
// visited. op must have been validated: fields carry their definitions and
// fragments are cycle-free.
func operationCost(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any) (int, int, *gqlerror.Error) {
	w := &costWalker{ctx: ctx, es: es, schema: es.Schema(), vars: vars, memo: map[string]int{}, page: 1, ranges: map[string]bool{}}
	cost := w.set(op.SelectionSet)
	return cost, w.visits, w.err
}

func (w *costWalker) set(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		if w.err != nil {
			return total
		}
		if w.visits++; w.visits%checkEvery == 0 {
			if w.err = stopped(w.ctx); w.err != nil {
				return total
			}
		}
		switch s := sel.(type) {
		case *ast.Field:
			total = addSat(total, w.field(s))
		case *ast.InlineFragment:
			total = addSat(total, w.set(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			// A fragment costs more under a larger page of namespaces:
			// its price is kept per page size.
			key := s.Name + "|" + strconv.Itoa(w.page)
			c, ok := w.memo[key]
			if !ok {
				c = w.set(s.Definition.SelectionSet)
				w.memo[key] = c
			}
			total = addSat(total, c)
		}
	}
	return total
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	typ := w.schema.Types[f.Definition.Type.Name()]
	args := f.ArgumentMap(w.vars)
	child := 0
	if typ != nil && (typ.Kind == ast.Object || typ.Kind == ast.Interface || typ.Kind == ast.Union) {
		outer := w.page
		w.page = pageOf(f, args, outer)
		child = w.set(f.SelectionSet)
		w.page = outer
	}
	if f.ObjectDefinition.Name == "Namespace" && (f.Name == "usage" || f.Name == "cost") {
		return w.namespaceReport(f.Name, child, args)
	}
	if f.ObjectDefinition.Kind != ast.Interface {
		return w.fieldCost(f.ObjectDefinition.Name, f.Name, child, args)
	}
	// An interface field costs what its dearest implementation costs.
	worst := 0
	for _, t := range w.schema.GetPossibleTypes(f.ObjectDefinition) {
		worst = max(worst, w.fieldCost(t.Name, f.Name, child, args))
	}
	return max(worst, 1)
}

// namespaceReport prices Namespace.usage or Namespace.cost (issue 13 item
// 8): RangeReportCost for each distinct range of the operation (the
// loaders fetch all the ranges for every namespace of the request in one
// batched call, but each range is still rows read and priced), plus
// NamespaceReportCost for each namespace the field is asked for (each
// namespace's rows are read and priced).
func (w *costWalker) namespaceReport(field string, child int, args map[string]any) int {
	key := field + "|" + fmt.Sprint(args["from"]) + "|" + fmt.Sprint(args["to"])
	cost := 0
	if !w.ranges[key] {
		w.ranges[key] = true
		cost = RangeReportCost
	}
	return addSat(addSat(cost, mulSat(NamespaceReportCost, w.page)), child)
}

// pageOf is how many namespaces the selection of f stands for, inside a
// set that stands for outer: a namespaces page multiplies by its size
// (first, or its default), every other field keeps outer.
func pageOf(f *ast.Field, args map[string]any, outer int) int {
	if f.ObjectDefinition.Name != "Query" {
		return outer
	}
	switch f.Name {
	case "namespaces":
		n := 20
		if v, ok := args["first"].(int64); ok && v > 0 {
			n = int(v)
		} else if v, ok := args["first"].(int); ok && v > 0 {
			n = v
		}
		return min(n, maxPageSize)
	case "namespace", "node":
		return 1
	}
	return outer
}

// mulSat multiplies two non-negative counts, saturating.
func mulSat(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > maxInt/b {
		return maxInt
	}
	return a * b
}

func (w *costWalker) fieldCost(typeName, field string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(w.ctx, typeName, field, child, args); ok && c >= 1 {
		return c
	}
	return addSat(1, child)
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
	found := false
	eachField(set, seen, func(f *ast.Field) bool {
		found = f.Name == "__schema" || f.Name == "__type"
		return !found
	})
	return found
}

// eachField calls visit with every field of set, its sub-selections and the
// fragments they spread (each fragment once: seen holds the ones visited),
// depth first, until visit returns false.
func eachField(set ast.SelectionSet, seen map[string]bool, visit func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !visit(s) || !eachField(s.SelectionSet, seen, visit) {
				return false
			}
		case *ast.InlineFragment:
			if !eachField(s.SelectionSet, seen, visit) {
				return false
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if !eachField(s.Definition.SelectionSet, seen, visit) {
					return false
				}
			}
		}
	}
	return true
}
