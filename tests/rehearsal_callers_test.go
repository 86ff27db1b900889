// Callers through the local rehearsal: the subscription key, a rate limit the caller cannot steer,
// the API layer admitting only the edge, and optional mutual TLS at the edge (issue 16).

package tests

import (
	"context"
	"crypto/sha1" //nolint:gosec // Application Gateway's certificate fingerprint is SHA-1
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
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

// managementError is API Management's JSON error body.
type managementError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// managementMessage parses an API Management error body and returns its message.
func managementMessage(t *testing.T, body string) string {
	t.Helper()
	var parsed managementError
	require.NoError(t, json.Unmarshal([]byte(body), &parsed), "API Management's JSON error body: %s", body)
	return parsed.Message
}

// echoOf parses the echo backend's answer.
func echoOf(t *testing.T, body string) rehearsal.Echo {
	t.Helper()
	var echo rehearsal.Echo
	require.NoError(t, json.Unmarshal([]byte(body), &echo), body)
	return echo
}

// fromAddress makes a rehearsal client connect from a loopback source address of its choice.
func fromAddress(client *http.Client, port int, source string) *http.Client {
	transport := client.Transport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	transport.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, fmt.Sprintf("127.0.0.1:%d", port))
	}
	return &http.Client{Timeout: client.Timeout, Transport: transport}
}

// callUntilLimited makes up to most calls until one is refused with 429, and returns how many passed and
// the refusal's body ("" when none was refused); any other status fails the test.
func callUntilLimited(t *testing.T, most int, call func(i int) (int, string)) (passed int, refused string) {
	t.Helper()
	for i := 0; i < most && refused == ""; i++ {
		status, body := call(i)
		switch status {
		case http.StatusOK:
			passed++
		case http.StatusTooManyRequests:
			refused = body
		default:
			t.Fatalf("request %d: %d %s", i+1, status, body)
		}
	}
	return passed, refused
}

// forgedCertificateHeaders are what a caller would send to pass as verified.
func forgedCertificateHeaders() []string {
	return []string{
		"X-Client-Certificate-Verification", "SUCCESS",
		"X-Client-Certificate-Subject", "CN=forged.example",
		"X-Client-Certificate-Issuer", "CN=Forged CA",
		"X-Client-Certificate-Fingerprint", "0000000000000000000000000000000000000000",
		"X-Client-Certificate-Serial", "01",
	}
}

// assertNoCallerHeaders checks that the echo pod got neither the subscription key nor any forwarded
// certificate header, and that X-Forwarded-Client-Cert is the ingress's (API Management's certificate).
func assertNoCallerHeaders(t *testing.T, plan *rehearsal.Plan, echo rehearsal.Echo) {
	t.Helper()
	assert.NotContains(t, echo.Headers, strings.ToLower(plan.SubscriptionKeyHeader), "the gateway deletes the subscription key")
	for name := range echo.Headers {
		assert.False(t, strings.HasPrefix(name, "x-client-certificate-"), "%s reaches the echo pod", name)
	}
	forwarded, err := verify.FirstClientCertificate(echo.Headers[strings.ToLower(rehearsal.ClientCertificateHeader)])
	require.NoError(t, err, "the ingress sets X-Forwarded-Client-Cert")
	client, err := harness.CertificateFromPEM(plan.Leaves[pki.APIMClient].CertificatePEM)
	require.NoError(t, err)
	assert.Equal(t, client.Raw, forwarded.Certificate.Raw, "API Management's certificate, never a caller's")
}

