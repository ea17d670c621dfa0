package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

// TestBrowserConsole (issue 13 items 1 and 9) over the real server: CORS
// preflights answered before authentication for GraphQL and REST, gzip and brotli, the
// playground's assets served by billingd, and no playground without
// introspection.
func TestBrowserConsole(t *testing.T) {
	t.Parallel()
	const origin = "https://console.example.com"
	s := startOn(t, storetest.URL(t, store.SQLite), "--cors-origin", origin, "--cors-origin", "http://localhost:5173")
	tok := token(t, s.dbURL, "acme", "admin", "")
	preflight := []string{"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"}
	for _, path := range []string{"/graphql", "/api/web/namespaces/prod/quotas"} {
		r := s.do("OPTIONS", path, "", nil, preflight...)
		if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != origin || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
			!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight %s: %d %v", path, r.Status, r.Header)
		}
	}
	if r := s.do("OPTIONS", "/graphql", "", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"); r.Status != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight: %d %v", r.Status, r.Header)
	}
	r := s.do("POST", "/graphql", tok, `{"query":"{ viewer { role } }"}`, "Content-Type", "application/json", "Origin", origin)
	if expect(t, r, 200); r.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(string(r.Body), `"role":"ADMIN"`) {
		t.Fatalf("cross-origin query: %v %s", r.Header, r.Body)
	}
	// Without a token the answer is 401 (with CORS headers, so the page can
	// read why), as a GraphQL error.
	r = s.do("POST", "/graphql", "", `{"query":"{ viewer { role } }"}`, "Content-Type", "application/json", "Origin", origin)
	if r.Status != 401 || r.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(string(r.Body), `"extensions":{"code":"UNAUTHENTICATED"}`) {
		t.Fatalf("no token: %d %v %s", r.Status, r.Header, r.Body)
	}

	// gzip, for GraphQL, REST and the playground's script.
	gunzip := func(r response) string {
		t.Helper()
		if r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("not compressed: %d %v", r.Status, r.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	big := `{"query":"{ plans { name rateCard { usageType usageTypeName unit billableUnit unitPrice } defaultQuota { objectLimits { key maximum } } } }"}`
	if body := gunzip(s.do("POST", "/graphql", tok, big, "Content-Type", "application/json", "Accept-Encoding", "gzip")); !strings.Contains(body, `"plans"`) {
		t.Fatalf("graphql gzip body: %.200s", body)
	}
	if body := gunzip(s.do("GET", "/api/web/namespaces/system/usage_plans/custom_list", tok, nil, "Accept-Encoding", "gzip")); !strings.Contains(body, "usage_plans") {
		t.Fatalf("REST gzip body: %.200s", body)
	}
	// A browser accepts both: it gets brotli.
	if r := s.do("POST", "/graphql", tok, big, "Content-Type", "application/json", "Accept-Encoding", "gzip, deflate, br, zstd"); r.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("graphql for a browser: %d %v", r.Status, r.Header)
	} else if b, err := io.ReadAll(brotli.NewReader(bytes.NewReader(r.Body))); err != nil || !strings.Contains(string(b), `"plans"`) {
		t.Fatalf("graphql brotli body: %v %.200s", err, b)
	}
	page := s.do("GET", "/playground", "", nil)
	expect(t, page, 200)
	if strings.Contains(string(page.Body), "https://") {
		t.Fatalf("the playground loads from another site: %s", page.Body)
	}
	if body := gunzip(s.do("GET", "/playground/assets/graphiql-3.8.3.min.js", "", nil, "Accept-Encoding", "gzip")); len(body) < 1_000_000 {
		t.Fatalf("graphiql script: %d bytes", len(body))
	}

	// Without introspection there is no playground.
	quiet := startOn(t, storetest.URL(t, store.SQLite), "--graphql-introspection=false")
	if r := quiet.do("GET", "/playground", "", nil); r.Status != 404 {
		t.Fatalf("playground without introspection: %d", r.Status)
	}
}
