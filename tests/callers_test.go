// Callers of the sample API: the credential every stack requires, the rate limits a caller cannot
// steer, and caller mutual TLS at the edge, as the program records them.

package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// callerCase is one way of configuring the sample API's callers.
type callerCase struct {
	name       string
	stack      string
	edits      []harness.Edit
	credential apimpolicy.Credential
	mutualTLS  bool
}

// tokenEdits turn Microsoft Entra token validation on.
var tokenEdits = []harness.Edit{
	harness.Set("apiManagement.entraTenantId", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
	harness.Set("apiManagement.entraAudience", "api://echo-platform"),
	harness.Set("apiManagement.entraApiClientId", entraAPIClientID),
	harness.Set("apiManagement.entraClientApplicationIds", []any{entraClientID}),
}

// callerCases are the stack files as shipped, and each alternative the configuration offers.
func callerCases(t *testing.T) []callerCase {
	return []callerCase{
		{"dev as shipped", "dev", nil, apimpolicy.CredentialSubscriptionKey, false},
		{"prod as shipped", "prod", nil, apimpolicy.CredentialSubscriptionKey, false},
		{"token validation", "dev", tokenEdits, apimpolicy.CredentialEntraToken, false},
		{"anonymous opt-out", "dev", []harness.Edit{harness.Set("apiManagement.anonymousAccessAllowed", true)}, apimpolicy.CredentialNone, false},
		{"caller mTLS with a generated CA", "dev", []harness.Edit{harness.Set("applicationGateway.mutualTls", "required")},
			apimpolicy.CredentialSubscriptionKey, true},
		{"caller mTLS with a brought CA", "prod", []harness.Edit{harness.Set("applicationGateway.mutualTls", "required"),
			harness.Set("applicationGateway.callerCaCertificatePem", callerCAPEM(t))}, apimpolicy.CredentialSubscriptionKey, true},
	}
}

// callerCAPEM is a CA certificate of the test's own, as an organisation would bring it.
func callerCAPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Contoso partners CA"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// TestCallerPolicyDocument parses the deployed API policy back for every caller configuration: only
// the gateway subnet may call, the credential is checked before the rate limits, the limits count what
// the edge saw and who the caller is, no caller identity header reaches the backend, routing is last.
func TestCallerPolicyDocument(t *testing.T) {
	t.Parallel()
	for _, tc := range callerCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := runStack(t, tc.stack, tc.edits...)
			policy := apimEntity(t, recording, "ApiPolicy")
			require.Equal(t, "xml", policy.InputString("format"), "encoding/xml escapes the expressions: the standard XML format")
			inbound := parsePolicy(t, policy.InputString("value")).child("inbound")

			want := []string{"base", "ip-filter"}
			if tc.credential == apimpolicy.CredentialEntraToken {
				want = append(want, "validate-azure-ad-token")
			}
			if tc.mutualTLS {
				want = append(want, "check-header")
			}
			want = append(want, "rate-limit-by-key")
			if tc.credential != apimpolicy.CredentialNone {
				want = append(want, "rate-limit-by-key")
			}
			var statements []string
			for _, name := range inbound.names() {
				if name != "set-header" {
					statements = append(statements, name)
				}
			}
			assert.Equal(t, append(want, "set-backend-service"), statements, "admit the edge, authenticate, throttle, route")
			assert.Equal(t, "set-backend-service", inbound.names()[len(inbound.names())-1], "routing comes last")

			edgeRange := inbound.child("ip-filter")
			assert.Equal(t, "allow", edgeRange.attr("action"))
			from, to := gatewaySubnetRange(t, recording)
			assert.Equal(t, []string{from, to}, []string{edgeRange.child("address-range").attr("from"), edgeRange.child("address-range").attr("to")},
				"only the Application Gateway subnet may call the API")

			assertRateLimits(t, inbound, tc.credential)
			assertNoCallerHeaderSurvives(t, inbound)
			if tc.mutualTLS {
				check := inbound.child("check-header")
				assert.Equal(t, apimpolicy.CertificateVerificationHeader, check.attr("name"))
				assert.Equal(t, "SUCCESS", check.child("value").Text)
				assert.Equal(t, "403", check.attr("failed-check-httpcode"))
			}
		})
	}
}

