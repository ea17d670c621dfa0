package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// breakdownRe matches the signed hourly_breakdown_query token (and the same
// token sent back as hourly_usage_details' query), which carries the tenant
// id and the report's time range, so it changes from run to run.
var breakdownRe = regexp.MustCompile(`"(hourly_breakdown_query|query)":\s*"[^"]*"`)

// unixRe matches the unix-seconds timestamps of usage_summary.
var unixRe = regexp.MustCompile(`"timestamp":\s*\d{9,}`)

// TestGoldenUsageRoutes replays one request per usage route (ingestion and
// the five reports) and compares the answer with
// testdata/golden/usage_<name>.json, with normalize and the golden file
// format of TestGoldenLegacyRoutes. The events sit at fixed offsets from the
// start of yesterday (UTC), so the amounts never depend on the time of day;
// the times themselves and the breakdown token are normalized away. Run with
// -update after an intended wire change, and review the diff.
func TestGoldenUsageRoutes(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite")
	tok := token(t, s.dbURL, "acme", "admin", "")
	putOnPlan(t, s, tok, "team") // a priced rate card and a flat price
	base := s.now().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	at := func(d time.Duration) string { return base.Add(d).Format(time.RFC3339) }
	events := fmt.Sprintf(`[
 {"id":"g1","usage_type":"http_requests","object_name":"lb-1","quantity":"1500000","unit_name":"request","timestamp":%q},
 {"id":"g2","usage_type":"http_requests","object_name":"lb-1","quantity":"250000","unit_name":"request","timestamp":%q},
 {"id":"g3","usage_type":"data_transfer","object_name":"lb-1","quantity":"2500000000","unit_name":"byte","timestamp":%q},
 {"id":"g4","usage_type":"vcpu_hours","object_name":"vm-1","quantity":"3.5","unit_name":"hour","timestamp":%q,"deployment":"d1","container":"c1"},
 {"id":"g5","usage_type":"gpu_hours","object_name":"vm-1","quantity":"1","unit_name":"hour","timestamp":%q}
]`, at(10*time.Minute), at(70*time.Minute), at(20*time.Minute), at(30*time.Minute), at(40*time.Minute))
	rng := fmt.Sprintf(`{"from":%q,"to":%q}`, at(0), at(24*time.Hour))
	steps := []struct {
		name, method, path, body string
	}{
		{"events", "POST", "/api/web/namespaces/prod/usage/events", events},
		{"usage_details", "POST", "/api/web/namespaces/prod/usage_details", rng},
		{"hourly_usage_details", "POST", "/api/web/namespaces/prod/hourly_usage_details", ""}, // query from usage_details
		{"current_usage", "POST", "/api/web/namespaces/system/current_usage", rng},
		{"monthly_usage", "POST", "/api/web/namespaces/system/monthly_usage", `{"namespace":"system"}`},
		{"usage_summary", "POST", "/api/data/namespaces/system/billing/usage_summary", fmt.Sprintf(`{"start_time":%q,"end_time":%q}`, at(0), at(24*time.Hour))},
	}
	var breakdown string
	for _, st := range steps {
		body := st.body
		if st.name == "hourly_usage_details" {
			if breakdown == "" {
				t.Fatal("usage_details gave no hourly_breakdown_query for lb-1")
			}
			b, _ := json.Marshal(map[string]string{"namespace": "prod", "query": breakdown})
			body = string(b)
		}
		r := s.do(st.method, st.path, tok, body)
		if st.name == "usage_details" {
			var d struct {
				Items []struct {
					ObjectName string `json:"object_name"`
					UsageType  string `json:"metric_label"`
					Query      string `json:"hourly_breakdown_query"`
				} `json:"usage_items"`
			}
			if err := json.Unmarshal(r.Body, &d); err != nil {
				t.Fatalf("usage_details: %v\n%s", err, r.Body)
			}
			for _, it := range d.Items {
				if it.ObjectName == "lb-1" && it.UsageType == "http_requests" {
					breakdown = it.Query
				}
			}
		}
		stable := func(b []byte) json.RawMessage {
			b = breakdownRe.ReplaceAll(b, []byte(`"$1":"<token>"`))
			return normalize(t, unixRe.ReplaceAll(b, []byte(`"timestamp":"<unix>"`)))
		}
		got := golden{Method: st.method, Path: st.path, Status: r.Status, Response: stable(r.Body)}
		if body != "" {
			got.Request = stable([]byte(body))
		}
		enc, _ := json.MarshalIndent(got, "", "  ")
		enc = append(enc, '\n')
		file := filepath.Join("testdata", "golden", "usage_"+st.name+".json")
		if *update {
			if err := os.WriteFile(file, enc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./e2e -run GoldenUsage -update)", st.name, err)
		}
		if !bytes.Equal(want, enc) {
			t.Errorf("%s: answer differs from %s\n--- got\n%s", st.name, file, enc)
		}
	}
}
