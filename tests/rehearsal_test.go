// Local data-path rehearsal: the program's certificates and TLS rules through real nginx (with
// ModSecurity and the OWASP CRS), curl and OpenSSL on loopback, for both stack files.

package tests

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/internal/rehearsal"
	"github.com/apiplatform/azure-api-platform/verify"
)

// requireRehearsalTools skips, in one line naming what is missing, when the machine lacks the servers;
// in CI (CI set) it fails instead, so CI never skips the rehearsal silently.
func requireRehearsalTools(t testing.TB) {
	t.Helper()
	requireInstalled(t, "rehearsal", rehearsal.Missing(), "apt-get install -y nginx libnginx-mod-http-modsecurity modsecurity-crs curl openssl; .ci/run does")
}

// startRehearsal runs the program (in-cluster layer on, so the ingress objects are recorded) and
// starts the four hops from what it recorded; they stop when the test ends, even on failure.
func startRehearsal(t testing.TB, stack string, edits ...harness.Edit) (*rehearsal.Stack, *harness.Recording) {
	t.Helper()
	return startRehearsalIn(t, stack, harness.DeploySurroundings(), edits...)
}

// startRehearsalIn is startRehearsal in other surroundings (a landing zone).
func startRehearsalIn(t testing.TB, stack string, surroundings harness.Surroundings, edits ...harness.Edit) (*rehearsal.Stack, *harness.Recording) {
	t.Helper()
	edits = append([]harness.Edit{harness.Set("kubernetes.deployInCluster", true)}, edits...)
	recording, err := harness.RunStackIn(projectDir, stack, surroundings, edits...)
	require.NoError(t, err)
	plan, err := rehearsal.PlanFrom(recording)
	require.NoError(t, err)
	running, err := rehearsal.StartStack(plan, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	return running, recording
}

// get performs a GET and returns status and body.
func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	response, err := client.Get(url)
	require.NoError(t, err)
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	require.NoError(t, err)
	return response.StatusCode, string(body)
}

// send performs a GET with extra headers and returns status and body.
func send(t *testing.T, client *http.Client, url string, headers http.Header) (int, string) {
	t.Helper()
	request, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for name, values := range headers {
		request.Header[name] = values
	}
	response, err := client.Do(request)
	require.NoError(t, err)
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	require.NoError(t, err)
	return response.StatusCode, string(body)
}

// withKey returns headers carrying the plan's first subscription key (none when the API needs none),
// plus any given name/value pairs.
func withKey(plan *rehearsal.Plan, pairs ...string) http.Header {
	headers := http.Header{}
	if len(plan.SubscriptionKeys) > 0 {
		headers.Set(plan.SubscriptionKeyHeader, plan.SubscriptionKeys[0])
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		headers.Add(pairs[i], pairs[i+1])
	}
	return headers
}

// keyPair parses a plan key pair.
func keyPair(t *testing.T, pair rehearsal.KeyPair) *tls.Certificate {
	t.Helper()
	certificate, err := tls.X509KeyPair([]byte(pair.CertificatePEM), []byte(pair.KeyPEM))
	require.NoError(t, err)
	return &certificate
}

// issue signs a test certificate with the plan's CA: the given SAN, usage and validity window.
func issue(t *testing.T, plan *rehearsal.Plan, host string, usage x509.ExtKeyUsage, notBefore, notAfter time.Time) rehearsal.KeyPair {
	t.Helper()
	caCertificate, err := harness.CertificateFromPEM(plan.CAPEM)
	require.NoError(t, err)
	caKey, err := harness.PrivateKeyFromPEM(plan.CAKeyPEM)
	require.NoError(t, err)
	key, err := harness.PrivateKeyFromPEM(plan.Leaves[pki.APIMClient].KeyPEM) // any RSA key will do
	require.NoError(t, err)
	template := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, template, caCertificate, key.Public(), caKey)
	require.NoError(t, err)
	return rehearsal.KeyPair{
		CertificatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM:         plan.Leaves[pki.APIMClient].KeyPEM,
	}
}

