// Certificates component: the private CA and the leaf certificates of every hop, generated with pulumi-tls.

package components

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/outputs"
	"github.com/apiplatform/azure-api-platform/components/pki"
)

// CertificatesType is the Certificates component's type token.
const CertificatesType = Project + ":security:Certificates"

// LeafArgs describes one leaf certificate.
type LeafArgs struct {
	// DNSName is the certificate's only subject alternative name; callers verify the host they use
	// against it (the common name is informational).
	DNSName string
	// Key is the key algorithm and size.
	Key pki.KeySpec
	// Usage is the extended key usage: UsageServerAuth or UsageClientAuth.
	Usage CertificateUsage
}

// CertificateUsage is a leaf certificate's extended key usage, as pulumi-tls names it in allowed_uses.
type CertificateUsage string

// The extended key usages of the platform's leaf certificates.
const (
	// UsageServerAuth is a TLS server's certificate (listener, API Management gateway, ingress).
	UsageServerAuth CertificateUsage = "server_auth"
	// UsageClientAuth is a TLS client's certificate (API Management towards the ingress).
	UsageClientAuth CertificateUsage = "client_auth"
)

// keyAlgorithm is a private key's algorithm as pulumi-tls names it, the values of pki.KeySpec's
// Algorithm.
type keyAlgorithm string

// The key algorithms pki.ParseKeySpec produces.
const (
	// keyAlgorithmRSA takes a key size in bits.
	keyAlgorithmRSA keyAlgorithm = "RSA"
	// keyAlgorithmECDSA takes a named curve.
	keyAlgorithmECDSA keyAlgorithm = "ECDSA"
)

// CertificatesArgs configures the Certificates component.
type CertificatesArgs struct {
	// Organization is the informational subject organization of every certificate.
	Organization string
	// CAName says which CA this is, for its common name: pki.CA (the default) for the private CA every
	// hop trusts, pki.CallersCA for the CA of callers' client certificates.
	CAName pki.Certificate
	// CAKey is the CA's key (RSA: API Management loads the CA certificate).
	CAKey pki.KeySpec
	// CAValidityHours is the CA's lifetime; CAEarlyRenewalHours replaces it that long before expiry.
	CAValidityHours, CAEarlyRenewalHours int
	// Leaves are the leaf certificates to issue, keyed by certificate. Leave out the listener to bring
	// your own.
	Leaves map[pki.Certificate]LeafArgs
	// ValidityHours is each leaf's lifetime; EarlyRenewalHours replaces a leaf that long before expiry.
	ValidityHours, EarlyRenewalHours int
}

// IssuedCertificate is one leaf certificate and its encodings. Its tagged fields are component outputs
// of Certificates, named after the leaf (Certificates.Issued); the key and the PFX are secrets that Go
// callers pass on, never outputs.
type IssuedCertificate struct {
	// CertificatePEM is the leaf certificate.
	CertificatePEM pulumi.StringOutput `pulumi:"certificatePem"`
	// PrivateKeyPEM is the leaf's private key (secret).
	PrivateKeyPEM pulumi.StringOutput
	// PFX is the base64 PKCS#12 of key, certificate and CA chain, without a password (secret).
	PFX pulumi.StringOutput
	// ExpiresAt is the certificate's notAfter time (RFC 3339).
	ExpiresAt pulumi.StringOutput `pulumi:"expiresAt"`
}

// Certificates is the private CA and the leaf certificates it signed. The CA's private key stays in
// the Pulumi state (encrypted, as a secret) and is never output.
type Certificates struct {
	pulumi.ResourceState

	// CACertificatePEM is the CA certificate every hop trusts.
	CACertificatePEM pulumi.StringOutput `pulumi:"caCertificatePem"`
	// CAExpiresAt is the CA's notAfter time (RFC 3339).
	CAExpiresAt pulumi.StringOutput `pulumi:"caExpiresAt"`
	// Issued holds the issued leaf certificates by certificate; each registers its outputs under the
	// certificate's name, e.g. apimClientCertificatePem and apimClientExpiresAt.
	Issued map[pki.Certificate]*IssuedCertificate `pulumi:",inline"`
}

// certificatesScope is what every leaf of one Certificates component is issued with: the CA and its key.
type certificatesScope struct {
	scope
	// args configures the component.
	args *CertificatesArgs
	// caKey signs every leaf.
	caKey *tls.PrivateKey
	// ca is the CA certificate every leaf chains to.
	ca *tls.SelfSignedCert
}

// caUses are the usages of the CA: it signs certificates and revocation lists, nothing else.
var caUses = []string{"cert_signing", "crl_signing", "digital_signature"}

