package rest

import (
	"net/http"
	"strconv"
	"strings"
)

// Invoices are tenant-wide: the {namespace} of ops 2 and 3 is accepted and
// ignored for scope (a token limited to one namespace is refused, since an
// invoice covers every namespace).

// listInvoices is op 3: newest first, the running (PENDING) invoice included.
func (a *api) listInvoices(_ http.ResponseWriter, r *http.Request) (any, error) {
	limit := 0
	raw, err := queryValue(r, "limit")
	if err != nil {
		return nil, err
	}
	if raw = strings.TrimSpace(raw); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 32)
		if err != nil || n < 0 {
			return nil, bodyError("limit", "%q is not a non-negative int32", raw)
		}
		limit = int(n)
	}
	invs, err := a.Invoices.List(r.Context(), caller(r), limit)
	if err != nil {
		return nil, err
	}
	return invoicesToWire(invs), nil
}

// invoicePDF is op 2: the invoice named by ?name= as base64 PDF inside JSON.
func (a *api) invoicePDF(_ http.ResponseWriter, r *http.Request) (any, error) {
	name, err := queryValue(r, "name")
	if err != nil {
		return nil, err
	}
	doc, err := a.Invoices.PDF(r.Context(), caller(r), name)
	if err != nil {
		return nil, err
	}
	return invoicePDFResp{PDF: doc}, nil
}
