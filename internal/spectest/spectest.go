// Package spectest is a test-only helper that checks real JSON requests and
// responses of billingd against the upstream F5 OpenAPI schemas kept in
// ../shared/reference/openapi (see shared/reference/API.md §0).
//
// The nine spec files are merged into one document: operations come from F5's
// raw per-package files when they have them, else from the enriched
// billing_and_usage.json (only usage_summary); component schemas are the union
// by name, raw winning. The schemas are then adjusted so that validation checks
// API facts and nothing else:
//
//   - enrichment artefacts are stripped (minLength, maxLength, pattern,
//     minimum, maximum, string formats, x-f5xc-* extensions);
//   - every message schema is closed (additionalProperties: false) so a
//     misspelt or invented field fails;
//   - the quota maps the spec leaves as bare `object` get their real value
//     schema from API.md §4.1/§4.3 so map values are checked too;
//   - the proto fields the public spec hides but F5's server sends and its
//     SDK reads (resource_version of quota GetResponse and ReplaceRequest,
//     from F5's generated Go structs) are added as the strings they are.
package spectest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// EnvDir names the environment variable that overrides where the specs are.
const EnvDir = "BILLINGD_SPEC_DIR"

// mergedFile is the enriched all-in-one spec; rawFiles are F5's originals.
const mergedFile = "billing_and_usage.json"

var rawFiles = []string{
	"docs-cloud-f5-com.0140.public.ves.io.schema.usage.invoice.ves-swagger.json",
	"docs-cloud-f5-com.0178.public.ves.io.schema.billing.payment_method.ves-swagger.json",
	"docs-cloud-f5-com.0181.public.ves.io.schema.billing.plan_transition.ves-swagger.json",
	"docs-cloud-f5-com.0188.public.ves.io.schema.quota.ves-swagger.json",
	"docs-cloud-f5-com.0224.public.ves.io.schema.usage.subscription.ves-swagger.json",
	"docs-cloud-f5-com.0225.public.ves.io.schema.subscription.ves-swagger.json",
	"docs-cloud-f5-com.0249.public.ves.io.schema.usage.ves-swagger.json",
	"docs-cloud-f5-com.0250.public.ves.io.schema.usage.plan.ves-swagger.json",
}

// maxBodyInMessage bounds how much of a failing body a failure message shows.
const maxBodyInMessage = 2048

// Specs is the merged, adjusted spec set. It is read-only after Load and safe
// for parallel tests.
type Specs struct {
	doc *openapi3.T
	// source names the file each operation came from ("GET /path" -> file),
	// so a failure says which spec was applied.
	source map[string]string
}

var (
	loadOnce  sync.Once
	loaded    *Specs
	loadErr   error
	loadDir   string
	dirMissed bool
)

