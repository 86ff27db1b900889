// The certificate chain: what the program issues, verified with real cryptography and real handshakes.

package tests

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

const (
	privateKeyType        = "tls:index/privateKey:PrivateKey"
	selfSignedCertType    = "tls:index/selfSignedCert:SelfSignedCert"
	locallySignedCertType = "tls:index/locallySignedCert:LocallySignedCert"
	certRequestType       = "tls:index/certRequest:CertRequest"
	secretType            = "azure-native:keyvault:Secret"
)

// chain is a stack's certificates as recorded: the CA and each leaf with its private key.
type chain struct {
	base   string
	ca     *x509.Certificate
	caKey  string
	leaves map[pki.Certificate]*x509.Certificate
	keys   map[pki.Certificate]string
}

// recordedChain parses every certificate a recording issued.
func recordedChain(t *testing.T, recording *harness.Recording, cfg *config.Config) *chain {
	t.Helper()
	base := naming.Base(cfg.NamePrefix, cfg.Stack)
	parse := func(res *harness.Resource) *x509.Certificate {
		require.NotNil(t, res)
		certificate, err := harness.CertificateFromPEM(res.OutputString("certPem"))
		require.NoError(t, err)
		return certificate
	}
	c := &chain{
		base:   base,
		ca:     parse(recording.Find(selfSignedCertType, base+"-ca")),
		caKey:  recording.Find(privateKeyType, base+"-ca-key").OutputString("privateKeyPem"),
		leaves: map[pki.Certificate]*x509.Certificate{},
		keys:   map[pki.Certificate]string{},
	}
	for _, leaf := range pki.Leaves() {
		if res := recording.Find(locallySignedCertType, base+"-"+string(leaf)); res != nil {
			c.leaves[leaf] = parse(res)
			c.keys[leaf] = recording.Find(privateKeyType, base+"-"+string(leaf)+"-key").OutputString("privateKeyPem")
		}
	}
	return c
}

func (c *chain) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(c.ca)
	return pool
}

// pair returns a leaf as a tls.Certificate.
func (c *chain) pair(t *testing.T, leaf pki.Certificate) tls.Certificate {
	t.Helper()
	certificate, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.leaves[leaf].Raw}), []byte(c.keys[leaf]))
	require.NoError(t, err)
	return certificate
}

