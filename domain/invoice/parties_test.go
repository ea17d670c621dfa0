package invoice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/shopspring/decimal"
)

type memContacts map[string]invoice.Party

func (m memContacts) BillingContact(_ context.Context, tenantID string) (invoice.Party, bool, error) {
	p, ok := m[tenantID]
	return p, ok, nil
}

func taxCatalog() *plan.Catalog {
	c := testCatalog()
	c.Taxes = []plan.TaxRate{
		{Country: "FR", Name: "VAT", Percent: decimal.RequireFromString("20"), ReverseCharge: true},
		{Country: "US", Region: "TX", Name: "Sales tax", Percent: decimal.RequireFromString("6.25")},
	}
	return c
}

func TestTaxOf(t *testing.T) {
	t.Parallel()
	cat := taxCatalog()
	for _, tc := range []struct {
		name          string
		to            invoice.Party
		issuerCountry string
		subtotal      int64
		wantCents     int64
		wantPercent   string
		reverse       bool
	}{
		{"French customer without tax id", invoice.Party{Country: "FR"}, "US", 10050, 2010, "20", false},
		{"half a cent rounds up once", invoice.Party{Country: "US", Region: "TX"}, "US", 10008, 626, "6.25", false},  // 625.5
		{"just under half rounds down", invoice.Party{Country: "US", Region: "TX"}, "US", 10007, 625, "6.25", false}, // 625.4375
		{"credit invoice rounds away from zero", invoice.Party{Country: "US", Region: "TX"}, "US", -10008, -626, "6.25", false},
		{"reverse charge", invoice.Party{Country: "FR", TaxID: "FR 12 345678901"}, "US", 10050, 0, "0", true},
		{"tax id of another country", invoice.Party{Country: "FR", TaxID: "DE123456789"}, "US", 10000, 2000, "20", false},
		{"issuer in the same country charges VAT", invoice.Party{Country: "FR", TaxID: "FR12345678901"}, "FR", 10000, 2000, "20", false},
		{"no rate for the country", invoice.Party{Country: "JP"}, "US", 10000, 0, "0", false},
		{"no country known", invoice.Party{}, "US", 10000, 0, "0", false},
	} {
		got := invoice.TaxOf(cat, tc.to, tc.issuerCountry, tc.subtotal)
		if got.AmountCents != tc.wantCents || got.Percent.String() != tc.wantPercent || got.ReverseCharge != tc.reverse {
			t.Errorf("%s: %+v, want %d cents at %s%% (reverse %v)", tc.name, got, tc.wantCents, tc.wantPercent, tc.reverse)
		}
		if tc.reverse != (got.Note() == invoice.ReverseChargeNote) {
			t.Errorf("%s: note %q", tc.name, got.Note())
		}
	}
}

func TestLooksLikeTaxID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"FR12345678901": true, "fr 12 345 678 901": true, "DE-123.456.789": true, "EL123456789": false, // EL is Greece's
		"FR": false, "FR1": false, "FRXXXXXXXXX": false, "12345678901": false, "FR123456789012345": false, "FR12\u00a0345": false,
	} {
		if got := invoice.LooksLikeTaxID(id[:2], id); strings.HasPrefix(strings.ToUpper(id), "FR") && got != want {
			t.Errorf("LooksLikeTaxID(FR, %q) = %v, want %v", id, got, want)
		}
	}
	if !invoice.LooksLikeTaxID("GR", "EL123456789") || invoice.LooksLikeTaxID("GR", "GR123456789") || invoice.LooksLikeTaxID("", "FR12345678901") {
		t.Error("Greece's VAT numbers start with EL; no country, no reverse charge")
	}
	if !invoice.LooksLikeTaxID("DE", "DE-123.456.789") {
		t.Error("separators are ignored")
	}
}