// TestDataPathRehearsal runs every rehearsal case against each stack file.
func TestDataPathRehearsal(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			running, recording := startRehearsal(t, stack)

			rehearseTheIngress(t, running)
			rehearseTheEdge(t, running)
			rehearseTheCertificates(t, running, recording)
		})
	}
	// In a landing zone (its network, its central zones, its hub's egress) the request path and the
	// certificates it carries are the same.
	t.Run("dev in a landing zone", func(t *testing.T) {
		running, recording := startRehearsalIn(t, "dev", spokeSurroundings(harness.SpokeLandingZone()), intoSpoke("dev")...)
		assert.Equal(t, "gateway.internal.contoso.com", running.Plan.GatewayHost)
		rehearseTheIngress(t, running)
		rehearseTheEdge(t, running)
		rehearseTheCertificates(t, running, recording)
	})
}

// rehearseTheIngress runs the cases of the ingress hop: the whole path answers, and the ingress refuses
// every caller but API Management's certificate.
func rehearseTheIngress(t *testing.T, running *rehearsal.Stack) {
	plan := running.Plan
	t.Run("four hops return 200 with the verified client certificate", func(t *testing.T) {
		status, body := send(t, running.Client(running.EdgePort, nil, 0), rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/hello"), withKey(plan))
		require.Equal(t, http.StatusOK, status, body)
		var echo rehearsal.Echo
		require.NoError(t, json.Unmarshal([]byte(body), &echo))
		assert.Equal(t, "/hello", echo.Path, "API Management's path is removed before the backend")
		client, err := harness.CertificateFromPEM(plan.Leaves[pki.APIMClient].CertificatePEM)
		require.NoError(t, err)
		forwarded, err := verify.FirstClientCertificate(echo.Headers[strings.ToLower(rehearsal.ClientCertificateHeader)])
		require.NoError(t, err, "the ingress forwards the client certificate it verified")
		assert.Equal(t, client.Raw, forwarded.Certificate.Raw, "API Management's client certificate")
		assert.Contains(t, forwarded.Subject, "CN="+client.Subject.CommonName)
		assert.Equal(t, plan.BackendHost, echo.Hostname)
		assert.Regexp(t, `^[0-9a-f]{32}$`, echo.Headers["x-request-id"], "the edge's trace ID reaches the backend as X-Request-ID")
		assert.Equal(t, echo.Headers["x-appgw-trace-id"], echo.Headers["x-request-id"])
	})

	t.Run("ingress refuses a caller without a client certificate", func(t *testing.T) {
		caFile, err := running.Write("curl-ca.pem", plan.CAPEM)
		require.NoError(t, err)
		output, err := rehearsal.Run(20*time.Second, "curl", "-sS", "--cacert", caFile,
			"--resolve", plan.BackendHost+":"+strconv.Itoa(running.IngressPort)+":127.0.0.1",
			"-w", "\n%{http_code}", rehearsal.URL(plan.BackendHost, running.IngressPort, "/"))
		require.NoError(t, err, output)
		assert.Contains(t, output, "No required SSL certificate was sent")
		assert.True(t, strings.HasSuffix(strings.TrimSpace(output), "400"), output)
	})

	t.Run("ingress refuses another CA's certificate", func(t *testing.T) {
		foreign := foreignClient(t, plan.GatewayHost)
		status, body := get(t, running.Client(running.IngressPort, &foreign, 0), rehearsal.URL(plan.BackendHost, running.IngressPort, "/"))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "The SSL certificate error")
	})

	t.Run("ingress refuses an expired client certificate", func(t *testing.T) {
		expired := issue(t, plan, plan.GatewayHost, x509.ExtKeyUsageClientAuth, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		status, body := get(t, running.Client(running.IngressPort, keyPair(t, expired), 0), rehearsal.URL(plan.BackendHost, running.IngressPort, "/"))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "The SSL certificate error")
		status, _ = get(t, running.Client(running.IngressPort, keyPair(t, plan.Leaves[pki.APIMClient]), 0), rehearsal.URL(plan.BackendHost, running.IngressPort, "/"))
		assert.Equal(t, http.StatusOK, status, "API Management's own certificate is admitted")
	})

}