// TestCertificateChain checks the CA and every leaf of both stacks, and of prod in a landing zone with
// its own host names: SANs equal to the host the caller uses, one extended key usage each, key types
// from the config, lifetimes, and a chain to the CA.
func TestCertificateChain(t *testing.T) {
	t.Parallel()
	variants := []stackVariant{{"dev", "dev", nil, nil}, {"prod", "prod", nil, nil}, featureVariants[len(featureVariants)-1]}
	for _, variant := range variants {
		t.Run(variant.name, func(t *testing.T) {
			cfg := mustLoadConfig(t, variant.stack, variant.edits...)
			c := recordedChain(t, runVariant(t, variant), cfg)

			assert.True(t, c.ca.IsCA && c.ca.BasicConstraintsValid)
			assert.Equal(t, x509.KeyUsageCertSign, c.ca.KeyUsage&x509.KeyUsageCertSign)
			assert.Empty(t, c.ca.ExtKeyUsage, "the CA signs; it neither serves nor authenticates")
			assert.NotEmpty(t, c.ca.SubjectKeyId)
			assert.NoError(t, c.ca.CheckSignatureFrom(c.ca), "self-signed")
			assert.Equal(t, 4096, c.ca.PublicKey.(*rsa.PublicKey).N.BitLen(), "the CA is RSA, because API Management loads it")
			assert.Equal(t, time.Duration(cfg.Certificates.CAValidityHours)*time.Hour, c.ca.NotAfter.Sub(c.ca.NotBefore))

			want := map[pki.Certificate]struct {
				host  string
				usage x509.ExtKeyUsage
			}{
				pki.APIMGateway:   {cfg.HostNames.APIGateway, x509.ExtKeyUsageServerAuth},
				pki.APIMClient:    {cfg.HostNames.APIGateway, x509.ExtKeyUsageClientAuth},
				pki.IngressServer: {cfg.HostNames.Backend, x509.ExtKeyUsageServerAuth},
				pki.Listener:      {cfg.HostNames.Public, x509.ExtKeyUsageServerAuth},
			}
			require.Len(t, c.leaves, len(want))
			for leaf, expected := range want {
				certificate := c.leaves[leaf]
				assert.Equal(t, []string{expected.host}, certificate.DNSNames, "%s SAN", leaf)
				assert.Equal(t, []x509.ExtKeyUsage{expected.usage}, certificate.ExtKeyUsage, "%s usage", leaf)
				assert.False(t, certificate.IsCA, "%s is a leaf", leaf)
				assert.Equal(t, c.ca.SubjectKeyId, certificate.AuthorityKeyId, "%s names its issuer", leaf)
				assert.Equal(t, time.Duration(cfg.Certificates.ValidityHours)*time.Hour, certificate.NotAfter.Sub(certificate.NotBefore))
				assert.Equal(t, 2048, certificate.PublicKey.(*rsa.PublicKey).N.BitLen(), "%s default key", leaf)
				options := x509.VerifyOptions{Roots: c.roots(), KeyUsages: []x509.ExtKeyUsage{expected.usage}}
				if expected.usage == x509.ExtKeyUsageServerAuth {
					// Go ignores the common name, so this proves the host is in the SAN, as every caller requires.
					options.DNSName = expected.host
				}
				_, err := certificate.Verify(options)
				assert.NoError(t, err, "%s chains to the CA", leaf)
			}
		})
	}
}

// TestCertificatesUseTheConfiguredKeys checks that key settings reach the keys.
func TestCertificatesUseTheConfiguredKeys(t *testing.T) {
	t.Parallel()
	edits := []harness.Edit{
		harness.Set("certificates.keys.ingressServer", "ECDSA-P384"),
		harness.Set("certificates.keys.listener", "ECDSA-P256"),
		harness.Set("certificates.keys.apimClient", "RSA-3072"),
	}
	c := recordedChain(t, runStack(t, "dev", edits...), mustLoadConfig(t, "dev", edits...))
	assert.Equal(t, elliptic.P384(), c.leaves[pki.IngressServer].PublicKey.(*ecdsa.PublicKey).Curve)
	assert.Equal(t, elliptic.P256(), c.leaves[pki.Listener].PublicKey.(*ecdsa.PublicKey).Curve)
	assert.Equal(t, 3072, c.leaves[pki.APIMClient].PublicKey.(*rsa.PublicKey).N.BitLen())
	assert.NoError(t, handshake(t, c.pair(t, pki.IngressServer),
		&tls.Config{RootCAs: c.roots(), ServerName: mustLoadConfig(t, "dev").HostNames.Backend, Certificates: []tls.Certificate{c.pair(t, pki.APIMClient)}}, c.roots()),
		"an ECDSA ingress certificate still completes mutual TLS with the RSA client certificate")
}

