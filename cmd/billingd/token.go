package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/billingd/billingd/domain/tenancy"
)

const tokenUsage = `billingd token create --tenant NAME [--role admin|editor|viewer] [--namespace NS]
billingd token list   --tenant NAME
billingd token revoke --tenant NAME --id TOKEN_ID`

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stderr, "Usage:\n%s\n", tokenUsage)
		if len(args) == 0 {
			return usageError{"token needs a subcommand: create, list or revoke"}
		}
		return nil
	}
	var db dbFlags
	var tenant, role, ns, id string
	sub := args[0]
	var fs = newFlagSet("token "+sub, "", stderr)
	switch sub {
	case "create":
		fs = newFlagSet("token create --tenant NAME [--role admin|editor|viewer] [--namespace NS]",
			"Creates the tenant when new and a new API token for it. The token is printed alone on the last line\nof stdout; it is shown once and stored only as a hash.", stderr)
		fs.StringVar(&role, "role", "admin", "admin (everything in the tenant), editor (writes) or viewer (reads)")
		fs.StringVar(&ns, "namespace", "", "restrict the token to this namespace (default: every namespace)")
	case "list":
		fs = newFlagSet("token list --tenant NAME", "Lists the tenant's tokens: id, role, namespace, created, revoked. Secrets are never stored.", stderr)
	case "revoke":
		fs = newFlagSet("token revoke --tenant NAME --id TOKEN_ID", "Revokes a token; requests with it answer 401 from then on.", stderr)
		fs.StringVar(&id, "id", "", "token id (from token list)")
	default:
		return usageError{fmt.Sprintf("unknown token subcommand %q; want create, list or revoke", sub)}
	}
	fs.StringVar(&tenant, "tenant", "", "tenant name (required)")
	db.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if tenant == "" {
		return usageError{"--tenant is required"}
	}
	a, err := openApp(ctx, db, true, 2, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.db.Close()
	switch sub {
	case "create":
		r, err := tenancy.ParseRole(role)
		if err != nil {
			return usageError{err.Error()}
		}
		secret, tok, err := a.tenancy.CreateToken(ctx, tenancy.CreateTokenInput{Tenant: tenant, Role: r, Namespace: ns})
		if err != nil {
			return err
		}
		scope := "all namespaces"
		if tok.Namespace != "" {
			scope = "namespace " + tok.Namespace
		}
		fmt.Fprintf(stdout, "created %s token %s for tenant %s (%s); send it as 'Authorization: APIToken <token>'\n%s\n", tok.Role, tok.ID, tenant, scope, secret)
	case "list":
		toks, err := a.tenancy.ListTokens(ctx, tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAMESPACE\tCREATED\tREVOKED")
		for _, t := range toks {
			nsText, revoked := t.Namespace, ""
			if nsText == "" {
				nsText = "*"
			}
			if t.RevokedAt != nil {
				revoked = t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, nsText, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if id == "" {
			return usageError{"--id is required"}
		}
		if err := a.tenancy.RevokeToken(ctx, tenant, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s of tenant %s\n", id, tenant)
	}
	return nil
}
