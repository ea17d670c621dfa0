package httpmw

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/billingd/billingd/domain/errs"
	"github.com/billingd/billingd/domain/tenancy"
)

// certAuth authenticates "APIToken tok" as token "tok" and a client
// certificate whose subject is "good" as credential "cert".
type certAuth struct{ certCalls int }

func (a *certAuth) Authenticate(_ context.Context, header string) (tenancy.Principal, error) {
	if header == "APIToken tok" {
		return tenancy.Principal{TenantID: "t1", TenantName: "acme", TokenID: "tok", Role: tenancy.RoleAdmin}, nil
	}
	return tenancy.Principal{}, errs.New(errs.Unauthenticated, "bad token")
}

func (a *certAuth) ActOnTenant(_ context.Context, p tenancy.Principal, _ string) (tenancy.Principal, error) {
	return p, nil
}

func (a *certAuth) AuthenticateCertificate(_ context.Context, c *x509.Certificate) (tenancy.Principal, error) {
	a.certCalls++
	if c.Subject.CommonName == "good" {
		return tenancy.Principal{TenantID: "t1", TenantName: "acme", TokenID: "cert", Role: tenancy.RoleViewer, Certificate: true}, nil
	}
	return tenancy.Principal{}, errs.New(errs.Unauthenticated, "bad certificate")
}

// TestRequireAuthCertificate: without an Authorization header the client
// certificate of a TLS connection authenticates; with one, the header
// decides as before, certificate or not.
func TestRequireAuthCertificate(t *testing.T) {
	t.Parallel()
	a := &certAuth{}
	var caller string
	h := RequireAuth(a, slog.New(slog.NewTextHandler(io.Discard, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := tenancy.PrincipalFrom(r.Context())
		caller = p.TokenID
	}))
	peer := func(cn string) *tls.ConnectionState {
		c := &x509.Certificate{}
		c.Subject.CommonName = cn
		return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}}
	}
	for _, tc := range []struct {
		name   string
		tls    *tls.ConnectionState
		header string
		status int
		caller string
	}{
		{"certificate", peer("good"), "", 200, "cert"},
		{"unknown certificate", peer("bad"), "", 401, ""},
		{"header wins over certificate", peer("good"), "APIToken tok", 200, "tok"},
		{"bad header with a good certificate", peer("good"), "APIToken nope", 401, ""},
		{"token over TLS without certificate", &tls.ConnectionState{}, "APIToken tok", 200, "tok"},
		{"TLS without certificate or header", &tls.ConnectionState{}, "", 401, ""},
		{"plain HTTP", nil, "", 401, ""},
	} {
		caller = ""
		req := httptest.NewRequest("GET", "/x", nil)
		req.TLS = tc.tls
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || caller != tc.caller {
			t.Errorf("%s: status %d caller %q, want %d %q", tc.name, rec.Code, caller, tc.status, tc.caller)
		}
		if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
	}
	if a.certCalls != 2 {
		t.Fatalf("certificate checked %d times, want 2 (only without a header)", a.certCalls)
	}
}