func TestIssuerValidate(t *testing.T) {
	t.Parallel()
	bad := invoice.Issuer{Party: invoice.Party{Name: " ", Address: []string{"", "x\ny"}, Country: "fr", Contact: strings.Repeat("a", 300)},
		NumberPrefix: "2026/"}
	var fields []string
	for _, f := range bad.Validate() {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, " "); got != "name address[0] address[1] country contact invoice_number_prefix" {
		t.Fatalf("problems at %s", got)
	}
	if f := invoice.DefaultIssuer().Validate(); len(f) != 0 || invoice.DefaultIssuer().NameFor(12) != "inv-000012" {
		t.Fatalf("default issuer: %v", f)
	}
	for _, p := range []string{"ACME-", "INV", "A1_", "inv-"} {
		if f := (invoice.Issuer{Party: invoice.Party{Name: "a"}, NumberPrefix: p}).Validate(); len(f) != 0 {
			t.Errorf("prefix %q refused: %v", p, f)
		}
	}
	for _, p := range []string{"inv-pending-", "-x", "a b", "a--", strings.Repeat("a", 17)} {
		if f := (invoice.Issuer{Party: invoice.Party{Name: "a"}, NumberPrefix: p}).Validate(); len(f) != 1 {
			t.Errorf("prefix %q accepted: %v", p, f)
		}
	}
}

// TestIssuedInvoiceFreezesPartiesAndTax closes a month for a French
// customer: the invoice carries the issuer, the bill-to and 20 % VAT on the
// subtotal, is named with the issuer's prefix, and keeps all of it when the
// contact changes afterwards. A reverse-charge customer pays no VAT.
func TestIssuedInvoiceFreezesPartiesAndTax(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC), nil)
	contacts := memContacts{
		acme.ID:   {Address: []string{"1 rue de la Paix", "75002 Paris", "FR"}, Country: "FR"},
		globex.ID: {Address: []string{"Hauptstr. 1", "10115 Berlin"}, Country: "FR", TaxID: "FR12345678901"},
	}
	plans := memPlans{cat: taxCatalog(), of: map[string]string{acme.ID: "team", globex.ID: "team"}}
	svc, err := invoice.NewService(invoice.Config{Repo: e.repo, Tx: &memTx{}, Clock: e.clock, Plans: plans, Usage: e.price,
		Subscriptions: memSubs{}, Renderer: fakeRenderer{}, Contacts: contacts, Audit: &memAudit{},
		Issuer: invoice.Issuer{Party: invoice.Party{Name: "Example Networks Inc.", Country: "US", TaxID: "US-12-3456789"}, NumberPrefix: "EXN-"}})
	if err != nil {
		t.Fatal(err)
	}
	e.use.add(acme.ID, "http_requests", 1_500_000, time.Date(2026, 8, 5, 0, 0, 0, 0, time.UTC))
	res, err := svc.Close(context.Background(), closer, period(t, "2026-08"))
	if err != nil || len(res.Issued) != 2 {
		t.Fatalf("close: %+v %v", res, err)
	}
	byTenant := map[string]invoice.Invoice{}
	for _, inv := range res.Issued {
		byTenant[inv.TenantID] = inv
	}
	a := byTenant[acme.ID]
	// 99.00 + 1 × 0.50 = 99.50; VAT 19.90.
	if a.Name != "EXN-000001" || a.SubtotalCents() != 9950 || a.Tax.AmountCents != 1990 || a.AmountCents != 11940 ||
		a.Tax.Label() != "VAT FR" || a.Issuer.Name != "Example Networks Inc." || a.BillTo.Name != "acme" || a.BillTo.Address[1] != "75002 Paris" {
		t.Fatalf("acme: %+v", a)
	}
	g := byTenant[globex.ID]
	if g.AmountCents != 9900 || g.Tax.AmountCents != 0 || !g.Tax.ReverseCharge || g.Tax.Note() != invoice.ReverseChargeNote || g.BillTo.TaxID != "FR12345678901" {
		t.Fatalf("globex: %+v", g)
	}
	contacts[acme.ID] = invoice.Party{Country: "US", Region: "TX"}
	stored, err := svc.Get(as(acme, "viewer"), tenancy.FromContext(as(acme, "viewer")), "EXN-000001")
	if err != nil || stored.AmountCents != 11940 || stored.BillTo.Country != "FR" || stored.Tax.AmountCents != 1990 {
		t.Fatalf("stored invoice changed with the contact: %+v %v", stored, err)
	}
	// The running invoice follows the contact as it is now: Texas sales tax.
	pending, err := svc.Get(as(acme, "viewer"), tenancy.FromContext(as(acme, "viewer")), invoice.PendingName(period(t, "2026-09")))
	if err != nil || pending.Tax.Label() != "Sales tax US-TX" || pending.SubtotalCents() != 9900 || pending.Tax.AmountCents != 619 { // 618.75
		t.Fatalf("pending: %+v %v", pending, err)
	}
}
