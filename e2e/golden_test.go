package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden pairs one legacy route call with its recorded answer.
type golden struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Request  json.RawMessage `json:"request,omitempty"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
}

var (
	uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRe = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)
)

// normalize replaces what changes from run to run (ids, times) with
// placeholders, and indents, so a diff shows only real wire changes.
func normalize(t *testing.T, b []byte) json.RawMessage {
	t.Helper()
	b = uuidRe.ReplaceAll(b, []byte("<uuid>"))
	b = timeRe.ReplaceAll(b, []byte(`"<time>"`))
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return out.Bytes()
}

// TestGoldenLegacyRoutes replays one request per legacy quota and plan
// route and compares the answer with testdata/golden/<name>.json. Run with
// -update after an intended wire change, and review the diff.
func TestGoldenLegacyRoutes(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite")
	tok := token(t, s.dbURL, "acme", "admin", "")
	steps := []struct {
		name, method, path, body string
	}{
		{"quota_create", "POST", "/api/web/namespaces/staging/quotas", createBody},
		{"quota_get", "GET", "/api/web/namespaces/staging/quotas/example-quota?response_format=GET_RSP_FORMAT_FOR_REPLACE", ""},
		{"quota_get_default", "GET", "/api/web/namespaces/staging/quotas/example-quota", ""},
		{"quota_list", "GET", "/api/web/namespaces/staging/quotas?report_fields=&label_filter=env%3Dprod", ""},
		{"quota_replace", "PUT", "/api/web/namespaces/staging/quotas/example-quota", `{"metadata":{"name":"example-quota"},"spec":{"object_limits":{"http_loadbalancer":{"maximum":20}}}}`},
		{"quota_reserve", "POST", "/api/web/namespaces/staging/quota/reserve", `{"objects":{"http_loadbalancer":3}}`},
		{"quota_limits", "GET", "/api/web/namespaces/staging/quota/limits", ""},
		{"quota_usage", "GET", "/api/web/namespaces/staging/quota/usage", ""},
		{"quota_delete", "DELETE", "/api/web/namespaces/staging/quotas/example-quota", `{"fail_if_referred":false}`},
		{"quota_create_invalid", "POST", "/api/web/namespaces/staging/quotas", `{"metadata":{"name":"q"},"spec":{"object_limits":{"virtual_host":{"maximum":-1}}}}`},
		{"usage_plans_current", "GET", "/api/web/namespaces/system/usage_plans/current", ""},
		{"usage_plans_list", "GET", "/api/web/namespaces/system/usage_plans/custom_list", ""},
	}
	for _, st := range steps {
		var body any
		if st.body != "" {
			body = st.body
		}
		r := s.do(st.method, st.path, tok, body)
		got := golden{Method: st.method, Path: st.path, Status: r.Status, Response: normalize(t, r.Body)}
		if st.body != "" {
			got.Request = normalize(t, []byte(st.body))
		}
		enc, _ := json.MarshalIndent(got, "", "  ")
		enc = append(enc, '\n')
		file := filepath.Join("testdata", "golden", st.name+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, enc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./e2e -run Golden -update)", st.name, err)
		}
		if !bytes.Equal(want, enc) {
			t.Errorf("%s: answer differs from %s\n--- got\n%s", st.name, file, enc)
		}
	}
}
