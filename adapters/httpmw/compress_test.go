package httpmw_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/billingd/billingd/adapters/httpmw"
)

func TestCompress(t *testing.T) {
	big := strings.Repeat(`{"namespace":"staging","usageType":"http_requests","quantity":"1500000"},`, 100)
	h, err := httpmw.Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/small" {
			_, _ = io.WriteString(w, `{"ok":true}`)
			return
		}
		http.ServeContent(w, r, "x.json", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), strings.NewReader(big))
	}))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, hdr ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	decode := func(r *http.Response) string {
		t.Helper()
		var rd io.Reader = r.Body
		switch enc := r.Header.Get("Content-Encoding"); enc {
		case "br":
			rd = brotli.NewReader(r.Body)
		case "gzip":
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			rd = zr
		case "":
		default:
			t.Fatalf("encoding %q", enc)
		}
		b, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct {
		name, path, accept, want string
	}{
		{"a browser gets brotli", "/big", "gzip, deflate, br, zstd", "br"},
		{"gzip only", "/big", "gzip", "gzip"},
		{"brotli refused", "/big", "br;q=0, gzip", "gzip"},
		{"nothing accepted", "/big", "", ""},
		{"identity only", "/big", "identity", ""},
		{"small answers are sent as they are", "/small", "br, gzip", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := get(c.path, "Accept-Encoding", c.accept)
			if got := r.Header.Get("Content-Encoding"); got != c.want {
				t.Fatalf("Content-Encoding %q, want %q", got, c.want)
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
				t.Fatalf("Vary %q: caches would serve one encoding to every client", r.Header.Get("Vary"))
			}
			body := decode(r)
			if c.path == "/big" && body != big {
				t.Fatalf("decoded body differs: %d bytes, want %d", len(body), len(big))
			}
		})
	}
	// A range counts the plain bytes: it is answered uncompressed.
	r := get("/big", "Accept-Encoding", "br, gzip", "Range", "bytes=0-9")
	if r.StatusCode != http.StatusPartialContent || r.Header.Get("Content-Encoding") != "" {
		t.Fatalf("range: %d %q", r.StatusCode, r.Header.Get("Content-Encoding"))
	}
	if b := decode(r); b != big[:10] {
		t.Fatalf("range body %q", b)
	}
}
