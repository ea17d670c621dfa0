package playground

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPageAndAssets: the page names only assets this handler serves, and
// nothing of another site.
func TestPageAndAssets(t *testing.T) {
	t.Parallel()
	h := Handler("/playground", "/graphql")
	get := func(path string) (int, string, http.Header) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(b), w.Header()
	}
	code, body, hdr := get("/playground")
	if code != 200 || !strings.Contains(body, `createFetcher({ url: "/graphql" })`) || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("page: %d %s %v", code, body, hdr)
	}
	if strings.Contains(body, "localStorage") || strings.Contains(body, "//cdn") || strings.Contains(body, "https://") {
		t.Fatal("the page stores or loads from elsewhere")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(refs) != 4 {
		t.Fatalf("assets referenced: %v", refs)
	}
	for _, m := range refs {
		code, asset, hdr := get(m[1])
		if code != 200 || len(asset) < 1000 || hdr.Get("Cache-Control") == "" {
			t.Fatalf("%s: %d, %d bytes", m[1], code, len(asset))
		}
	}
	if code, _, _ := get("/playground/assets/../playground.go"); code == 200 {
		t.Fatal("served a file outside the assets")
	}
	if code, _, _ := get("/playground/other"); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
}
