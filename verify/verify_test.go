// Unit tests of the smoke check's judgement: statuses to hops, the x-forwarded-client-cert header, the
// echo, and the target read from stack outputs.

package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chain is a CA and two client certificates it issued, all with one key.
type chain struct {
	ca, client, other *x509.Certificate
	key               *ecdsa.PrivateKey
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
	return chain{ca: ca, client: leaf("gateway.internal.contoso.example", 2), other: leaf("someone-else", 3), key: key}
}

// keyPEM encodes the chain's key.
func (c chain) keyPEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// pair is a certificate of the chain with its key, as a TLS client presents it.
func (c chain) pair(certificate *x509.Certificate) *tls.Certificate {
	return &tls.Certificate{Certificate: [][]byte{certificate.Raw}, PrivateKey: c.key, Leaf: certificate}
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
	const (
		missingKey    = `{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }`
		invalidKey    = `{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }`
		noCertificate = "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n" +
			"<center>No required SSL certificate was sent</center>\r\n"
	)
	caller := &tls.Certificate{}
	var (
		plain      = Target{}
		withKey    = Target{Credential: CredentialSubscriptionKey, SubscriptionKey: "k"}
		mutual     = Target{CallerCertificateRequired: true}
		mutualSent = Target{CallerCertificateRequired: true, CallerCertificate: caller}
	)
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		target    Target
		hop       Hop
		section   string
		transient bool
		problem   string
	}{
		{"API Management's backend call failed", 500, `{ "statusCode": 500, "message": "Internal server error", "activityId": "5a5e" }`, plain,
			IngressHop, SectionBackendCall, true, "BackendConnectionFailure"},
		{"API Management refused the token", 401, `{ "statusCode": 401, "message": "Unauthorized: a valid Microsoft Entra access token is required." }`, plain,
			ManagementHop, SectionUnauthorized, false, "a valid Microsoft Entra access token is required"},
		{"no subscription key sent", 401, missingKey, Target{Credential: CredentialSubscriptionKey}, ManagementHop, SectionSubscriptionKey, false,
			"the check sent none: the output apiSubscriptionKey is empty"},
		{"a key sent in a header API Management does not read", 401, missingKey, Target{SubscriptionKey: "k", SubscriptionKeyHeader: "X-Api-Key"},
			ManagementHop, SectionSubscriptionKey, false, "the check sent a key in X-Api-Key"},
		{"a key of no active subscription", 401, invalidKey, withKey, ManagementHop, SectionSubscriptionKey, false,
			"not a key of an active subscription"},
		{"the ip-filter refused the caller", 403, `{ "statusCode": 403, "message": "Forbidden" }`, withKey, ManagementHop, SectionForbidden, false,
			"its ip-filter admits only Application Gateway's subnet"},
		{"no verified caller certificate forwarded", 403, `{ "statusCode": 403, "message": "A verified caller certificate is required." }`, mutualSent,
			ManagementHop, SectionForbidden, false, "X-Client-Certificate-Verification: SUCCESS"},
		{"another policy refused", 403, `{ "statusCode": 403, "message": "Not for you" }`, plain, ManagementHop, SectionForbidden, false, "a policy refused"},
		{"no API at the path", 404, `{ "statusCode": 404, "message": "Resource not found" }`, plain, ManagementHop, SectionVerifyFails, false, "no API at the checked path"},
		{"rate limited", 429, `{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 5 seconds." }`, withKey, ManagementHop, SectionRateLimit, true,
			"the rate limit of this caller"},
		{"Application Gateway without a healthy backend", 502, gatewayPage, plain, GatewayBackendHop, SectionGatewayBackend, true, "502 from Application Gateway"},
		{"Application Gateway timed out", 504, strings.ReplaceAll(gatewayPage, "502 Bad Gateway", "504 Gateway Time-out"), plain, GatewayBackendHop, SectionGatewayBackend, true,
			"504 from Application Gateway: API Management, or the ingress behind it, did not answer"},
		{"a 502 that is not Application Gateway's own", 502, "<html><center>nginx</center></html>", plain, GatewayBackendHop, SectionVerifyFails, true, "unexpected 502"},
		{"the ingress could not reach a pod", 503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure", plain,
			WorkloadHop, SectionWorkload, true, "it could not connect to an echo pod"},
		{"a pod did not answer in time", 504, "upstream request timeout", plain, WorkloadHop, SectionWorkload, true, "an echo pod did not answer in time"},
		{"an ingress that answers a missing certificate with 400", 400, "<html><center>No required SSL certificate was sent</center></html>", plain,
			IngressHop, SectionIngressRefused, false, `400 from the ingress ("No required SSL certificate was sent")`},
		{"a refusal not on the edge's page, the edge requiring callers' certificates", 400, noCertificate + "<center>nginx</center>", mutualSent,
			EdgeHop, SectionCallerCertificate, false, "for client authentication; if the caller certificate is right, the ingress refused API Management's client certificate"},
		{"the edge requires a caller certificate and the check has none", 400, noCertificate, mutual,
			EdgeHop, SectionCallerCertificate, false, `400 ("No required SSL certificate was sent"), not on Application Gateway's own page: the edge requires a caller certificate (applicationGateway.mutualTls required) and the check presented none`},
		{"the edge refused the caller certificate, on its own page", 400,
			strings.ReplaceAll(noCertificate, "No required SSL certificate was sent", "The SSL certificate error") + "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>", mutualSent,
			EdgeHop, SectionCallerCertificate, false, `400 from Application Gateway ("The SSL certificate error"): the edge requires a caller certificate (applicationGateway.mutualTls required) and refused the one the check presented`},
		{"the edge requires a caller certificate the outputs do not know of", 400, noCertificate + "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>", plain,
			EdgeHop, SectionCallerCertificate, false, "but the outputs say it does not"},
		{"the WAF blocked the check", 403, "<html><title>403 Forbidden</title></html>", plain, EdgeHop, SectionVerifyFails, false, "the WAF blocked"},
		{"no echo pod ready", 503, "no healthy upstream", plain, WorkloadHop, SectionWorkload, true, "503 from the ingress: no healthy upstream: no echo pod is ready"},
		{"the ingress has no route", 404, "", plain, WorkloadHop, SectionWorkload, false, "routes do not match"},
		{"a status nobody expects", 418, "teapot", plain, GatewayBackendHop, SectionVerifyFails, false, `unexpected 418 ("teapot")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diagnosis := statusDiagnosis(tc.status, tc.body, tc.target)
			assert.Equal(t, tc.hop, diagnosis.Hop)
			assert.Equal(t, tc.section, diagnosis.Section)
			assert.Equal(t, tc.transient, diagnosis.Transient)
			assert.Contains(t, diagnosis.Problem, tc.problem)
		})
	}
}

// TestConnectionDiagnosis checks which hop a failed connection is blamed on, with and without a caller
// certificate.
func TestConnectionDiagnosis(t *testing.T) {
	caller := &tls.Certificate{}
	remote := func(alert string) error {
		return &url.Error{Op: "Get", URL: "https://api.contoso.example/echo/", Err: &net.OpError{Op: "remote error", Err: errors.New("tls: " + alert)}}
	}
	for _, tc := range []struct {
		name    string
		err     error
		target  Target
		hop     Hop
		section string
		problem string
	}{
		{"TLS 1.3: the edge wants a certificate the check does not have", remote("certificate required"), Target{CallerCertificateRequired: true},
			EdgeHop, SectionCallerCertificate, "remote error: tls: certificate required"},
		{"TLS 1.2: the edge refused the caller certificate", remote("unknown certificate authority"), Target{CallerCertificateRequired: true, CallerCertificate: caller},
			EdgeHop, SectionCallerCertificate, "refused the one the check presented"},
		{"an edge that asks for a certificate the outputs do not know of", remote("certificate required"), Target{},
			EdgeHop, SectionCallerCertificate, "but the outputs say it does not"},
		{"another TLS alert without mutual TLS", remote("protocol version not supported"), Target{},
			EdgeHop, SectionGatewayUnreachable, "no HTTPS answer from Application Gateway"},
		{"nothing listening", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, Target{CallerCertificateRequired: true},
			EdgeHop, SectionGatewayUnreachable, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diagnosis := connectionDiagnosis(tc.err, tc.target)
			assert.Equal(t, tc.hop, diagnosis.Hop)
			assert.Equal(t, tc.section, diagnosis.Section)
			assert.Contains(t, diagnosis.Problem, tc.problem)
			assert.Equal(t, tc.section == SectionGatewayUnreachable, diagnosis.Transient, "only an unreachable gateway may still be settling")
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

// TestTargetFromOutputsBehindFrontDoor checks the check goes through Front Door, which the gateway
// alone admits: by the endpoint's own name until the public host's CNAME leads there, then by the
// public host, and never to the gateway's address.
func TestTargetFromOutputsBehindFrontDoor(t *testing.T) {
	certificates := newChain(t)
	frontDoor := map[string]any{
		"publicEndpoint": "https://api.contoso.example", "apiPath": "/echo/", "applicationGatewayPublicIp": "20.1.2.3",
		"caCertificatePem": pemOf(certificates.ca), "apiManagementClientCertificatePem": pemOf(certificates.client),
		"frontDoorEndpointHostName": "apiplat-prod-afd-ep-1a2b3c4d5e6f7a8b.z01.azurefd.net",
	}
	edge := map[string][]string{"apiplat-prod-afd-ep-1a2b3c4d5e6f7a8b.z01.azurefd.net": {"13.107.246.40"}}
	target, notes, err := TargetFromOutputs(frontDoor, func(host string) ([]string, error) { return edge[host], nil })
	require.NoError(t, err)
	assert.Equal(t, "https://apiplat-prod-afd-ep-1a2b3c4d5e6f7a8b.z01.azurefd.net/echo/", target.URL, "before the CNAME moves: the endpoint's own name")
	assert.Empty(t, target.Address, "never the gateway's address: it admits only Front Door")
	assert.True(t, target.FrontDoor, "Front Door's own answers are read as Front Door's")
	assert.Contains(t, notes[len(notes)-1], "does not lead api.contoso.example to Front Door yet")

	edge["api.contoso.example"] = []string{"13.107.246.40"}
	target, _, err = TargetFromOutputs(frontDoor, func(host string) ([]string, error) { return edge[host], nil })
	require.NoError(t, err)
	assert.Equal(t, "https://api.contoso.example/echo/", target.URL, "once the CNAME leads to Front Door: the public host")
	assert.Empty(t, target.Address)
}

func TestTargetFromOutputs(t *testing.T) {
	certificates := newChain(t)
	callers := newChain(t)
	base := func(more map[string]any) map[string]any {
		outputs := map[string]any{
			"publicEndpoint": "https://api.contoso.example", "apiPath": "/echo/", "applicationGatewayPublicIp": "20.1.2.3",
			"caCertificatePem": pemOf(certificates.ca), "apiManagementClientCertificatePem": pemOf(certificates.client),
		}
		for name, value := range more {
			outputs[name] = value
		}
		return outputs
	}
	resolved := func(string) ([]string, error) { return []string{"20.1.2.3"}, nil }
	t.Run("public DNS points at the gateway", func(t *testing.T) {
		target, notes, err := TargetFromOutputs(base(nil), resolved)
		require.NoError(t, err)
		assert.Equal(t, "https://api.contoso.example/echo/", target.URL)
		assert.Empty(t, target.Address, "DNS is used")
		assert.Empty(t, notes)
		assert.Equal(t, certificates.client.Raw, target.ClientCertificate.Raw)
		assert.False(t, target.CallerCertificateRequired)
	})
	t.Run("public DNS not set yet", func(t *testing.T) {
		target, notes, err := TargetFromOutputs(base(nil), func(string) ([]string, error) { return nil, errors.New("no such host") })
		require.NoError(t, err)
		assert.Equal(t, "20.1.2.3:443", target.Address)
		require.Len(t, notes, 1)
		assert.Contains(t, notes[0], "curl --resolve api.contoso.example:443:20.1.2.3")
	})
	const key = "s3cr3t-subscription-key"
	for _, tc := range []struct {
		name    string
		outputs map[string]any
		key     string // the key the check sends
		header  string // the header it goes in
		note    string
		caller  *x509.Certificate
		problem string
	}{
		{"a subscription key", map[string]any{"apiCredential": "subscription-key", "apiSubscriptionKey": key, "apiSubscriptionKeyHeader": "Ocp-Apim-Subscription-Key"},
			key, "Ocp-Apim-Subscription-Key", "sending the subscription key of the output apiSubscriptionKey in Ocp-Apim-Subscription-Key", nil, ""},
		{"a subscription key, no header output", map[string]any{"apiCredential": "subscription-key", "apiSubscriptionKey": key},
			key, "Ocp-Apim-Subscription-Key", "in Ocp-Apim-Subscription-Key", nil, ""},
		{"a subscription key in another header", map[string]any{"apiCredential": "subscription-key", "apiSubscriptionKey": key, "apiSubscriptionKeyHeader": "X-Api-Key"},
			key, "X-Api-Key", "in X-Api-Key", nil, ""},
		{"the key masked: outputs read without --show-secrets", map[string]any{"apiCredential": "subscription-key", "apiSubscriptionKey": "[secret]"},
			"", "Ocp-Apim-Subscription-Key", "empty or masked (pulumi stack output --json --show-secrets): expect a 401 from API Management", nil, ""},
		{"the key missing", map[string]any{"apiCredential": "subscription-key"}, "", "Ocp-Apim-Subscription-Key", "expect a 401", nil, ""},
		{"a token: no key even if one is there", map[string]any{"apiCredential": "entra-token", "apiSubscriptionKey": key}, "", "Ocp-Apim-Subscription-Key", "", nil, ""},
		{"no credential", map[string]any{"apiCredential": "none"}, "", "Ocp-Apim-Subscription-Key", "takes no credential", nil, ""},
		{"an unknown credential", map[string]any{"apiCredential": "password"}, "", "", "", nil, `output apiCredential "password" is none of subscription-key, entra-token, none`},
		{"caller mutual TLS with the sample caller", map[string]any{"callerCaCertificatePem": pemOf(callers.ca),
			"sampleCallerCertificatePem": pemOf(callers.client), "sampleCallerPrivateKeyPem": callers.keyPEM(t)},
			"", "Ocp-Apim-Subscription-Key", "presenting the sample caller certificate", callers.client, ""},
		{"caller mutual TLS with a CA of your own", map[string]any{"callerCaCertificatePem": pemOf(callers.ca)}, "", "Ocp-Apim-Subscription-Key", "", nil, ""},
		{"the sample caller's key masked", map[string]any{"callerCaCertificatePem": pemOf(callers.ca),
			"sampleCallerCertificatePem": pemOf(callers.client), "sampleCallerPrivateKeyPem": "[secret]"},
			"", "", "", nil, "outputs sampleCallerCertificatePem and sampleCallerPrivateKeyPem (secret, --show-secrets)"},
		{"a caller CA that is no certificate", map[string]any{"callerCaCertificatePem": "hello"}, "", "", "", nil, "output callerCaCertificatePem: is not a PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target, notes, err := TargetFromOutputs(base(tc.outputs), resolved)
			if tc.problem != "" {
				require.ErrorContains(t, err, tc.problem)
				assert.NotContains(t, err.Error(), key)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.key, target.SubscriptionKey)
			assert.Equal(t, tc.header, target.keyHeader())
			if tc.note == "" {
				assert.Empty(t, notes)
			} else {
				require.Len(t, notes, 1)
				assert.Contains(t, notes[0], tc.note)
				assert.NotContains(t, notes[0], key, "the key is a secret")
			}
			_, required := tc.outputs["callerCaCertificatePem"]
			assert.Equal(t, required, target.CallerCertificateRequired)
			if tc.caller == nil {
				assert.Nil(t, target.CallerCertificate)
			} else {
				require.NotNil(t, target.CallerCertificate)
				assert.Equal(t, tc.caller.Raw, target.CallerCertificate.Certificate[0])
			}
			assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", target, target, target, target), key, "printing the target prints no secret")
		})
	}
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

// TestRunSendsTheCredentials runs the check against a server that requires a caller certificate of
// one CA and a subscription key, and echoes as the workload does.
func TestRunSendsTheCredentials(t *testing.T) {
	certificates, callers, strangers := newChain(t), newChain(t), newChain(t)
	const key = "s3cr3t-subscription-key"
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Ocp-Apim-Subscription-Key") {
		case key:
		case "":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }`)
			return
		default:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"headers": map[string]any{ClientCertificateHeader: istioHeader(certificates.client, sha256Hex(certificates.client))}})
	}))
	roots := x509.NewCertPool()
	roots.AddCert(callers.ca)
	server.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots}
	server.Config.ErrorLog = log.New(io.Discard, "", 0)
	server.StartTLS()
	t.Cleanup(server.Close)
	trusted := x509.NewCertPool()
	trusted.AddCert(server.Certificate())
	base := Target{URL: server.URL + "/echo/", Roots: trusted, CA: certificates.ca, ClientCertificate: certificates.client, CallerCertificateRequired: true}
	for _, tc := range []struct {
		name    string
		key     string
		caller  *tls.Certificate
		section string // "" for a pass
		problem string
	}{
		{"the key and the sample caller certificate", key, callers.pair(callers.client), "", ""},
		{"no caller certificate", key, nil, SectionCallerCertificate, "and the check presented none"},
		{"a caller certificate of another CA", key, strangers.pair(strangers.client), SectionCallerCertificate, "refused the one the check presented"},
		{"no key", "", callers.pair(callers.client), SectionSubscriptionKey, "the check sent none"},
		{"a wrong key", "wrong", callers.pair(callers.client), SectionSubscriptionKey, "not a key of an active subscription"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := base
			target.SubscriptionKey, target.CallerCertificate = tc.key, tc.caller
			var logged strings.Builder
			result := Run(context.Background(), target, Options{Timeout: time.Second, Interval: 100 * time.Millisecond, Log: &logged})
			assert.NotContains(t, logged.String(), key, "the key is a secret")
			if tc.section == "" {
				require.True(t, result.Passed, logged.String())
				return
			}
			require.False(t, result.Passed)
			assert.Equal(t, 1, result.Attempts, "waiting does not fix a credential")
			assert.Equal(t, tc.section, result.Diagnosis.Section, result.Diagnosis.Problem)
			assert.Contains(t, result.Diagnosis.Problem, tc.problem)
		})
	}
}

