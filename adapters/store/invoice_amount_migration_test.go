package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/adapters/store/storetest"
)

// TestInvoiceAmountMigration: migration 18 carries what the previous
// release wrote forward (a sound invoice stays as it is; one the overflow
// bug issued negative, its amount the wrapped sum of its lines, is
// cancelled with a trail entry saying why), then the database refuses an
// invoice whose amount is not its lines plus tax, or is negative, and a
// line added to an issued invoice.
func TestInvoiceAmountMigration(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openThrough(ctx, t, d, "20261126000017")
			exec := func(q string, args ...any) error {
				_, err := db.SQL().ExecContext(ctx, rebind(d, q), args...)
				return err
			}
			must := func(q string, args ...any) {
				t.Helper()
				if err := exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			must(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, "t1", "acme", t0)
			// issue inserts an issued invoice as the store does: the row, its
			// lines, then the first entry of its trail.
			issue := func(name string, number, amount, tax int64, lines ...int64) error {
				start := t0.AddDate(0, int(number), 0)
				if err := exec(`INSERT INTO invoices (tenant_id, name, number, period_start, period_end, status, currency, plan_name, tenant_name,
					amount_cents, issued_at, due_at, tax_cents) VALUES (?, ?, ?, ?, ?, 'STATUS_ISSUED', 'USD', 'team', 'acme', ?, ?, ?, ?)`,
					"t1", name, number, start, start.AddDate(0, 1, 0), amount, start, start, tax); err != nil {
					return err
				}
				for i, a := range lines {
					if err := exec(`INSERT INTO invoice_lines (tenant_id, invoice, seq, kind, description, for_period, quantity, billable, unit_price, amount_cents)
						VALUES (?, ?, ?, 'usage', 'x', '2026-01', '1', '1', '1', ?)`, "t1", name, i+1, a); err != nil {
						return err
					}
				}
				return exec(`INSERT INTO invoice_status_changes (tenant_id, invoice, to_status, from_status, at, actor)
					VALUES (?, ?, 'STATUS_ISSUED', 'STATUS_PENDING', ?, 'close')`, "t1", name, start)
			}
			// What the previous release wrote: a sound invoice, and the
			// overflow bug's (a saturated line, a wrapped negative sum).
			if err := issue("inv-000001", 1, 10_050, 50, 9_900, 100); err != nil {
				t.Fatal(err)
			}
			if err := issue("inv-000002", 2, -9223372036854765938, 0, 9223372036854775807, 9_900-20_000); err != nil {
				t.Fatal(err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || !strings.HasPrefix(applied[0], "20261126000018_") {
				t.Fatalf("applied %v, want migration 18 first", applied)
			}
			status := func(name string) (s string) {
				t.Helper()
				if err := db.SQL().QueryRowContext(ctx, rebind(d, `SELECT status FROM invoices WHERE tenant_id = ? AND name = ?`), "t1", name).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			var actor string
			if err := db.SQL().QueryRowContext(ctx, rebind(d, `SELECT actor FROM invoice_status_changes WHERE tenant_id = ? AND invoice = ? AND to_status = 'STATUS_CANCELLED'`),
				"t1", "inv-000002").Scan(&actor); err != nil || !strings.Contains(actor, "migration 18") {
				t.Fatalf("trail of the cancelled invoice: %q %v", actor, err)
			}
			if s1, s2 := status("inv-000001"), status("inv-000002"); s1 != "STATUS_ISSUED" || s2 != "STATUS_CANCELLED" {
				t.Fatalf("statuses %s, %s; want the sound one issued, the wrapped one cancelled", s1, s2)
			}

			// From now on the database refuses what does not add up.
			for _, tc := range []struct {
				name        string
				amount, tax int64
				lines       []int64
			}{
				{"amount is not lines plus tax", 10_001, 0, []int64{10_000, 2}},
				{"tax forgotten", 10_000, 2_000, []int64{10_000}},
				{"negative", -5, 0, []int64{-5}},
				{"negative tax", 100, -1, []int64{101}},
			} {
				number := int64(10 + len(tc.name))
				if err := issue("bad-"+strings.ReplaceAll(tc.name, " ", "-"), number, tc.amount, tc.tax, tc.lines...); err == nil {
					t.Errorf("%s: issued", tc.name)
				}
			}
			if err := issue("inv-000003", 3, 12_000, 2_000, 10_000); err != nil {
				t.Fatalf("a sound invoice was refused: %v", err)
			}
			if err := exec(`INSERT INTO invoice_lines (tenant_id, invoice, seq, kind, description, for_period, quantity, billable, unit_price, amount_cents)
				VALUES (?, ?, 9, 'usage', 'x', '2026-01', '1', '1', '1', 0)`, "t1", "inv-000003"); err == nil {
				t.Fatal("a line was added to an issued invoice")
			}
		})
	}
}

// openThrough opens an empty database of dialect d, closed at the end of
// the test, with the migrations through last applied (see
// store.MigrateThrough): the schema of the release a migration test
// upgrades from.
func openThrough(ctx context.Context, t *testing.T, d store.Dialect, last string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, storetest.EmptyURL(t, d), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := store.MigrateThrough(ctx, db, last); err != nil {
		t.Fatal(err)
	}
	return db
}
