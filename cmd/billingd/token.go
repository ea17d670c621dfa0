package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/billingd/billingd/domain/tenancy"
)

const tokenUsage = `billingd token create --tenant NAME [--role admin|editor|viewer] [--namespace NS]
billingd token create --operator
billingd token list   --tenant NAME | --operator
billingd token revoke --tenant NAME --id TOKEN_ID | --operator --id TOKEN_ID`

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, tokenUsage, "token needs a subcommand: create, list or revoke", stderr); done {
		return err
	}
	var db dbFlags
	var tenant, role, ns, id string
	var operator bool
	sub := args[0]
	var fs = newFlagSet("token "+sub, "", stderr)
	switch sub {
	case "create":
		fs = newFlagSet("token create --tenant NAME [--role admin|editor|viewer] [--namespace NS] | --operator",
			"Creates the tenant when new and a new API token for it; with --operator, an operator token for support\n"+
				"staff instead: it belongs to no tenant, acts on the tenant a request names (header "+tenancy.TenantHeader+")\n"+
				"and alone may approve or reject plan transitions and change invoice statuses. The token is printed alone\n"+
				"on the last line of stdout; it is shown once and stored only as a hash.", stderr)
		registerScope(fs, &role, &ns, "token")
	case "list":
		fs = newFlagSet("token list --tenant NAME | --operator", "Lists the tenant's tokens (or the operator tokens): id, role, namespace, created, revoked. Secrets are never stored.", stderr)
	case "revoke":
		fs = newFlagSet("token revoke --tenant NAME --id TOKEN_ID | --operator --id TOKEN_ID", "Revokes a token; requests with it answer 401 from then on.", stderr)
		fs.StringVar(&id, "id", "", "token id (from token list)")
	default:
		return usageError{fmt.Sprintf("unknown token subcommand %q; want create, list or revoke", sub)}
	}
	fs.StringVar(&tenant, "tenant", "", "tenant name (required unless --operator)")
	fs.BoolVar(&operator, "operator", false, "an operator token (support staff, every tenant) instead of a tenant's")
	db.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case operator && (tenant != "" || role != "" || ns != ""):
		return usageError{"--operator tokens belong to no tenant and have no role or namespace: drop --tenant, --role and --namespace"}
	case !operator && tenant == "":
		return usageError{"--tenant is required (or --operator for operator tokens)"}
	}
	if sub == "revoke" && id == "" {
		return usageError{"--id is required"}
	}
	a, err := openApp(ctx, db, 2, warnLogger(stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if operator {
		return operatorToken(ctx, a.Tenancy, sub, id, stdout)
	}
	switch sub {
	case "create":
		r, err := credentialRole(role)
		if err != nil {
			return err
		}
		secret, tok, err := a.Tenancy.CreateToken(ctx, cli, tenancy.CreateTokenInput{Tenant: tenant, Role: r, Namespace: ns})
		if err != nil {
			return err
		}
		scope := "all namespaces"
		if tok.Namespace != "" {
			scope = "namespace " + tok.Namespace
		}
		fmt.Fprintf(stdout, "created %s token %s for tenant %s (%s); send it as 'Authorization: APIToken <token>'\n%s\n", tok.Role, tok.ID, tenant, scope, secret)
	case "list":
		toks, err := a.Tenancy.ListTokens(ctx, cli, tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAMESPACE\tCREATED\tREVOKED")
		for _, t := range toks {
			nsText, revoked := scopeAndRevocation(t.Namespace, t.RevokedAt)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, nsText, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if err := a.Tenancy.RevokeToken(ctx, cli, tenant, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %s of tenant %s\n", id, tenant)
	}
	return nil
}

// operatorToken is token create|list|revoke --operator.
func operatorToken(ctx context.Context, ten *tenancy.Service, sub, id string, stdout io.Writer) error {
	switch sub {
	case "create":
		secret, tok, err := ten.CreateOperatorToken(ctx, cli)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created operator token %s; send it as 'Authorization: APIToken <token>' with '%s: <tenant>' to act on a tenant\n%s\n",
			tok.ID, tenancy.TenantHeader, secret)
	case "list":
		toks, err := ten.ListOperatorTokens(ctx, cli)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tCREATED\tREVOKED")
		for _, t := range toks {
			_, revoked := scopeAndRevocation("", t.RevokedAt)
			fmt.Fprintf(tw, "%s\toperator\t%s\t%s\n", t.ID, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if err := ten.RevokeOperatorToken(ctx, cli, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked operator token %s\n", id)
	}
	return nil
}

// registerScope registers --role and --namespace, the scope of a new
// credential (what: token or certificate).
func registerScope(fs *flag.FlagSet, role, ns *string, what string) {
	fs.StringVar(role, "role", "", "admin (everything in the tenant), editor (writes) or viewer (reads) (default admin)")
	fs.StringVar(ns, "namespace", "", "restrict the "+what+" to this namespace (default: every namespace)")
}

// credentialRole is the --role of a new credential: admin when not given,
// a usage error when not a role.
func credentialRole(role string) (tenancy.Role, error) {
	if role == "" {
		return tenancy.RoleAdmin, nil
	}
	r, err := tenancy.ParseRole(role)
	if err != nil {
		return "", usageError{err.Error()}
	}
	return r, nil
}

// scopeAndRevocation are the NAMESPACE and REVOKED columns of a credential
// listing (tokens, certificates): "*" for every namespace, the revocation
// instant or nothing.
func scopeAndRevocation(ns string, revokedAt *time.Time) (nsText, revoked string) {
	nsText = ns
	if nsText == "" {
		nsText = "*"
	}
	if revokedAt != nil {
		revoked = revokedAt.UTC().Format(time.RFC3339)
	}
	return nsText, revoked
}