// Dir finds the spec folder: $BILLINGD_SPEC_DIR if set, else the first
// shared/reference/openapi found walking up from the working directory (which
// covers ../shared/reference/openapi of the repository root).
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if !isDir(d) {
			return "", fmt.Errorf("$%s=%q is not a directory", EnvDir, d)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "shared", "reference", "openapi")
		if isDir(cand) {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no shared/reference/openapi above %s (set $%s)", wd, EnvDir)
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// Load returns the specs, loading them once per test binary. When the spec
// folder cannot be found the test is skipped, unless CI=true, where a missing
// folder is a failure (CI must not silently stop checking the contract).
// A folder that is found but unreadable always fails.
func Load(t testing.TB) *Specs {
	t.Helper()
	loadOnce.Do(func() {
		dir, err := Dir()
		if err != nil {
			dirMissed, loadErr = true, err
			return
		}
		loadDir = dir
		loaded, loadErr = load(dir)
	})
	switch {
	case loadErr == nil:
		return loaded
	case dirMissed && os.Getenv("CI") != "true":
		t.Skipf("spectest: upstream OpenAPI specs not found, skipping: %v", loadErr)
	case dirMissed:
		t.Fatalf("spectest: upstream OpenAPI specs not found and CI=true: %v", loadErr)
	default:
		t.Fatalf("spectest: loading specs from %s: %v", loadDir, loadErr)
	}
	return nil
}

// load builds the merged document from dir and adjusts its schemas.
func load(dir string) (*Specs, error) {
	merged, err := readJSON(filepath.Join(dir, mergedFile))
	if err != nil {
		return nil, err
	}
	paths := map[string]map[string]any{}
	schemas := map[string]any{}
	source := map[string]string{}
	add := func(file string, doc map[string]any) {
		for p, item := range asMap(doc["paths"]) {
			dst := paths[p]
			if dst == nil {
				dst = map[string]any{}
				paths[p] = dst
			}
			// Per key, so a later (raw) file replaces an operation of the
			// merged file but keeps the merged file's other methods.
			for k, v := range asMap(item) {
				dst[k] = v
				if m := strings.ToUpper(k); isMethod(m) {
					source[m+" "+p] = file
				}
			}
		}
		for name, s := range asMap(asMap(doc["components"])["schemas"]) {
			schemas[name] = s
		}
	}
	add(mergedFile, merged)
	for _, f := range rawFiles {
		raw, err := readJSON(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		add(f, raw)
	}

	// One synthetic document: every $ref is #/components/schemas/..., so
	// all refs resolve against the union.
	components := map[string]any{"schemas": schemas}
	if ss, ok := asMap(merged["components"])["securitySchemes"]; ok {
		components["securitySchemes"] = ss
	}
	union := map[string]any{
		"openapi":    "3.0.3",
		"info":       map[string]any{"title": "billingd spectest: union of F5 billing specs", "version": "0"},
		"paths":      paths,
		"components": components,
	}
	data, err := json.Marshal(union)
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parsing merged spec: %w", err)
	}
	if err := typeQuotaMaps(doc); err != nil {
		return nil, err
	}
	if err := addHiddenFields(doc); err != nil {
		return nil, err
	}
	adjust(doc)
	return &Specs{doc: doc, source: source}, nil
}

func readJSON(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func isMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// quotaMaps gives the value schema of the map-typed quota properties, which
// the spec leaves as bare `object` (API.md §4.1, §4.3; names checked against
// the raw quota file).
var quotaMaps = map[string]map[string]string{
	// op 14 GET quota/usage: limits and usage.
	"quotaGetResponseType": {
		"objects":           "quotaQuotaUsageItemType",
		"resources":         "quotaQuotaUsageItemType",
		"apis":              "quotaQuotaUsageItemType",
		"quota_usage":       "quotaQuotaUsage",
		"float_quota_usage": "quotaQuotaUsageItemType",
		"api_limits":        "quotaRateLimitType",
	},
	// op 13 GET quota/limits: limits only.
	"quotaGetQuotaLimitsResponse": {
		"objects":           "quotaQuotaLimitsItemType",
		"resources":         "quotaQuotaLimitsItemType",
		"apis":              "quotaQuotaLimitsItemType",
		"quota_usage":       "quotaQuotaLimits",
		"float_quota_usage": "quotaQuotaLimitsItemType",
		"api_limits":        "quotaRateLimitType",
	},
	// The quota object's spec in create/replace/get.
	"schemaquotaCreateSpecType":  specMaps,
	"schemaquotaReplaceSpecType": specMaps,
	"schemaquotaGetSpecType":     specMaps,
	// The stored form, seen as planPlanInternal.default_quota.
	"schemaquotaGlobalSpecType": {
		"object_limits":   "quotaLimitType",
		"resource_limits": "quotaFloatLimitType",
		"api_limits":      "quotaRateLimitType",
		"apigw_limits":    "rate_limiterRateLimitValue",
	},
}

var specMaps = map[string]string{
	"object_limits":   "quotaLimitType",
	"resource_limits": "quotaFloatLimitType",
	"api_limits":      "quotaRateLimitType",
}

// typeQuotaMaps sets additionalProperties of the quota maps to their value
// schema. It fails loudly if the spec no longer has a property or schema, so
// a spec update cannot quietly turn the check off.
func typeQuotaMaps(doc *openapi3.T) error {
	all := doc.Components.Schemas
	for owner, props := range quotaMaps {
		o := all[owner]
		if o == nil || o.Value == nil {
			return fmt.Errorf("quota map owner schema %s not in spec", owner)
		}
		for prop, valueSchema := range props {
			p := o.Value.Properties[prop]
			v := all[valueSchema]
			switch {
			case p == nil || p.Value == nil:
				return fmt.Errorf("%s has no property %q", owner, prop)
			case p.Ref != "" || len(p.Value.Properties) > 0:
				return fmt.Errorf("%s.%s is not an inline bare map any more", owner, prop)
			case v == nil:
				return fmt.Errorf("map value schema %s not in spec", valueSchema)
			}
			p.Value.AdditionalProperties = openapi3.AdditionalProperties{Schema: v}
		}
	}
	return nil
}

// hiddenFields are proto fields missing from the public schemas: owner
// schema -> property -> JSON type. F5's quota GetResponse carries
// resource_version (proto field 4) and ReplaceRequest has it as field 3;
// the SDK's get-then-replace reads it from the GET body.
var hiddenFields = map[string]map[string]string{
	"quotaGetResponse":    {"resource_version": openapi3.TypeString},
	"quotaReplaceRequest": {"resource_version": openapi3.TypeString},
}

// addHiddenFields adds hiddenFields; it fails if a property already exists
// (the spec caught up: drop the entry) or an owner is gone.
func addHiddenFields(doc *openapi3.T) error {
	for owner, props := range hiddenFields {
		o := doc.Components.Schemas[owner]
		if o == nil || o.Value == nil {
			return fmt.Errorf("hidden field owner schema %s not in spec", owner)
		}
		for prop, typ := range props {
			if _, ok := o.Value.Properties[prop]; ok {
				return fmt.Errorf("%s already has %q: remove it from hiddenFields", owner, prop)
			}
			if o.Value.Properties == nil {
				o.Value.Properties = openapi3.Schemas{}
			}
			o.Value.Properties[prop] = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{typ}})
		}
	}
	return nil
}

