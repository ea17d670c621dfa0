package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDecimalFunctions: decimal_add and decimal_sum add exactly where
// SQLite's sum() would round, a one-row group answers its own text, and a
// text that is no decimal fails the statement instead of counting as 0.
func TestDecimalFunctions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "d.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	one := func(q string) (string, error) {
		var out string
		err := db.SQL().QueryRowContext(ctx, q).Scan(&out)
		return out, err
	}
	for q, want := range map[string]string{
		`SELECT decimal_add('99999999999.999999999999', '0.000000000001')`:                              "100000000000",
		`SELECT decimal_add('0.1', 2)`:                                                                  "2.1",
		`SELECT decimal_sum(x) FROM (SELECT '0.1' AS x UNION ALL SELECT '0.2' UNION ALL SELECT NULL)`:   "0.3",
		`SELECT decimal_sum(x) FROM (SELECT '123456789012345678901.000000000001' AS x)`:                 "123456789012345678901.000000000001",
		`SELECT decimal_sum(x) FROM (SELECT '1e3' AS x UNION ALL SELECT '0.000000000001')`:              "1000.000000000001",
		`SELECT decimal_sum(x) FROM (SELECT '0.3' AS x UNION ALL SELECT '0.1' UNION ALL SELECT '-0.4')`: "0",
		`SELECT CAST(sum(x) AS TEXT) FROM (SELECT '0.1' AS x UNION ALL SELECT '0.2')`:                   "0.30000000000000004", // why the functions exist
	} {
		if got, err := one(q); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", q, got, err, want)
		}
	}
	for _, q := range []string{
		`SELECT decimal_add('1', 'one')`,
		`SELECT decimal_sum(x) FROM (SELECT '1' AS x UNION ALL SELECT 'one')`,
	} {
		if got, err := one(q); err == nil {
			t.Errorf("%s = %q, want an error", q, got)
		}
	}
}
