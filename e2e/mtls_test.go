package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billingd/billingd/adapters/store/storetest"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// TestMTLS runs `billingd serve --tls-cert --tls-key --client-ca` and calls
// it as F5's SDK and Terraform provider do: with an API certificate from
// `billingd cert create` in a PKCS#12 file and its password, from Go
// (go-pkcs12, as the SDK) and from curl (--cert-type P12). A revoked
// certificate, one from a CA the server trusts only at the handshake
// (--client-ca) and one from an unknown CA are refused; tokens keep working
// over TLS.
func TestMTLS(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testMTLS(t, storetest.URL(t, d))
		})
	}
}

func testMTLS(t *testing.T, dbURL string) {
	dir := t.TempDir()
	serverCA := newTestCA(t, "e2e server CA")
	serverCert, serverKey := serverCA.issue(t, "127.0.0.1", false)
	certFile, keyFile := writeCertPEM(t, dir, "server", serverCert, serverKey)
	// trustedCA is passed as --client-ca: its certificates pass the
	// handshake but are no API certificates. unknownCA is trusted nowhere.
	trustedCA, unknownCA := newTestCA(t, "e2e partner CA"), newTestCA(t, "e2e unknown CA")
	clientCAFile := filepath.Join(dir, "client-ca.pem")
	if err := os.WriteFile(clientCAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: trustedCA.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(serverCA.cert)

	s := startTLS(t, dbURL, roots, "--tls-cert", certFile, "--tls-key", keyFile, "--client-ca", clientCAFile,
		"--rate-limit", "2", "--rate-burst", "8")

	const password = "s3cret-Pass"
	adminP12 := filepath.Join(dir, "admin.p12")
	adminID := certCreate(t, dbURL, nil, "--tenant", "acme", "--role", "admin", "--out", adminP12, "--password", password)
	// The password from VES_P12_PASSWORD, as F5's tools take it.
	viewerP12 := filepath.Join(dir, "viewer.p12")
	certCreate(t, dbURL, []string{"VES_P12_PASSWORD=" + password}, "--tenant", "acme", "--role", "viewer", "--namespace", "ns1", "--out", viewerP12)

	// (a) Go client, the key and certificate read from the .p12 by go-pkcs12.
	admin := s.client(loadP12(t, adminP12, password))
	expectStatus(t, s.call(admin, "GET", "/api/web/namespaces/system/quota/usage", "", nil), 200)
	created := s.call(admin, "POST", "/api/web/namespaces/ns1/quotas", "",
		[]byte(`{"metadata":{"name":"via-cert"},"spec":{"object_limits":{"virtual_host":{"maximum":3}}}}`))
	expectStatus(t, created, 200)
	// Audited as the certificate's credential, like a token.
	audit := s.call(admin, "POST", "/graphql", "", []byte(`{"query":"{ auditLog(first: 100) { edges { node { actor action object } } } }"}`))
	expectStatus(t, audit, 200)
	if want := `"actor":"cert:` + adminID + ` (admin)","action":"quota.create","object":"via-cert"`; !strings.Contains(string(audit.body), want) {
		t.Fatalf("audit log lacks %s:\n%s", want, audit.body)
	}

	// The viewer certificate has a viewer's rights, bound to ns1.
	viewer := s.client(loadP12(t, viewerP12, password))
	expectStatus(t, s.call(viewer, "GET", "/api/web/namespaces/ns1/quotas/via-cert", "", nil), 200)
	expectStatus(t, s.call(viewer, "GET", "/api/web/namespaces/ns2/quotas", "", nil), 403)
	expectStatus(t, s.call(viewer, "DELETE", "/api/web/namespaces/ns1/quotas/via-cert", "", nil), 403)

	// (b) curl with the PKCS#12 file and its password.
	if curl, err := exec.LookPath("curl"); err != nil {
		t.Log("curl not installed: the curl --cert-type P12 part is skipped")
	} else {
		caFile := filepath.Join(dir, "server-ca.pem")
		if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverCA.cert.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(curl, "-sS", "--cacert", caFile, "--cert-type", "P12", "--cert", adminP12+":"+password,
			"-w", "\n%{http_code}", s.base+"/api/web/namespaces/ns1/quotas/via-cert").CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v\n%s", err, out)
		}
		text := strings.TrimSpace(string(out))
		i := strings.LastIndex(text, "\n")
		body, code := text[:max(i, 0)], text[i+1:]
		if code != "200" || !strings.Contains(body, `"name":"via-cert"`) {
			t.Fatalf("curl: status %s\n%s", code, body)
		}
	}

	// Same rate limit as a token: the certificate's own bucket.
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		r := s.call(viewer, "GET", "/api/web/namespaces/ns1/quotas", "", nil)
		limited = r.status == 429
		if !limited {
			expectStatus(t, r, 200)
		}
	}
	if !limited {
		t.Fatal("20 quick requests with one certificate at --rate-limit 2 --rate-burst 8: no 429")
	}
	expectStatus(t, s.call(admin, "GET", "/api/web/namespaces/ns1/quotas", "", nil), 200) // another bucket

	// (c) A revoked certificate is 401 (within the auth cache's second).
	doomedP12 := filepath.Join(dir, "doomed.p12")
	doomedID := certCreate(t, dbURL, nil, "--tenant", "acme", "--role", "editor", "--out", doomedP12, "--password", password)
	doomed := s.client(loadP12(t, doomedP12, password))
	expectStatus(t, s.call(doomed, "GET", "/api/web/namespaces/ns1/quotas", "", nil), 200)
	billingd(t, dbURL, "cert", "revoke", "--tenant", "acme", "--id", doomedID)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := s.call(doomed, "GET", "/api/web/namespaces/ns1/quotas", "", nil)
		if r.status == 401 {
			if !strings.Contains(string(r.body), "UNAUTHENTICATED") && !strings.Contains(string(r.body), "not a valid API certificate") {
				t.Fatalf("revoked: 401 body %s", r.body)
			}
			break
		}
		expectStatus(t, r, 200)
		if time.Now().After(deadline) {
			t.Fatal("revoked certificate still accepted after 5s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// cert list: ID ROLE NAMESPACE SERIAL NOT_AFTER CREATED [REVOKED].
	list := billingd(t, dbURL, "cert", "list", "--tenant", "acme")
	fields := map[string]int{}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			fields[f[0]] = len(f)
		}
	}
	if fields[adminID] != 6 || fields[doomedID] != 7 || len(fields) != 4 {
		t.Fatalf("cert list: want 3 certificates, only %s revoked:\n%s", doomedID, list)
	}

	// (d) A certificate of a CA trusted only at the handshake (--client-ca)
	// is no API certificate: 401. One of a CA the server does not trust at
	// all fails the TLS handshake (VerifyClientCertIfGiven): no HTTP answer.
	partner := s.client(trustedCA.clientCert(t))
	r := s.call(partner, "GET", "/api/web/namespaces/ns1/quotas", "", nil)
	expectStatus(t, r, 401)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	// Go's client would hold back a certificate whose issuer is not among
	// the CAs the server names; send it anyway, as a client may.
	strangerCert := unknownCA.clientCert(t)
	stranger := s.client()
	stranger.Transport.(*http.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &strangerCert, nil
	}
	if r, err := s.try(stranger, "GET", "/api/web/namespaces/ns1/quotas", "", nil); err == nil {
		t.Fatalf("a certificate of an unknown CA got an HTTP answer: %d %s", r.status, r.body)
	} else if !strings.Contains(err.Error(), "tls") {
		t.Fatalf("unknown CA: want a TLS handshake failure, got %v", err)
	} else {
		t.Logf("a certificate of an unknown CA: %v", err)
	}

	// (e) APIToken over TLS, with no client certificate; and a token beats
	// a certificate sent alongside (the Authorization header decides).
	tok := token(t, dbURL, "acme", "viewer", "ns1")
	anonymous := s.client()
	expectStatus(t, s.call(anonymous, "GET", "/api/web/namespaces/ns1/quotas", tok, nil), 200)
	expectStatus(t, s.call(anonymous, "GET", "/api/web/namespaces/ns1/quotas", "", nil), 401)
	expectStatus(t, s.call(admin, "DELETE", "/api/web/namespaces/ns1/quotas/via-cert", tok, nil), 403)
}