// NewCertificates creates the CA and issues the leaves. A certificate is replaced (and so rotated) by
// `pulumi up` once it is within its early-renewal window; the PFX encodings follow automatically.
func NewCertificates(ctx *pulumi.Context, name string, args *CertificatesArgs, opts ...pulumi.ResourceOption) (*Certificates, error) {
	if args == nil {
		return nil, errors.New("creating certificates: args are required")
	}
	component := &Certificates{Issued: map[pki.Certificate]*IssuedCertificate{}}
	if err := ctx.RegisterComponentResource(CertificatesType, name, component, opts...); err != nil {
		return nil, fmt.Errorf("registering certificates %s: %w", name, err)
	}
	parent := pulumi.Parent(component)

	commonName := args.Organization + " private CA"
	if args.CAName == pki.CallersCA {
		commonName = args.Organization + " callers CA"
	}
	caName := name + "-" + string(pki.CA)
	caKey, err := newPrivateKey(ctx, caName+"-key", args.CAKey, parent)
	if err != nil {
		return nil, err
	}
	ca, err := tls.NewSelfSignedCert(ctx, caName, &tls.SelfSignedCertArgs{
		PrivateKeyPem:       caKey.PrivateKeyPem,
		Subject:             &tls.SelfSignedCertSubjectArgs{CommonName: pulumi.String(commonName), Organization: pulumi.String(args.Organization)},
		IsCaCertificate:     pulumi.Bool(true),
		SetSubjectKeyId:     pulumi.Bool(true),
		ValidityPeriodHours: pulumi.Int(args.CAValidityHours),
		EarlyRenewalHours:   pulumi.Int(args.CAEarlyRenewalHours),
		AllowedUses:         pulumi.ToStringArray(caUses),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating CA certificate %s: %w", caName, err)
	}
	component.CACertificatePEM = ca.CertPem
	component.CAExpiresAt = ca.ValidityEndTime

	issuer := certificatesScope{scope: scope{ctx: ctx, name: name, parent: parent}, args: args, caKey: caKey, ca: ca}
	for _, certificate := range slices.Concat(pki.Leaves(), pki.CallerLeaves()) {
		leaf, ok := args.Leaves[certificate]
		if !ok {
			continue
		}
		issued, err := issuer.issue(name+"-"+string(certificate), leaf)
		if err != nil {
			return nil, err
		}
		component.Issued[certificate] = issued
	}
	if err := ctx.RegisterResourceOutputs(component, outputs.Of(component)); err != nil {
		return nil, fmt.Errorf("registering certificates %s outputs: %w", name, err)
	}
	return component, nil
}

// issue creates a key, a certificate request carrying the SAN, and the CA-signed certificate, as
// resource name and its name+"-key" and name+"-request".
func (s certificatesScope) issue(name string, leaf LeafArgs) (*IssuedCertificate, error) {
	ctx, args, parent := s.ctx, s.args, s.parent
	key, err := newPrivateKey(ctx, name+"-key", leaf.Key, parent)
	if err != nil {
		return nil, err
	}
	request, err := tls.NewCertRequest(ctx, name+"-request", &tls.CertRequestArgs{
		PrivateKeyPem: key.PrivateKeyPem,
		DnsNames:      pulumi.StringArray{pulumi.String(leaf.DNSName)},
		Subject:       &tls.CertRequestSubjectArgs{CommonName: pulumi.String(leaf.DNSName), Organization: pulumi.String(args.Organization)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating certificate request %s: %w", name, err)
	}
	certificate, err := tls.NewLocallySignedCert(ctx, name, &tls.LocallySignedCertArgs{
		CertRequestPem:      request.CertRequestPem,
		CaPrivateKeyPem:     s.caKey.PrivateKeyPem,
		CaCertPem:           s.ca.CertPem,
		ValidityPeriodHours: pulumi.Int(args.ValidityHours),
		EarlyRenewalHours:   pulumi.Int(args.EarlyRenewalHours),
		SetSubjectKeyId:     pulumi.Bool(true),
		AllowedUses:         pulumi.StringArray{pulumi.String("digital_signature"), pulumi.String("key_encipherment"), pulumi.String(leaf.Usage)},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating certificate %s: %w", name, err)
	}
	pfx := pulumi.All(certificate.CertPem, key.PrivateKeyPem, s.ca.CertPem).ApplyT(func(values []any) (string, error) {
		return pki.EncodePFX(values[0].(string), values[1].(string), values[2].(string))
	}).(pulumi.StringOutput)
	return &IssuedCertificate{
		CertificatePEM: certificate.CertPem,
		PrivateKeyPEM:  pulumi.ToSecret(key.PrivateKeyPem).(pulumi.StringOutput),
		PFX:            pulumi.ToSecret(pfx).(pulumi.StringOutput),
		ExpiresAt:      certificate.ValidityEndTime,
	}, nil
}

// newPrivateKey creates a pulumi-tls private key of the given specification: an RSA key of its size or
// an ECDSA key on its curve.
func newPrivateKey(ctx *pulumi.Context, name string, spec pki.KeySpec, parent pulumi.ResourceOption) (*tls.PrivateKey, error) {
	args := &tls.PrivateKeyArgs{Algorithm: pulumi.String(spec.Algorithm)}
	switch algorithm := keyAlgorithm(spec.Algorithm); algorithm {
	case keyAlgorithmRSA:
		args.RsaBits = pulumi.Int(spec.RSABits)
	case keyAlgorithmECDSA:
		args.EcdsaCurve = pulumi.String(spec.ECDSACurve)
	default:
		return nil, fmt.Errorf("creating private key %s: unknown key algorithm %q (want %s or %s)", name, algorithm, keyAlgorithmRSA, keyAlgorithmECDSA)
	}
	key, err := tls.NewPrivateKey(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("creating private key %s: %w", name, err)
	}
	return key, nil
}
