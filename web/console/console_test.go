package console

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func TestServesIndexForAppRoutes(t *testing.T) {
	for _, p := range []string{"/console/", "/console/namespaces/shop", "/console/invoices/inv-000001", "/console/../console/plan"} {
		rec := get(t, p)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<div id="app">`) {
			t.Fatalf("%s: %d %q", p, rec.Code, rec.Body.String())
		}
		if rec.Header().Get("Cache-Control") != "no-cache" || rec.Header().Get("ETag") == "" {
			t.Fatalf("%s: headers %v", p, rec.Header())
		}
		if rec.Header().Get("Content-Security-Policy") != CSP {
			t.Fatalf("%s: CSP %q", p, rec.Header().Get("Content-Security-Policy"))
		}
	}
}

func TestRedirectsBarePrefix(t *testing.T) {
	rec := get(t, "/console")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/console/" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}

// TestAssets: index.html names only same-origin assets under /console/,
// each is served with a long cache life, and a missing asset is a 404 (not
// index.html, which the browser would try to run as a script).
func TestAssets(t *testing.T) {
	index := get(t, "/console/").Body.String()
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(index, -1)
	assets := 0
	for _, m := range refs {
		ref := m[1]
		if ref == "data:," {
			continue
		}
		if !strings.HasPrefix(ref, "/console/assets/") {
			t.Fatalf("index.html refers to %q: only /console/assets/ may be loaded", ref)
		}
		rec := get(t, ref)
		if rec.Code != 200 || rec.Body.Len() == 0 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %d %v", ref, rec.Code, rec.Header())
		}
		assets++
	}
	if assets < 2 {
		t.Fatalf("index.html names %d assets, want the script and the stylesheet:\n%s", assets, index)
	}
	if rec := get(t, "/console/assets/nope.js"); rec.Code != 404 {
		t.Fatalf("missing asset: %d", rec.Code)
	}
}

func TestRefusesWrites(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/console/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

// TestVitest runs the components' unit tests (src/**/*.test.tsx) with
// Vitest, so `go test ./...` covers the console too. It needs the npm
// dependencies (`make console` installs them); without them the test is
// skipped, except in CI, where it fails.
func TestVitest(t *testing.T) {
	if _, err := os.Stat("node_modules/vitest/vitest.mjs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("web/console/node_modules is missing (run `make console`): %v", err)
		}
		t.Skip("web/console/node_modules is missing: run `make console` to run the Vitest tests")
	}
	cmd := exec.Command("node", "node_modules/vitest/vitest.mjs", "run", "--reporter=dot")
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vitest: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
