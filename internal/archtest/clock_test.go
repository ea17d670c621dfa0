package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// wallClockAllowed are the files that may read the wall clock: the clock's
// own file, and the load generators, which measure real elapsed time.
var wallClockAllowed = []string{
	"domain/kernel/clock.go",
	"cmd/billingload/",
	"cmd/ingestload/",
	"cmd/reportload/",
}

// TestNoWallClockOutsideKernel keeps every business instant on the injected
// kernel.Clock: time.Now, time.Since and time.Until, called or passed as a
// value, appear in no other non-test file, so `--clock-start` moves the
// whole process (event windows, periods, invoice dates, audit records).
func TestNoWallClockOutsideKernel(t *testing.T) {
	t.Parallel()
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, a := range wallClockAllowed {
			if strings.HasPrefix(rel, a) {
				return nil
			}
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		timePkg := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"time"` {
				timePkg = "time"
				if imp.Name != nil {
					timePkg = imp.Name.Name
				}
			}
		}
		if timePkg == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == timePkg {
				switch sel.Sel.Name {
				case "Now", "Since", "Until":
					t.Errorf("%s: time.%s reads the wall clock; use the injected kernel.Clock (or kernel.Stopwatch for a latency)", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