// tlsServer is a billingd serving HTTPS.
type tlsServer struct {
	t     *testing.T
	base  string
	roots *x509.CertPool
}

// startTLS runs `billingd serve` with TLS flags on dbURL, like startOn, and
// waits until /healthz answers over HTTPS.
func startTLS(t *testing.T, dbURL string, roots *x509.CertPool, extra ...string) *tlsServer {
	t.Helper()
	addr := freeAddr(t)
	s := &tlsServer{t: t, base: "https://" + addr, roots: roots}
	_, logs, exited := spawnServe(t, addr, dbURL, extra...)
	c := s.client()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := s.try(c, "GET", "/healthz", "", nil); err == nil && r.status == 200 {
			return s
		}
		select {
		case err := <-exited:
			t.Fatalf("billingd exited at start: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("billingd did not become healthy over HTTPS\n%s", logs.String())
	return nil
}

// client returns an HTTPS client trusting the server's CA and presenting
// the given client certificate (none when omitted).
func (s *tlsServer) client(certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.roots, Certificates: certs, MinVersion: tls.VersionTLS12},
	}}
}

type tlsResponse struct {
	status int
	header http.Header
	body   []byte
}

// try sends a request and returns the transport error, if any.
func (s *tlsServer) try(c *http.Client, method, path, tok string, body []byte) (tlsResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return tlsResponse{}, err
	}
	if tok != "" {
		req.Header.Set("Authorization", "APIToken "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return tlsResponse{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return tlsResponse{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// call is try that fails the test on a transport error.
func (s *tlsServer) call(c *http.Client, method, path, tok string, body []byte) tlsResponse {
	s.t.Helper()
	r, err := s.try(c, method, path, tok, body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func expectStatus(t *testing.T, r tlsResponse, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if len(r.body) > 0 && !json.Valid(r.body) {
		t.Fatalf("answer is not JSON: %s", r.body)
	}
}

// certCreate runs `billingd cert create` with extra environment and
// returns the credential id, the last line of its output.
func certCreate(t *testing.T, dbURL string, env []string, args ...string) string {
	t.Helper()
	out := billingdEnv(t, dbURL, env, append([]string{"cert", "create"}, args...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// loadP12 reads a PKCS#12 file as F5's Go SDK does: go-pkcs12 with the
// password; the file carries the installation CA too.
func loadP12(t *testing.T, file, password string) tls.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", file, fi.Mode().Perm())
	}
	if _, _, err := pkcs12.Decode(b, password+"x"); err == nil {
		t.Fatal("the PKCS#12 file opens with a wrong password")
	}
	key, cert, cas, err := pkcs12.DecodeChain(b, password)
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	if len(cas) != 1 || !cas[0].IsCA || cert.CheckSignatureFrom(cas[0]) != nil {
		t.Fatalf("%s: want the certificate and the installation CA that signed it, got %d CA certificates", file, len(cas))
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

// testCA is a CA the test makes for the server's certificate and for
// foreign client certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().AddDate(-5, 0, 0), NotAfter: time.Now().AddDate(20, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key}
}

// issue signs a server certificate for host (an IP) or, with client set,
// a client certificate. Validity is wide, so a simulated server clock
// (BILLINGD_E2E_CLOCK_START) still accepts it.
func (ca testCA) issue(t *testing.T, host string, client bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().AddDate(-5, 0, 0), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	} else {
		tmpl.IPAddresses = []net.IP{net.ParseIP(host)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func (ca testCA) clientCert(t *testing.T) tls.Certificate {
	t.Helper()
	cert, key := ca.issue(t, "someone", true)
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

func writeCertPEM(t *testing.T, dir, name string, cert *x509.Certificate, key *ecdsa.PrivateKey) (certFile, keyFile string) {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
