// Package catalog reads plan catalogs from their JSON file format into the
// domain's plan.Catalog, placing every problem at its line and column, and
// holds the built-in catalog, compiled into the binary so billingd serves
// plans on a fresh machine without any configuration.
package catalog

import (
	"bytes"
	_ "embed"

	"github.com/billingd/billingd/domain/plan"
)

// BuiltinName is the name of the built-in catalog in error messages: its
// path in the source tree, where it is edited.
const BuiltinName = "catalog/plans.json"

//go:embed plans.json
var plansJSON []byte

// Builtin loads and validates the built-in catalog. Each call returns a fresh
// copy, so one caller cannot change what another sees.
func Builtin() (*plan.Catalog, error) {
	return Load(bytes.NewReader(plansJSON), BuiltinName)
}