// gatewaySubnetRange is the first and last address of the subnet the recorded gateway is placed in.
func gatewaySubnetRange(t *testing.T, recording *harness.Recording) (string, string) {
	t.Helper()
	subnetID := applicationGateway(t, recording).InputString("gatewayIPConfigurations[0].subnet.id")
	name := subnetID[strings.LastIndex(subnetID, "/")+1:]
	subnet, ok := subnetsOf(t, virtualNetwork(t, recording))[name]
	require.True(t, ok, "the gateway's subnet %s is in the network", name)
	addressRange, err := apimpolicy.RangeOf(subnet["addressPrefix"].(string))
	require.NoError(t, err)
	return addressRange.From, addressRange.To
}

// assertRateLimits checks the throttles: per client address, read from the header the edge overwrites
// (never the first entry of a list the caller writes), and per caller identity when there is one.
func assertRateLimits(t *testing.T, inbound *policyElement, credential apimpolicy.Credential) {
	t.Helper()
	var keys []string
	for _, child := range inbound.Children {
		if child.XMLName.Local == "rate-limit-by-key" {
			keys = append(keys, child.attr("counter-key"))
			assert.Equal(t, "100", child.attr("calls"))
			assert.Equal(t, "60", child.attr("renewal-period"))
		}
	}
	require.NotEmpty(t, keys)
	assert.Contains(t, keys[0], `"X-Forwarded-For"`, "the client address as the edge wrote it")
	assert.NotContains(t, keys[0], "Split(", "no entry of a caller-written list")
	identity := map[apimpolicy.Credential]string{
		apimpolicy.CredentialSubscriptionKey: "context.Subscription.Id",
		apimpolicy.CredentialEntraToken:      `Claims.GetValueOrDefault("azp"`,
	}
	if want, ok := identity[credential]; ok {
		require.Len(t, keys, 2)
		assert.Contains(t, keys[1], want, "the caller's own counter")
	} else {
		assert.Len(t, keys, 1, "no identity without a credential")
	}
}

// assertNoCallerHeaderSurvives checks that every header a caller could use to pose as a verified
// certificate or another caller is deleted before routing.
func assertNoCallerHeaderSurvives(t *testing.T, inbound *policyElement) {
	t.Helper()
	deleted := map[string]bool{}
	for _, child := range inbound.Children {
		if child.XMLName.Local == "set-header" && child.attr("exists-action") == "delete" {
			deleted[strings.ToLower(child.attr("name"))] = true
		}
	}
	names := []string{"Ocp-Apim-Subscription-Key", "X-Forwarded-Client-Cert", "X-ARR-ClientCert", "X-Client-Cert", "X-SSL-Client-Cert", "Ssl-Client-Cert"}
	for _, forwarded := range apimpolicy.ForwardedCertificateHeaders {
		names = append(names, forwarded.Header)
	}
	for _, name := range names {
		assert.True(t, deleted[strings.ToLower(name)], "%s never reaches the backend", name)
	}
}

