package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const eventsPath = "/api/web/namespaces/prod/usage/events"

func event(id, usageType, unit, qty string, ts time.Time) map[string]any {
	return map[string]any{"id": id, "usage_type": usageType, "object_name": "lb-1", "quantity": qty, "unit_name": unit, "timestamp": ts.Format(time.RFC3339)}
}

func ingestCounts(t *testing.T, r response) (accepted, duplicates int, rejected []any) {
	t.Helper()
	expect(t, r, 200)
	m := r.JSON(t)
	rej, ok := m["rejected"].([]any)
	if !ok {
		t.Fatalf("rejected missing or not an array: %s", r.Body)
	}
	return int(m["accepted"].(float64)), int(m["duplicates"].(float64)), rej
}

func TestUsageIngestOverHTTP(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, s *server) {
		tok := token(t, s.dbURL, "acme", "editor", "")
		ts := s.now().Add(-time.Hour).Truncate(time.Second)

		// A JSON array: valid events kept, bad ones rejected with reasons.
		batch := []any{
			event("e1", "http_requests", "request", "1000", ts),
			event("e2", "gpu_hours", "hour", "1", ts),
			map[string]any{"id": "e3", "usage_type": "http_requests", "object_name": "lb-1", "quantity": true, "unit_name": "request", "timestamp": ts.Format(time.RFC3339)},
			event("e4", "data_transfer", "request", "1", ts),
			event("e5", "data_transfer", "byte", "0.000000000001", ts),
			event("e6", "http_requests", "request", "1", ts.Add(2*time.Hour)),
			// Issue 11: accepted, it saturated current_usage and made the
			// invoice negative; it is that event's rejection now.
			event("e7", "http_requests", "request", "900000000000000000000000", ts),
		}
		acc, dup, rej := ingestCounts(t, s.do("POST", eventsPath, tok, batch))
		if acc != 2 || dup != 0 || len(rej) != 5 {
			t.Fatalf("first batch: accepted %d duplicates %d rejected %v", acc, dup, rej)
		}
		for i, want := range []struct {
			index  float64
			id     string
			reason string
		}{{1, "e2", "unknown usage type"}, {2, "e3", "quantity"}, {3, "e4", "does not match the rate card"}, {5, "e6", "in the future"},
			{6, "e7", "is too large: one event may bill at most"}} {
			r := rej[i].(map[string]any)
			if r["index"] != want.index || r["id"] != want.id || !strings.Contains(r["reason"].(string), want.reason) {
				t.Fatalf("rejection %d: %v, want %+v", i, r, want)
			}
		}
		// An idempotent retry stores nothing twice.
		if acc, dup, _ := ingestCounts(t, s.do("POST", eventsPath, tok, batch)); acc != 0 || dup != 2 {
			t.Fatalf("retry: accepted %d duplicates %d", acc, dup)
		}
		// NDJSON, with a conflict (e1 with other content) and a repeat.
		var nd bytes.Buffer
		nd.WriteString(`{"id":"n1","usage_type":"vcpu_hours","object_name":"site-1","quantity":2.5,"unit_name":"hour","timestamp":"` + ts.Format(time.RFC3339) + `"}` + "\n\n")
		nd.WriteString(`{"id":"e1","usage_type":"http_requests","object_name":"lb-1","quantity":"999","unit_name":"request","timestamp":"` + ts.Format(time.RFC3339) + `"}` + "\n")
		nd.WriteString(`{"id":"e5","usage_type":"data_transfer","object_name":"lb-1","quantity":0.000000000001,"unit_name":"byte","timestamp":"` + ts.Format(time.RFC3339) + `"}` + "\n")
		acc, dup, rej = ingestCounts(t, s.do("POST", eventsPath, tok, nd.String(), "Content-Type", "application/x-ndjson"))
		if acc != 1 || dup != 1 || len(rej) != 1 || rej[0].(map[string]any)["reason"] != "id already used with different content" || rej[0].(map[string]any)["index"] != 1.0 {
			t.Fatalf("ndjson: accepted %d duplicates %d rejected %v", acc, dup, rej)
		}
		// Not JSON at all: 400 naming the place; NDJSON: naming the line.
		r := s.do("POST", eventsPath, tok, `[{"id":"x"},`)
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), "byte") {
			t.Fatalf("400 without offset: %s", r.Body)
		}
		r = s.do("POST", eventsPath, tok, "{\"id\":\"x\"}\nnope\n", "Content-Type", "application/x-ndjson")
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), "line 2") {
			t.Fatalf("400 without line: %s", r.Body)
		}
		// Over the size limit: 413 and nothing stored.
		big := fmt.Sprintf(`[{"id":"big-1","usage_type":"http_requests","object_name":"lb-1","quantity":1,"unit_name":"request","timestamp":%q},{"id":"pad","container":"%s"}]`,
			ts.Format(time.RFC3339), strings.Repeat("x", 17<<20))
		expect(t, s.do("POST", eventsPath, tok, big), 413)
		if acc, _, _ := ingestCounts(t, s.do("POST", eventsPath, tok, []any{event("big-1", "http_requests", "request", "1", ts)})); acc != 1 {
			t.Fatal("the event of the refused 413 body was stored")
		}
		// Viewers cannot ingest; nor can anyone without a token.
		expect(t, s.do("POST", eventsPath, token(t, s.dbURL, "acme", "viewer", ""), batch), 403)
		expect(t, s.do("POST", eventsPath, "", batch), 401)

		// usage import: twice on the same CSV stores nothing twice.
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "usage.csv")
		var c strings.Builder
		c.WriteString("id,usage_type,object_name,quantity,unit_name,timestamp,deployment,container\n")
		for i := 0; i < 2500; i++ {
			fmt.Fprintf(&c, "imp-%d,http_requests,lb-%d,%d.5,request,%s,dep,\n", i, i%4, i, ts.Format(time.RFC3339))
		}
		if err := os.WriteFile(csvPath, []byte(c.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out := billingd(t, s.dbURL, "usage", "import", csvPath, "--tenant", "acme", "--namespace", "prod", "--batch", "1000")
		if !strings.Contains(out, "accepted 2500, duplicates 0, rejected 0") {
			t.Fatalf("first import: %s", out)
		}
		out = billingd(t, s.dbURL, "usage", "import", csvPath, "--tenant", "acme", "--namespace", "prod")
		if !strings.Contains(out, "accepted 0, duplicates 2500, rejected 0") {
			t.Fatalf("second import: %s", out)
		}
		// A file with rejections: reasons printed, exit status 1.
		bad := filepath.Join(dir, "bad.ndjson")
		body := `{"id":"b1","usage_type":"nope","object_name":"o","quantity":1,"unit_name":"x","timestamp":"` + ts.Format(time.RFC3339) + `"}` + "\n" +
			`{"id":"b2","usage_type":"http_requests","object_name":"o","quantity":1,"unit_name":"request","timestamp":"` + ts.Format(time.RFC3339) + `"}` + "\n"
		if err := os.WriteFile(bad, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, "usage", "import", bad, "--tenant", "acme", "--database-url", s.dbURL)
		cmd.Env = clockEnv(s.dbURL)
		outb, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("import with rejections: %v\n%s", err, outb)
		}
		if !strings.Contains(string(outb), "accepted 1, duplicates 0, rejected 1") || !strings.Contains(string(outb), `line 1 (id "b1"): unknown usage type`) {
			t.Fatalf("import with rejections printed:\n%s", outb)
		}
	})
}
