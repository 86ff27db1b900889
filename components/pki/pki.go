// Package pki holds the platform's certificate rules in plain Go: key specifications, which certificates
// API Management loads, and PKCS#12 encoding. It has no cloud SDK dependency, so stack validation and
// components share one definition.
package pki

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// Certificate names one certificate of the platform's chain of trust.
type Certificate string

// The platform's certificates. Every leaf is signed by the private CA.
const (
	// CA is the private root CA; it signs every leaf and is trusted by Application Gateway (trusted
	// root), API Management (CA certificate store) and the ingress (ca.crt).
	CA Certificate = "ca"
	// APIMGateway is API Management's gateway custom-domain certificate (internal host name).
	APIMGateway Certificate = "apim-gateway"
	// APIMClient is the client certificate API Management presents to the ingress.
	APIMClient Certificate = "apim-client"
	// IngressServer is the server certificate of the AKS ingress (backend host name).
	IngressServer Certificate = "ingress-server"
	// Listener is Application Gateway's public listener certificate (generated unless brought).
	Listener Certificate = "listener"
)

// The callers' certificates, when the edge requires caller mutual TLS and the platform generates the
// callers' CA (dev): signed by that CA, never by the private CA.
const (
	// CallersCA is the generated CA whose client certificates the edge accepts.
	CallersCA Certificate = "callers-ca"
	// SampleCaller is one caller's client certificate, signed by CallersCA, for trying the API.
	SampleCaller Certificate = "sample-caller"
)

// CallerLeaves lists the leaf certificates a callers' CA issues.
func CallerLeaves() []Certificate {
	return []Certificate{SampleCaller}
}

// Leaves lists the leaf certificates in the order they are created and reported.
func Leaves() []Certificate {
	return []Certificate{APIMGateway, APIMClient, IngressServer, Listener}
}

// LoadedByAPIManagement reports whether API Management loads the certificate. Those must use RSA keys:
// an EC key in a certificate API Management loads breaks later deployments of the service (a known
// API Management issue), so EC keys are only allowed for the ingress server and the listener.
func LoadedByAPIManagement(certificate Certificate) bool {
	return certificate == CA || certificate == APIMGateway || certificate == APIMClient
}

// KeySpec is a key algorithm and size, written like "RSA-3072" or "ECDSA-P256".
type KeySpec struct {
	// Algorithm is RSA or ECDSA, as pulumi-tls names them.
	Algorithm string
	// RSABits is the RSA modulus size (2048, 3072 or 4096); zero for ECDSA.
	RSABits int
	// ECDSACurve is the curve (P256 or P384); empty for RSA.
	ECDSACurve string
}

// ValidKeySpecs lists every accepted key specification.
var ValidKeySpecs = []string{"RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384"}

// ParseKeySpec reads a key specification. RSA keys below 2048 bits and curves other than P-256 and
// P-384 are rejected: NIST SP 800-57 deems them too weak, and Azure services do not all accept other curves.
func ParseKeySpec(text string) (KeySpec, error) {
	algorithm, size, _ := strings.Cut(text, "-")
	switch algorithm {
	case "RSA":
		if !slices.Contains(ValidKeySpecs, text) {
			return KeySpec{}, fmt.Errorf("RSA keys must be 2048, 3072 or 4096 bits (RSA-2048, RSA-3072, RSA-4096)")
		}
		bits := map[string]int{"2048": 2048, "3072": 3072, "4096": 4096}[size]
		return KeySpec{Algorithm: "RSA", RSABits: bits}, nil
	case "ECDSA":
		if !slices.Contains(ValidKeySpecs, text) {
			return KeySpec{}, fmt.Errorf("ECDSA keys must use P256 or P384 (ECDSA-P256, ECDSA-P384)")
		}
		return KeySpec{Algorithm: "ECDSA", ECDSACurve: size}, nil
	default:
		return KeySpec{}, fmt.Errorf("unknown key algorithm %q; valid: %s", algorithm, strings.Join(ValidKeySpecs, ", "))
	}
}

// String writes the specification back in its config form.
func (k KeySpec) String() string {
	if k.Algorithm == "RSA" {
		return fmt.Sprintf("RSA-%d", k.RSABits)
	}
	return "ECDSA-" + k.ECDSACurve
}

// PFXContentType is the content type Azure services expect on a Key Vault secret holding a PFX.
const PFXContentType = "application/x-pkcs12"

// EncodePFX builds the base64 PKCS#12 an Azure service loads from a Key Vault secret: the leaf
// certificate, its private key and the CA certificate as the chain, without a password (Key Vault
// itself returns certificates' secrets this way, and Application Gateway and API Management read them
// so).
//
// The encryption is go-pkcs12's LegacyDES (PBE-SHA1-3DES with a SHA-1 MAC): every consumer reads it —
// Windows CryptoAPI and .NET in Azure services, and OpenSSL 3 without its legacy provider — whereas
// RC2 needs OpenSSL's legacy provider and AES-based PBES2 is not read by older Windows CryptoAPI.
func EncodePFX(certificatePEM, privateKeyPEM, caPEM string) (string, error) {
	certificate, err := parseCertificate(certificatePEM)
	if err != nil {
		return "", fmt.Errorf("certificate: %w", err)
	}
	ca, err := parseCertificate(caPEM)
	if err != nil {
		return "", fmt.Errorf("CA certificate: %w", err)
	}
	key, err := parsePrivateKey(privateKeyPEM)
	if err != nil {
		return "", fmt.Errorf("private key: %w", err)
	}
	pfx, err := pkcs12.LegacyDES.Encode(key, certificate, []*x509.Certificate{ca}, "")
	if err != nil {
		return "", fmt.Errorf("encoding PKCS#12: %w", err)
	}
	return base64.StdEncoding.EncodeToString(pfx), nil
}

// CertificateDERBase64 converts a PEM certificate to the base64 DER (.cer) form Application Gateway
// trusted roots and API Management CA certificates take.
func CertificateDERBase64(certificatePEM string) (string, error) {
	certificate, err := parseCertificate(certificatePEM)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(certificate.Raw), nil
}

func parseCertificate(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// parsePrivateKey reads the PKCS#1, SEC1 or PKCS#8 PEM keys pulumi-tls emits.
func parsePrivateKey(text string) (any, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
	}
}

// CheckCACertificates checks a PEM bundle of CA certificates, as the edge trusts callers' CAs: at least
// one block, every block a certificate that parses and is a CA.
func CheckCACertificates(bundle string) error {
	rest := []byte(bundle)
	count := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		count++
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("block %d is a %s, not a CERTIFICATE: give only the CA certificates, never a key", count, block.Type)
		}
		certificate, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return fmt.Errorf("block %d does not parse as a certificate: %w", count, err)
		}
		if !certificate.IsCA {
			return fmt.Errorf("block %d (%s) is not a CA certificate: give the CA that issues the callers' certificates", count, certificate.Subject)
		}
	}
	if count == 0 || strings.TrimSpace(string(rest)) != "" {
		return errors.New("is not a PEM bundle of CA certificates (-----BEGIN CERTIFICATE----- blocks)")
	}
	return nil
}
