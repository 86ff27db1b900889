// Unit tests of the smoke check's judgement: statuses to hops, the x-forwarded-client-cert header, the
// echo, and the target read from stack outputs.

package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chain is a CA and two client certificates it issued.
type chain struct {
	ca, client, other *x509.Certificate
}

func newChain(t *testing.T) chain {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA", Organization: []string{"Contoso, Inc"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	leaf := func(name string, serial int64) *x509.Certificate {
		leafTemplate := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name, Organization: []string{"Contoso, Inc"}},
			DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, key.Public(), key)
		require.NoError(t, err)
		certificate, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return certificate
	}
	return chain{ca: ca, client: leaf("gateway.internal.contoso.example", 2), other: leaf("someone-else", 3)}
}

// pemOf encodes a certificate.
func pemOf(certificate *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certificate.Raw}))
}

// envoyEscape percent-encodes every byte but letters and digits, as strictly as an encoder may.
func envoyEscape(text string) string {
	var b strings.Builder
	for _, c := range []byte(text) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// istioHeader is the header the echo pod receives behind the Istio gateway and its own sidecar: the
// gateway's element for the client certificate, then the sidecar's for the gateway's mesh identity.
func istioHeader(certificate *x509.Certificate, hash string) string {
	return "Hash=" + hash + `;Cert="` + envoyEscape(pemOf(certificate)) + `";Subject="CN=` + certificate.Subject.CommonName +
		`,O=Contoso\, Inc";URI=;DNS=` + certificate.DNSNames[0] +
		`,By=spiffe://cluster.local/ns/echo/sa/echo;Hash=0a1b;Subject="";URI=spiffe://cluster.local/ns/aks-istio-ingress/sa/aks-istio-ingressgateway-internal`
}

func sha256Hex(certificate *x509.Certificate) string {
	digest := sha256.Sum256(certificate.Raw)
	return hex.EncodeToString(digest[:])
}

func TestStatusDiagnosis(t *testing.T) {
	const gatewayPage = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\n</body>\n</html>\n"
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		hop       Hop
		section   string
		transient bool
		problem   string
	}{
		{"API Management's backend call failed", 500, `{ "statusCode": 500, "message": "Internal server error", "activityId": "5a5e" }`,
			IngressHop, SectionBackendCall, true, "BackendConnectionFailure"},
		{"API Management refused the token", 401, `{ "statusCode": 401, "message": "Unauthorized: a valid Microsoft Entra access token is required." }`,
			ManagementHop, SectionUnauthorized, false, "a valid Microsoft Entra access token is required"},
		{"no API at the path", 404, `{ "statusCode": 404, "message": "Resource not found" }`, ManagementHop, SectionVerifyFails, false, "no API at the checked path"},
		{"rate limited", 429, `{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 5 seconds." }`, ManagementHop, SectionVerifyFails, true, "rate limit"},
		{"Application Gateway without a healthy backend", 502, gatewayPage, GatewayBackendHop, SectionGatewayBackend, true, "502 from Application Gateway"},
		{"Application Gateway timed out", 504, strings.ReplaceAll(gatewayPage, "502 Bad Gateway", "504 Gateway Time-out"), GatewayBackendHop, SectionGatewayBackend, true,
			"504 from Application Gateway: API Management, or the ingress behind it, did not answer"},
		{"a 502 that is not Application Gateway's own", 502, "<html><center>nginx</center></html>", GatewayBackendHop, SectionVerifyFails, true, "unexpected 502"},
		{"the ingress could not reach a pod", 503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
			WorkloadHop, SectionWorkload, true, "it could not connect to an echo pod"},
		{"a pod did not answer in time", 504, "upstream request timeout", WorkloadHop, SectionWorkload, true, "an echo pod did not answer in time"},
		{"an ingress that answers a missing certificate with 400", 400, "<html><center>No required SSL certificate was sent</center></html>",
			IngressHop, SectionIngressRefused, false, `400 from the ingress ("No required SSL certificate was sent")`},
		{"the WAF blocked the check", 403, "<html><title>403 Forbidden</title></html>", EdgeHop, SectionVerifyFails, false, "the WAF blocked"},
		{"no echo pod ready", 503, "no healthy upstream", WorkloadHop, SectionWorkload, true, "503 from the ingress: no healthy upstream: no echo pod is ready"},
		{"the ingress has no route", 404, "", WorkloadHop, SectionWorkload, false, "routes do not match"},
		{"a status nobody expects", 418, "teapot", GatewayBackendHop, SectionVerifyFails, false, `unexpected 418 ("teapot")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diagnosis := statusDiagnosis(tc.status, tc.body)
			assert.Equal(t, tc.hop, diagnosis.Hop)
			assert.Equal(t, tc.section, diagnosis.Section)
			assert.Equal(t, tc.transient, diagnosis.Transient)
			assert.Contains(t, diagnosis.Problem, tc.problem)
		})
	}
}

func TestFirstClientCertificate(t *testing.T) {
	certificates := newChain(t)
	for _, tc := range []struct {
		name, header, subject, message string
	}{
		{"behind the Istio gateway and a sidecar", istioHeader(certificates.client, sha256Hex(certificates.client)), `CN=gateway.internal.contoso.example,O=Contoso\, Inc`, ""},
		{"Cert encoded with spaces and newlines only (base64 '+' kept)",
			`Cert="` + strings.NewReplacer(" ", "%20", "\n", "%0A").Replace(pemOf(certificates.client)) + `"`, "", ""},
		{"no Cert field", `Hash=abcd;Subject="CN=x";URI=`, "", "has no Cert field"},
		{"Cert that is no PEM", `Cert="hello"`, "", "is not a PEM certificate"},
		{"Cert that is not URL-encoded", `Cert="%zz"`, "", "is not URL-encoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forwarded, err := FirstClientCertificate(tc.header)
			if tc.message != "" {
				require.ErrorContains(t, err, tc.message)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, certificates.client.Raw, forwarded.Certificate.Raw)
			assert.Equal(t, tc.subject, forwarded.Subject)
		})
	}
}

func TestJudgeEcho(t *testing.T) {
	certificates := newChain(t)
	target := Target{CA: certificates.ca, ClientCertificate: certificates.client}
	echoWith := func(header string) []byte {
		headers := map[string]any{"host": "echo.internal.contoso.example"}
		if header != "" {
			headers[ClientCertificateHeader] = header
		}
		body, err := json.Marshal(map[string]any{"path": "/", "headers": headers})
		require.NoError(t, err)
		return body
	}
	otherCA := newChain(t)
	for _, tc := range []struct {
		name    string
		body    []byte
		target  Target
		hop     Hop
		problem string
	}{
		{"API Management's certificate, verified", echoWith(istioHeader(certificates.client, sha256Hex(certificates.client))), target, "", ""},
		{"no header", echoWith(""), target, WorkloadHop, "received no x-forwarded-client-cert"},
		{"another certificate of the CA", echoWith(istioHeader(certificates.other, sha256Hex(certificates.other))), target, IngressHop, "not API Management's"},
		{"a hash of another certificate", echoWith(istioHeader(certificates.client, sha256Hex(certificates.other))), target, IngressHop, "reported the SHA-256"},
		{"issued by another CA than the stack's", echoWith(istioHeader(certificates.client, sha256Hex(certificates.client))),
			Target{CA: otherCA.ca, ClientCertificate: certificates.client}, IngressHop, "does not verify against the stack's CA"},
		{"not the echo's JSON", []byte("<html>hello</html>"), target, WorkloadHop, "not the echo server's JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proof, diagnosis := judgeEcho(tc.body, tc.target)
			if tc.problem == "" {
				require.Nil(t, diagnosis)
				assert.Contains(t, proof, `issued by "CN=Test CA,O=Contoso\, Inc" (the stack's CA), SHA-256 `+sha256Hex(certificates.client))
				return
			}
			require.NotNil(t, diagnosis, proof)
			assert.Equal(t, tc.hop, diagnosis.Hop)
			assert.Contains(t, diagnosis.Problem, tc.problem)
			assert.False(t, diagnosis.Transient, "a wrong certificate does not fix itself")
		})
	}
}