// TestRehearsalCallers runs the subscription-key cases against each stack file: no or a wrong key is
// refused by the gateway hop, a valid key passes every hop, and the API layer refuses a caller that
// bypasses the edge even with a forged verification header.
func TestRehearsalCallers(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			running, _ := startRehearsal(t, stack)
			plan := running.Plan
			require.Equal(t, "Ocp-Apim-Subscription-Key", plan.SubscriptionKeyHeader, "the shipped stacks require a subscription key")
			require.Len(t, plan.SubscriptionKeys, 2, "the sample subscription's primary and secondary keys")
			edge := running.Client(running.EdgePort, nil, 0)

			for _, tc := range []struct {
				name, path string
				headers    http.Header
				message    string
			}{
				{"no key is refused by the gateway hop", "/echo/no-key", nil, rehearsal.MissingKeyMessage},
				{"an empty key counts as missing", "/echo/empty-key", http.Header{plan.SubscriptionKeyHeader: {""}}, rehearsal.MissingKeyMessage},
				{"a wrong key is refused by the gateway hop", "/echo/wrong-key", http.Header{plan.SubscriptionKeyHeader: {"not-a-key"}}, rehearsal.InvalidKeyMessage},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					status, body := send(t, edge, rehearsal.URL(plan.PublicHost, running.EdgePort, tc.path), tc.headers)
					assert.Equal(t, http.StatusUnauthorized, status, body)
					assert.Equal(t, tc.message, managementMessage(t, body))
					assert.Contains(t, running.GatewayAccessLog(), `"GET `+tc.path+` HTTP/1.1" 401`, "the gateway hop answered")
				})
			}

			for i, key := range plan.SubscriptionKeys {
				t.Run(fmt.Sprintf("key %d passes every hop and reaches no further than the gateway", i+1), func(t *testing.T) {
					t.Parallel()
					headers := http.Header{plan.SubscriptionKeyHeader: {key}, "X-Forwarded-For": {"203.0.113.9"}}
					for j := 0; j+1 < len(forgedCertificateHeaders()); j += 2 {
						headers.Set(forgedCertificateHeaders()[j], forgedCertificateHeaders()[j+1])
					}
					status, body := send(t, edge, rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/hello"), headers)
					require.Equal(t, http.StatusOK, status, body)
					echo := echoOf(t, body)
					assert.Equal(t, "/hello", echo.Path)
					assertNoCallerHeaders(t, plan, echo)
					assert.Equal(t, "127.0.0.1", echo.Headers["x-forwarded-for"], "the edge overwrites X-Forwarded-For with the address it saw")
				})
			}

			t.Run("a direct call to the gateway with a forged verification header is refused by the API layer", func(t *testing.T) {
				t.Parallel()
				direct := running.Client(running.GatewayPort, nil, 0)
				status, body := send(t, direct, rehearsal.URL(plan.GatewayHost, running.GatewayPort, "/echo/direct"), withKey(plan, forgedCertificateHeaders()...))
				assert.Equal(t, http.StatusForbidden, status, body)
				assert.Equal(t, rehearsal.ForbiddenMessage, managementMessage(t, body), "the ip-filter admits only the Application Gateway subnet")
			})
		})
	}
}

// TestRehearsalRateLimitIgnoresSpoofedAddresses checks, for each stack file, that the caller-address
// counter is the address the edge saw: two callers sending different spoofed X-Forwarded-For values
// share one limit, and the limit answers 429.
func TestRehearsalRateLimitIgnoresSpoofedAddresses(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			running, _ := startRehearsal(t, stack, harness.Set("apiManagement.rateLimitCalls", 5))
			plan := running.Plan
			var address *rehearsal.RateLimit
			fewest := 0
			for i, limit := range plan.Policy.RateLimits {
				if limit.Header == "X-Forwarded-For" {
					address = &plan.Policy.RateLimits[i]
				}
				if fewest == 0 || limit.Calls < fewest {
					fewest = limit.Calls
				}
			}
			require.NotNil(t, address, "a rate limit by the caller's address")
			require.Equal(t, 5, address.Calls, "apiManagement.rateLimitCalls")
			require.Equal(t, address.Calls, fewest, "the address limit is the first to trigger")

			// Two callers, each on its own connections, each claiming another address.
			callers := []struct {
				client  *http.Client
				spoofed string
			}{{running.Client(running.EdgePort, nil, 0), "203.0.113.1"}, {running.Client(running.EdgePort, nil, 0), "198.51.100.2"}}
			passed, refused := callUntilLimited(t, address.Calls+3, func(i int) (int, string) {
				caller := callers[i%2]
				return send(t, caller.client, rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/"), withKey(plan, "X-Forwarded-For", caller.spoofed))
			})
			assert.Equal(t, address.Calls, passed, "both callers count against one limit")
			require.NotEmpty(t, refused, "the limit triggers")
			assert.Regexp(t, `^Rate limit is exceeded\. Try again in \d+ seconds\.$`, managementMessage(t, refused))
			assert.Contains(t, running.GatewayErrorLog(), `by zone "`+address.Zone()+`"`, "the caller-address counter refused")
			assert.Equal(t, address.Calls+1, strings.Count(running.GatewayAccessLog(), `X-Forwarded-For="127.0.0.1"`),
				"every request reached the gateway with the address the edge saw, not the spoofed one")
			assert.NotContains(t, running.GatewayAccessLog(), "203.0.113.1")
		})
	}
}

