// pulumi-tls mocks with real cryptography: keys, self-signed and CA-signed certificates, CSRs.

package harness

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5" //nolint:gosec // the provider's publicKeyFingerprintMd5 output is an MD5 fingerprint
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // subject key IDs are SHA-1 of the public key (RFC 5280 4.2.1.2)
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

// keyUsages and extendedKeyUsages map pulumi-tls allowedUses values to X.509 usages, as the provider does.
var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign,
	"crl_signing": x509.KeyUsageCRLSign, "encipher_only": x509.KeyUsageEncipherOnly,
	"decipher_only": x509.KeyUsageDecipherOnly,
}

var extendedKeyUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth,
	"client_auth": x509.ExtKeyUsageClientAuth, "code_signing": x509.ExtKeyUsageCodeSigning,
	"email_protection": x509.ExtKeyUsageEmailProtection, "ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem,
	"ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel, "ipsec_user": x509.ExtKeyUsageIPSECUser,
	"timestamping": x509.ExtKeyUsageTimeStamping, "ocsp_signing": x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto":     x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto":      x509.ExtKeyUsageNetscapeServerGatedCrypto,
	"microsoft_commercial_code_signing": x509.ExtKeyUsageMicrosoftCommercialCodeSigning,
	"microsoft_kernel_code_signing":     x509.ExtKeyUsageMicrosoftKernelCodeSigning,
}

// tlsResource answers the pulumi-tls resource types with real keys and certificates built from the
// program's inputs, so tests can parse, verify and handshake with them.
func tlsResource(res *Resource, outputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	var err error
	switch {
	case strings.HasSuffix(res.Type, ":PrivateKey"):
		err = mockPrivateKey(res, outputs)
	case strings.HasSuffix(res.Type, ":SelfSignedCert"):
		err = mockSelfSignedCert(res, outputs)
	case strings.HasSuffix(res.Type, ":CertRequest"):
		err = mockCertRequest(res, outputs)
	case strings.HasSuffix(res.Type, ":LocallySignedCert"):
		err = mockLocallySignedCert(res, outputs)
	default:
		err = fmt.Errorf("no tls mock for %s", res.Type)
	}
	if err != nil {
		return "", nil, err
	}
	return guid(res.URN), outputs, nil
}

// keyCache keeps generated keys by resource URN and specification for the life of the process.
// The real provider stores a key in the stack's state and returns the same key on every later run, so
// a rerun of the same program under the harness gets the same key too (and RSA-4096 is generated once).
var keyCache = struct {
	sync.Mutex
	keys map[string]crypto.Signer
}{keys: map[string]crypto.Signer{}}

// mockPrivateKey returns the requested key, generated once per URN and specification, with every
// encoding the provider outputs.
func mockPrivateKey(res *Resource, outputs resource.PropertyMap) error {
	cacheKey := fmt.Sprintf("%s|%s|%v|%v", res.URN, res.InputString("algorithm"), res.Input("rsaBits"), res.Input("ecdsaCurve"))
	keyCache.Lock()
	key, cached := keyCache.keys[cacheKey]
	keyCache.Unlock()
	if !cached {
		generated, err := generateKey(res)
		if err != nil {
			return err
		}
		// Runs go side by side: if another generated this key meanwhile, everyone keeps the first.
		keyCache.Lock()
		if key, cached = keyCache.keys[cacheKey]; !cached {
			keyCache.keys[cacheKey], key = generated, generated
		}
		keyCache.Unlock()
	}
	return encodeKey(key, outputs)
}

// generateKey creates a key as the inputs ask.
func generateKey(res *Resource) (crypto.Signer, error) {
	var key crypto.Signer
	var err error
	algorithm := res.InputString("algorithm")
	switch algorithm {
	case "RSA":
		bits := 2048
		if value, ok := res.Input("rsaBits").(float64); ok {
			bits = int(value)
		}
		key, err = rsa.GenerateKey(rand.Reader, bits)
	case "ECDSA":
		curves := map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}
		curveName := res.InputString("ecdsaCurve")
		if curveName == "" {
			curveName = "P224" // the provider's default
		}
		curve, ok := curves[curveName]
		if !ok {
			return nil, fmt.Errorf("unsupported ecdsaCurve %q", curveName)
		}
		key, err = ecdsa.GenerateKey(curve, rand.Reader)
	case "ED25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("unsupported algorithm %q (RSA, ECDSA, ED25519)", algorithm)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", algorithm, err)
	}
	return key, nil
}

