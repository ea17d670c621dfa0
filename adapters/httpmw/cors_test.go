package httpmw

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"https://Console.Example.com": "https://console.example.com", "http://localhost:5173": "http://localhost:5173",
		"https://a.example/": "https://a.example"} {
		if got, err := ParseOrigin(in); err != nil || got != want {
			t.Errorf("%s → %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"*", "https://*.example.com", "example.com", "ftp://x", "https://x/path", "https://u:p@x", "https://x?q=1", ""} {
		if _, err := ParseOrigin(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestCORS: a preflight of an allowed origin is answered before the
// handler (authentication) runs; other origins get no CORS headers.
func TestCORS(t *testing.T) {
	t.Parallel()
	reached := 0
	h := CORS([]string{"https://console.example.com"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusUnauthorized) // what authentication answers
	}))
	do := func(method, path, origin string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, path := range []string{"/graphql", "/api/web/namespaces/prod/quotas"} {
		w := do("OPTIONS", path, "https://console.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
		if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://console.example.com" ||
			w.Header().Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "POST") || reached != 0 {
			t.Fatalf("preflight %s: %d %v (handler reached %d times)", path, w.Code, w.Header(), reached)
		}
	}
	if w := do("OPTIONS", "/graphql", "https://evil.example", "Access-Control-Request-Method", "POST"); w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" || reached != 0 {
		t.Fatalf("foreign preflight: %d %v", w.Code, w.Header())
	}
	// The actual request goes through authentication, with the headers.
	if w := do("POST", "/graphql", "https://console.example.com"); w.Code != 401 || w.Header().Get("Access-Control-Allow-Origin") != "https://console.example.com" ||
		!strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "Retry-After") || reached != 1 {
		t.Fatalf("request: %d %v", w.Code, w.Header())
	}
	if w := do("POST", "/graphql", "https://evil.example"); w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Vary") != "Origin" {
		t.Fatalf("foreign request: %v", w.Header())
	}
	if w := do("GET", "/metrics", "https://console.example.com"); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS outside the API: %v", w.Header())
	}
	if CORS(nil, h) == nil {
		t.Fatal("no origins: nil handler")
	}
}