// TestRehearsalCallerCertificates runs a dev stack with applicationGateway.mutualTls required: the edge
// refuses callers without a certificate of the callers' CA, admits the sample caller, and replaces
// forged certificate headers with its own verification, which never reaches the echo pod.
func TestRehearsalCallerCertificates(t *testing.T) {
	t.Parallel()
	requireRehearsalTools(t)
	running, _ := startRehearsal(t, "dev", harness.Set("applicationGateway.mutualTls", "required"))
	plan := running.Plan
	require.NotEmpty(t, plan.EdgeClientCAPEM, "the HTTPS listener's SSL profile trusts the callers' CA")
	require.NotNil(t, plan.SampleCaller, "dev generates a sample caller certificate")
	sample := keyPair(t, *plan.SampleCaller)
	foreign := foreignClient(t, "sample-caller."+plan.PublicHost)

	for _, tc := range []struct {
		name        string
		certificate *tls.Certificate
	}{
		{"no client certificate", nil},
		{"a certificate from another CA", &foreign},
		{"the platform CA's client certificate, not the callers' CA", keyPair(t, plan.Leaves[pki.APIMClient])},
	} {
		t.Run(tc.name+" is refused at the edge", func(t *testing.T) {
			t.Parallel()
			path := "/echo/" + strings.ReplaceAll(tc.name, " ", "-")
			request, err := http.NewRequest(http.MethodGet, rehearsal.URL(plan.PublicHost, running.EdgePort, path), nil)
			require.NoError(t, err)
			request.Header = withKey(plan)
			response, err := running.Client(running.EdgePort, tc.certificate, 0).Do(request)
			if err == nil {
				response.Body.Close()
				assert.Equal(t, http.StatusBadRequest, response.StatusCode, "the edge's own refusal")
			}
			assert.NotContains(t, running.GatewayAccessLog(), path, "nothing reached the gateway hop")
		})
	}

	t.Run("the sample caller passes every hop", func(t *testing.T) {
		t.Parallel()
		status, body := send(t, running.Client(running.EdgePort, sample, 0), rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/sample"), withKey(plan))
		require.Equal(t, http.StatusOK, status, body)
		assertNoCallerHeaders(t, plan, echoOf(t, body))
	})

	t.Run("forged certificate headers are replaced by the edge's verification", func(t *testing.T) {
		t.Parallel()
		forged := withKey(plan, forgedCertificateHeaders()...)
		forged.Set("X-Client-Certificate-Verification", "FAILED:forged")
		status, body := send(t, running.Client(running.EdgePort, sample, 0), rehearsal.URL(plan.PublicHost, running.EdgePort, "/echo/forged"), forged)
		require.Equal(t, http.StatusOK, status, body)
		assertNoCallerHeaders(t, plan, echoOf(t, body))

		line := regexp.MustCompile(`(?m)^.*"GET /echo/forged HTTP/1.1".*$`).FindString(running.GatewayAccessLog())
		require.NotEmpty(t, line, "the request reached the gateway")
		leaf, err := harness.CertificateFromPEM(plan.SampleCaller.CertificatePEM)
		require.NoError(t, err)
		fingerprint := sha1.Sum(leaf.Raw) //nolint:gosec // what the edge forwards
		assert.Contains(t, line, `X-Client-Certificate-Verification="SUCCESS"`)
		assert.Contains(t, line, `X-Client-Certificate-Fingerprint="`+hex.EncodeToString(fingerprint[:])+`"`)
		assert.Contains(t, line, "CN="+leaf.Subject.CommonName)
		for _, value := range []string{"FAILED", "forged.example", "Forged CA", "0000000000"} {
			assert.NotContains(t, line, value, "no forged value reached the gateway")
		}
	})

	t.Run("the API layer refuses an edge request without the verification header", func(t *testing.T) {
		t.Parallel()
		// From the edge's own address, so the ip-filter admits it: only the check-header can refuse.
		client := fromAddress(running.Client(running.GatewayPort, nil, 0), running.GatewayPort, rehearsal.EdgeSourceAddress)
		status, body := send(t, client, rehearsal.URL(plan.GatewayHost, running.GatewayPort, "/echo/unverified"), withKey(plan))
		check := plan.Policy.HeaderChecks[0]
		assert.Equal(t, check.Code, status, body)
		assert.Equal(t, check.Message, managementMessage(t, body))
	})
}
