package plan_test

import (
	"strings"
	"testing"

	"github.com/billingd/billingd/domain/plan"
	"github.com/shopspring/decimal"
)

func TestTaxFor(t *testing.T) {
	t.Parallel()
	c := &plan.Catalog{Taxes: []plan.TaxRate{
		{Country: "US", Region: "NY", Name: "Sales tax", Percent: decimal.RequireFromString("4")},
		{Country: "US", Name: "Sales tax", Percent: decimal.RequireFromString("1")},
		{Country: "FR", Name: "VAT", Percent: decimal.RequireFromString("20"), ReverseCharge: true},
	}}
	for _, tc := range []struct {
		country, region, want string
		ok                    bool
	}{
		{"US", "NY", "US-NY 4", true},
		{" us ", "ny", "US-NY 4", true},
		{"US", "TX", "US 1", true}, // no regional rate: the country's
		{"US", "", "US 1", true},
		{"FR", "IDF", "FR 20", true},
		{"DE", "", "", false},
		{"", "NY", "", false},
	} {
		got, ok := c.TaxFor(tc.country, tc.region)
		if ok != tc.ok || (ok && got.Jurisdiction()+" "+got.Percent.String() != tc.want) {
			t.Errorf("TaxFor(%q, %q) = %+v %v, want %q %v", tc.country, tc.region, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidateTaxes(t *testing.T) {
	t.Parallel()
	c := &plan.Catalog{Taxes: []plan.TaxRate{
		{Country: "France", Name: "VAT", Percent: decimal.RequireFromString("20")},
		{Country: "US", Region: "new york", Name: "", Percent: decimal.RequireFromString("101")},
		{Country: "DE", Name: "VAT", Percent: decimal.RequireFromString("19.12345")},
		{Country: "DE", Name: "VAT", Percent: decimal.RequireFromString("19")},
		{Country: "US", Region: "NY", Name: "Sales tax", Percent: decimal.RequireFromString("-1"), ReverseCharge: true},
	}}
	var got []string
	for _, f := range c.Validate() {
		if strings.HasPrefix(f.Field, "taxes") {
			got = append(got, f.Field)
		}
	}
	want := []string{"taxes[0].country", "taxes[1].region", "taxes[1].name", "taxes[1].rate", "taxes[2].rate", "taxes[3]",
		"taxes[4].rate", "taxes[4].reverse_charge"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("problems at %v, want %v", got, want)
	}
}
