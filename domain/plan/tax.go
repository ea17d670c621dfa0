package plan

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/billingd/billingd/domain/errs"
	"github.com/shopspring/decimal"
)

// TaxRate is the tax charged on invoices billed to one country or, when
// Region is set, to one region of it (a US state, a Canadian province).
type TaxRate struct {
	Country string // ISO 3166-1 alpha-2, e.g. FR
	Region  string // empty: the whole country; else the region's code, e.g. CA
	// Name is what invoices call the tax: "VAT", "GST", "Sales tax".
	Name string
	// Percent is the rate, e.g. 20 for 20 %.
	Percent decimal.Decimal
	// ReverseCharge says that a business customer with a tax id in this
	// country accounts for the tax itself: its invoices carry 0 % and the
	// legal note instead (EU VAT on cross-border services).
	ReverseCharge bool
}

var (
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	regionCode  = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)
)

// IsCountryCode reports whether s is written as an ISO 3166-1 alpha-2 code:
// two upper-case letters, e.g. FR.
func IsCountryCode(s string) bool { return countryCode.MatchString(s) }

// Jurisdiction is the rate's place: "FR" or "US-CA".
func (t TaxRate) Jurisdiction() string {
	if t.Region == "" {
		return t.Country
	}
	return t.Country + "-" + t.Region
}

// TaxFor returns the rate of an invoice billed to country and region: the
// region's own rate when the catalog has one, else the country's. Country
// and region are compared without regard to case or surrounding spaces.
func (c *Catalog) TaxFor(country, region string) (TaxRate, bool) {
	country, region = strings.ToUpper(strings.TrimSpace(country)), strings.ToUpper(strings.TrimSpace(region))
	if country == "" {
		return TaxRate{}, false
	}
	var whole *TaxRate
	for i := range c.Taxes {
		t := &c.Taxes[i]
		if t.Country != country {
			continue
		}
		if region != "" && t.Region == region {
			return *t, true
		}
		if t.Region == "" {
			whole = t
		}
	}
	if whole == nil {
		return TaxRate{}, false
	}
	return *whole, true
}

// validateTaxes checks the tax table: codes, a rate between 0 and 100 % with
// at most 4 decimals, a name, and one rate per place.
func (c *Catalog) validateTaxes(f *errs.Fields) {
	seen := map[string]string{}
	for i, t := range c.Taxes {
		p := fmt.Sprintf("taxes[%d]", i)
		if !IsCountryCode(t.Country) {
			f.Add(p+".country", "%q is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. FR)", t.Country)
		}
		if t.Region != "" && !regionCode.MatchString(t.Region) {
			f.Add(p+".region", "%q is not a region code (1-3 upper-case letters or digits, e.g. CA)", t.Region)
		}
		if strings.TrimSpace(t.Name) == "" {
			f.Add(p+".name", "is required (e.g. VAT, GST, Sales tax)")
		}
		switch {
		case t.Percent.IsNegative() || t.Percent.GreaterThan(hundred):
			f.Add(p+".rate", "%s must be between 0 and 100 (a percentage)", t.Percent)
		case t.Percent.Exponent() < -4 && !t.Percent.Equal(t.Percent.Round(4)):
			f.Add(p+".rate", "%s has more than 4 decimals", t.Percent)
		}
		if t.ReverseCharge && t.Region != "" {
			f.Add(p+".reverse_charge", "applies to a whole country; set it on the entry without region")
		}
		if first, dup := seen[t.Jurisdiction()]; dup {
			f.Add(p, "%s has a rate already (%s)", t.Jurisdiction(), first)
		} else {
			seen[t.Jurisdiction()] = p
		}
	}
}
