package tenancy

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"time"

	"github.com/billingd/billingd/domain/errs"
)

// Certificate is an API certificate: a client certificate issued by the
// installation's CA that authenticates over mutual TLS as a credential of a
// tenant, with a role and an optional namespace exactly like a Token (F5's
// SDK and Terraform provider send one instead of a token). The certificate
// and its key are handed out once in a PKCS#12 file; only the SHA-256 of the
// certificate's DER is needed to recognise it, and the key is never kept.
type Certificate struct {
	ID       string
	TenantID string
	// Fingerprint is the hex SHA-256 of the certificate's DER encoding.
	Fingerprint string
	// Serial is the certificate's serial number in hex, to find it in logs
	// and in the file.
	Serial    string
	Role      Role
	Namespace string // empty: every namespace of the tenant
	NotAfter  time.Time
	CreatedAt time.Time
	RevokedAt *time.Time
}

// CertificateFingerprint returns the stored form of a certificate: the hex
// SHA-256 of its DER encoding.
func CertificateFingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// Validity periods. The CA outlives every certificate it issues (an issued
// certificate never ends after its CA); NotBefore is set a little in the
// past so replicas whose clocks lag a few minutes accept a new certificate.
const (
	caValidity      = 20 * 365 * 24 * time.Hour
	clockSkew       = 5 * time.Minute
	maxCertValidity = 10 * 365 * 24 * time.Hour
	// DefaultCertificateValidity is how long an API certificate is valid
	// unless asked otherwise: a year.
	DefaultCertificateValidity = 365 * 24 * time.Hour
)

// CertificateAuthority is the installation's CA: it signs API certificates
// and the server trusts the client certificates it signed. One per
// installation, created on first use and kept in the database so every
// replica and every `billingd cert create` agree on it.
type CertificateAuthority struct {
	// Cert is the CA's self-signed certificate.
	Cert *x509.Certificate
	key  crypto.Signer
}

// NewCertificateAuthority creates a CA (ECDSA P-256) valid from now (less
// the clock skew allowance) for twenty years.
func NewCertificateAuthority(now time.Time) (*CertificateAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "generate CA key")
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "billingd installation CA " + serial.Text(16), Organization: []string{"billingd"}},
		NotBefore:             now.Add(-clockSkew).UTC(),
		NotAfter:              now.Add(caValidity).UTC(),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "self-sign CA certificate")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "parse CA certificate")
	}
	return &CertificateAuthority{Cert: cert, key: key}, nil
}

// MarshalPEM returns the CA's certificate and PKCS#8 private key as PEM, the
// form it is stored in.
func (ca *CertificateAuthority) MarshalPEM() (string, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.key)
	if err != nil {
		return "", errs.Wrap(errs.Internal, err, "encode CA key")
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), nil
}

// ParseCertificateAuthority reads what MarshalPEM wrote; the key must belong
// to the certificate, and the certificate must be a CA.
func ParseCertificateAuthority(text string) (*CertificateAuthority, error) {
	var ca CertificateAuthority
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, err, "stored CA certificate")
			}
			ca.Cert = c
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, errs.Wrap(errs.Internal, err, "stored CA key")
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, errs.New(errs.Internal, "stored CA key cannot sign")
			}
			ca.key = s
		}
	}
	if ca.Cert == nil || ca.key == nil {
		return nil, errs.New(errs.Internal, "stored CA lacks its certificate or its key")
	}
	if !ca.Cert.IsCA {
		return nil, errs.New(errs.Internal, "stored CA certificate is not a CA")
	}
	pub, ok := ca.Cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(ca.key.Public()) {
		return nil, errs.New(errs.Internal, "stored CA key does not belong to its certificate")
	}
	return &ca, nil
}

// IssuedCertificate is a new API certificate with its private key, shown
// once (written into the PKCS#12 file), and the CA that signed it.
type IssuedCertificate struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	CA   *x509.Certificate
}

// Issue signs a client certificate (ECDSA P-256, extended key usage
// clientAuth) for credential id of tenant, valid from now until notAfter
// (cut at the CA's own end). The subject names the credential and the
// tenant, so a certificate read by a person says what it is for; the server
// trusts only the fingerprint it stored, never the subject.
func (ca *CertificateAuthority) Issue(id, tenant string, now, notAfter time.Time) (IssuedCertificate, error) {
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	if !notAfter.After(now) {
		return IssuedCertificate{}, errs.New(errs.Invalid, "the certificate would end before it starts (the installation CA ends %s)", ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return IssuedCertificate{}, errs.Wrap(errs.Internal, err, "generate certificate key")
	}
	serial, err := randomSerial()
	if err != nil {
		return IssuedCertificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: id, Organization: []string{tenant}, OrganizationalUnit: []string{"billingd API certificate"}},
		NotBefore:             now.Add(-clockSkew).UTC(),
		NotAfter:              notAfter.UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		return IssuedCertificate{}, errs.Wrap(errs.Internal, err, "sign certificate")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return IssuedCertificate{}, errs.Wrap(errs.Internal, err, "parse certificate")
	}
	return IssuedCertificate{Cert: cert, Key: key, CA: ca.Cert}, nil
}

// Verify checks that cert was signed by this CA for client authentication
// and is valid at now. It is the check the TLS handshake makes, repeated
// here so that authentication holds whatever the listener was told.
func (ca *CertificateAuthority) Verify(cert *x509.Certificate, now time.Time) error {
	if cert.IsCA {
		return errs.New(errs.Unauthenticated, "a CA certificate is no client certificate")
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return errs.Wrap(errs.Unauthenticated, err, "client certificate not issued by this installation or not valid now")
	}
	return nil
}

// randomSerial returns a positive 128-bit serial number (RFC 5280 wants
// at most 20 octets and unpredictable serials are the CA/B practice).
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "generate serial number")
	}
	return n.Add(n, big.NewInt(1)), nil
}
