package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/billingd/billingd/adapters/httpmw"
	"github.com/billingd/billingd/domain/tenancy"
	"github.com/billingd/billingd/internal/app"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// The tenancy service authenticates API certificates over mutual TLS.
var _ httpmw.CertificateAuthenticator = (*tenancy.Service)(nil)

// p12PasswordEnv is the variable F5's SDK and Terraform provider read the
// API certificate's password from; cert create reads it too.
const p12PasswordEnv = "VES_P12_PASSWORD"

const certUsage = `billingd cert create --tenant NAME [--role admin|editor|viewer] [--namespace NS] --out FILE.p12 [--password P] [--valid-for 8760h]
billingd cert list   --tenant NAME
billingd cert revoke --tenant NAME --id CERT_ID`

func cmdCert(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, certUsage, "cert needs a subcommand: create, list or revoke", stderr); done {
		return err
	}
	var db dbFlags
	var tenant, role, ns, id, out, password string
	var validFor time.Duration
	sub := args[0]
	var fs = newFlagSet("cert "+sub, "", stderr)
	switch sub {
	case "create":
		fs = newFlagSet("cert create --tenant NAME [--role admin|editor|viewer] [--namespace NS] --out FILE.p12 [--password P]",
			"Creates the tenant when new and an API certificate for it: a client certificate signed by this installation's CA\n"+
				"(created on first use and kept in the database), with its private key, written to a new PKCS#12 file protected\n"+
				"by the password (--password, or env "+p12PasswordEnv+" as F5's SDK and Terraform provider read it). Over HTTPS\n"+
				"(serve --tls-cert) the certificate authenticates like a token of that role and namespace. The key is never stored;\n"+
				"the credential id is printed alone on the last line of stdout.", stderr)
		registerScope(fs, &role, &ns, "certificate")
		fs.StringVar(&out, "out", "", "PKCS#12 file to write (must not exist; created readable by its owner only)")
		fs.StringVar(&password, "password", "", "password of the PKCS#12 file (default: env "+p12PasswordEnv+"; a flag is visible to other users in the process list)")
		fs.DurationVar(&validFor, "valid-for", tenancy.DefaultCertificateValidity, "how long the certificate is valid, from now (1h to 87600h)")
	case "list":
		fs = newFlagSet("cert list --tenant NAME", "Lists the tenant's API certificates: id, role, namespace, serial, end of validity, created, revoked. Keys are never stored.", stderr)
	case "revoke":
		fs = newFlagSet("cert revoke --tenant NAME --id CERT_ID", "Revokes an API certificate; requests with it answer 401 from then on.", stderr)
		fs.StringVar(&id, "id", "", "certificate id (from cert list, or the last line of cert create)")
	default:
		return usageError{fmt.Sprintf("unknown cert subcommand %q; want create, list or revoke", sub)}
	}
	fs.StringVar(&tenant, "tenant", "", "tenant name (required)")
	db.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case tenant == "":
		return usageError{"--tenant is required"}
	case sub == "revoke" && id == "":
		return usageError{"--id is required"}
	case sub == "create" && out == "":
		return usageError{"--out FILE.p12 is required"}
	}
	if sub == "create" && password == "" {
		if password = os.Getenv(p12PasswordEnv); password == "" {
			return usageError{"a PKCS#12 password is required: --password P or env " + p12PasswordEnv}
		}
	}
	var r tenancy.Role
	if sub == "create" {
		var err error
		if r, err = credentialRole(role); err != nil {
			return err
		}
	}
	a, err := openApp(ctx, db, 2, warnLogger(stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "create":
		return createCert(ctx, a.Tenancy, tenancy.CreateCertificateInput{Tenant: tenant, Role: r, Namespace: ns, ValidFor: validFor}, out, password, stdout)
	case "list":
		certs, err := a.Tenancy.ListCertificates(ctx, cli, tenant)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tNAMESPACE\tSERIAL\tNOT_AFTER\tCREATED\tREVOKED")
		for _, c := range certs {
			nsText, revoked := scopeAndRevocation(c.Namespace, c.RevokedAt)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Role, nsText, c.Serial, c.NotAfter.UTC().Format(time.RFC3339),
				c.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if err := a.Tenancy.RevokeCertificate(ctx, cli, tenant, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked API certificate %s of tenant %s\n", id, tenant)
	}
	return nil
}

// createCert issues the certificate and writes it, its key and the CA into
// a new PKCS#12 file. The file is created before the credential, so an
// existing file is refused without leaving a credential behind; a write
// that fails after the credential exists revokes it.
func createCert(ctx context.Context, ten *tenancy.Service, in tenancy.CreateCertificateInput, out, password string, stdout io.Writer) (err error) {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usageError{fmt.Sprintf("--out %s exists; choose a new file", out)}
		}
		return err
	}
	var cred tenancy.Certificate
	defer func() {
		if err == nil {
			return
		}
		f.Close()
		os.Remove(out)
		if cred.ID != "" {
			if rerr := ten.RevokeCertificate(context.WithoutCancel(ctx), cli, in.Tenant, cred.ID); rerr != nil {
				err = fmt.Errorf("%w (and revoking the unwritten certificate %s failed: %v)", err, cred.ID, rerr)
			}
		}
	}()
	issued, cred, err := ten.CreateCertificate(ctx, cli, in)
	if err != nil {
		return err
	}
	// Modern2023: AES-256-CBC with PBKDF2-HMAC-SHA-256 and an HMAC-SHA-256
	// MAC, OpenSSL 3's default, read by OpenSSL 1.1.1 and later (curl),
	// go-pkcs12 (F5's Go SDK) and Java 12 and later.
	pfx, err := pkcs12.Modern2023.Encode(issued.Key, issued.Cert, []*x509.Certificate{issued.CA}, password)
	if err != nil {
		return fmt.Errorf("encode PKCS#12: %w", err)
	}
	if _, err = f.Write(pfx); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	scope := "all namespaces"
	if cred.Namespace != "" {
		scope = "namespace " + cred.Namespace
	}
	fmt.Fprintf(stdout, "created %s API certificate %s for tenant %s (%s), serial %s, valid until %s; written to %s (PKCS#12)\n%s\n",
		cred.Role, cred.ID, in.Tenant, scope, cred.Serial, cred.NotAfter.UTC().Format(time.RFC3339), out, cred.ID)
	return nil
}

// serverTLS is the HTTPS configuration of serve: the server's certificate,
// and client certificates requested but optional (a caller may still send
// 'Authorization: APIToken' over TLS instead). A client certificate must
// chain to the installation CA or to a CA of clientCAFile, else the
// handshake fails; the request then authenticates only as an API
// certificate issued here (httpmw.RequireAuth). Certificate dates are checked
// on the app's clock, so a simulated clock accepts the certificates issued
// on it.
func serverTLS(ctx context.Context, a *app.App, certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--tls-cert/--tls-key: %v", err)}
	}
	ca, err := a.Tenancy.CertificateAuthority(ctx, serverPrincipal)
	if err != nil {
		return nil, fmt.Errorf("installation CA: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if clientCAFile != "" {
		b, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--client-ca: %v", err)}
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, usageError{fmt.Sprintf("--client-ca: no PEM certificate in %s", clientCAFile)}
		}
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
		Time:         a.Clock.Now,
	}, nil
}
