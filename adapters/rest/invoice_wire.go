package rest

import (
	"strconv"

	"github.com/billingd/billingd/domain/invoice"
)

// invoiceWire is invoiceInvoiceType.
type invoiceWire struct {
	Name        string `json:"name,omitempty"`
	PeriodStart string `json:"period_start,omitempty"`
	PeriodEnd   string `json:"period_end,omitempty"`
	Amount      string `json:"amount,omitempty"` // int64 cents as a JSON string
	Currency    string `json:"currency,omitempty"`
	Status      string `json:"status,omitempty"`
	Active      bool   `json:"active,omitempty"`
}

// listInvoicesResp is invoiceListInvoicesRsp.
type listInvoicesResp struct {
	Invoices []invoiceWire `json:"invoices,omitempty"`
}

// invoicePDFResp is invoiceDownloadInvoicePdfRsp; encoding/json writes
// []byte as base64, the proto3 JSON form of bytes.
type invoicePDFResp struct {
	PDF []byte `json:"pdf,omitempty"`
}

func invoiceToWire(inv invoice.Invoice) invoiceWire {
	w := invoiceWire{Name: inv.Name, PeriodStart: wireTime(inv.Period.Start()), PeriodEnd: wireTime(inv.Period.End()),
		Currency: inv.Currency, Status: protoEnum(string(inv.Status), inv.Status == invoice.StatusUnknown), Active: inv.Active()}
	if inv.AmountCents != 0 {
		w.Amount = strconv.FormatInt(inv.AmountCents, 10)
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
