// Command codegen runs gqlgen (configured by gqlgen.yml at the repository
// root) and then rewrites four hot paths of the executor it generated.
// `go generate ./graph/...` runs it; the result is committed and CI checks
// that it is current.
//
// Why: the console's dashboard answers about 10,000 leaf fields (quota usage
// items, usage items, cost lines), and gqlgen's executor spent most of the
// server's CPU on them, not on billing (issue 15's profile). For every leaf
// field it allocates a FieldContext, a context, two closures and runs the
// middleware chain; it marshals every element of every list of objects in
// a goroutine of its own; and every object computes its path for @defer.
// The rewrites below keep the answer byte for byte the same (graph's
// TestExecutorAnswerGolden compares one with what gqlgen's own executor
// answered) and change only what gains nothing:
//
//  1. A leaf field (scalar or enum) read straight from a model's struct
//     field, with no resolver, argument or directive, is marshalled directly.
//     Nothing can fail in such a read, so the FieldContext only served field
//     middleware; billingd installs none (graph/handler.go: if one is ever
//     added, it will not see these fields).
//  2. A list whose element type has no resolver, at any depth, is marshalled
//     in order instead of one goroutine per element: such elements do no I/O
//     and wait for no dataloader, so the goroutines only cost. Lists whose
//     elements have resolvers (namespaces) keep gqlgen's concurrency, which
//     their dataloaders' batching needs.
//  3. An object without a resolver field builds no @defer group (noDefer),
//  4. and writes its fields itself (fieldSetJSON): gqlgen's FieldSet
//     allocates a map and a copy of every field for each object it writes.
//
// Each rewrite checks that the generated code has exactly the shape it
// expects and fails otherwise, so a gqlgen upgrade that changes its templates
// stops generation instead of producing something subtly different.
package main

import (
	"fmt"
	"go/format"
	"log"
	"os"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("graph/codegen: ")
	// Finds gqlgen.yml above the working directory and enters its folder,
	// which the config's relative paths expect.
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatal(err)
	}
	var s shapes
	if err := api.Generate(cfg, api.AddPlugin(&s)); err != nil {
		log.Fatal(err)
	}
	src, err := os.ReadFile(cfg.Exec.Filename)
	if err != nil {
		log.Fatal(err)
	}
	out, err := s.rewrite(src)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(cfg.Exec.Filename, out, 0o644); err != nil {
		log.Fatal(err)
	}
}

// shapes is a gqlgen plugin that only records, from gqlgen's own model of
// the schema and its bindings, which fields and lists the rewrites apply to.
type shapes struct {
	leaves map[string]string // "_Object_field" function → the model's Go field name
	pure   map[string]bool   // leaf types, and object types without a resolver at any depth
}

func (*shapes) Name() string { return "billingd-shapes" }

func (s *shapes) GenerateCode(data *codegen.Data) error {
	s.leaves = map[string]string{}
	byName := map[string]*codegen.Object{}
	for _, o := range data.Objects {
		byName[o.Name] = o
	}
	for _, o := range data.Objects {
		if o.Root || strings.HasPrefix(o.Name, "__") {
			continue
		}
		for _, f := range o.Fields {
			kind := f.TypeReference.Definition.Kind
			if f.IsResolver || f.IsMethod() || len(f.Args) > 0 || f.HasDirectives() || f.IsReserved() ||
				(kind != ast.Scalar && kind != ast.Enum) {
				continue
			}
			s.leaves["_"+o.Name+"_"+f.Name] = f.GoFieldName
		}
	}
	s.pure = map[string]bool{}
	for name, def := range data.Schema.Types {
		if def.Kind == ast.Enum || def.Kind == ast.Scalar {
			s.pure[name] = true
		}
	}
	for _, o := range data.Objects {
		if isPure(o, byName, map[string]bool{}) {
			s.pure[o.Name] = true
		}
	}
	return nil
}

