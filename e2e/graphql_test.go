package e2e

import (
	"strings"
	"testing"
)

// TestGraphQLOverHTTP runs the nested query and a mutation through the real
// server: token check, JSON shape, typed error codes.
func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "admin", "")
		expect(t, s.do("POST", "/api/web/namespaces/ns1/quotas", tok, `{"metadata":{"name":"q1","labels":{"env":"prod"}},"spec":{"object_limits":{"http_loadbalancer":{"maximum":5}}}}`), 200)
		mut := `{"query":"mutation { reserveQuota(input: {namespace: \"ns1\", objects: [{key: \"http_loadbalancer\", amount: \"2\"}]}) { result { objects { key current } } userErrors { field message code } } }"}`
		r := s.do("POST", "/graphql", tok, mut, "Content-Type", "application/json")
		expect(t, r, 200)
		if !strings.Contains(string(r.Body), `"current":"2"`) {
			t.Fatalf("reserve: %s", r.Body)
		}
		q := `{"query":"{ namespaces(first: 50) { edges { node { name quotas(labelFilter: \"env=prod\") { edges { node { name } } } quotaUsage { objects { key limit current } } } } } }"}`
		r = s.do("POST", "/graphql", tok, q, "Content-Type", "application/json")
		expect(t, r, 200)
		if !strings.Contains(string(r.Body), `"name":"q1"`) || !strings.Contains(string(r.Body), `"key":"http_loadbalancer","limit":"5","current":"2"`) {
			t.Fatalf("nested query: %s", r.Body)
		}
		// Without a token: 401 before GraphQL runs. Another tenant sees nothing.
		expect(t, s.do("POST", "/graphql", "", q, "Content-Type", "application/json"), 401)
		other := token(t, s.dbURL, "globex", "admin", "")
		r = s.do("POST", "/graphql", other, `{"query":"{ namespace(name: \"ns1\") { quota(name: \"q1\") { name } } }"}`, "Content-Type", "application/json")
		if strings.Contains(string(r.Body), `"name":"q1"`) {
			t.Fatalf("another tenant sees q1: %s", r.Body)
		}
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		r = s.do("POST", "/graphql", viewer, mut, "Content-Type", "application/json")
		if !strings.Contains(string(r.Body), `"code":"FORBIDDEN"`) {
			t.Fatalf("viewer mutation: %s", r.Body)
		}
		expect(t, s.do("GET", "/playground", "", nil), 200)
	})
}
