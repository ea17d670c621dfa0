package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
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
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/graphql") || strings.Contains(w.Body.String(), "https://") {
		t.Fatalf("playground: %d", w.Code)
	}
}

// TestPersistedQueries: Apollo's automatic persisted queries. A hash alone
// is PERSISTED_QUERY_NOT_FOUND until the text has been sent with it once;
// a hash that is not the text's is refused.
func TestPersistedQueries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite:"+t.TempDir()+"/x.db")
	p := h.caller(t, tenancy.RoleAdmin, "")
	srv := h.handler(&p, graph.Config{APQCacheSize: 2})
	const q = `{ viewer { role } }`
	sum := sha256.Sum256([]byte(q))
	hash := hex.EncodeToString(sum[:])
	post := func(body string) (int, string) {
		r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	ext := `"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}`
	if code, body := post(`{` + ext + `}`); code != 200 || !strings.Contains(body, "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown hash: %d %s", code, body)
	}
	if code, body := post(`{"query": "` + q + `", ` + ext + `}`); code != 200 || !strings.Contains(body, `"role":"ADMIN"`) {
		t.Fatalf("register: %d %s", code, body)
	}
	if code, body := post(`{` + ext + `}`); code != 200 || !strings.Contains(body, `"role":"ADMIN"`) {
		t.Fatalf("by hash: %d %s", code, body)
	}
	wrong := strings.Replace(ext, hash, strings.Repeat("0", 64), 1)
	if _, body := post(`{"query": "` + q + `", ` + wrong + `}`); strings.Contains(body, `"role"`) {
		t.Fatalf("a wrong hash was accepted: %s", body)
	}
	// Off: a hash alone is an error, the text still works.
	off := h.handler(&p, graph.Config{APQCacheSize: -1})
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{`+ext+`}`))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	off.ServeHTTP(w, r)
	if strings.Contains(w.Body.String(), `"role"`) {
		t.Fatalf("APQ off answered a hash: %s", w.Body.String())
	}
}
