package rest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/quota"
	"github.com/billingd/billingd/domain/text"
)

// FuzzQuotaBodies feeds arbitrary bytes to the decoders of the quota bodies
// and the validation behind them: no input may panic, and every refusal must
// be the caller's fault (Invalid or TooLarge), never an internal error.
func FuzzQuotaBodies(f *testing.F) {
	for _, s := range []string{
		`{"metadata":{"name":"q","labels":{"env":"prod"}},"spec":{"object_limits":{"virtual_host":{"maximum":12}}}}`,
		`{"metadata":{"name":"q"},"spec":{"resource_limits":{"vcpu":{"maximum":2.5}},"api_limits":{"a.b":{"rate":1,"burst":2,"unit":"per-second"}}}}`,
		`{"objects":{"http_loadbalancer":1},"resources":{"vcpu":2.5},"apis":{"x.API.Create":1}}`,
		`{"objects":{"a":-1e400}}`, `{"resources":{"v":"0.0000001"}}`, `{"namespace":"n","fail_if_referred":true}`,
		``, `null`, `[]`, `{"metadata":`, `{"spec":{"object_limits":{"":{"maximum":2147483648}}}}`,
		// Hostile input (issue 10): NUL, invalid UTF-8, exponent and digit
		// bombs, repeated keys.
		`{"metadata":{"name":"q","description":"a\u0000b"}}`, "{\"metadata\":{\"name\":\"q\",\"description\":\"\xff\xfe\"}}",
		`{"metadata":{"name":"q","labels":{"\u0000":"v"}}}`, `{"metadata":{"name":"q","description":"\ud800"}}`,
		`{"resources":{"gpu":1e999999}}`, `{"resources":{"gpu":1e-999999}}`, `{"objects":{"a":` + strings.Repeat("9", 60) + `}}`,
		`{"spec":{"resource_limits":{"vcpu":{"maximum":1e999999}}}}`, `{"spec":{"resource_limits":{"vcpu":{"maximum":2.0000001}}}}`,
		`{"metadata":{"name":"a","name":"b"}}`, `{"objects":{"a":1,"\u0061":2}}`, `{"resources":{"gpu":1000000000000}}`,
		// proto3 JSON numbers as strings (issue 9).
		`{"spec":{"object_limits":{"vh":{"maximum":"12"}},"api_limits":{"a.b":{"rate":"1e2","burst":"-1"}}}}`,
		`{"spec":{"object_limits":{"vh":{"maximum":"1e999999999"}},"resource_limits":{"v":{"maximum":"2.5"}}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(err error) {
			if err != nil && errs.KindOf(err) != errs.Invalid && errs.KindOf(err) != errs.TooLarge {
				t.Fatalf("input %q: error of kind %s: %v", body, errs.KindOf(err), err)
			}
		}
		req := httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
		var c quotaCreateRequest
		if err := decodeBody(req, &c); err != nil {
			check(err)
		} else {
			var fe errs.Fields
			in := quota.CreateInput{Namespace: "ns1", Name: c.Metadata.Name, Labels: c.Metadata.Labels, Annotations: c.Metadata.Annotations,
				Description: c.Metadata.Description, Spec: specFromWire(c.Spec, &fe)}
			check(fe.Err())
			check(in.Validate())
			_ = specToWire(in.Spec)
			// What got past the edge is storable text.
			strs := []string{in.Name, in.Description}
			for k, v := range in.Labels {
				strs = append(strs, k, v)
			}
			for k, v := range in.Annotations {
				strs = append(strs, k, v)
			}
			for _, s := range strs {
				if p := text.Problem(s); p != "" {
					t.Fatalf("input %q: %q passed the edge: %s", body, s, p)
				}
			}
		}
		req = httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
		var r reserveRequest
		if err := decodeBody(req, &r); err != nil {
			check(err)
			return
		}
		var fe errs.Fields
		in := quota.ReserveInput{Namespace: "ns1", Objects: amountsFromWire("objects", r.Objects, &fe),
			Resources: amountsFromWire("resources", r.Resources, &fe), APIs: amountsFromWire("apis", r.APIs, &fe)}
		check(fe.Err())
		check(in.Validate())
	})
}
