package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/errs"
)

func TestLoadIssuer(t *testing.T) {
	t.Parallel()
	good := `{
  "name": "Example Networks SAS",
  "address": ["1 rue de la Paix", "75002 Paris", "France"],
  "country": "FR",
  "tax_id": "FR12345678901",
  "contact": "billing@example.net",
  "invoice_number_prefix": "EXN-"
}`
	iss, err := catalog.LoadIssuer(strings.NewReader(good), "issuer.json")
	if err != nil {
		t.Fatal(err)
	}
	if iss.Name != "Example Networks SAS" || len(iss.Address) != 3 || iss.Country != "FR" || iss.NameFor(7) != "EXN-000007" {
		t.Fatalf("issuer: %+v", iss)
	}
	if iss, err := catalog.LoadIssuer(strings.NewReader(`{"name":"Solo"}`), "x"); err != nil || iss.NameFor(1) != "inv-000001" {
		t.Fatalf("no prefix: %+v %v", iss, err)
	}

	for _, tc := range []struct {
		name, doc string
		want      []string // each a located problem, in file order
	}{
		{"every problem located", `{
  "name": "",
  "address": ["ok", ""],
  "country": "France",
  "tax_id": 12,
  "colour": "red",
  "invoice_number_prefix": "inv-pending-"
}`, []string{
			"issuer.json:2:3: name: is required",
			"issuer.json:3:21: address[1]: is empty",
			"issuer.json:4:3: country: \"France\" is not an ISO 3166-1",
			"issuer.json:5:3: tax_id: must be a string, not a number",
			"issuer.json:6:3: colour: unknown field",
			"issuer.json:7:3: invoice_number_prefix: \"inv-pending-\" must be",
		}},
		{"syntax", "{\n  \"name\": \"a\",\n  \"address\": [\n}", []string{"issuer.json:4:1: syntax error"}},
		{"not an object", `["a"]`, []string{"issuer.json:1:1: must be an object, not an array"}},
		{"twice", "{\"name\":\"a\",\n\"name\":\"b\"}", []string{"issuer.json:2:1: name: is given twice"}},
		{"control character", `{"name":"a\u0007b"}`, []string{"issuer.json:1:2: name: holds a control character"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := catalog.LoadIssuer(strings.NewReader(tc.doc), "issuer.json")
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || !strings.Contains(e.Message, "invoice issuer") {
				t.Fatalf("want an Invalid invoice issuer error, got %v", err)
			}
			if len(e.Fields) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %v", len(e.Fields), len(tc.want), e.Fields)
			}
			for i, w := range tc.want {
				if got := e.Fields[i].Field + ": " + e.Fields[i].Problem; !strings.HasPrefix(got, w) {
					t.Errorf("problem %d = %q, want prefix %q", i, got, w)
				}
			}
		})
	}
}
