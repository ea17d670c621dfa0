package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlansLoad: a bad catalog reports every error with its place and loads
// nothing; a good one is in force after a restart.
func TestPlansLoad(t *testing.T) {
	t.Parallel()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "b.db")
	orig, err := os.ReadFile("../catalog/plans.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(strings.Replace(string(orig), `"flat_price": 2500`, `"flat_price": -1`, 1), `"price_per_billable": "0.60"`, `"price_per_billable": "abc"`, 1)
	badFile := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badFile, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, "plans", "load", badFile, "--database-url", dbURL).CombinedOutput()
	// The place of the negative flat price, computed from the catalog so the
	// test follows edits of plans.json: its line and the column of its key.
	at := strings.Index(string(orig), `"flat_price": 2500`)
	line := strings.Count(string(orig[:at]), "\n") + 1
	col := at - strings.LastIndex(string(orig[:at]), "\n")
	where := fmt.Sprintf("bad.json:%d:%d: plans[1].flat_price: must not be negative", line, col)
	if err == nil || !strings.Contains(string(out), where) ||
		!strings.Contains(string(out), `price_per_billable: "abc" is not a decimal`) || !strings.Contains(string(out), "nothing was loaded") {
		t.Fatalf("bad catalog: err=%v\n%s", err, out)
	}

	good := strings.Replace(string(orig), `"title": "Free"`, `"title": "Free (loaded)"`, 1)
	if good == string(orig) {
		t.Fatal("the test's catalog edit did not apply; update the test to the catalog")
	}
	goodFile := filepath.Join(t.TempDir(), "good.json")
	if err := os.WriteFile(goodFile, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	billingd(t, dbURL, "plans", "load", goodFile)
	s := startOn(t, dbURL)
	tok := token(t, dbURL, "acme", "viewer", "")
	r := s.do("GET", "/api/web/namespaces/system/usage_plans/current", tok, nil)
	expect(t, r, 200)
	if !strings.Contains(string(r.Body), `"title":"Free (loaded)"`) {
		t.Fatalf("the loaded catalog is not in force: %s", r.Body)
	}
}