// rehearseTheEdge runs the cases of the gateway and the edge: host name checks, TLS versions, the WAF.
func rehearseTheEdge(t *testing.T, running *rehearsal.Stack) {
	plan := running.Plan
	t.Run("gateway refuses an ingress whose certificate names another host", func(t *testing.T) {
		wrong := issue(t, plan, "wrong.internal.contoso.example", x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		path, err := running.StartPath("wrong-san", rehearsal.Faults{IngressServer: &wrong})
		require.NoError(t, err)
		// Through the path's edge: the gateway's ip-filter admits only the edge.
		status, body := send(t, running.Client(path.EdgePort, nil, 0), rehearsal.URL(plan.PublicHost, path.EdgePort, "/echo/"), withKey(plan))
		assert.Equal(t, http.StatusInternalServerError, status, "name validation fails the call, which API Management answers with 500")
		assert.Contains(t, body, `"message": "Internal server error"`)
		status, _ = send(t, running.Client(running.EdgePort, nil, 0), rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/"), withKey(plan))
		assert.Equal(t, http.StatusOK, status, "the same gateway configuration against the right certificate works")
	})

	t.Run("edge accepts TLS 1.2 and 1.3 only", func(t *testing.T) {
		// The client can speak every version: a server that allows them all accepts TLS 1.0.
		permissive := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		permissive.TLS = &tls.Config{MinVersion: tls.VersionTLS10, Certificates: []tls.Certificate{*keyPair(t, plan.Leaves[pki.Listener])}}
		permissive.StartTLS()
		defer permissive.Close()
		_, port, _ := net.SplitHostPort(permissive.Listener.Addr().String())
		permissivePort, _ := strconv.Atoi(port)
		for _, version := range []struct {
			name     string
			version  uint16
			accepted bool
		}{{"TLS 1.0", tls.VersionTLS10, false}, {"TLS 1.1", tls.VersionTLS11, false}, {"TLS 1.2", tls.VersionTLS12, true}, {"TLS 1.3", tls.VersionTLS13, true}} {
			_, err := running.Client(permissivePort, nil, version.version).Get(rehearsal.URL(plan.PublicHost, permissivePort, "/"))
			require.NoError(t, err, "%s works against a permissive server", version.name)
			request, err := http.NewRequest(http.MethodGet, rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/"), nil)
			require.NoError(t, err)
			request.Header = withKey(plan)
			response, err := running.Client(running.EdgePort, nil, version.version).Do(request)
			if version.accepted {
				require.NoError(t, err, version.name)
				assert.Equal(t, http.StatusOK, response.StatusCode, version.name)
				response.Body.Close()
			} else {
				require.Error(t, err, "%s must fail the handshake", version.name)
			}
		}
	})

	t.Run("WAF in Prevention blocks SQL injection and XSS", func(t *testing.T) {
		require.Equal(t, "Prevention", plan.WAFMode)
		client := running.Client(running.EdgePort, nil, 0)
		for _, query := range []string{"id=1'%20OR%20'1'='1", "q=%3Cscript%3Ealert(1)%3C/script%3E"} {
			status, _ := send(t, client, rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/?"+query), withKey(plan))
			assert.Equal(t, http.StatusForbidden, status, query)
		}
		status, _ := send(t, client, rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/?q=hello"), withKey(plan))
		assert.Equal(t, http.StatusOK, status, "a harmless query passes")
	})

}

// rehearseTheCertificates checks the issued chain with OpenSSL: every leaf against the CA, every PFX
// in Key Vault against the certificate and key it was made from.
func rehearseTheCertificates(t *testing.T, running *rehearsal.Stack, recording *harness.Recording) {
	plan := running.Plan
	t.Run("openssl verifies every leaf against the CA", func(t *testing.T) {
		caFile, err := running.Write("verify-ca.pem", plan.CAPEM)
		require.NoError(t, err)
		for leaf, pair := range plan.Leaves {
			file, err := running.Write("verify-"+string(leaf)+".pem", pair.CertificatePEM)
			require.NoError(t, err)
			output, err := rehearsal.Run(10*time.Second, "openssl", "verify", "-CAfile", caFile, file)
			require.NoError(t, err, output)
			assert.Contains(t, output, ": OK", string(leaf))
		}
	})

	t.Run("openssl reads every PFX in Key Vault as the issued certificate and key", func(t *testing.T) {
		for _, secret := range recording.OfType(secretType) {
			if secret.InputString("properties.contentType") != pki.PFXContentType {
				continue
			}
			leaf := pki.Certificate(secret.Name[strings.LastIndex(secret.Name, "-kv-")+4:])
			pfx, err := base64.StdEncoding.DecodeString(secret.InputString("properties.value"))
			require.NoError(t, err)
			file := filepath.Join(running.Dir, string(leaf)+".pfx")
			require.NoError(t, os.WriteFile(file, pfx, 0o600))
			certificate, err := rehearsal.Run(10*time.Second, "openssl", "pkcs12", "-in", file, "-passin", "pass:", "-nokeys", "-clcerts")
			require.NoError(t, err, certificate)
			key, err := rehearsal.Run(10*time.Second, "openssl", "pkcs12", "-in", file, "-passin", "pass:", "-nocerts", "-nodes")
			require.NoError(t, err, key)
			issued := runStackLeaf(t, plan, leaf)
			assert.Equal(t, pemBlock(t, issued.CertificatePEM, "CERTIFICATE"), pemBlock(t, certificate, "CERTIFICATE"), "%s: the same certificate", leaf)
			assert.Equal(t, publicKeyOf(t, issued.KeyPEM), publicKeyOf(t, key), "%s: the same private key", leaf)
		}
	})
}

// TestRehearsalFollowsTheProgram checks the rehearsal is configured from the recording: a WAF in
// Detection mode only logs (the SQL injection passes), and the edge's protocols follow the SSL policy.
func TestRehearsalFollowsTheProgram(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, _ := startRehearsal(t, "dev", harness.Set("applicationGateway.wafMode", "Detection"))
	assert.Equal(t, "Detection", running.Plan.WAFMode)
	assert.Equal(t, []string{"TLSv1.2", "TLSv1.3"}, running.Plan.EdgeProtocols)
	status, _ := send(t, running.Client(running.EdgePort, nil, 0), rehearsal.URL(running.Plan.PublicHost, running.EdgePort, "/echo/?id=1'%20OR%20'1'='1"), withKey(running.Plan))
	assert.Equal(t, http.StatusOK, status, "Detection mode logs and lets the request through")

	edge, err := os.ReadFile(filepath.Join(running.Dir, "edge", "nginx.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(edge), "ssl_protocols TLSv1.2 TLSv1.3;")
	assert.Contains(t, string(edge), "proxy_ssl_name "+running.Plan.GatewayHost+";")
	ingress, err := os.ReadFile(filepath.Join(running.Dir, "ingress", "nginx.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(ingress), "ssl_verify_client on;", "from the Istio Gateway's MUTUAL mode")
}

// TestRehearsalNeedsTheIngress checks the rehearsal refuses a recording without the in-cluster layer.
func TestRehearsalNeedsTheIngress(t *testing.T) {
	t.Parallel()
	_, err := rehearsal.PlanFrom(runStack(t, "dev", harness.Set("kubernetes.deployInCluster", false)))
	require.ErrorContains(t, err, "run the program with kubernetes.deployInCluster", "without the in-cluster layer there is no ingress to rehearse")
}

// runStackLeaf returns the plan's key pair of a leaf.
func runStackLeaf(t *testing.T, plan *rehearsal.Plan, leaf pki.Certificate) rehearsal.KeyPair {
	t.Helper()
	pair, ok := plan.Leaves[leaf]
	require.True(t, ok, "leaf %s", leaf)
	return pair
}

// pemBlock returns the DER bytes of the first PEM block of a type in text.
func pemBlock(t *testing.T, text, blockType string) []byte {
	t.Helper()
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		require.NotNil(t, block, "no %s block in %q", blockType, text)
		if block.Type == blockType {
			return block.Bytes
		}
	}
}

// publicKeyOf returns the DER public key of the private key in PEM text (any PEM key format).
func publicKeyOf(t *testing.T, text string) []byte {
	t.Helper()
	match := regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----`).FindString(text)
	require.NotEmpty(t, match, "a private key in %q", text)
	key, err := harness.PrivateKeyFromPEM(match)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	require.NoError(t, err)
	return der
}
