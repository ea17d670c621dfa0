// Command billingd is the billing, quota and usage-metering service: it
// serves the F5 "Billing & Usage" REST API and a GraphQL API over one domain
// core, and carries the operator commands (migrate, token, cert).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `billingd — billing, quota and usage metering (F5 Billing & Usage API + GraphQL)

Usage:
  billingd serve   [--addr ADDR] [--database-url URL] [flags]   run the HTTP server
  billingd migrate [--database-url URL]                          apply database migrations and exit
  billingd token create --tenant NAME [--role admin|editor|viewer] [--namespace NS]
                                                                 create an API token (printed on the last line)
  billingd token create --operator                               create an operator token (support staff, every tenant)
  billingd token list   --tenant NAME | --operator               list a tenant's (or the operator) tokens, never the secrets
  billingd token revoke --tenant NAME --id ID | --operator --id ID
                                                                 revoke a token
  billingd cert create --tenant NAME [--role admin|editor|viewer] [--namespace NS] --out FILE.p12 [--password P]
                                                                 issue an API certificate (mTLS) into a PKCS#12 file
                                                                 (password also from env VES_P12_PASSWORD; id on the last line)
  billingd cert list   --tenant NAME                             list a tenant's API certificates
  billingd cert revoke --tenant NAME --id ID                     revoke an API certificate
  billingd usage import FILE --tenant NAME [--namespace NS] [--format ndjson|csv] [--batch 1000]
                                                                 ingest usage events from a file (safe to run twice)
  billingd plans load|validate FILE                              put a plan catalog in force / only check it
  billingd transition approve|reject ID [--force] [--reason TEXT]
                                                                 decide a plan transition waiting for approval
  billingd invoices close [--period YYYY-MM] | set-status NAME STATUS --tenant T [--actor WHO] | show NAME --tenant T
                                                                 issue a month's invoices / change an invoice's status

Every command takes --database-url (env BILLING_DATABASE_URL): postgres://... for
PostgreSQL, or empty / sqlite:PATH for the embedded SQLite file (default ./billingd.db).
Run 'billingd COMMAND --help' for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "billingd:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "token":
		return cmdToken(ctx, args[1:], stdout, stderr)
	case "cert":
		return cmdCert(ctx, args[1:], stdout, stderr)
	case "usage":
		return cmdUsage(ctx, args[1:], stdout, stderr)
	case "plans":
		return cmdPlans(ctx, args[1:], stdout, stderr)
	case "transition":
		return cmdTransition(ctx, args[1:], stdout, stderr)
	case "invoices":
		return cmdInvoices(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
