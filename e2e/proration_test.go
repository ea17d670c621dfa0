package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store"
	"github.com/billingd/billingd/domain/subscription"
	"github.com/billingd/billingd/internal/spectest"
	"github.com/shopspring/decimal"
)

// planChanges reads the plan changes of tok's tenant from the store.
func planChanges(t *testing.T, dbURL, tok string) []subscription.PlanChange {
	t.Helper()
	var cs []subscription.PlanChange
	withTenant(t, dbURL, tok, func(ctx context.Context, db *store.DB, tenantID string) {
		var err error
		if cs, err = store.NewSubscriptionRepo(db).PlanChanges(ctx, tenantID); err != nil {
			t.Fatal(err)
		}
	})
	return cs
}

// TestUpgradeWithProration upgrades free → individual mid-period over REST
// and finds the prorated charge (from the end of the plan's trial) on the
// running invoice: in its amount
// (custom_list), in `billingd invoices show` and in the PDF's text.
func TestUpgradeWithProration(t *testing.T) {
	t.Parallel()
	spec := spectest.Load(t)
	forEachDialect(t, func(t *testing.T, s *server) {
		admin := token(t, s.dbURL, "acme", "admin", "")
		initiate(t, s, spec, admin, `{"new_plan":"individual","payload":{"payment_provider_token":"tok_visa"}}`, 200)
		cs := planChanges(t, s.dbURL, admin)
		if len(cs) != 1 || cs[0].OldPlan != "free" || cs[0].NewPlan != "individual" {
			t.Fatalf("plan changes: %+v", cs)
		}
		at := cs[0].At
		start := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 1, 0)
		if start.Equal(at) {
			t.Skip("the upgrade fell on the first instant of a month: nothing to prorate")
		}
		// Individual: 25.00 a month, after a 14-day trial (issue 11: no flat
		// price during a trial). The free plan has no flat price. The charge
		// is 2500 × (end − trial end) / (end − start) to the second, half-up.
		trialEnd := at.AddDate(0, 0, 14)
		if !trialEnd.Before(end) {
			t.Skip("the trial outlasts the month: nothing to charge yet")
		}
		secs, length := int64(end.Sub(trialEnd)/time.Second), int64(end.Sub(start)/time.Second)
		want := decimal.NewFromInt(secs).Mul(decimal.NewFromInt(2500)).DivRound(decimal.NewFromInt(length), 0).IntPart()
		from := trialEnd.Format("2 January 2006, 15:04:05 UTC")
		switch {
		case trialEnd.Equal(trialEnd.Truncate(24 * time.Hour)):
			from = trialEnd.Format("2 January 2006")
		case trialEnd.Equal(trialEnd.Truncate(time.Minute)):
			from = trialEnd.Format("2 January 2006, 15:04 UTC")
		}
		desc := fmt.Sprintf("Individual plan from %s to the end of %s (%s of %d days)", from, end.AddDate(0, 0, -1).Format("2 January 2006"),
			decimal.NewFromInt(secs).Div(decimal.NewFromInt(86400)).StringFixedBank(2), length/86400)
		pending := "inv-pending-" + start.Format("2006-01")

		r := s.do("GET", nsPath(invoiceListTmpl, "system")+"?limit=5", admin, nil)
		expect(t, r, 200)
		spec.ValidateResponse(t, "GET", invoiceListTmpl, r.Body)
		var l struct{ Invoices []invoiceItem }
		if err := json.Unmarshal(r.Body, &l); err != nil {
			t.Fatal(err)
		}
		if s.now().After(end) {
			t.Skip("the month ended during the test")
		}
		if len(l.Invoices) != 1 || !l.Invoices[0].Active || l.Invoices[0].Name != pending || cents(t, l.Invoices[0].Amount) != want {
			t.Fatalf("running invoice %+v, want %s of amount %d", l.Invoices, pending, want)
		}

		out := billingd(t, s.dbURL, "invoices", "show", pending, "--tenant", "acme")
		if !strings.Contains(out, desc) || !strings.Contains(out, "plan") {
			t.Fatalf("show lacks %q:\n%s", desc, out)
		}
		r = s.do("GET", nsPath(invoicePDFTmpl, "system")+"?name="+pending, admin, nil)
		expect(t, r, 200)
		var p struct{ PDF []byte }
		if err := json.Unmarshal(r.Body, &p); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, p.PDF)
		amount := fmt.Sprintf("%d.%02d", want/100, want%100)
		for _, w := range []string{"Individual plan from", amount} {
			if !strings.Contains(text, w) {
				t.Fatalf("PDF text lacks %q:\n%s", w, text)
			}
		}
	})
}