// TestSubscriptionKeyByDefault checks the key a subscription-key stack hands out: a product requiring
// subscriptions holds the API, one active subscription to it has generated keys, secret in the state
// and in the one stack output that carries the primary key; a token or anonymous stack has none.
func TestSubscriptionKeyByDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range callerCases(t)[:4] {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := runStack(t, tc.stack, tc.edits...)
			api := apimEntity(t, recording, "Api")
			keyed := tc.credential == apimpolicy.CredentialSubscriptionKey
			assert.Equal(t, keyed, api.Input("subscriptionRequired"))
			assert.Equal(t, string(tc.credential), recording.Outputs["apiCredential"].Value)
			products, subscriptions := recording.OfType("azure-native:apimanagement:Product"), recording.OfType("azure-native:apimanagement:Subscription")
			if !keyed {
				assert.Empty(t, products)
				assert.Empty(t, subscriptions)
				assert.NotContains(t, recording.Outputs, "apiSubscriptionKey")
				return
			}
			require.Len(t, products, 1)
			require.Len(t, subscriptions, 1)
			product, subscription := products[0], subscriptions[0]
			assert.Equal(t, true, product.Input("subscriptionRequired"))
			links := recording.OfType("azure-native:apimanagement:ProductApi")
			require.Len(t, links, 1)
			assert.Equal(t, product.InputString("productId"), links[0].InputString("productId"))
			assert.Equal(t, api.InputString("apiId"), links[0].InputString("apiId"))
			assert.Equal(t, "/products/"+product.InputString("productId"), subscription.InputString("scope"))
			assert.Equal(t, "active", subscription.InputString("state"))
			for _, key := range []string{"primaryKey", "secondaryKey"} {
				assert.True(t, subscription.IsSecretInput(key), "%s is a secret", key)
				assert.Regexp(t, `^[A-Za-z0-9]{32}$`, subscription.InputString(key))
			}
			assert.NotEqual(t, subscription.InputString("primaryKey"), subscription.InputString("secondaryKey"))
			output := recording.Outputs["apiSubscriptionKey"]
			assert.True(t, output.Secret, "the key output is a secret")
			assert.Equal(t, subscription.InputString("primaryKey"), output.Value)
			assert.Equal(t, "Ocp-Apim-Subscription-Key", recording.Outputs["apiSubscriptionKeyHeader"].Value)
		})
	}
}

// TestEdgeWritesWhoTheCallerIs checks the gateway's rewrite on the route to API Management: the client
// address replaces X-Forwarded-For, the certificate headers carry the gateway's verification or are
// removed, and with caller mTLS the HTTPS listener's SSL profile requires a certificate of the callers'
// CA, with the gateway's own TLS policy.
func TestEdgeWritesWhoTheCallerIs(t *testing.T) {
	t.Parallel()
	for _, tc := range callerCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := runStack(t, tc.stack, tc.edits...)
			gateway := applicationGateway(t, recording)
			set := namedPart(t, gateway, "rewriteRuleSets", "caller-headers")
			assert.True(t, strings.HasSuffix(gateway.InputString("requestRoutingRules[0].rewriteRuleSet.id"), "/rewriteRuleSets/caller-headers"),
				"the HTTPS rule applies it")
			headers := map[string]string{}
			rules := set["rewriteRules"].([]any)
			require.Len(t, rules, 1)
			for _, item := range rules[0].(map[string]any)["actionSet"].(map[string]any)["requestHeaderConfigurations"].([]any) {
				header := item.(map[string]any)
				value, _ := header["headerValue"].(string)
				headers[header["headerName"].(string)] = value
			}
			assert.Equal(t, "{var_client_ip}", headers["X-Forwarded-For"])
			for _, forwarded := range apimpolicy.ForwardedCertificateHeaders {
				want := ""
				if tc.mutualTLS {
					want = "{var_" + forwarded.Variable + "}"
				}
				assert.Equal(t, want, headers[forwarded.Header], forwarded.Header)
			}
			if !tc.mutualTLS {
				assert.Nil(t, gateway.Input("sslProfiles"))
				assert.Nil(t, gateway.Input("httpListeners[0].sslProfile"))
				return
			}
			profile := namedPart(t, gateway, "sslProfiles", "callers")
			assert.Equal(t, map[string]any{"verifyClientCertIssuerDN": true, "verifyClientRevocation": "None"}, profile["clientAuthConfiguration"])
			assert.Equal(t, gateway.Input("sslPolicy"), profile["sslPolicy"], "the TLS policy stays the gateway's")
			assert.True(t, strings.HasSuffix(gateway.InputString("httpListeners[0].sslProfile.id"), "/sslProfiles/callers"))
			trusted := namedPart(t, gateway, "trustedClientCertificates", "callers-ca")
			data, err := base64.StdEncoding.DecodeString(trusted["data"].(string))
			require.NoError(t, err)
			assert.Equal(t, recording.Outputs["callerCaCertificatePem"].Value, string(data), "the callers' CA, not the private CA")
			assert.NotEqual(t, recording.Outputs["caCertificatePem"].Value, string(data))
		})
	}
}

