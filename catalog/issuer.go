package catalog

import (
	"io"

	"github.com/billingd/billingd/domain/invoice"
)

// issuerJSON is the invoice issuer file (billingd serve --invoice-issuer):
//
//	{"name": "Example Networks SAS", "address": ["1 rue de la Paix", "75002 Paris", "France"],
//	 "country": "FR", "tax_id": "FR12345678901", "contact": "billing@example.net",
//	 "invoice_number_prefix": "EXN-"}
//
// Only name is required.
type issuerJSON struct {
	Name         string   `json:"name"`
	Address      []string `json:"address"`
	Country      string   `json:"country"`
	Region       string   `json:"region"`
	TaxID        string   `json:"tax_id"`
	Contact      string   `json:"contact"`
	NumberPrefix string   `json:"invoice_number_prefix"`
}

// maxIssuerSize bounds the issuer file; a real one is a few hundred bytes.
const maxIssuerSize = 64 << 10

// LoadIssuer reads and validates an invoice issuer file like Load reads a
// catalog: unknown and repeated fields, values of the wrong type and every
// rule the issuer breaks are reported together, each as
// "source:line:column: field", in an *errs.Error of Kind Invalid.
func LoadIssuer(r io.Reader, source string) (invoice.Issuer, error) {
	const what = "invoice issuer"
	w, doc, data, err := decode[issuerJSON](r, what, source, maxIssuerSize, false)
	if err != nil {
		return invoice.Issuer{}, err
	}
	iss := invoice.Issuer{Party: invoice.Party{Name: w.Name, Address: w.Address, Country: w.Country, Region: w.Region,
		TaxID: w.TaxID, Contact: w.Contact}, NumberPrefix: w.NumberPrefix}
	for _, f := range iss.Validate() {
		doc.flag(f.Field, "%s", f.Problem)
	}
	if len(doc.probs) > 0 {
		return invoice.Issuer{}, report(what, source, data, doc.probs)
	}
	if iss.NumberPrefix == "" {
		iss.NumberPrefix = invoice.DefaultPrefix
	}
	return iss, nil
}
