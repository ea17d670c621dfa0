package rest

import (
	"github.com/billingd/billingd/domain/invoice"
)

// invoiceWire is invoiceInvoiceType. Zero values are written (API.md §1).
type invoiceWire struct {
	Name string `json:"name"`
	// The period bounds are google.protobuf.Timestamp messages: absent,
	// not "", when unset.
	PeriodStart string  `json:"period_start,omitempty"`
	PeriodEnd   string  `json:"period_end,omitempty"`
	Amount      pbInt64 `json:"amount"` // int64 cents as a JSON string
	Currency    string  `json:"currency"`
	Status      string  `json:"status"`
	Active      bool    `json:"active"`
}

// listInvoicesResp is invoiceListInvoicesRsp.
type listInvoicesResp struct {
	Invoices []invoiceWire `json:"invoices"`
}

// invoicePDFResp is invoiceDownloadInvoicePdfRsp; encoding/json writes
// []byte as base64, the proto3 JSON form of bytes.
type invoicePDFResp struct {
	PDF []byte `json:"pdf"`
}

func invoiceToWire(inv invoice.Invoice) invoiceWire {
	w := invoiceWire{Name: inv.Name, PeriodStart: wireTime(inv.Period.Start()), PeriodEnd: wireTime(inv.Period.End()),
		Currency: inv.Currency, Status: string(inv.Status), Amount: pbInt64(inv.AmountCents), Active: inv.Active()}
	if w.Status == "" {
		w.Status = string(invoice.StatusUnknown)
	}
	return w
}

func invoicesToWire(invs []invoice.Invoice) listInvoicesResp {
	out := listInvoicesResp{Invoices: make([]invoiceWire, 0, len(invs))}
	for _, inv := range invs {
		out.Invoices = append(out.Invoices, invoiceToWire(inv))
	}
	return out
}
