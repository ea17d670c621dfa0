package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestHostileRESTInput replays the REST findings of issue 10 against a real
// server on both databases: nothing may answer 500, and the expensive
// request is refused in milliseconds.
func TestHostileRESTInput(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		viewer := token(t, s.dbURL, "acme", "viewer", "")
		const ns = "/api/web/namespaces/prod"

		// Parse after authorizing: 800 keys of 1e999999 (12.7 KB) took
		// 18.8 s before the role check.
		var b strings.Builder
		b.WriteString(`{"resources":{`)
		for i := 0; i < 800; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":1e999999`, i)
		}
		b.WriteString(`}}`)
		begin := time.Now()
		expect(t, s.do("POST", ns+"/quota/reserve", viewer, b.String()), 403)
		viewerTook := time.Since(begin)
		begin = time.Now()
		r := s.do("POST", ns+"/quota/reserve", admin, b.String())
		adminTook := time.Since(begin)
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), "exponent beyond") {
			t.Fatalf("bomb: %s", r.Body)
		}
		t.Logf("800 x 1e999999: viewer 403 in %s, admin 400 in %s", viewerTook, adminTook)
		if viewerTook > 2*time.Second || adminTook > 2*time.Second {
			t.Fatalf("bomb took %s / %s", viewerTook, adminTook)
		}

		// Counter overflow: ten reservations of 10^12 on a key without a
		// limit were a 500 (bigint out of range) on PostgreSQL.
		for i := 0; i < 10; i++ {
			r := s.do("POST", ns+"/quota/reserve", admin, `{"resources":{"gpu":1000000000000}}`)
			if i == 0 {
				expect(t, r, 200)
				continue
			}
			expect(t, r, 400)
			if !strings.Contains(string(r.Body), `resources[\"gpu\"]`) || !strings.Contains(string(r.Body), "largest countable amount") {
				t.Fatalf("reservation %d: %s", i+1, r.Body)
			}
		}
		// Releasing makes room again.
		expect(t, s.do("POST", ns+"/quota/reserve", admin, `{"resources":{"gpu":-1}}`), 200)
		expect(t, s.do("POST", ns+"/quota/reserve", admin, `{"resources":{"gpu":1}}`), 200)

		// NUL and invalid UTF-8 in an ingestion batch: per-event rejections,
		// the valid event is kept (the NUL made the whole batch a 500).
		ts := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
		ev := func(id, field, value string) string {
			fields := map[string]string{"id": id, "object_name": "lb-1", "deployment": "", "container": ""}
			fields[field] = value
			return `{"id":"` + fields["id"] + `","usage_type":"http_requests","object_name":"` + fields["object_name"] + `","quantity":1,"unit_name":"request","timestamp":"` + ts +
				`","deployment":"` + fields["deployment"] + `","container":"` + fields["container"] + `"}`
		}
		batch := "[" + strings.Join([]string{ev("ok-1", "id", "ok-1"), ev("x", "id", `a\u0000b`), ev("o", "object_name", `lb\u0000`),
			ev("d", "deployment", `\u0000`), ev("c", "container", `c\u0000`), ev("u", "id", "u-\xff"), ev("u", "id", "u-\xfe")}, ",") + "]"
		acc, dup, rej := ingestCounts(t, s.do("POST", eventsPath, admin, batch))
		if acc != 1 || dup != 0 || len(rej) != 6 {
			t.Fatalf("batch: accepted %d duplicates %d rejected %v", acc, dup, rej)
		}
		for i, want := range []string{"id must not contain a NUL", "object_name must not contain a NUL", "deployment must not contain a NUL",
			"container must not contain a NUL", "id must be valid UTF-8", "id must be valid UTF-8"} {
			if r := rej[i].(map[string]any); r["index"] != float64(i+1) || !strings.Contains(r["reason"].(string), want) {
				t.Fatalf("rejection %d: %v, want %q", i, r, want)
			}
		}

		// Quota objects: NUL in the path, the description, a repeated key,
		// a seventh decimal, a repeated label_filter.
		for _, c := range []struct{ method, path, body, field string }{
			{"GET", ns + "/quotas/a%00b", "", `"name"`},
			{"GET", ns + "/usage/invoice_pdf?name=%00", "", `"name"`},
			{"POST", ns + "/quotas", `{"metadata":{"name":"q1","description":"a\u0000b"}}`, `"metadata.description"`},
			{"POST", ns + "/billing/payment_methods", `{"token":"tok\u0000"}`, `"token"`},
			{"POST", ns + "/quotas", `{"metadata":{"name":"q1","name":"q2"}}`, `"metadata.name"`},
			{"POST", ns + "/quotas", `{"metadata":{"name":"q1"},"spec":{"resource_limits":{"vcpu":{"maximum":2.0000001}}}}`, `"spec.resource_limits[\"vcpu\"].maximum"`},
			{"GET", ns + "/quotas?label_filter=env%3Dprod&label_filter=tier", "", `"label_filter"`},
		} {
			r := s.do(c.method, c.path, admin, c.body)
			if r.Status != 400 || !strings.Contains(string(r.Body), `"field":`+c.field) {
				t.Fatalf("%s %s %s: %d %s", c.method, c.path, c.body, r.Status, r.Body)
			}
		}

		// If-Match: * matches any existing object; a missing one still fails.
		expect(t, s.do("POST", ns+"/quotas", admin, `{"metadata":{"name":"q1"},"spec":{"object_limits":{"lb":{"maximum":3}}}}`), 200)
		expect(t, s.do("PUT", ns+"/quotas/q1", admin, `{"spec":{"object_limits":{"lb":{"maximum":4}}}}`, "If-Match", "*"), 200)
		expect(t, s.do("PUT", ns+"/quotas/q1", admin, `{"spec":{"object_limits":{"lb":{"maximum":5}}}}`, "If-Match", `"1"`), 409)
		expect(t, s.do("PUT", ns+"/quotas/nope", admin, `{"spec":{}}`, "If-Match", "*"), 404)
	})
}
