package kernel

import "testing"

func TestDepsNamesEveryMissingOne(t *testing.T) {
	t.Parallel()
	var d Deps
	d.Need("Repo", true)
	if err := d.Err("x.NewService"); err != nil {
		t.Fatalf("nothing missing: %v", err)
	}
	d.Need("Tx", false)
	d.Need("Clock", false)
	if err := d.Err("x.NewService"); err == nil || err.Error() != "x.NewService: Tx, Clock required" {
		t.Fatalf("got %v", err)
	}
}
