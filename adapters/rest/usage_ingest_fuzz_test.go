package rest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/text"
)

// FuzzIngestBody feeds arbitrary bodies to the ingestion decoder, as a JSON
// array and as NDJSON: no input may panic, a refusal of the whole body must be
// the caller's fault (Invalid), and every element is accounted for exactly
// once, as an event or as a rejection with its own index.
func FuzzIngestBody(f *testing.F) {
	for _, s := range []string{
		`[{"id":"e1","usage_type":"http_requests","object_name":"lb","quantity":12,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}]`,
		`[{"id":"e2","usage_type":"data_transfer","object_name":"lb","quantity":"0.000000000001","unit_name":"byte","timestamp":"2026-11-26T10:00:00.5+01:00","deployment":"d","container":"c"}]`,
		`[{"id":1},{"quantity":true},null,5,"x",{"timestamp":"yesterday"},{"quantity":"1e999999999"},{"extra":1}]`,
		"{\"id\":\"a\",\"quantity\":1}\n\n{\"id\":\"b\",\"quantity\":\"-1\"}\r\n",
		`[`, `[{]`, `{}`, ``, `[] []`, `[{"quantity":1e400}]`,
		// Hostile input (issue 10): NUL, invalid UTF-8, exponent bombs,
		// repeated keys.
		`[{"id":"a\u0000b","usage_type":"http_requests","object_name":"lb","quantity":1,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}]`,
		"[{\"id\":\"u-\xff\",\"quantity\":1},{\"id\":\"u-\xfe\",\"quantity\":1}]",
		`[{"id":"x","object_name":"\ud800","deployment":"\u0000","container":"c\u0000"}]`,
		`[{"id":"x","quantity":1e999999},{"id":"y","quantity":` + strings.Repeat("9", 60) + `}]`,
		`[{"id":"x","quantity":1,"quantity":2},{"id":"y","\u0069d":"z"}]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		b, err := decodeEvents(body, ndjson)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("input %q: error of kind %s: %v", body, errs.KindOf(err), err)
			}
			return
		}
		if len(b.events)+len(b.rejected) != b.total || len(b.index) != len(b.events) {
			t.Fatalf("input %q: %d events + %d rejections != %d", body, len(b.events), len(b.rejected), b.total)
		}
		seen := map[int]bool{}
		for _, i := range b.index {
			seen[i] = true
		}
		for _, r := range b.rejected {
			if seen[r.Index] || r.Index < 0 || r.Index >= b.total || strings.TrimSpace(r.Reason) == "" {
				t.Fatalf("input %q: bad rejection %+v", body, r)
			}
			seen[r.Index] = true
		}
		for _, e := range b.events {
			for _, s := range []string{e.ID, e.UsageType, e.ObjectName, e.UnitName, e.Deployment, e.Container} {
				if p := text.Problem(s); p != "" {
					t.Fatalf("input %q: event %+v passed the decoder: %s", body, e, p)
				}
			}
			if e.Quantity.Exponent() > 40 || e.Quantity.Exponent() < -40 || (!e.Timestamp.IsZero() && e.Timestamp.Location().String() != "UTC") {
				t.Fatalf("input %q: event %+v escaped the checks", body, e)
			}
		}
	})
}

func TestDecodeEvents(t *testing.T) {
	t.Parallel()
	b, err := decodeEvents([]byte(`[{"id":"a","usage_type":"u","object_name":"o","quantity":"1.50","unit_name":"x","timestamp":"2026-11-26T10:00:00Z"},
		{"id":"b","quantity":true}, {"id":"c","quantity":1,"timestamp":"noon"}, {"id":"d","color":"red"}]`), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.events) != 1 || b.events[0].Quantity.String() != "1.5" || len(b.rejected) != 3 {
		t.Fatalf("%+v", b)
	}
	for i, want := range []string{"quantity", "RFC 3339", "unknown field"} {
		if r := b.rejected[i]; r.Index != i+1 || !strings.Contains(r.Reason, want) || r.ID == "" {
			t.Fatalf("rejection %d: %+v, want %q", i, r, want)
		}
	}
	if _, err := decodeEvents([]byte(`[{"id":"a"},`), false); err == nil || !strings.Contains(err.Error(), "byte") {
		t.Fatalf("truncated array: %v", err)
	}
	if _, err := decodeEvents([]byte("{\"id\":\"a\"}\n{oops\n"), true); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad NDJSON line: %v", err)
	}
}

// FuzzFastEventDecodeAgrees: wherever the fast path answers, the general
// path gives the same batch (events, positions, rejections) without error.
func FuzzFastEventDecodeAgrees(f *testing.F) {
	for _, s := range []string{
		`[{"id":"e1","usage_type":"http_requests","object_name":"lb","quantity":12,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}]`,
		`[{"id":"e2","usage_type":"data_transfer","object_name":"lb","quantity":"0.000000000001","unit_name":"byte","timestamp":"2026-11-26T10:00:00.5+01:00","deployment":"d","container":"c"},
		  {"id":"e3","quantity":"x","timestamp":"yesterday"},{"id":"e4","quantity":-1.5e3,"timestamp":"2026-11-26T10:00:00Z"}]`,
		`[{"ID":"a"}]`, `[{"id":null}]`, `[{"id":1}]`, `[{"id":"a","id":"b"}]`, `[{"quantity":01}]`, `[{"quantity":1e999999}]`,
		`[]`, ` [ ] `, `[{}]`, `[{"id":"a"}] x`, "[{\"id\":\"a\x01\"}]", "[{\"id\":\"\xff\"}]", `[{"extra":"1"}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := decodeEventsFast(body)
		if !ok {
			return
		}
		general, err := decodeEventArray(body)
		if err != nil {
			t.Fatalf("input %q: the fast path answered, the general one refused: %v", body, err)
		}
		if !reflect.DeepEqual(emptyAsNil(fast), emptyAsNil(general)) {
			t.Fatalf("input %q:\nfast    %+v\ngeneral %+v", body, fast, general)
		}
	})
}

// emptyAsNil makes an empty list nil, so that DeepEqual compares contents.
func emptyAsNil(b decodedBatch) decodedBatch {
	if len(b.events) == 0 {
		b.events, b.index = nil, nil
	}
	if len(b.rejected) == 0 {
		b.rejected = nil
	}
	return b
}
