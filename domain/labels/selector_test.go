package labels

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

func TestParseCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", "   \t ", ""},
		{"equals", "env=prod", "env=prod"},
		{"double equals", "env==prod", "env=prod"},
		{"not equals", "env!=prod", "env!=prod"},
		{"empty value", "env=", "env="},
		{"empty value not equals", "env!=", "env!="},
		{"in", "env in (prod,dev)", "env in (dev,prod)"},
		{"notin", "env notin (prod)", "env notin (prod)"},
		{"in without space before paren", "env in(a,b)", "env in (a,b)"},
		{"set dedup", "env in (b, a, b)", "env in (a,b)"},
		{"exists", "env", "env"},
		{"not exists", "!env", "!env"},
		{"not exists with space", "! env", "!env"},
		{"spaces around operators", "  env = prod , tier != web ", "env=prod,tier!=web"},
		{"spaces inside set", "env in ( a , b )", "env in (a,b)"},
		{"sorted by key, stable", "b=1,a=2,b!=3", "a=2,b=1,b!=3"},
		{"upstream example", "env in (staging, testing), tier in (web, db)", "env in (staging,testing),tier in (db,web)"},
		{"prefixed key", "example.com/app_name=my-app.v1", "example.com/app_name=my-app.v1"},
		{"keyword as key", "in in (notin)", "in in (notin)"},
		{"keyword as exists key", "notin,!in", "!in,notin"},
		{"all operators", "a=1,b==2,c!=3,d in (4),e notin (5),f,!g", "a=1,b=2,c!=3,d in (4),e notin (5),f,!g"},
		{"tabs and newlines", "a=1,\n\tb", "a=1,b"},
		{"longest key", strings.Repeat("k", 253) + "=v", strings.Repeat("k", 253) + "=v"},
		{"longest value", "k=" + strings.Repeat("v", 63), "k=" + strings.Repeat("v", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sel, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := sel.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			if sel.Empty() != (tt.want == "") {
				t.Errorf("Parse(%q).Empty() = %v", tt.in, sel.Empty())
			}
			again, err := Parse(sel.String())
			if err != nil {
				t.Fatalf("Parse(String()=%q): %v", sel.String(), err)
			}
			if !reflect.DeepEqual(again, sel) {
				t.Errorf("round trip changed the selector: %#v != %#v", again, sel)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"env": "prod", "tier": "web"}
	dev := map[string]string{"env": "dev"}
	none := map[string]string{}
	emptyEnv := map[string]string{"env": ""}
	tests := []struct {
		sel    string
		labels map[string]string
		want   bool
	}{
		{"", nil, true},
		{"", prod, true},
		{"env=prod", prod, true},
		{"env=prod", dev, false},
		{"env=prod", none, false},
		{"env==prod", prod, true},
		{"env!=prod", prod, false},
		{"env!=prod", dev, true},
		{"env!=prod", none, true}, // absent key matches !=
		{"env=", emptyEnv, true},
		{"env=", none, false},
		{"env in (prod,dev)", prod, true},
		{"env in (prod,dev)", dev, true},
		{"env in (prod,dev)", none, false},
		{"env in (qa)", prod, false},
		{"env notin (prod)", prod, false},
		{"env notin (prod)", dev, true},
		{"env notin (prod)", none, true}, // absent key matches notin
		{"env", prod, true},
		{"env", emptyEnv, true},
		{"env", none, false},
		{"!env", prod, false},
		{"!env", none, true},
		{"env=prod,tier=web", prod, true},
		{"env=prod,tier=db", prod, false},
		{"env=prod,!tier", prod, false},
		{"env in (staging, testing), tier in (web, db)", map[string]string{"env": "testing", "tier": "db"}, true},
		{"env in (staging, testing), tier in (web, db)", map[string]string{"env": "testing"}, false},
		{"env in (staging, testing), tier in (web, db)", prod, false},
	}
	for _, tt := range tests {
		t.Run(tt.sel, func(t *testing.T) {
			t.Parallel()
			sel, err := Parse(tt.sel)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.sel, err)
			}
			if got := sel.Matches(tt.labels); got != tt.want {
				t.Errorf("Parse(%q).Matches(%v) = %v, want %v", tt.sel, tt.labels, got, tt.want)
			}
		})
	}
}