// TestEnvoyEscapeRoundTrips checks the test's own encoder against the decoder's expectation.
func TestEnvoyEscapeRoundTrips(t *testing.T) {
	text := "-----BEGIN CERTIFICATE-----\nab+/=\n"
	decoded, err := url.PathUnescape(envoyEscape(text))
	require.NoError(t, err)
	assert.Equal(t, text, decoded)
}

// TestFrontDoorDiagnosis checks Front Door's own answers are told apart from the hops behind it:
// waiting for its edge, its WAF, and an origin it cannot reach or trust.
func TestFrontDoorDiagnosis(t *testing.T) {
	target := Target{FrontDoor: true}
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		problem   string
		transient bool
	}{
		{"the route not at the edge yet", http.StatusNotFound, "<h2>Our services aren't available right now</h2>", "has not reached Front Door's edge yet", true},
		{"Front Door's WAF", http.StatusForbidden, "The request is blocked.", "Front Door's WAF blocked the check", false},
		{"the origin certificate refused", http.StatusServiceUnavailable, "", "could not reach or verify the gateway", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := http.Header{}
			header.Set("X-Azure-ExternalError", "OriginInvalidResponse")
			response := &http.Response{StatusCode: tc.status, Header: header}
			diagnosis := frontDoorDiagnosis(response, tc.body, target)
			require.NotNil(t, diagnosis)
			assert.Equal(t, FrontDoorHop, diagnosis.Hop)
			assert.Contains(t, diagnosis.Problem, tc.problem)
			assert.Contains(t, diagnosis.Problem, "OriginInvalidResponse", "Front Door's own reason is printed")
			assert.Equal(t, tc.transient, diagnosis.Transient)
		})
	}
	gatewayPage := "<html><body><center>Microsoft-Azure-Application-Gateway/v2</center></body></html>"
	origin := http.Header{}
	origin.Set("X-Azure-OriginStatusCode", "403")
	assert.Nil(t, frontDoorDiagnosis(&http.Response{StatusCode: http.StatusForbidden, Header: origin}, gatewayPage, target),
		"the gateway's own refusal is the gateway's to explain")
	assert.Nil(t, frontDoorDiagnosis(&http.Response{StatusCode: http.StatusNotFound, Header: http.Header{}}, "", Target{}), "without Front Door, nothing is Front Door's")
}
