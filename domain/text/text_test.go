package text

import (
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/errs"
)

func TestProblem(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"": "", "plain": "", "ünïcödé ✓": "", "a\x00b": "NUL", "u-\xff": "UTF-8", "u-\xfe": "UTF-8", "\xed\xa0\x80": "UTF-8",
	} {
		got := Problem(s)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("Problem(%q) = %q, want one containing %q", s, got, want)
		}
	}
}

func TestCheckMapNamesTheEntry(t *testing.T) {
	t.Parallel()
	var f errs.Fields
	CheckMap(&f, "metadata.labels", map[string]string{"ok": "fine", "bad": "x\x00", "k\xff": "v"})
	if len(f) != 2 || f[0].Field != `metadata.labels["bad"]` || f[1].Field != "metadata.labels" || !strings.Contains(f[1].Problem, "UTF-8") {
		t.Fatalf("%+v", f)
	}
	if err := Err("reason", "r\x00"); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("Err: %v", err)
	}
	if Err("reason", "fine") != nil {
		t.Fatal("a clean string was refused")
	}
}