// encodeKey writes every encoding of a key the provider outputs.
func encodeKey(key crypto.Signer, outputs resource.PropertyMap) error {
	var block *pem.Block
	switch typed := key.(type) {
	case *rsa.PrivateKey:
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(typed)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(typed)
		if err != nil {
			return err
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	pkcs8PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	privatePEM := pkcs8PEM
	if block != nil {
		privatePEM = string(pem.EncodeToMemory(block))
	}
	publicDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	outputs["privateKeyPem"] = resource.NewProperty(privatePEM)
	outputs["privateKeyPemPkcs8"] = resource.NewProperty(pkcs8PEM)
	outputs["publicKeyPem"] = resource.NewProperty(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER})))
	outputs["publicKeyOpenssh"] = resource.NewProperty("")
	outputs["privateKeyOpenssh"] = resource.NewProperty("")
	outputs["publicKeyFingerprintMd5"] = resource.NewProperty("")
	outputs["publicKeyFingerprintSha256"] = resource.NewProperty("")
	if sshPublic, err := ssh.NewPublicKey(key.Public()); err == nil { // P224 has no SSH encoding
		outputs["publicKeyOpenssh"] = resource.NewProperty(string(ssh.MarshalAuthorizedKey(sshPublic)))
		md5Sum := md5.Sum(sshPublic.Marshal()) //nolint:gosec // fingerprint format, not security
		outputs["publicKeyFingerprintMd5"] = resource.NewProperty(colonHex(md5Sum[:]))
		outputs["publicKeyFingerprintSha256"] = resource.NewProperty(ssh.FingerprintSHA256(sshPublic))
		if sshPrivate, err := ssh.MarshalPrivateKey(key, ""); err == nil {
			outputs["privateKeyOpenssh"] = resource.NewProperty(string(pem.EncodeToMemory(sshPrivate)))
		}
	}
	return nil
}

// mockSelfSignedCert signs a certificate with its own key.
func mockSelfSignedCert(res *Resource, outputs resource.PropertyMap) error {
	key, err := parsePrivateKey(res.InputString("privateKeyPem"))
	if err != nil {
		return fmt.Errorf("privateKeyPem: %w", err)
	}
	template, err := certificateTemplate(res)
	if err != nil {
		return err
	}
	template.Subject, err = subjectFrom(res.Input("subject"))
	if err != nil {
		return err
	}
	if template.DNSNames, template.IPAddresses, template.URIs, err = alternativeNames(res); err != nil {
		return err
	}
	return signInto(outputs, template, template, key.Public(), key, res)
}

// mockCertRequest creates a PKCS#10 request.
func mockCertRequest(res *Resource, outputs resource.PropertyMap) error {
	key, err := parsePrivateKey(res.InputString("privateKeyPem"))
	if err != nil {
		return fmt.Errorf("privateKeyPem: %w", err)
	}
	request := &x509.CertificateRequest{}
	if request.Subject, err = subjectFrom(res.Input("subject")); err != nil {
		return err
	}
	if request.DNSNames, request.IPAddresses, request.URIs, err = alternativeNames(res); err != nil {
		return err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, request, key)
	if err != nil {
		return fmt.Errorf("creating certificate request: %w", err)
	}
	outputs["certRequestPem"] = resource.NewProperty(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})))
	outputs["keyAlgorithm"] = resource.NewProperty(keyAlgorithm(key.Public()))
	return nil
}

// mockLocallySignedCert signs a certificate request with the given CA certificate and key.
func mockLocallySignedCert(res *Resource, outputs resource.PropertyMap) error {
	requestBlock, _ := pem.Decode([]byte(res.InputString("certRequestPem")))
	if requestBlock == nil {
		return errors.New("certRequestPem: no PEM block")
	}
	request, err := x509.ParseCertificateRequest(requestBlock.Bytes)
	if err != nil {
		return fmt.Errorf("certRequestPem: %w", err)
	}
	if err := request.CheckSignature(); err != nil {
		return fmt.Errorf("certRequestPem: %w", err)
	}
	caBlock, _ := pem.Decode([]byte(res.InputString("caCertPem")))
	if caBlock == nil {
		return errors.New("caCertPem: no PEM block")
	}
	ca, err := x509.ParseCertificate(caBlock.Bytes)
	if err != nil {
		return fmt.Errorf("caCertPem: %w", err)
	}
	caKey, err := parsePrivateKey(res.InputString("caPrivateKeyPem"))
	if err != nil {
		return fmt.Errorf("caPrivateKeyPem: %w", err)
	}
	template, err := certificateTemplate(res)
	if err != nil {
		return err
	}
	template.Subject = request.Subject
	template.DNSNames, template.IPAddresses, template.URIs = request.DNSNames, request.IPAddresses, request.URIs
	outputs["caKeyAlgorithm"] = resource.NewProperty(keyAlgorithm(caKey.Public()))
	return signInto(outputs, template, ca, request.PublicKey, caKey, res)
}