// TestMutualTLSWithTheProgramsCertificates runs real handshakes with the certificates the program
// issues: the ingress requires a client certificate signed by the CA, and the caller checks the name.
func TestMutualTLSWithTheProgramsCertificates(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	c := recordedChain(t, runStack(t, "prod"), cfg)
	server, client := c.pair(t, pki.IngressServer), c.pair(t, pki.APIMClient)
	cases := []struct {
		name    string
		client  *tls.Config
		succeed bool
	}{
		{"APIM client certificate, backend host", &tls.Config{RootCAs: c.roots(), ServerName: cfg.HostNames.Backend, Certificates: []tls.Certificate{client}}, true},
		{"no client certificate", &tls.Config{RootCAs: c.roots(), ServerName: cfg.HostNames.Backend}, false},
		{"client certificate from another CA", &tls.Config{RootCAs: c.roots(), ServerName: cfg.HostNames.Backend, Certificates: []tls.Certificate{foreignClient(t, cfg.HostNames.APIGateway)}}, false},
		{"caller expects another host", &tls.Config{RootCAs: c.roots(), ServerName: "other." + cfg.HostNames.Backend, Certificates: []tls.Certificate{client}}, false},
		{"server certificate used as client", &tls.Config{RootCAs: c.roots(), ServerName: cfg.HostNames.Backend, Certificates: []tls.Certificate{c.pair(t, pki.APIMGateway)}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := handshake(t, server, tc.client, c.roots())
			if tc.succeed {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// foreignClient returns a client certificate for host signed by a CA the platform does not trust.
func foreignClient(t *testing.T, host string) tls.Certificate {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Foreign CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, template, template, caKey.Public(), caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, key.Public(), caKey)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}
}

// TestPFXSecretsDecodeToTheIssuedCertificates decodes every PFX the program stores in Key Vault with
// the library that encoded it and compares certificate, key and chain with what was issued.
func TestPFXSecretsDecodeToTheIssuedCertificates(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev")
	recording := runStack(t, "dev")
	c := recordedChain(t, recording, cfg)
	for leaf, issued := range c.leaves {
		t.Run(string(leaf), func(t *testing.T) {
			secret := recording.Find(secretType, c.base+"-kv-"+string(leaf))
			require.NotNil(t, secret)
			assert.Equal(t, pki.PFXContentType, secret.InputString("properties.contentType"))
			assert.True(t, secret.IsSecretInput("properties.value"), "the PFX is a Pulumi secret")
			pfx, err := base64.StdEncoding.DecodeString(secret.InputString("properties.value"))
			require.NoError(t, err)
			key, certificate, chain, err := pkcs12.DecodeChain(pfx, "")
			require.NoError(t, err, "readable without a password, as Azure services read it")
			assert.Equal(t, issued.Raw, certificate.Raw)
			assert.Equal(t, float64(certificate.NotAfter.Unix()), secret.Input("properties.attributes.expires"),
				"the secret expires with the certificate it holds (exp, seconds since 1970)")
			require.Len(t, chain, 1)
			assert.Equal(t, c.ca.Raw, chain[0].Raw, "the chain carries the CA")
			issuedKey, err := harness.PrivateKeyFromPEM(c.keys[leaf])
			require.NoError(t, err)
			assert.True(t, issuedKey.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.(crypto.Signer).Public()), "the same private key")
		})
	}
}

// TestCASecretExpiresWithTheCA checks the CA certificate's secret carries the CA's notAfter as exp.
func TestCASecretExpiresWithTheCA(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "dev")
	recording := runStack(t, "dev")
	c := recordedChain(t, recording, cfg)
	secret := recording.Find(secretType, c.base+"-kv-ca-certificate")
	require.NotNil(t, secret)
	stored, err := harness.CertificateFromPEM(secret.InputString("properties.value"))
	require.NoError(t, err)
	assert.Equal(t, c.ca.Raw, stored.Raw)
	assert.Equal(t, float64(c.ca.NotAfter.Unix()), secret.Input("properties.attributes.expires"))
}

// TestCAPrivateKeyStaysInTheState checks that the CA key is never handed to Azure: no azure-native
// input contains it, and the CA secret holds the certificate alone.
func TestCAPrivateKeyStaysInTheState(t *testing.T) {
	t.Parallel()
	cfg := mustLoadConfig(t, "prod")
	recording := runStack(t, "prod")
	c := recordedChain(t, recording, cfg)
	block, _ := pem.Decode([]byte(c.caKey))
	require.NotNil(t, block)
	keyBody := base64.StdEncoding.EncodeToString(block.Bytes)[:64]
	for _, res := range recording.Resources {
		if !strings.HasPrefix(res.Type, "azure-native:") {
			continue
		}
		encoded, err := json.Marshal(harness.Plain(resource.NewObjectProperty(res.Inputs)))
		require.NoError(t, err)
		assert.NotContains(t, string(encoded), keyBody, "%s %s must not carry the CA key", res.Type, res.Name)
	}
	caSecret := recording.Find(secretType, c.base+"-kv-ca-certificate")
	require.NotNil(t, caSecret)
	assert.Equal(t, "application/x-pem-file", caSecret.InputString("properties.contentType"))
	rest := []byte(caSecret.InputString("properties.value"))
	var blocks []string
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks = append(blocks, block.Type)
	}
	assert.Equal(t, []string{"CERTIFICATE"}, blocks)
}