func TestTargetFromOutputs(t *testing.T) {
	certificates := newChain(t)
	outputs := map[string]any{
		"publicEndpoint": "https://api.contoso.example", "apiPath": "/echo/", "applicationGatewayPublicIp": "20.1.2.3",
		"caCertificatePem": pemOf(certificates.ca), "apiManagementClientCertificatePem": pemOf(certificates.client),
	}
	t.Run("public DNS points at the gateway", func(t *testing.T) {
		target, notes, err := TargetFromOutputs(outputs, func(string) ([]string, error) { return []string{"20.1.2.3"}, nil })
		require.NoError(t, err)
		assert.Equal(t, "https://api.contoso.example/echo/", target.URL)
		assert.Empty(t, target.Address, "DNS is used")
		assert.Empty(t, notes)
		assert.Equal(t, certificates.client.Raw, target.ClientCertificate.Raw)
	})
	t.Run("public DNS not set yet", func(t *testing.T) {
		target, notes, err := TargetFromOutputs(outputs, func(string) ([]string, error) { return nil, errors.New("no such host") })
		require.NoError(t, err)
		assert.Equal(t, "20.1.2.3:443", target.Address)
		require.Len(t, notes, 1)
		assert.Contains(t, notes[0], "curl --resolve api.contoso.example:443:20.1.2.3")
	})
	t.Run("every missing output at once", func(t *testing.T) {
		_, _, err := TargetFromOutputs(map[string]any{"publicEndpoint": "http://api.contoso.example"}, nil)
		require.Error(t, err)
		for _, text := range []string{`publicEndpoint "http://api.contoso.example" and apiPath "" do not make an https URL`,
			`applicationGatewayPublicIp "" is not an IP address`, "caCertificatePem: is not a PEM certificate",
			"apiManagementClientCertificatePem: is not a PEM certificate"} {
			assert.Contains(t, err.Error(), text)
		}
	})
}

// TestEnvoyEscapeRoundTrips checks the test's own encoder against the decoder's expectation.
func TestEnvoyEscapeRoundTrips(t *testing.T) {
	text := "-----BEGIN CERTIFICATE-----\nab+/=\n"
	decoded, err := url.PathUnescape(envoyEscape(text))
	require.NoError(t, err)
	assert.Equal(t, text, decoded)
}
