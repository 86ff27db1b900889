// Unit tests of the certificate rules: key specifications, which certificates API Management loads,
// and the PKCS#12 and DER encodings Azure services read.

package pki_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/apiplatform/azure-api-platform/components/pki"
)

// TestParseKeySpec checks every accepted specification and what is refused, with the message.
func TestParseKeySpec(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		want    pki.KeySpec
		problem string // "" for a valid specification
	}{
		{"RSA 2048", "RSA-2048", pki.KeySpec{Algorithm: "RSA", RSABits: 2048}, ""},
		{"RSA 4096", "RSA-4096", pki.KeySpec{Algorithm: "RSA", RSABits: 4096}, ""},
		{"ECDSA P-256", "ECDSA-P256", pki.KeySpec{Algorithm: "ECDSA", ECDSACurve: "P256"}, ""},
		{"ECDSA P-384", "ECDSA-P384", pki.KeySpec{Algorithm: "ECDSA", ECDSACurve: "P384"}, ""},
		{"RSA too short", "RSA-1024", pki.KeySpec{}, "RSA keys must be 2048, 3072 or 4096 bits"},
		{"RSA without a size", "RSA", pki.KeySpec{}, "RSA keys must be 2048, 3072 or 4096 bits"},
		{"ECDSA P-521", "ECDSA-P521", pki.KeySpec{}, "ECDSA keys must use P256 or P384"},
		{"lower case", "rsa-2048", pki.KeySpec{}, `unknown key algorithm "rsa"`},
		{"Ed25519", "ED25519", pki.KeySpec{}, "valid: RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384"},
		{"empty", "", pki.KeySpec{}, `unknown key algorithm ""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := pki.ParseKeySpec(tc.text)
			if tc.problem != "" {
				require.ErrorContains(t, err, tc.problem)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, spec)
			require.Equal(t, tc.text, spec.String(), "written back in its config form")
		})
	}
}

// TestEveryValidKeySpecParses checks that the list validation prints only holds accepted values.
func TestEveryValidKeySpecParses(t *testing.T) {
	for _, text := range pki.ValidKeySpecs {
		spec, err := pki.ParseKeySpec(text)
		require.NoError(t, err, text)
		require.Equal(t, text, spec.String())
	}
}

// TestCertificates checks the leaves and which certificates API Management loads (those need RSA).
func TestCertificates(t *testing.T) {
	require.Equal(t, []pki.Certificate{pki.APIMGateway, pki.APIMClient, pki.IngressServer, pki.Listener}, pki.Leaves())
	cases := []struct {
		certificate pki.Certificate
		loaded      bool
	}{
		{pki.CA, true}, {pki.APIMGateway, true}, {pki.APIMClient, true}, {pki.IngressServer, false}, {pki.Listener, false},
	}
	for _, tc := range cases {
		t.Run(string(tc.certificate), func(t *testing.T) {
			require.Equal(t, tc.loaded, pki.LoadedByAPIManagement(tc.certificate))
		})
	}
}

// chain is a CA and a leaf it signed, in PEM, with the parsed certificates.
type chain struct {
	caPEM, leafPEM, keyPEM string
	ca, leaf               *x509.Certificate
	key                    crypto.Signer
}

// newChain issues a CA and a leaf whose key is written by encodeKey, as pulumi-tls writes it.
func newChain(t *testing.T, leafKey crypto.Signer, encodeKey func(crypto.Signer) (string, []byte, error)) chain {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTemplate := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: now, NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leafTemplate := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "echo.internal.contoso.example"},
		DNSNames: []string{"echo.internal.contoso.example"}, NotBefore: now, NotAfter: now.Add(time.Hour)}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, leafKey.Public(), caKey)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(leafDER)
	require.NoError(t, err)
	blockType, keyDER, err := encodeKey(leafKey)
	require.NoError(t, err)
	return chain{
		caPEM: encodePEM("CERTIFICATE", caDER), leafPEM: encodePEM("CERTIFICATE", leafDER), keyPEM: encodePEM(blockType, keyDER),
		ca: ca, leaf: leaf, key: leafKey,
	}
}

// encodePEM writes one PEM block.
func encodePEM(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

// The key encodings pulumi-tls emits: PKCS#1 for RSA, SEC1 for EC, and PKCS#8 for either.
func pkcs1(key crypto.Signer) (string, []byte, error) {
	return "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey)), nil
}

func sec1(key crypto.Signer) (string, []byte, error) {
	der, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	return "EC PRIVATE KEY", der, err
}

func pkcs8(key crypto.Signer) (string, []byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	return "PRIVATE KEY", der, err
}

// TestEncodePFX checks that the PFX holds the leaf, its key and the CA as the chain, without a
// password, for every key encoding pulumi-tls emits.
func TestEncodePFX(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		name   string
		key    crypto.Signer
		encode func(crypto.Signer) (string, []byte, error)
	}{
		{"RSA in PKCS#1", rsaKey, pkcs1},
		{"EC in SEC1", ecKey, sec1},
		{"EC in PKCS#8", ecKey, pkcs8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			issued := newChain(t, tc.key, tc.encode)
			encoded, err := pki.EncodePFX(issued.leafPEM, issued.keyPEM, issued.caPEM)
			require.NoError(t, err)
			pfx, err := base64.StdEncoding.DecodeString(encoded)
			require.NoError(t, err, "the secret value is standard base64")
			key, certificate, caCertificates, err := pkcs12.DecodeChain(pfx, "")
			require.NoError(t, err, "readable without a password")
			require.True(t, issued.leaf.Equal(certificate))
			require.Len(t, caCertificates, 1)
			require.True(t, issued.ca.Equal(caCertificates[0]))
			require.True(t, issued.key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.(crypto.Signer).Public()))
		})
	}
}

// TestEncodePFXRefusesBadInput checks that each wrong input is named in the error.
func TestEncodePFXRefusesBadInput(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	issued := newChain(t, ecKey, sec1)
	cases := []struct {
		name, certificate, key, ca, problem string
	}{
		{"key as certificate", issued.keyPEM, issued.keyPEM, issued.caPEM, "certificate: no CERTIFICATE PEM block"},
		{"no CA", issued.leafPEM, issued.keyPEM, "", "CA certificate: no CERTIFICATE PEM block"},
		{"no key", issued.leafPEM, "not PEM", issued.caPEM, "private key: no PEM block"},
		{"certificate as key", issued.leafPEM, issued.caPEM, issued.caPEM, `private key: unsupported PEM block "CERTIFICATE"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pki.EncodePFX(tc.certificate, tc.key, tc.ca)
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestCertificateDERBase64 checks the .cer form and that only certificates are converted.
func TestCertificateDERBase64(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	issued := newChain(t, ecKey, pkcs8)
	encoded, err := pki.CertificateDERBase64(issued.caPEM)
	require.NoError(t, err)
	require.Equal(t, base64.StdEncoding.EncodeToString(issued.ca.Raw), encoded)
	_, err = pki.CertificateDERBase64(issued.keyPEM)
	require.ErrorContains(t, err, "no CERTIFICATE PEM block")
}

// TestCheckCACertificates checks what the edge may be given as callers' CAs: CA certificates only.
func TestCheckCACertificates(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	issued := newChain(t, key, sec1)
	cases := []struct {
		name, bundle, problem string
	}{
		{"one CA", issued.caPEM, ""},
		{"two CAs", issued.caPEM + issued.caPEM, ""},
		{"a leaf", issued.leafPEM, "is not a CA certificate"},
		{"a CA and its key", issued.caPEM + issued.keyPEM, "not a CERTIFICATE"},
		{"empty", "", "is not a PEM bundle"},
		{"text after the CA", issued.caPEM + "garbage", "is not a PEM bundle"},
		{"a broken certificate", encodePEM("CERTIFICATE", []byte("not DER")), "does not parse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := pki.CheckCACertificates(tc.bundle)
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.problem)
		})
	}
}