// TestPrivateKeysAreSecrets checks every private key output and input is a Pulumi secret.
func TestPrivateKeysAreSecrets(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev")
	for _, key := range recording.OfType(privateKeyType) {
		for _, output := range []string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"} {
			assert.True(t, key.IsSecretOutput(output), "%s.%s", key.Name, output)
		}
	}
	for _, request := range recording.OfType(certRequestType) {
		assert.True(t, request.IsSecretInput("privateKeyPem"), request.Name)
	}
	for _, certificate := range append(recording.OfType(locallySignedCertType), recording.OfType(selfSignedCertType)...) {
		path := "caPrivateKeyPem"
		if harness.TypeMatches(certificate.Type, selfSignedCertType) {
			path = "privateKeyPem"
		}
		assert.True(t, certificate.IsSecretInput(path), certificate.Name)
	}
	for _, secret := range recording.OfType(secretType) {
		assert.True(t, secret.IsSecretInput("properties.value"), secret.Name)
	}
}

// TestLifetimesAndEarlyRenewal checks the configured lifetimes and renewal windows reach every certificate.
func TestLifetimesAndEarlyRenewal(t *testing.T) {
	t.Parallel()
	edits := []harness.Edit{harness.Set("certificates.validityHours", 2160), harness.Set("certificates.earlyRenewalHours", 336)}
	recording := runStack(t, "dev", edits...)
	cfg := mustLoadConfig(t, "dev", edits...)
	for _, certificate := range recording.OfType(locallySignedCertType) {
		assert.Equal(t, float64(2160), certificate.Input("validityPeriodHours"), certificate.Name)
		assert.Equal(t, float64(336), certificate.Input("earlyRenewalHours"), certificate.Name)
		assert.Equal(t, false, certificate.Output("readyForRenewal"), "a fresh certificate is not due")
	}
	ca := recording.Find(selfSignedCertType, naming.Base(cfg.NamePrefix, cfg.Stack)+"-ca")
	assert.Equal(t, float64(cfg.Certificates.CAValidityHours), ca.Input("validityPeriodHours"))
	assert.Equal(t, float64(cfg.Certificates.CAEarlyRenewalHours), ca.Input("earlyRenewalHours"))
}

// TestBringYourOwnListener checks that nothing is generated for a brought listener certificate.
func TestBringYourOwnListener(t *testing.T) {
	t.Parallel()
	edit := harness.Set("certificates.listenerKeyVaultSecretId", "https://contoso-kv.vault.azure.net/secrets/api-contoso-example")
	recording := runStack(t, "prod", edit)
	base := naming.Base("apiplat", "prod")
	assert.Nil(t, recording.Find(locallySignedCertType, base+"-listener"))
	assert.Nil(t, recording.Find(privateKeyType, base+"-listener-key"))
	assert.Nil(t, recording.Find(secretType, base+"-kv-listener"))
	assert.NotNil(t, recording.Find(locallySignedCertType, base+"-ingress-server"), "the rest of the chain is still issued")
}
