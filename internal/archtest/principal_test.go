package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// principalFree are the exported methods of domain services that take no
// caller principal, each for a reason:
//   - the authentication entry points, which make the principal from a
//     credential (and the cache of what they made, emptied on revocation);
//   - configuration accessors without arguments, the same for every caller.
var principalFree = map[string]string{
	"tenancy.Service.Authenticate":            "authentication: turns a token into the principal",
	"tenancy.Service.AuthenticateCertificate": "authentication: turns a client certificate into the principal",
	"tenancy.Service.ForgetRevoked":           "authentication cache: a revocation announced by another process",
	"tenancy.Service.ForgetCached":            "authentication cache: emptied when revocations may have been missed",
	"invoice.Service.Issuer":                  "configuration: the issuer printed on every invoice",
	"plan.Service.Catalog":                    "configuration: the public plan catalog",
}

// TestDomainServicesTakeThePrincipal keeps authorization explicit: every
// exported method of a domain *Service takes the caller's principal as its
// second parameter, right after ctx (so no adapter can call one without
// saying who calls), no exported method takes a bare tenant id (which would
// let a caller name a tenant it was never authorized for), and no domain
// code reads the principal from the context (the adapters pass it).
func TestDomainServicesTakeThePrincipal(t *testing.T) {
	t.Parallel()
	var problems []string
	files, err := filepath.Glob("../../domain/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	services := 0
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "../../"))
		problems = append(problems, principalProblems(fset, f.Name.Name, rel, f, &services)...)
	}
	if services < 30 {
		// The walk must have seen the services: a moved tree would
		// otherwise make this test pass on nothing.
		t.Fatalf("found only %d exported domain service methods; is the walk looking at the domain?", services)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestPrincipalCheckCatches runs the check on source that breaks each rule,
// so a check that no longer looks (say, after a rename of Principal) fails.
func TestPrincipalCheckCatches(t *testing.T) {
	t.Parallel()
	src := `package quota
import ("context"; "github.com/billingd/billingd/domain/tenancy")
type Service struct{}
func (s *Service) NoPrincipal(ctx context.Context, ns string) error { return nil }
func (s *Service) BareTenant(ctx context.Context, p tenancy.Principal, tenantID string) error { return nil }
func (s *Service) Fine(ctx context.Context, p tenancy.Principal, ns string) error { return nil }
func (s *Service) FromCtx(ctx context.Context, p tenancy.Principal) error {
	_, err := tenancy.PrincipalFrom(ctx)
	return err
}
func (s *Service) unexported(ctx context.Context, tenantID string) {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "domain/quota/x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	got := strings.Join(principalProblems(fset, "quota", "domain/quota/x.go", f, &n), "\n")
	for _, want := range []string{"quota.Service.NoPrincipal", "quota.Service.BareTenant", "tenancy.PrincipalFrom"} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %s; it reported:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Fine") || strings.Contains(got, "unexported") {
		t.Errorf("the check reported a conforming or unexported method:\n%s", got)
	}
}

// principalProblems checks one file of domain package pkg; services counts
// the exported service methods seen.
func principalProblems(fset *token.FileSet, pkg, rel string, f *ast.File, services *int) []string {
	var out []string
	tenancyName := "tenancy"
	for _, imp := range f.Imports {
		if imp.Path.Value == `"github.com/billingd/billingd/domain/tenancy"` && imp.Name != nil {
			tenancyName = imp.Name.Name
		}
	}
	// Inside package tenancy the type is plain Principal.
	isPrincipal := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.Ident:
			return pkg == "tenancy" && x.Name == "Principal"
		case *ast.SelectorExpr:
			id, ok := x.X.(*ast.Ident)
			return ok && id.Name == tenancyName && x.Sel.Name == "Principal"
		}
		return false
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || !fd.Name.IsExported() {
			continue
		}
		recv := receiverType(fd.Recv.List[0].Type)
		if !strings.HasSuffix(recv, "Service") {
			continue
		}
		*services++
		method := pkg + "." + recv + "." + fd.Name.Name
		at := fmt.Sprintf("%s:%d: %s", rel, fset.Position(fd.Pos()).Line, method)
		var params []*ast.Field
		var names []string
		for _, fl := range fd.Type.Params.List {
			if len(fl.Names) == 0 {
				params, names = append(params, fl), append(names, "_")
			}
			for _, n := range fl.Names {
				params, names = append(params, fl), append(names, n.Name)
			}
		}
		for i, fl := range params {
			if id, ok := fl.Type.(*ast.Ident); ok && id.Name == "string" {
				switch strings.ToLower(names[i]) {
				case "tenant", "tenantid", "tenant_id":
					out = append(out, fmt.Sprintf("%s takes a bare tenant id (%s string): take the principal acting on the tenant instead", at, names[i]))
				}
			}
		}
		if _, ok := principalFree[method]; ok {
			continue
		}
		if len(params) < 2 || !isContext(params[0].Type) || !isPrincipal(params[1].Type) {
			out = append(out, fmt.Sprintf("%s does not take (ctx context.Context, p tenancy.Principal, ...): every domain service method is told who calls (or add it to principalFree with the reason)", at))
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == tenancyName {
			switch sel.Sel.Name {
			case "PrincipalFrom", "CallerFrom", "FromContext":
				out = append(out, fmt.Sprintf("%s:%d: tenancy.%s: domain code must not read the caller from ctx; take the principal as a parameter", rel, fset.Position(sel.Pos()).Line, sel.Sel.Name))
			}
		}
		return true
	})
	return out
}

func receiverType(e ast.Expr) string {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func isContext(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == "context" && sel.Sel.Name == "Context"
}
