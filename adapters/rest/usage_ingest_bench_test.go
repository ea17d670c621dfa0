package rest

import (
	"fmt"
	"testing"
)

// plainBatch is a batch as real clients send it: 1,000 plain events.
func plainBatch() []byte {
	b := []byte{'['}
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"id":"r1-w3-s%d-e%d","usage_type":"http_requests","object_name":"lb-%d","quantity":%d.%03d,"unit_name":"request","timestamp":"2026-11-26T%02d:%02d:00Z"}`,
			i/100, i, i%20, i%1000, i%7, 10+i%3, i%60)
	}
	return append(b, ']')
}

// BenchmarkDecodeEvents compares the fast path (what decodeEvents takes for
// this batch) with the general encoding/json path on the same batch:
// go test ./adapters/rest -run '^$' -bench DecodeEvents -benchmem
func BenchmarkDecodeEvents(b *testing.B) {
	body := plainBatch()
	if _, ok := decodeEventsFast(body); !ok {
		b.Fatal("the plain batch does not take the fast path")
	}
	for _, c := range []struct {
		name   string
		decode func([]byte) (decodedBatch, error)
	}{
		{"fast", func(body []byte) (decodedBatch, error) { return decodeEvents(body, false) }},
		{"general", decodeEventArray},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if d, err := c.decode(body); err != nil || len(d.events) != 1000 {
					b.Fatalf("%d events (%v)", len(d.events), err)
				}
			}
		})
	}
}