// TestSampleCallerCertificate checks the generated callers' CA (dev): its own CA, a client certificate
// for the sample caller with clientAuth, the key a secret output; a brought CA issues nothing here.
func TestSampleCallerCertificate(t *testing.T) {
	t.Parallel()
	for _, tc := range callerCases(t)[4:] {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := runStack(t, tc.stack, tc.edits...)
			outputs := recording.Outputs
			if tc.stack == "prod" {
				assert.NotContains(t, outputs, "sampleCallerCertificatePem", "a brought CA issues its own certificates")
				assert.Len(t, recording.OfType("tls:index/selfSignedCert:SelfSignedCert"), 1, "only the private CA is generated")
				return
			}
			assert.True(t, outputs["sampleCallerPrivateKeyPem"].Secret)
			assert.False(t, outputs["sampleCallerCertificatePem"].Secret)
			certificate, err := harness.CertificateFromPEM(outputs["sampleCallerCertificatePem"].Value.(string))
			require.NoError(t, err)
			callersCA, err := harness.CertificateFromPEM(outputs["callerCaCertificatePem"].Value.(string))
			require.NoError(t, err)
			require.NoError(t, certificate.CheckSignatureFrom(callersCA), "the callers' CA signed it")
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, certificate.ExtKeyUsage)
			assert.Equal(t, []string{"sample-caller.api.dev.contoso.example"}, certificate.DNSNames)
			privateCA, err := harness.CertificateFromPEM(outputs["caCertificatePem"].Value.(string))
			require.NoError(t, err)
			assert.Error(t, certificate.CheckSignatureFrom(privateCA), "the private CA must not open the edge")
		})
	}
}

// TestWAFRateLimitsEachClientAddress checks the WAF's second line: a rate-limit rule per client address
// that matches every request, before the managed rules, and none when turned off.
func TestWAFRateLimitsEachClientAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edits []harness.Edit
		limit any
	}{
		{"default", nil, float64(600)},
		{"turned off", []harness.Edit{harness.Set("applicationGateway.rateLimitPerMinute", 0)}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recording := runStack(t, "dev", tc.edits...)
			policy := single(t, recording.OfType(wafPolicyType), "WAF policy", func(*harness.Resource) bool { return true })
			if tc.limit == nil {
				assert.Nil(t, policy.Input("customRules"))
				return
			}
			assert.Equal(t, "RateLimitRule", policy.InputString("customRules[0].ruleType"))
			assert.Equal(t, "Block", policy.InputString("customRules[0].action"))
			assert.Equal(t, "OneMin", policy.InputString("customRules[0].rateLimitDuration"))
			assert.Equal(t, tc.limit, policy.Input("customRules[0].rateLimitThreshold"))
			assert.Equal(t, "ClientAddr", policy.InputString("customRules[0].groupByUserSession[0].groupByVariables[0].variableName"))
			assert.Equal(t, map[string]any{"matchVariables": []any{map[string]any{"variableName": "RemoteAddr"}}, "operator": "IPMatch",
				"negationConditon": true, "matchValues": []any{"255.255.255.255/32"}}, policy.Input("customRules[0].matchConditions[0]"),
				"matches every request")
		})
	}
}
