package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/billingd/billingd/adapters/store/storetest"
)

// TestMetricsOnTheirOwnListener: with --metrics-addr, /metrics answers
// there and no longer on the public address.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	maddr := freeAddr(t)
	s := startOn(t, storetest.URL(t, "sqlite"), "--metrics-addr", maddr)
	expect(t, s.do("GET", "/healthz", "", nil), 200)
	expect(t, s.do("GET", "/metrics", "", nil), 404)
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "billingd_http_requests_total") {
		t.Fatalf("metrics listener: %d %.200s", resp.StatusCode, b)
	}
}