func TestZeroSelector(t *testing.T) {
	t.Parallel()
	var s Selector
	if !s.Empty() || !s.Matches(nil) || !s.Matches(map[string]string{"a": "b"}) || s.String() != "" {
		t.Fatalf("zero Selector must be empty and match everything")
	}
	p, err := Parse("  ")
	if err != nil || !reflect.DeepEqual(p, s) {
		t.Fatalf("Parse(blank) = %#v, %v; want the zero Selector", p, err)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, problem string
	}{
		{"in without paren", "env in x", `position 8: expected "(" after "in", found "x"`},
		{"notin at end", "env notin", `position 10: expected "(" after "notin", found end of input`},
		{"empty set", "env in ()", `position 9: empty value list after "in": give at least one value`},
		{"empty set with spaces", "env notin ( )", `position 13: empty value list after "notin": give at least one value`},
		{"unclosed set", "env in (a,b", `position 12: expected "," or ")" in the list after "in", found end of input`},
		{"empty member", "env in (a,,b)", `position 11: expected a label value in the list after "in", found ","`},
		{"trailing comma in set", "env in (a,)", `position 11: expected a label value in the list after "in", found ")"`},
		{"space in set member", "env in (a b)", `position 11: expected "," or ")" in the list after "in", found "b"`},
		{"bad operator", "env < 3", `position 5: expected an operator (=, ==, !=, in, notin), "," or end of input after key "env", found "<"`},
		{"unknown word operator", "env is prod", `position 5: expected an operator (=, ==, !=, in, notin), "," or end of input after key "env", found "is"`},
		{"bang without equals", "env!prod", `position 4: expected an operator (=, ==, !=, in, notin), "," or end of input after key "env", found "!"`},
		{"paren after key", "env(a)", `position 4: expected an operator (=, ==, !=, in, notin), "," or end of input after key "env", found "("`},
		{"triple equals", "env===prod", `position 6: expected "," or end of input after a requirement, found "="`},
		{"leading comma", ",env", `position 1: expected a label key, found ","`},
		{"trailing comma", "env=prod,", `position 10: expected a label key, found end of input`},
		{"double comma", "a,,b", `position 3: expected a label key, found ","`},
		{"lonely bang", "!", `position 2: expected a label key, found end of input`},
		{"not exists with value", "!env=prod", `position 5: expected "," or end of input after a requirement, found "="`},
		{"missing comma", "a=1 b=2", `position 5: expected "," or end of input after a requirement, found "b"`},
		{"key starts with dash", "-env=prod", `position 1: invalid label key "-env": want 1-253 characters, [A-Za-z0-9] at both ends and [-_./A-Za-z0-9] between`},
		{"key ends with slash", "env/=prod", `position 1: invalid label key "env/": want 1-253 characters, [A-Za-z0-9] at both ends and [-_./A-Za-z0-9] between`},
		{"key too long", strings.Repeat("k", 254), `position 1: invalid label key "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...": want 1-253 characters, [A-Za-z0-9] at both ends and [-_./A-Za-z0-9] between`},
		{"value with slash", "env=a/b", `position 5: invalid label value "a/b": want 0-63 characters, [A-Za-z0-9] at both ends and [-_.A-Za-z0-9] between`},
		{"value too long", "env=" + strings.Repeat("v", 64), `position 5: invalid label value "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...": want 0-63 characters, [A-Za-z0-9] at both ends and [-_.A-Za-z0-9] between`},
		{"bad set value", "env in (a, b_)", `position 12: invalid label value "b_": want 0-63 characters, [A-Za-z0-9] at both ends and [-_.A-Za-z0-9] between`},
		{"non-ascii key", "énv=prod", `position 1: invalid label key "énv": want 1-253 characters, [A-Za-z0-9] at both ends and [-_./A-Za-z0-9] between`},
		{"quoted value", `env="prod"`, `position 5: invalid label value "\"prod\"": want 0-63 characters, [A-Za-z0-9] at both ends and [-_.A-Za-z0-9] between`},
		{"too long", strings.Repeat("a", MaxLength+1), `position 4097: selector is 4097 bytes long; the limit is 4096`},
		// 456 terms "k in(a)" are 3647 bytes, but 4103 in canonical form
		// ("in(" -> "in ("); the 456th term, at 455*8+1, crosses the limit.
		{"too long once canonical", strings.Repeat("k in(a),", 455) + "k in(a)", `position 3641: selector would be longer than 4096 bytes in canonical form`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sel, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tt.in, sel.String())
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid {
				t.Fatalf("Parse(%q) error %v is not an errs.Invalid *errs.Error", tt.in, err)
			}
			if e.Message != "invalid label_filter" || len(e.Fields) != 1 || e.Fields[0].Field != "label_filter" {
				t.Fatalf("Parse(%q) error = %#v, want one label_filter field", tt.in, e)
			}
			if e.Fields[0].Problem != tt.problem {
				t.Errorf("Parse(%q) problem\n got %s\nwant %s", tt.in, e.Fields[0].Problem, tt.problem)
			}
			if want := "invalid label_filter: label_filter: " + tt.problem; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestCanonicalLimitBoundary checks that a selector whose canonical form is
// exactly MaxLength bytes is accepted and survives the round trip.
func TestCanonicalLimitBoundary(t *testing.T) {
	t.Parallel()
	// "k in (a)," is 9 canonical bytes; 454 of them are 4086 bytes, and the
	// 10 bytes of "kkk in (a)" fill the limit exactly.
	in := strings.Repeat("k in(a),", 454) + "kkk in(a)"
	sel, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if n := len(sel.String()); n != MaxLength {
		t.Fatalf("canonical length %d, want %d", n, MaxLength)
	}
	if _, err := Parse(sel.String()); err != nil {
		t.Fatalf("Parse(String()): %v", err)
	}
	if _, err := Parse(strings.Repeat("k in(a),", 454) + "kkkk in(a)"); err == nil {
		t.Fatalf("one byte more must fail")
	}
}
