package graph_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/graph"
)

// TestTransports: queries work over GET and POST, a mutation over GET is
// refused (GET must stay safe to repeat), and an oversized body is refused.
func TestTransports(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	srv := h.handler(&p, graph.Config{})

	do := func(r *http.Request) (int, string) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(b)
	}

	code, body := do(httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ namespace(name: "system") { name } }`), nil))
	if code != http.StatusOK || !strings.Contains(body, `"name":"system"`) {
		t.Fatalf("GET query: %d %s", code, body)
	}
	code, body = do(httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`mutation { deleteQuota(namespace: "shop", name: "q") { deletedId } }`), nil))
	if code == http.StatusOK {
		t.Fatalf("GET mutation accepted: %s", body)
	}
	code, _ = do(httptest.NewRequest(http.MethodOptions, "/graphql", nil))
	if code >= 300 {
		t.Fatalf("OPTIONS: %d", code)
	}
	bigBody := `{"query":"` + strings.Repeat(" ", 2<<20) + `{ __typename }"}`
	big := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(bigBody))
	big.Header.Set("Content-Type", "application/json")
	if code, body = do(big); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "PAYLOAD_TOO_LARGE") {
		t.Fatalf("2 MiB body: %d %.200s", code, body)
	}
	// Without a declared length the body is cut at the limit, with the same
	// answer (what the server gave before the limit moved in here).
	big = httptest.NewRequest(http.MethodPost, "/graphql", io.MultiReader(strings.NewReader(bigBody)))
	big.ContentLength = -1
	big.Header.Set("Content-Type", "application/json")
	if code, body = do(big); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "PAYLOAD_TOO_LARGE") || strings.Contains(body, "__typename") {
		t.Fatalf("undeclared 2 MiB body: %d %.200s", code, body)
	}
}

func TestPlayground(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	graph.Playground().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/playground", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/graphql") {
		t.Fatalf("playground: %d", w.Code)
	}
}
