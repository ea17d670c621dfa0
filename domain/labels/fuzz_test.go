package labels

import (
	"reflect"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

// FuzzParse checks that Parse never panics, that every error is an
// errs.Invalid, and that every accepted selector survives the canonical round
// trip: Parse(sel.String()) succeeds, gives an equal selector, prints the same
// string again, and matches the same label sets. The seed corpus lives in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		sel, err := Parse(in)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Parse(%q) error %v is not errs.Invalid", in, err)
			}
			return
		}
		canon := sel.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but its String %q fails: %v", in, canon, err)
		}
		if !reflect.DeepEqual(sel, again) {
			t.Fatalf("round trip of %q via %q changed the selector:\n%#v\n%#v", in, canon, sel, again)
		}
		if s := again.String(); s != canon {
			t.Fatalf("String not stable: %q then %q", canon, s)
		}
		if sel.Empty() != (canon == "") {
			t.Fatalf("Empty() = %v for canonical %q", sel.Empty(), canon)
		}
		for _, m := range labelSets(sel) {
			if a, b := sel.Matches(m), again.Matches(m); a != b {
				t.Fatalf("Matches(%v): %q gives %v, %q gives %v", m, in, a, canon, b)
			}
		}
	})
}

// labelSets returns label maps that exercise sel: a few fixed ones plus maps
// built from its own keys and values, so random selectors meet both matching
// and non-matching labels.
func labelSets(sel Selector) []map[string]string {
	sets := []map[string]string{
		nil,
		{"env": "prod"},
		{"env": "", "tier": "web"},
	}
	first, other, last := map[string]string{}, map[string]string{}, map[string]string{}
	for _, r := range sel.reqs {
		other[r.key] = "zz-other"
		if len(r.values) > 0 {
			first[r.key] = r.values[0]
			last[r.key] = r.values[len(r.values)-1]
		} else {
			first[r.key] = ""
		}
	}
	return append(sets, first, other, last)
}
