package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/billingd/billingd/graph/generated"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// FragmentBomb is issue 10's query: fragment Fi spreads F(i+1) twice, so
// the operation expands to 2^levels __typename fields in about 40 bytes a
// level. Exported for the graph_test package's tests.
func FragmentBomb(levels int) string {
	var b strings.Builder
	b.WriteString("query{...F0}")
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query{__typename}", levels)
	return b.String()
}

// unlimited measures without refusing anything but absurd sizes, so the
// walks run to the end.
var unlimited = queryLimits{tokens: maxInt, depth: maxInt, fields: maxInt, setFields: maxInt, aliases: maxInt, complexity: maxInt}

// validated parses and validates q against the schema, as gqlgen does.
func validated(t testing.TB, es *ast.Schema, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if errs := validator.ValidateWithRules(es, doc, rules.NewDefaultRules()); len(errs) > 0 {
		t.Fatalf("validate: %v", errs)
	}
	return doc
}

// TestValidationWorkIsLinear counts the selections both limit walks visit
// (no clock): for the fragment bomb they grow by a constant per level, as
// the query's size does, while the expansion they measure doubles. The old
// walks visited every spread of every expansion: 2^(levels+1) selections.
func TestValidationWorkIsLinear(t *testing.T) {
	t.Parallel()
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: complexityTable()})
	type work struct{ shape, cost, fields, complexity int }
	measure := func(levels int) work {
		q := FragmentBomb(levels)
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		w := &shapeWalker{ctx: context.Background(), frags: map[string]*ast.FragmentDefinition{}, memo: map[string]shape{}, active: map[string]bool{}}
		for _, f := range doc.Fragments {
			w.frags[f.Name] = f
		}
		s := w.set(doc.Operations[0].SelectionSet)
		shapeVisits, err2 := checkShape(context.Background(), doc, unlimited)
		if err2 != nil {
			t.Fatal(err2)
		}
		vdoc := validated(t, es.Schema(), q)
		cost, costVisits, err2 := operationCost(context.Background(), es, vdoc.Operations[0], nil)
		if err2 != nil {
			t.Fatal(err2)
		}
		return work{shape: shapeVisits, cost: costVisits, fields: s.fields, complexity: cost}
	}
	got := map[int]work{}
	for _, levels := range []int{10, 20, 26, 60} {
		got[levels] = measure(levels)
		t.Logf("levels %d: %d bytes, shape walk visited %d selections, cost walk %d; expanded fields %d, complexity %d",
			levels, len(FragmentBomb(levels)), got[levels].shape, got[levels].cost, got[levels].fields, got[levels].complexity)
	}
	for _, levels := range []int{10, 20, 26} {
		if w := got[levels]; w.fields != 1<<levels || w.complexity != 1<<levels {
			t.Fatalf("levels %d: expanded fields %d, complexity %d, want 2^%d", levels, w.fields, w.complexity, levels)
		}
	}
	// Saturated, not wrapped round: 2^60 still fits, 2^70 must not wrap.
	if got[60].fields != 1<<60 {
		t.Fatalf("60 levels: %d fields", got[60].fields)
	}
	// Linear: the same work per level from 10 to 20 as from 20 to 60, and
	// at most 2 visits per spread or field of the query (2 per level + 2).
	for _, k := range []func(work) int{func(w work) int { return w.shape }, func(w work) int { return w.cost }} {
		perLevel := (k(got[20]) - k(got[10])) / 10
		if perLevel <= 0 || k(got[60])-k(got[20]) != perLevel*40 || k(got[26]) > 2*(2*26+2) {
			t.Fatalf("work is not linear in the levels: %+v", got)
		}
	}
}

// TestCountsSaturate: a count past the int range stays at its maximum.
func TestCountsSaturate(t *testing.T) {
	t.Parallel()
	if addSat(maxInt, 1) != maxInt || addSat(maxInt-1, maxInt) != maxInt || addSat(2, 3) != 5 {
		t.Fatal("addSat wraps")
	}
	_, err := checkShape(context.Background(), mustParse(t, FragmentBomb(70)), queryLimits{tokens: 1 << 30, depth: 100, fields: 1000, setFields: 100, aliases: 100, complexity: 1000})
	if err == nil || err.Extensions["code"] != CodeTooManyFields {
		t.Fatalf("70-level bomb: %v", err)
	}
}

// TestShapeWalkStopsWhenCancelled: the walk looks at the context as it goes.
func TestShapeWalkStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := "{" + strings.Repeat(" __typename", 2*checkEvery) + " }"
	visits, err := checkShape(ctx, mustParse(t, q), unlimited)
	if err == nil || err.Extensions["code"] != "UNAVAILABLE" || visits > checkEvery {
		t.Fatalf("cancelled walk: %d visits, %v", visits, err)
	}
}

func mustParse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// FuzzValidationWork checks, for any query, that the limit walks stay
// linear in its size: each selection is visited at most once, and a
// selection is at least one byte of the query, so the visits never exceed
// its length, however its fragments spread one another.
func FuzzValidationWork(f *testing.F) {
	for _, s := range []string{
		FragmentBomb(26), FragmentBomb(3),
		`{ ...A } fragment A on Query { ...B ...B } fragment B on Query { ...A }`,
		`{ a: __schema { types { name } } b: __schema { types { name } } }`,
		`{ namespace(name: "a\u0000b") { name } }`,
		"{ namespace(name: \"\xff\xfe\") { name } }",
		"{ na\x00me }",
		`{ ...F ...F } fragment F on Query { namespaces { edges { node { ...G } } } } fragment G on Namespace { name ...G2 ...G2 } fragment G2 on Namespace { name }`,
		`query A { __typename } query B { ...X } fragment X on Query { monthlyUsage { from } } fragment X on Query { plans { name } }`,
	} {
		f.Add(s)
	}
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}, Complexity: complexityTable()})
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			return
		}
		visits, _ := checkShape(context.Background(), doc, unlimited)
		if visits > len(q) {
			t.Fatalf("shape walk visited %d selections of a %d-byte query", visits, len(q))
		}
		// The cost walk runs on validated documents only, and validation on
		// documents within the default limits only, as in the handler.
		def := queryLimits{tokens: DefaultMaxTokens, depth: DefaultMaxDepth, fields: DefaultMaxFields, setFields: DefaultMaxFieldsPerSet,
			aliases: DefaultMaxAliases, complexity: DefaultMaxComplexity}
		if _, err := checkShape(context.Background(), doc, def); err != nil {
			return
		}
		if errs := validator.ValidateWithRules(es.Schema(), doc, rules.NewDefaultRules()); len(errs) > 0 {
			return
		}
		for _, op := range doc.Operations {
			if _, costVisits, _ := operationCost(context.Background(), es, op, nil); costVisits > len(q) {
				t.Fatalf("cost walk visited %d selections of a %d-byte query", costVisits, len(q))
			}
		}
	})
}
