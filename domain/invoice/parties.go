package invoice

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/plan"
	"github.com/billingd/billingd/domain/text"
	"github.com/shopspring/decimal"
)

// Party is one side of an invoice as printed: the issuer (seller) or the
// customer billed. An issued invoice keeps the parties it was issued with,
// whatever changes later.
type Party struct {
	Name string
	// Address is the postal address, one printed line each.
	Address []string
	// Country (ISO 3166-1 alpha-2 when known) and Region (state or
	// province code) choose the tax rate of the customer.
	Country string
	Region  string
	TaxID   string
	// Contact is an e-mail address or phone number.
	Contact string
}

// IsZero reports whether nothing is known of the party (invoices issued
// before parties were recorded).
func (p Party) IsZero() bool {
	return p.Name == "" && len(p.Address) == 0 && p.Country == "" && p.Region == "" && p.TaxID == "" && p.Contact == ""
}

// Issuer is who issues the invoices of the installation, set by the
// operator (billingd serve --invoice-issuer).
type Issuer struct {
	Party
	// NumberPrefix starts the name of every invoice issued: prefix +
	// the tenant's number on 6 digits, e.g. "inv-000001".
	NumberPrefix string
}

// DefaultPrefix is the invoice number prefix when the issuer sets none; it
// keeps the names invoices always had ("inv-000001").
const DefaultPrefix = "inv-"

// DefaultIssuer is the issuer without operator configuration: "billingd",
// no address, no tax id.
func DefaultIssuer() Issuer {
	return Issuer{Party: Party{Name: "billingd"}, NumberPrefix: DefaultPrefix}
}

// NameFor is the name of the invoice numbered n under the issuer's prefix.
func (i Issuer) NameFor(n int64) string {
	if i.NumberPrefix == "" {
		return NameFor(n)
	}
	return fmt.Sprintf("%s%06d", i.NumberPrefix, n)
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,15}[-_]?$`)

const maxPartyText = 256

// Validate reports every problem of the issuer at once; fields are the
// snake_case names of the issuer file (name, address[1], tax_id, ...).
func (i Issuer) Validate() errs.Fields {
	var f errs.Fields
	if strings.TrimSpace(i.Name) == "" {
		f.Add("name", "is required: the legal name printed as the invoices' issuer")
	}
	check := func(field, v string) {
		switch p := text.Problem(v); {
		case len(v) > maxPartyText:
			f.Add(field, "is longer than %d bytes", maxPartyText)
		case p != "":
			f.Add(field, "%s", p)
		case strings.IndexFunc(v, unicode.IsControl) >= 0:
			f.Add(field, "holds a control character (one line per value)")
		}
	}
	check("name", i.Name)
	if len(i.Address) > 8 {
		f.Add("address", "has %d lines; at most 8 are printed", len(i.Address))
	}
	for n, l := range i.Address {
		check(fmt.Sprintf("address[%d]", n), l)
		if strings.TrimSpace(l) == "" {
			f.Add(fmt.Sprintf("address[%d]", n), "is empty; leave the line out")
		}
	}
	if i.Country != "" && !plan.IsCountryCode(i.Country) {
		f.Add("country", "%q is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. FR)", i.Country)
	}
	check("region", i.Region)
	check("tax_id", i.TaxID)
	check("contact", i.Contact)
	if i.NumberPrefix != "" && (!prefixPattern.MatchString(i.NumberPrefix) || strings.HasPrefix(strings.ToLower(i.NumberPrefix), "inv-pending")) {
		f.Add("invoice_number_prefix", "%q must be a letter, then up to 15 letters or digits, optionally ending in '-' or '_' (e.g. \"ACME-\"); \"inv-pending\" is reserved", i.NumberPrefix)
	}
	return f
}

// Tax is the tax of one invoice: Percent of the subtotal, rounded once,
// half away from zero, to the cent.
type Tax struct {
	// Name is the tax's name (VAT, Sales tax); empty when no rate applies.
	Name string
	// Jurisdiction is where the rate applies: "FR", "US-CA".
	Jurisdiction string
	Percent      decimal.Decimal
	// ReverseCharge is set when the customer accounts for the tax (0 %).
	ReverseCharge bool
	AmountCents   int64
}

// Label names the tax and its place: "VAT FR", "Sales tax US-CA"; empty
// when no rate applied.
func (t Tax) Label() string { return strings.TrimSpace(t.Name + " " + t.Jurisdiction) }

// ReverseChargeNote is the legal mention of a reverse-charged invoice.
const ReverseChargeNote = "Reverse charge: VAT to be accounted for by the recipient"

// Note is the legal mention the invoice must carry about its tax, if any.
func (t Tax) Note() string {
	if t.ReverseCharge {
		return ReverseChargeNote
	}
	return ""
}

// TaxOf is the tax of an invoice of subtotal cents billed to billTo by an
// issuer in issuerCountry, at the catalog's rate for billTo's country and
// region. A customer whose tax id looks valid for a reverse-charge country
// other than the issuer's pays 0 % with the legal note. No rate for the
// place (or no place known): no tax.
func TaxOf(cat *plan.Catalog, billTo Party, issuerCountry string, subtotal int64) Tax {
	rate, ok := cat.TaxFor(billTo.Country, billTo.Region)
	if !ok {
		return Tax{Percent: decimal.Zero}
	}
	t := Tax{Name: rate.Name, Jurisdiction: rate.Jurisdiction(), Percent: rate.Percent}
	if rate.ReverseCharge && rate.Country != strings.ToUpper(strings.TrimSpace(issuerCountry)) && LooksLikeTaxID(rate.Country, billTo.TaxID) {
		t.ReverseCharge, t.Percent = true, decimal.Zero
		return t
	}
	// Exact: subtotal × percent / 100, rounded once for the whole invoice.
	t.AmountCents = decimal.NewFromInt(subtotal).Mul(rate.Percent).Div(decimal.NewFromInt(100)).Round(0).IntPart()
	return t
}

// vatPrefix is the VAT-number prefix of a country where it differs from
// its ISO code.
var vatPrefix = map[string]string{"GR": "EL"}

// LooksLikeTaxID reports whether id is written like a VAT identification
// number of country: the country prefix (EL for Greece) then 2 to 13 letters
// and digits with at least two digits, spaces, dots and dashes ignored.
// It checks the form only; whether the number is registered is for a
// registry (VIES) to say.
func LooksLikeTaxID(country, id string) bool {
	country = strings.ToUpper(strings.TrimSpace(country))
	if country == "" {
		return false
	}
	prefix := country
	if p, ok := vatPrefix[country]; ok {
		prefix = p
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(id) {
		switch {
		case r == ' ' || r == '.' || r == '-':
		case r <= unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		default:
			return false
		}
	}
	s, ok := strings.CutPrefix(b.String(), prefix)
	if !ok || len(s) < 2 || len(s) > 13 {
		return false
	}
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits >= 2
}

// Words is the status as a person reads it: "Pending", "Issued", "Paid".
func (s Status) Words() string {
	switch s {
	case StatusPending:
		return "Pending"
	case StatusIssued:
		return "Issued"
	case StatusPaid:
		return "Paid"
	case StatusRefunded:
		return "Refunded"
	case StatusCancelled:
		return "Cancelled"
	case StatusOverdue:
		return "Overdue"
	}
	return "Unknown"
}
