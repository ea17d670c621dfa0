// Package archtest checks the dependency direction of the design:
// domain ← adapters ← cmd, and graph and rest never import each other or
// the store.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/billingd/billingd/"

// domainMayImport lists what the core may use besides the standard library:
// exact decimals for money and UUIDs for identifiers.
var domainMayImport = []string{mod + "domain/", "github.com/shopspring/decimal", "github.com/google/uuid"}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestDomainImportsOnlyDomain(t *testing.T) {
	t.Parallel()
	for _, d := range deps(t, "../../domain/...") {
		ok := false
		for _, p := range domainMayImport {
			ok = ok || strings.HasPrefix(d, p)
		}
		if !ok {
			t.Errorf("domain depends on %s", d)
		}
	}
}

func TestAdaptersStayInTheirLane(t *testing.T) {
	t.Parallel()
	forbidden := map[string][]string{
		"../../adapters/rest":  {mod + "graph", mod + "adapters/store", mod + "cmd"},
		"../../graph/...":      {mod + "adapters/rest", mod + "adapters/store", mod + "cmd"},
		"../../adapters/store": {mod + "graph", mod + "adapters/rest", mod + "cmd"},
		// The middleware shared by REST and GraphQL knows neither.
		"../../adapters/httpmw": {mod + "graph", mod + "adapters/rest", mod + "adapters/store", mod + "cmd"},
	}
	for pkg, bad := range forbidden {
		for _, d := range deps(t, pkg) {
			for _, b := range bad {
				if strings.HasPrefix(d, b) {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
}