// isPure tells whether marshalling o can never run a resolver: none of its
// fields has one and every object it leads to is pure too. Interfaces and
// unions count as impure (their implementations are not followed), and a
// type met again on the current path (a cycle) adds nothing new.
func isPure(o *codegen.Object, byName map[string]*codegen.Object, path map[string]bool) bool {
	if o.Root || o.IsConcurrent() {
		return false
	}
	if path[o.Name] {
		return true
	}
	path[o.Name] = true
	defer delete(path, o.Name)
	for _, f := range o.Fields {
		def := f.TypeReference.Definition
		switch def.Kind {
		case ast.Scalar, ast.Enum:
		case ast.Object:
			child, ok := byName[def.Name]
			if !ok || !isPure(child, byName, path) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// leafBody is the body gqlgen generates for a field read from a struct
// field; the groups are the expression read and the marshaller it calls.
var leafBody = regexp.MustCompile(`^\treturn graphql\.ResolveField\(
\t\tctx,
\t\tec\.OperationContext,
\t\tfield,
\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)
\t\t\},
\t\tfunc\(ctx context\.Context\) \(any, error\) \{
\t\t\treturn (obj\.\w+), nil
\t\t\},
\t\tnil,
\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v [^\n]+\) graphql\.Marshaler \{
\t\t\treturn (ec\.marshal[^\s(]+)\(ctx, selections, v\)
\t\t\},
\t\t(?:true|false),
\t\t(?:true|false),
\t\)
$`)

// sliceCall is how gqlgen's list marshallers start marshalling elements.
var sliceCall = regexp.MustCompile(`^\tret := graphql\.MarshalSliceConcurrently\(ctx, len\(v\), \d+, (?:true|false), `)

// listMarshaller names a generated list marshaller and its element type.
var listMarshaller = regexp.MustCompile(`^func \(ec \*executionContext\) marshal[NO](\w+?)2ᚕ`)

// objectMarshaller names a generated object marshaller (_Type, not a field's
// _Type_field, whose obj parameter comes after a field).
var objectMarshaller = regexp.MustCompile(`^func \(ec \*executionContext\) _\w+\(ctx context\.Context, sel ast\.SelectionSet, obj `)

// noDefer is what an object marshaller spends on @defer. Only fields with a
// resolver can be deferred (ResolveConcurrently is given &deferred); in an
// object without one the group stays empty, and building it computed the
// object's whole path (GetPath allocates it) and a map, for every object.
var noDefer = []string{
	"\tdeferred := graphql.NewDeferredGroup(ctx)\n",
	"\n\tif n := len(deferred.Defers); n > 0 {\n\t\tatomic.AddInt32(&ec.Deferred, int32(min(n, math.MaxInt32)))\n\t\tec.ProcessDeferredGroup(deferred)\n\t}\n",
}

// objectStart and objectEnd are how an object marshaller collects its
// fields and returns them (rewrite 4 writes them without gqlgen's FieldSet
// marshalling, see fieldSetJSON).
const (
	objectStart = "\tout := graphql.NewFieldSet(fields)\n"
	objectEnd   = "\n\treturn out\n"
)

const funcPrefix = "func (ec *executionContext) "

// rewrite applies the rewrites to the generated executor, function by
// function. The helpers they call (marshalInOrder, fieldSetJSON) are
// written by hand in graph/generated/helpers.go.
func (s *shapes) rewrite(src []byte) ([]byte, error) {
	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	done := map[string]bool{}
	lists, objects := 0, 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if !strings.HasPrefix(line, funcPrefix) {
			out.WriteString(line)
			continue
		}
		end := i + 1
		for end < len(lines) && lines[end] != "}\n" {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("function at line %d has no end", i+1)
		}
		body := strings.Join(lines[i+1:end], "")
		name, _, _ := strings.Cut(strings.TrimPrefix(line, funcPrefix), "(")
		if goField, ok := s.leaves[name]; ok {
			m := leafBody.FindStringSubmatch(body)
			if m == nil || m[1] != "obj."+goField {
				return nil, fmt.Errorf("%s: gqlgen's field template changed; review the rewrite", name)
			}
			body = "\treturn " + m[2] + "(ctx, field.Selections, " + m[1] + ")\n"
			done[name] = true
		} else if objectMarshaller.MatchString(line) && strings.Contains(body, noDefer[0]) &&
			!strings.Contains(body, "&deferred") {
			for _, d := range noDefer {
				body = strings.Replace(body, d, "", 1)
			}
			if strings.Contains(body, "deferred") || !strings.Contains(body, objectStart) || !strings.HasSuffix(body, objectEnd) {
				return nil, fmt.Errorf("%s: gqlgen's object template changed; review the rewrite", name)
			}
			body = strings.TrimSuffix(body, objectEnd) + "\treturn fieldSetJSON{fields: fields, values: out.Values}\n"
			objects++
		} else if m := listMarshaller.FindStringSubmatch(line); m != nil && s.pure[m[1]] {
			var b strings.Builder
			for _, l := range strings.SplitAfter(body, "\n") {
				if sliceCall.MatchString(l) {
					l = sliceCall.ReplaceAllString(l, "\tret := marshalInOrder(ctx, len(v), ")
					lists++
				}
				b.WriteString(l)
			}
			body = b.String()
		}
		out.WriteString(line)
		out.WriteString(body)
		out.WriteString("}\n")
		i = end
	}
	for name := range s.leaves {
		if !done[name] {
			return nil, fmt.Errorf("%s: no such function in the generated code", name)
		}
	}
	if objects == 0 {
		return nil, fmt.Errorf("no object marshaller lost its deferred group: gqlgen's object template changed")
	}
	if lists == 0 {
		return nil, fmt.Errorf("no list of a resolver-free type was rewritten: gqlgen's list template changed")
	}
	formatted, err := format.Source([]byte(out.String()))
	if err != nil {
		return nil, fmt.Errorf("rewritten code does not parse: %w", err)
	}
	return formatted, nil
}