// adjust strips artefacts and closes message schemas, visiting every schema
// reachable from the components and the operations once.
func adjust(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(r *openapi3.SchemaRef, component bool)
	walk = func(r *openapi3.SchemaRef, component bool) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		s := r.Value
		seen[s] = true
		// Every $ref points at #/components/schemas, so a ref is a named
		// schema, whichever way the walk reaches it first.
		component = component || r.Ref != ""

		// Enrichment constraints are not API facts (API.md §0). Strip them
		// from every schema: the raw files carry none that we rely on.
		s.MinLength, s.MaxLength, s.Pattern = 0, nil, ""
		s.Min, s.Max = nil, nil
		if s.Type.Is(openapi3.TypeString) || s.Type == nil {
			// hostname/uuid/int64/date-time on strings: keep only the type.
			s.Format = ""
		}
		for k := range s.Extensions {
			if strings.HasPrefix(k, "x-f5xc-") {
				delete(s.Extensions, k)
			}
		}

		// Strict field names: a message with properties rejects unknown
		// ones. A named component object without properties is an empty
		// proto message (schemaEmpty, quotaReplaceResponse, ...), so it
		// must be {} too. Inline property objects without properties are
		// maps (labels, annotations) and stay open.
		if s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			if len(s.Properties) > 0 || (component && s.Type.Is(openapi3.TypeObject) && len(s.Enum) == 0) {
				closed := false
				s.AdditionalProperties.Has = &closed
			}
		}

		for _, p := range s.Properties {
			walk(p, false)
		}
		walk(s.Items, false)
		walk(s.AdditionalProperties.Schema, false)
		walk(s.Not, false)
		for _, l := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range l {
				walk(x, false)
			}
		}
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		walk(doc.Components.Schemas[name], true)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema, false)
				}
			}
			for _, rr := range op.Responses.Map() {
				if rr.Value != nil {
					for _, mt := range rr.Value.Content {
						walk(mt.Schema, false)
					}
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// operation finds method + path template exactly as written in the spec.
func (s *Specs) operation(t testing.TB, method, pathTemplate string) *openapi3.Operation {
	t.Helper()
	item := s.doc.Paths.Value(pathTemplate)
	if item == nil {
		t.Fatalf("spectest: no path %q in the specs (use the template exactly as in the spec, e.g. /api/web/namespaces/{namespace}/quota/usage)", pathTemplate)
		return nil
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		t.Fatalf("spectest: path %q has no %s operation", pathTemplate, strings.ToUpper(method))
		return nil
	}
	return op
}

// ValidateResponse checks body (JSON) against the 200-response schema of the
// operation (method and path template exactly as in the spec, e.g. "GET",
// "/api/web/namespaces/{namespace}/quota/usage").
func (s *Specs) ValidateResponse(t testing.TB, method, pathTemplate string, body []byte) {
	t.Helper()
	op := s.operation(t, method, pathTemplate)
	if op == nil {
		return
	}
	r := op.Responses.Status(200)
	if r == nil || r.Value == nil || r.Value.Content.Get("application/json") == nil {
		t.Fatalf("spectest: %s %s has no application/json 200 response", method, pathTemplate)
		return
	}
	what := fmt.Sprintf("%s %s 200 response (%s)", strings.ToUpper(method), pathTemplate, s.source[strings.ToUpper(method)+" "+pathTemplate])
	validate(t, what, r.Value.Content.Get("application/json").Schema, body, openapi3.VisitAsResponse())
}

// ValidateRequest checks a request body against the operation's requestBody
// schema. An empty body is checked as {}: grpc-gateway accepts it (API.md §1).
func (s *Specs) ValidateRequest(t testing.TB, method, pathTemplate string, body []byte) {
	t.Helper()
	op := s.operation(t, method, pathTemplate)
	if op == nil {
		return
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
		t.Fatalf("spectest: %s %s has no application/json request body", method, pathTemplate)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	what := fmt.Sprintf("%s %s request body (%s)", strings.ToUpper(method), pathTemplate, s.source[strings.ToUpper(method)+" "+pathTemplate])
	validate(t, what, op.RequestBody.Value.Content.Get("application/json").Schema, body, openapi3.VisitAsRequest())
}

// ValidateSchema checks a JSON value against a named component schema, e.g.
// "quotaQuotaUsageItemType".
func (s *Specs) ValidateSchema(t testing.TB, schemaName string, body []byte) {
	t.Helper()
	r := s.doc.Components.Schemas[schemaName]
	if r == nil {
		t.Fatalf("spectest: no component schema %q", schemaName)
		return
	}
	validate(t, "schema "+schemaName, r, body)
}

// validate decodes body and reports every schema violation with its JSON
// path, plus the (truncated) body.
func validate(t testing.TB, what string, schema *openapi3.SchemaRef, body []byte, opts ...openapi3.SchemaValidationOption) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("spectest: %s: body is not valid JSON: %v\nbody: %s", what, err, clip(body))
		return
	}
	// Format validation stays off (the default): formats are artefacts here.
	opts = append(opts, openapi3.MultiErrors())
	err := schema.Value.VisitJSON(v, opts...)
	if err == nil {
		return
	}
	name := schema.Ref
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spectest: %s does not match the spec", what)
	if name != "" {
		fmt.Fprintf(&b, " (schema %s)", name)
	}
	b.WriteString(":")
	for _, p := range problems(err) {
		b.WriteString("\n  " + p)
	}
	fmt.Fprintf(&b, "\nbody: %s", clip(body))
	t.Errorf("%s", b.String())
}

// problems flattens kin-openapi errors into "/json/path: reason" lines. An
// allOf failure (the merged file wraps $refs in allOf) carries its causes in
// Origin; those are reported instead of the generic allOf message. kin-openapi
// already gives nested causes their full path from the root.
func problems(err error) []string {
	var out []string
	var visit func(err error)
	visit = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				visit(x)
			}
		case *openapi3.SchemaError:
			var inner openapi3.MultiError
			if e.Origin != nil && errors.As(e.Origin, &inner) {
				visit(inner)
				return
			}
			reason := e.Reason
			if reason == "" {
				reason = fmt.Sprintf("does not match %q", e.SchemaField)
			}
			if e.Origin != nil {
				reason += ": " + e.Origin.Error()
			}
			out = append(out, "/"+strings.Join(e.JSONPointer(), "/")+": "+reason)
		default:
			out = append(out, err.Error())
		}
	}
	visit(err)
	slices.Sort(out)
	return slices.Compact(out)
}

// clip keeps failure messages readable: at most 2 KB of the body.
func clip(body []byte) string {
	if len(body) <= maxBodyInMessage {
		return string(body)
	}
	return fmt.Sprintf("%s... (%d bytes, truncated)", body[:maxBodyInMessage], len(body))
}
