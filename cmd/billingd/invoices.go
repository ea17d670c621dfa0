package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/invoice"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/internal/app"
	"github.com/shopspring/decimal"
)

const invoicesUsage = `billingd invoices close [--period YYYY-MM] [--invoice-issuer FILE]  issue the invoices of a finished month (default: the previous one)
billingd invoices set-status NAME STATUS --tenant T [--actor WHO]  PAID, OVERDUE, CANCELLED or REFUNDED, kept in the audit trail
billingd invoices show NAME --tenant T                            print an invoice's lines and status history`

// issuerFlagHelp documents --invoice-issuer for serve and invoices close.
const issuerFlagHelp = "JSON file naming who issues the invoices: name (required), address (lines), country, region, tax_id, contact, " +
	"invoice_number_prefix (default \"inv-\"); checked at start, every problem reported at its line and column. " +
	"Without it invoices are issued by \"billingd\", with no address"

// loadIssuer reads the --invoice-issuer file; an empty path is the
// default issuer.
func loadIssuer(path string) (invoice.Issuer, error) {
	if path == "" {
		return invoice.DefaultIssuer(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return invoice.Issuer{}, usageError{"--invoice-issuer: " + err.Error()}
	}
	defer f.Close()
	return catalog.LoadIssuer(f, path)
}

// cmdInvoices is the operator's side of invoicing: closing a month and
// changing an invoice's status, without a tenant token.
func cmdInvoices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, invoicesUsage, "invoices needs a subcommand: close, set-status or show", stderr); done {
		return err
	}
	sub := args[0]
	var db dbFlags
	var period, tenant, actor, issuerFile string
	var fs *flag.FlagSet
	nargs := 0
	switch sub {
	case "close":
		fs = newFlagSet("invoices close [--period YYYY-MM]",
			"Issues the invoices of a finished calendar month (UTC) for every tenant with something to bill: ISSUED,\n"+
				"numbered without gaps per tenant, due after the plan's invoice_due_days. Usage of earlier issued months that\n"+
				"arrived late becomes adjustment lines. Safe to run twice or on several machines: nothing is issued twice.\n"+
				"'billingd serve' does this by itself unless started with --no-invoice-scheduler.", stderr)
		fs.StringVar(&period, "period", "", "the month to close, YYYY-MM (default: the previous month)")
		fs.StringVar(&issuerFile, "invoice-issuer", "", issuerFlagHelp+" (give the server's file: the CLI issues invoices too)")
	case "set-status":
		fs = newFlagSet("invoices set-status NAME STATUS --tenant T [--actor WHO]",
			"Moves an issued invoice to PAID, OVERDUE, CANCELLED or REFUNDED. Allowed: ISSUED -> PAID|OVERDUE|CANCELLED,\n"+
				"OVERDUE -> PAID|CANCELLED, PAID -> REFUNDED; anything else is refused. Every change is kept with who and when.", stderr)
		fs.StringVar(&tenant, "tenant", "", "the tenant's name (required)")
		fs.StringVar(&actor, "actor", "operator", "who made the change, kept in the audit trail")
		nargs = 2
	case "show":
		fs = newFlagSet("invoices show NAME --tenant T", "Prints an invoice of a tenant: its lines, total and status history.", stderr)
		fs.StringVar(&tenant, "tenant", "", "the tenant's name (required)")
		nargs = 1
	default:
		return usageError{fmt.Sprintf("unknown invoices subcommand %q; want close, set-status or show", sub)}
	}
	db.register(fs)
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != nargs {
		return usageError{fmt.Sprintf("invoices %s takes %d argument(s), got %d", sub, nargs, len(pos))}
	}
	if nargs > 0 && tenant == "" {
		return usageError{"invoices " + sub + " needs --tenant"}
	}
	issuer, err := loadIssuer(issuerFile)
	if err != nil {
		return err
	}
	cfg, err := appConfig(db, 4, warnLogger(stderr))
	if err != nil {
		return err
	}
	cfg.Issuer = issuer
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "close":
		p := invoice.PeriodOf(a.Clock.Now()).Prev()
		if period != "" {
			if p, err = invoice.ParsePeriod(period); err != nil {
				return err
			}
		}
		res, err := a.Invoices.Close(ctx, cli, p)
		for _, inv := range res.Issued {
			fmt.Fprintf(stdout, "issued %s for tenant %s: %s %s, due %s\n", inv.Name, inv.TenantName, centsText(inv.AmountCents), inv.Currency, inv.DueAt.Format("2006-01-02"))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "period %s: %d issued, %d already issued, %d with nothing to bill\n", p, len(res.Issued), res.Already, res.Empty)
		return nil
	}
	// --actor names the operator in the audit trail ("operator" unless
	// told otherwise).
	pr, err := a.Tenancy.OperatorPrincipal(ctx, tenancy.Operator(actor), tenant)
	if err != nil {
		return err
	}
	if sub == "set-status" {
		to, err := invoice.ParseStatus(pos[1])
		if err != nil {
			return err
		}
		inv, err := a.Invoices.SetStatus(ctx, pr, pos[0], to)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "invoice %s of tenant %s: %s\n", inv.Name, tenant, inv.Status)
		return nil
	}
	inv, err := a.Invoices.Get(ctx, pr, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s  tenant %s  period %s  status %s  plan %s\n", inv.Name, tenant, inv.Period, inv.Status, inv.PlanName)
	if !inv.IssuedAt.IsZero() {
		fmt.Fprintf(stdout, "issued %s  due %s\n", inv.IssuedAt.Format(time.RFC3339), inv.DueAt.Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	for _, l := range inv.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t\n", l.Kind, l.Description, l.Quantity, l.Unit, l.UnitPrice, centsText(l.AmountCents))
	}
	tax := "Tax"
	if inv.Tax.Name != "" {
		tax = fmt.Sprintf("%s %s%%", inv.Tax.Label(), inv.Tax.Percent)
	}
	fmt.Fprintf(tw, "\tSubtotal\t\t\t%s %s\t\n", centsText(inv.SubtotalCents()), inv.Currency)
	fmt.Fprintf(tw, "\t%s\t\t\t%s %s\t\n", tax, centsText(inv.Tax.AmountCents), inv.Currency)
	fmt.Fprintf(tw, "\tTotal\t\t\t%s %s\t\n", centsText(inv.AmountCents), inv.Currency)
	tw.Flush()
	if n := inv.Tax.Note(); n != "" {
		fmt.Fprintln(stdout, n)
	}
	if inv.Status != invoice.StatusPending {
		trail, err := a.Invoices.StatusChanges(ctx, pr, inv.Name)
		if err != nil {
			return err
		}
		for _, c := range trail {
			fmt.Fprintf(stdout, "%s  %s -> %s  by %s\n", c.At.Format(time.RFC3339), c.From, c.To, c.Actor)
		}
	}
	return nil
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func centsText(cents int64) string { return decimal.New(cents, -2).StringFixed(2) }
