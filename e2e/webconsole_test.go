package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

const chromium = "/usr/bin/chromium"

// needConsoleTools skips the browser test when Chromium or the console's
// npm packages are missing on a developer machine; in CI (CI=true) it fails
// instead, so the test cannot silently disappear.
func needConsoleTools(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium+" (apt-get install -y chromium)")
	}
	if _, err := os.Stat("../web/console/node_modules/playwright-core/package.json"); err != nil {
		missing = append(missing, "web/console/node_modules (make console)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the console's browser test needs %s", strings.Join(missing, ", "))
	}
	t.Skipf("the console's browser test needs %s", strings.Join(missing, ", "))
}

// TestConsoleInBrowser drives the web console in headless Chromium
// (web/console/e2e/console.mjs, playwright-core) against a real billingd on
// PostgreSQL (SQLite when no PostgreSQL is configured) with seeded data:
// sign-in, a namespace with its quota bar and a drawn chart, an invoice and
// its PDF, a plan transition, the viewer's and the bound editor's views,
// the accessibility check, and that no request leaves 127.0.0.1. It writes
// a screenshot of every page to docs/console/.
func TestConsoleInBrowser(t *testing.T) {
	needConsoleTools(t)
	t.Parallel()
	ds := storetest.Dialects(t)
	d := ds[len(ds)-1] // PostgreSQL whenever it is configured
	s := startOn(t, storetest.URL(t, d), "--no-invoice-scheduler", "--rate-limit", "0")
	seed := seedConsole(t, s)

	shots, err := filepath.Abs("../docs/console")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	runBrowserChecks(t, "console", shots,
		"CONSOLE_URL="+s.base+"/console/",
		"ADMIN_TOKEN="+seed.admin,
		"VIEWER_TOKEN="+seed.viewer,
		"EDITOR_TOKEN="+seed.editor,
		"EDITOR_NAMESPACE="+seed.editorNS,
		"NAMESPACE="+seed.namespace,
		"INVOICE="+seed.invoice,
		"TZ=Europe/Paris", // times show in the browser's zone, not the server's
	)
}

// runBrowserChecks runs web/console/e2e/NAME.mjs in Node with env (and
// SHOTS_DIR, CHROMIUM) and fails t unless every check passed: the exit
// status and the script's final line, so a script that stops early fails.
func runBrowserChecks(t *testing.T, name, shots string, env ...string) {
	t.Helper()
	cmd := exec.Command("node", "e2e/"+name+".mjs")
	cmd.Dir = "../web/console"
	cmd.Env = append(append(os.Environ(), env...), "SHOTS_DIR="+shots, "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	t.Logf("%s.mjs:\n%s", name, out)
	if err != nil {
		t.Fatalf("browser checks failed: %v", err)
	}
	if !strings.Contains(string(out), "all "+name+" checks passed") {
		t.Fatalf("%s.mjs ended without its final line", name)
	}
}

type consoleSeed struct {
	admin, viewer, editor string
	editorNS, namespace   string
	invoice               string
}

// seedConsole gives tenant acme a month of usage in three namespaces, a
// quota object with reservations in "shop", a paid invoice for last
// month on the team plan, and tokens of three roles.
func seedConsole(t *testing.T, s *server) consoleSeed {
	t.Helper()
	now := s.now()
	m0 := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	seed := consoleSeed{
		admin:     token(t, s.dbURL, "acme", "admin", ""),
		viewer:    token(t, s.dbURL, "acme", "viewer", ""),
		editor:    token(t, s.dbURL, "acme", "editor", "shop"),
		editorNS:  "shop",
		namespace: "shop",
		invoice:   "inv-000001",
	}
	putOnPlan(t, s, seed.admin, "team")
	backdate(t, s.dbURL, seed.admin, m0.AddDate(0, -3, 0))

	// 40 days of daily usage, so last month is invoiced and the charts
	// have a month to draw whatever the day of the month.
	types := []struct {
		usageType, unit string
		base            int64
	}{
		{"http_requests", "request", 1_200_000},
		{"data_transfer", "byte", 3_500_000_000},
		{"vcpu_hours", "hour", 36},
	}
	for i, ns := range []string{"shop", "web", "api"} {
		var evs []map[string]any
		for day := 0; day < 40; day++ {
			at := now.Add(-time.Duration(day)*24*time.Hour - time.Hour)
			for j, ty := range types {
				// a weekly rhythm and a different size per namespace
				qty := fmt.Sprint(ty.base * int64((3-i)*(5+(day%7)+j)))
				ev := event(fmt.Sprintf("%s-%d-%d", ns, day, j), ty.usageType, ty.unit, qty, at)
				ev["object_name"] = fmt.Sprintf("lb-%s-%d", ns, j)
				evs = append(evs, ev)
			}
		}
		acc, _, rej := ingestCounts(t, s.do("POST", "/api/web/namespaces/"+ns+"/usage/events", seed.admin, evs, "Content-Type", "application/json"))
		if acc != len(evs) || len(rej) != 0 {
			t.Fatalf("ingest %s: accepted %d of %d, rejected %v", ns, acc, len(evs), rej)
		}
	}
	expect(t, s.do("POST", "/api/web/namespaces/shop/quotas", seed.admin, `{
		"metadata": {"name": "shop-limits"},
		"spec": {"object_limits": {"http_loadbalancer": {"maximum": 4}}, "resource_limits": {"vcpu": {"maximum": 8}}}}`,
		"Content-Type", "application/json"), 200)
	expect(t, s.do("POST", "/api/web/namespaces/shop/quota/reserve", seed.admin,
		`{"objects": {"http_loadbalancer": 3, "origin_pool": 5}, "resources": {"vcpu": 2.5}}`, "Content-Type", "application/json"), 200)
	expect(t, s.do("POST", "/api/web/namespaces/web/quota/reserve", seed.admin,
		`{"objects": {"http_loadbalancer": 12}}`, "Content-Type", "application/json"), 200)
	expect(t, s.do("POST", "/api/web/namespaces/system/billing/payment_methods", seed.admin,
		`{"token": "tok_visa_4242", "role": "PAYMENT_METHOD_ROLE_PRIMARY"}`, "Content-Type", "application/json"), 200)

	out := billingd(t, s.dbURL, "invoices", "close", "--period", m0.AddDate(0, -1, 0).Format("2006-01"))
	if !strings.Contains(out, "issued "+seed.invoice) {
		t.Fatalf("invoices close: %s", out)
	}
	billingd(t, s.dbURL, "invoices", "set-status", seed.invoice, "PAID", "--tenant", "acme", "--actor", "finance@acme.example")
	return seed
}

// TestPlaygroundInBrowser runs the GraphQL playground in headless Chromium
// (web/console/e2e/playground.mjs) against a real billingd: GraphiQL
// renders from the embedded assets, the default query runs with the typed
// token, nothing is stored in the browser, introspection feeds the
// documentation explorer, and no request leaves 127.0.0.1.
func TestPlaygroundInBrowser(t *testing.T) {
	needConsoleTools(t)
	t.Parallel()
	s := startOn(t, storetest.URL(t, store.SQLite), "--no-invoice-scheduler", "--rate-limit", "0")
	admin := token(t, s.dbURL, "acme", "admin", "")
	shots, err := filepath.Abs("../docs/console")
	if err != nil {
		t.Fatal(err)
	}
	runBrowserChecks(t, "playground", shots, "PLAYGROUND_URL="+s.base+"/playground", "ADMIN_TOKEN="+admin)
}
