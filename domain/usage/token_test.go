package usage

import (
	"strings"
	"testing"
)

// FuzzDecodeQuery feeds hourly_breakdown_query decoding arbitrary text: it
// never panics, and whatever it accepts re-encodes to a token it accepts
// the same way (so only MAC-valid, well-formed queries get through).
func FuzzDecodeQuery(f *testing.F) {
	key := []byte(strings.Repeat("k", 32))
	f.Add(encodeQuery(key, hourlyQuery{TenantID: "t1", Namespace: "ns", Object: "lb", UsageType: "http_requests", From: 3600, To: 7200}))
	f.Add("")
	f.Add("e30")                                   // {}
	f.Add("eyJ2IjoxLCJtYWMiOiIwMCJ9")              // {"v":1,"mac":"00"}
	f.Add(strings.Repeat("A", maxQueryTokenLen+1)) // too long
	f.Fuzz(func(t *testing.T, s string) {
		q, err := decodeQuery(key, s)
		if err != nil {
			return
		}
		again, err := decodeQuery(key, encodeQuery(key, q))
		if err != nil || again != q {
			t.Fatalf("accepted %q as %+v, but its re-encoding gives %+v, %v", s, q, again, err)
		}
	})
}