// certificateTemplate builds the parts of a certificate common to both signing modes from the inputs.
func certificateTemplate(res *Resource) (*x509.Certificate, error) {
	hours, ok := res.Input("validityPeriodHours").(float64)
	if !ok || hours <= 0 {
		return nil, errors.New("validityPeriodHours must be a positive number")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	template := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now,
		NotAfter:              now.Add(time.Duration(hours) * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  truthy(res.Input("isCaCertificate")),
	}
	if length, ok := res.Input("maxPathLength").(float64); ok && template.IsCA {
		template.MaxPathLen = int(length)
		template.MaxPathLenZero = length == 0
	}
	uses, _ := res.Input("allowedUses").([]any)
	for _, use := range uses {
		name := fmt.Sprint(use)
		if usage, ok := keyUsages[name]; ok {
			template.KeyUsage |= usage
		} else if usage, ok := extendedKeyUsages[name]; ok {
			template.ExtKeyUsage = append(template.ExtKeyUsage, usage)
		} else {
			return nil, fmt.Errorf("allowedUses: unknown use %q", name)
		}
	}
	return template, nil
}

// signInto signs the certificate and writes the provider's certificate outputs.
func signInto(outputs resource.PropertyMap, template, parent *x509.Certificate, public crypto.PublicKey, signer crypto.Signer, res *Resource) error {
	if truthy(res.Input("setSubjectKeyId")) || template == parent {
		der, err := x509.MarshalPKIXPublicKey(public)
		if err != nil {
			return err
		}
		sum := sha1.Sum(der) //nolint:gosec // RFC 5280 key identifier method 1
		template.SubjectKeyId = sum[:]
		if template == parent && truthy(res.Input("setAuthorityKeyId")) {
			template.AuthorityKeyId = template.SubjectKeyId
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, public, signer)
	if err != nil {
		return fmt.Errorf("signing certificate: %w", err)
	}
	earlyRenewal, _ := res.Input("earlyRenewalHours").(float64)
	outputs["certPem"] = resource.NewProperty(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	outputs["validityStartTime"] = resource.NewProperty(template.NotBefore.Format(time.RFC3339))
	outputs["validityEndTime"] = resource.NewProperty(template.NotAfter.Format(time.RFC3339))
	outputs["readyForRenewal"] = resource.NewProperty(!time.Now().Before(template.NotAfter.Add(-time.Duration(earlyRenewal) * time.Hour)))
	outputs["keyAlgorithm"] = resource.NewProperty(keyAlgorithm(public))
	return nil
}

// subjectFrom converts the provider's subject block to a pkix.Name.
func subjectFrom(value any) (pkix.Name, error) {
	var name pkix.Name
	if value == nil {
		return name, nil
	}
	subject, ok := value.(map[string]any)
	if !ok {
		return name, errors.New("subject must be an object")
	}
	text := func(key string) string { s, _ := subject[key].(string); return s }
	list := func(key string) []string {
		if s := text(key); s != "" {
			return []string{s}
		}
		return nil
	}
	name.CommonName = text("commonName")
	name.SerialNumber = text("serialNumber")
	name.Organization = list("organization")
	name.OrganizationalUnit = list("organizationalUnit")
	name.Locality = list("locality")
	name.Province = list("province")
	name.Country = list("country")
	name.PostalCode = list("postalCode")
	if streets, ok := subject["streetAddresses"].([]any); ok {
		for _, street := range streets {
			name.StreetAddress = append(name.StreetAddress, fmt.Sprint(street))
		}
	}
	return name, nil
}

// alternativeNames reads dnsNames, ipAddresses and uris.
func alternativeNames(res *Resource) ([]string, []net.IP, []*url.URL, error) {
	var dnsNames []string
	var addresses []net.IP
	var uris []*url.URL
	dnsNames = append(dnsNames, asList(res.Input("dnsNames"))...)
	for _, item := range asList(res.Input("ipAddresses")) {
		address := net.ParseIP(item)
		if address == nil {
			return nil, nil, nil, fmt.Errorf("ipAddresses: %q is not an IP address", item)
		}
		addresses = append(addresses, address)
	}
	for _, item := range asList(res.Input("uris")) {
		parsed, err := url.Parse(item)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("uris: %w", err)
		}
		uris = append(uris, parsed)
	}
	return dnsNames, addresses, uris, nil
}

// parsePrivateKey reads a PKCS#1, SEC1 or PKCS#8 PEM private key.
func parsePrivateKey(text string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if key, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	if key, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return key, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#1, SEC1 or PKCS#8 private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("key cannot sign")
	}
	return signer, nil
}

// keyAlgorithm names a public key's algorithm as the provider does.
func keyAlgorithm(public crypto.PublicKey) string {
	switch public.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "ED25519"
	default:
		return "UNKNOWN"
	}
}

func truthy(value any) bool {
	b, _ := value.(bool)
	return b
}

func asList(value any) []string {
	items, _ := value.([]any)
	list := make([]string, 0, len(items))
	for _, item := range items {
		list = append(list, fmt.Sprint(item))
	}
	return list
}

func colonHex(bytes []byte) string {
	encoded := hex.EncodeToString(bytes)
	parts := make([]string, 0, len(bytes))
	for i := 0; i < len(encoded); i += 2 {
		parts = append(parts, encoded[i:i+2])
	}
	return strings.Join(parts, ":")
}

// CertificateFromPEM parses the first certificate of a PEM string; tests use it on recorded outputs.
func CertificateFromPEM(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// PrivateKeyFromPEM parses a PEM private key in any encoding the provider emits.
func PrivateKeyFromPEM(text string) (crypto.Signer, error) {
	return parsePrivateKey(text)
}
