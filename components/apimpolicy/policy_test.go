// Unit tests of the policy documents: parsed back with encoding/xml, for their structure, the order of
// their statements and the escaping of every value.

package apimpolicy_test

import (
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
)

// withTokenValidation is a backend API's options with Microsoft Entra token validation on.
var withTokenValidation = apimpolicy.BackendAPIOptions{
	BackendID:              "echo-backend",
	Credential:             apimpolicy.CredentialEntraToken,
	EdgeRanges:             []apimpolicy.AddressRange{{From: "10.42.0.0", To: "10.42.0.255"}},
	TenantID:               "contoso.onmicrosoft.com",
	Audiences:              []string{"api://5f0c8f9e-1a2b-4c3d-8e4f-a1b2c3d4e5f6"},
	ClientApplicationIDs:   []string{"9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a", "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"},
	RateLimitCalls:         100,
	RateLimitPeriodSeconds: 60,
}

// render renders a backend API's policy and requires it to succeed.
func render(t *testing.T, options apimpolicy.BackendAPIOptions) string {
	t.Helper()
	text, err := apimpolicy.Render(apimpolicy.BackendAPI(options))
	require.NoError(t, err)
	return text
}

// statement is one policy statement in document order: its element path and its name attribute.
type statement struct {
	path, name string
}

// statements lists every element of the XML in document order, with its path from the root.
func statements(t *testing.T, text string) []statement {
	t.Helper()
	decoder := xml.NewDecoder(strings.NewReader(text))
	var path []string
	var found []statement
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			return found
		}
		require.NoError(t, err, "the document must be well-formed XML")
		switch element := token.(type) {
		case xml.StartElement:
			path = append(path, element.Name.Local)
			name := ""
			for _, attribute := range element.Attr {
				if attribute.Name.Local == "name" {
					name = attribute.Value
				}
			}
			found = append(found, statement{strings.Join(path, "/"), name})
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

// children returns the direct children of the element at path, in order.
func children(all []statement, path string) []statement {
	var direct []statement
	for _, found := range all {
		if rest, ok := strings.CutPrefix(found.path, path+"/"); ok && !strings.Contains(rest, "/") {
			direct = append(direct, statement{rest, found.name})
		}
	}
	return direct
}

// withSubscriptionKey is a backend API's options with subscription keys and caller certificates.
var withSubscriptionKey = apimpolicy.BackendAPIOptions{
	BackendID:                 "echo-backend",
	Credential:                apimpolicy.CredentialSubscriptionKey,
	EdgeRanges:                []apimpolicy.AddressRange{{From: "10.42.0.0", To: "10.42.0.255"}},
	CallerCertificateRequired: true,
	RateLimitCalls:            100,
	RateLimitPeriodSeconds:    60,
}

// anonymous is a backend API's options for the public-sample opt-out.
var anonymous = apimpolicy.BackendAPIOptions{
	BackendID: "echo-backend", Credential: apimpolicy.CredentialNone, RateLimitCalls: 100, RateLimitPeriodSeconds: 60,
}

// TestStatementOrder checks each section's statements in the order API Management runs them, for every
// credential: only the edge, then who is calling, then how often, then what the backend sees, then
// where it goes.
func TestStatementOrder(t *testing.T) {
	deleted := slices.Repeat([]string{"set-header"}, len(apimpolicy.StrippedRequestHeaders())+1)
	cases := []struct {
		name    string
		options apimpolicy.BackendAPIOptions
		want    []string
	}{
		{"entra token", withTokenValidation, slices.Concat([]string{"base", "ip-filter", "validate-azure-ad-token", "rate-limit-by-key", "rate-limit-by-key"},
			deleted, []string{"set-backend-service"})},
		{"subscription key and caller certificate", withSubscriptionKey, slices.Concat([]string{"base", "ip-filter", "check-header", "rate-limit-by-key", "rate-limit-by-key"},
			deleted, []string{"set-backend-service"})},
		{"anonymous", anonymous, slices.Concat([]string{"base", "rate-limit-by-key"}, deleted, []string{"set-backend-service"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			all := statements(t, render(t, tc.options))
			require.Equal(t, statement{"policies", ""}, all[0], "the root is <policies>")
			var inbound []string
			for _, found := range children(all, "policies/inbound") {
				inbound = append(inbound, found.path)
			}
			require.Equal(t, tc.want, inbound, "inherit, admit the edge, authenticate, throttle, clean headers, then route")
		})
	}
}

// TestSectionsOtherThanInbound checks the outbound, backend and on-error sections.
func TestSectionsOtherThanInbound(t *testing.T) {
	all := statements(t, render(t, withTokenValidation))
	outbound := children(all, "policies/outbound")
	require.Equal(t, statement{"base", ""}, outbound[0])
	var removed []string
	for _, found := range outbound[1:] {
		require.Equal(t, "set-header", found.path)
		removed = append(removed, found.name)
	}
	require.Equal(t, apimpolicy.InternalResponseHeaders, removed)

	for _, section := range []string{"backend", "on-error"} {
		require.Equal(t, []statement{{"base", ""}}, children(all, "policies/"+section), "%s only inherits", section)
	}
	require.Equal(t, []statement{{"inbound", ""}, {"backend", ""}, {"outbound", ""}, {"on-error", ""}}, children(all, "policies"),
		"the four sections in order, nothing outside them")
}

// TestHeaderStatements checks which request headers are deleted and that the trace ID is set last.
func TestHeaderStatements(t *testing.T) {
	var document apimpolicy.Document
	require.NoError(t, xml.Unmarshal([]byte(render(t, withTokenValidation)), &document))
	headers := document.Inbound.Headers
	deleted := apimpolicy.StrippedRequestHeaders()
	require.Len(t, headers, len(deleted)+1)
	for i, name := range deleted {
		require.Equal(t, apimpolicy.SetHeader{Name: name, ExistsAction: "delete"}, headers[i])
	}
	last := headers[len(headers)-1]
	require.Equal(t, apimpolicy.SetHeader{Name: apimpolicy.RequestIDHeader, ExistsAction: "override", Value: apimpolicy.RequestIDExpression}, last)
	require.Contains(t, last.Value, apimpolicy.TraceHeader, "the trace ID is Application Gateway's header")
}

// TestNoCallerIdentityHeaderSurvives checks, for every credential, that each header a caller could use
// to pose as another caller or as a verified certificate is deleted before routing: every forwarded
// certificate header (the edge's and any proxy's) and the subscription key.
func TestNoCallerIdentityHeaderSurvives(t *testing.T) {
	identity := []string{apimpolicy.SubscriptionKeyHeader, "X-Forwarded-Client-Cert", "X-ARR-ClientCert"}
	for _, forwarded := range apimpolicy.ForwardedCertificateHeaders {
		identity = append(identity, forwarded.Header)
	}
	for name, options := range map[string]apimpolicy.BackendAPIOptions{"token": withTokenValidation, "key": withSubscriptionKey, "anonymous": anonymous} {
		t.Run(name, func(t *testing.T) {
			var document apimpolicy.Document
			require.NoError(t, xml.Unmarshal([]byte(render(t, options)), &document))
			deleted := map[string]bool{}
			for _, header := range document.Inbound.Headers {
				if header.ExistsAction == "delete" {
					deleted[strings.ToLower(header.Name)] = true
				}
			}
			for _, header := range identity {
				require.True(t, deleted[strings.ToLower(header)], "%s reaches the backend", header)
			}
		})
	}
}

// TestCallerCertificateCheck checks that a caller certificate is required exactly when asked, as the
// edge's verification verdict.
func TestCallerCertificateCheck(t *testing.T) {
	var document apimpolicy.Document
	require.NoError(t, xml.Unmarshal([]byte(render(t, withSubscriptionKey)), &document))
	require.Equal(t, []apimpolicy.CheckHeader{{Name: apimpolicy.CertificateVerificationHeader, FailedCheckHTTPCode: 403, IgnoreCase: false,
		FailedCheckErrorMessage: "Forbidden: the edge verified no client certificate for this request.", Values: []string{"SUCCESS"}}},
		document.Inbound.CheckHeaders)
	var withoutCertificates apimpolicy.Document
	require.NoError(t, xml.Unmarshal([]byte(render(t, withTokenValidation)), &withoutCertificates))
	require.Empty(t, withoutCertificates.Inbound.CheckHeaders)
}

// TestRangeOf checks subnet ranges, as the ip-filter admits the gateway subnet.
func TestRangeOf(t *testing.T) {
	cases := []struct {
		name, cidr, from, to string
	}{
		{"a /24", "10.42.0.0/24", "10.42.0.0", "10.42.0.255"},
		{"a /27 not on its boundary", "10.43.1.7/27", "10.43.1.0", "10.43.1.31"},
		{"one address", "192.0.2.4/32", "192.0.2.4", "192.0.2.4"},
		{"a /8", "10.0.0.0/8", "10.0.0.0", "10.255.255.255"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apimpolicy.RangeOf(tc.cidr)
			require.NoError(t, err)
			require.Equal(t, apimpolicy.AddressRange{From: tc.from, To: tc.to}, got)
		})
	}
	for _, bad := range []string{"", "10.42.0.0", "fd00::/64", "10.42.0.0/33"} {
		_, err := apimpolicy.RangeOf(bad)
		require.Error(t, err, bad)
	}
}

// TestTokenValidation checks the token validation statement, and its absence for the other credentials.
func TestTokenValidation(t *testing.T) {
	cases := []struct {
		name    string
		options apimpolicy.BackendAPIOptions
		present bool
	}{
		{"entra token", withTokenValidation, true},
		{"subscription key", withSubscriptionKey, false},
		{"anonymous", anonymous, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := render(t, tc.options)
			var document apimpolicy.Document
			require.NoError(t, xml.Unmarshal([]byte(text), &document))
			if !tc.present {
				require.Nil(t, document.Inbound.ValidateToken)
				require.NotContains(t, text, "validate-azure-ad-token")
				return
			}
			want := &apimpolicy.ValidateAzureADToken{
				TenantID: withTokenValidation.TenantID, HeaderName: "Authorization", FailedValidationHTTPCode: 401,
				FailedValidationErrorMessage: "Unauthorized: a valid Microsoft Entra access token is required.",
				OutputTokenVariableName:      apimpolicy.TokenVariable,
				ClientApplicationIDs:         withTokenValidation.ClientApplicationIDs, Audiences: withTokenValidation.Audiences,
			}
			require.Equal(t, want, document.Inbound.ValidateToken)
			all := statements(t, text)
			require.Contains(t, all, statement{"policies/inbound/validate-azure-ad-token/client-application-ids/application-id", ""})
			require.Contains(t, all, statement{"policies/inbound/validate-azure-ad-token/audiences/audience", ""})
		})
	}
}

// TestRateLimitAndBackend checks the throttles: always per client address as the edge saw it (never a
// value the caller wrote first), and per caller when there is a credential; and the routed backend.
func TestRateLimitAndBackend(t *testing.T) {
	limit := func(key string) apimpolicy.RateLimitByKey {
		return apimpolicy.RateLimitByKey{Calls: 100, RenewalPeriod: 60, CounterKey: key}
	}
	cases := []struct {
		name    string
		options apimpolicy.BackendAPIOptions
		want    []apimpolicy.RateLimitByKey
	}{
		{"entra token", withTokenValidation, []apimpolicy.RateLimitByKey{limit(apimpolicy.ClientAddressKey), limit(apimpolicy.ClientApplicationKey)}},
		{"subscription key", withSubscriptionKey, []apimpolicy.RateLimitByKey{limit(apimpolicy.ClientAddressKey), limit(apimpolicy.SubscriptionKey)}},
		{"anonymous", anonymous, []apimpolicy.RateLimitByKey{limit(apimpolicy.ClientAddressKey)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var document apimpolicy.Document
			require.NoError(t, xml.Unmarshal([]byte(render(t, tc.options)), &document))
			require.Equal(t, tc.want, document.Inbound.RateLimits)
			for _, limit := range document.Inbound.RateLimits {
				require.NotContains(t, limit.CounterKey, "Split(", "a counter must not pick an entry of a list the caller can write")
			}
			require.Equal(t, &apimpolicy.SetBackendService{BackendID: "echo-backend"}, document.Inbound.SetBackend)
		})
	}
	require.Contains(t, apimpolicy.ClientApplicationKey, apimpolicy.TokenVariable, "the caller's limit reads the token validate-azure-ad-token kept")
}

// TestValuesAreEscaped checks that values with XML's special characters stay values: escaped in the
// text and read back unchanged.
func TestValuesAreEscaped(t *testing.T) {
	options := withTokenValidation
	options.BackendID = `echo"><set-backend-service backend-id="evil`
	options.Audiences = []string{"api://a&b<c>"}
	text := render(t, options)
	require.NotContains(t, text, `<set-backend-service backend-id="evil`)
	require.Contains(t, text, "api://a&amp;b&lt;c&gt;")

	var document apimpolicy.Document
	require.NoError(t, xml.Unmarshal([]byte(text), &document))
	require.Equal(t, options.BackendID, document.Inbound.SetBackend.BackendID)
	require.Equal(t, options.Audiences, document.Inbound.ValidateToken.Audiences)
	backends := 0
	for _, found := range statements(t, text) {
		if strings.HasSuffix(found.path, "set-backend-service") {
			backends++
		}
	}
	require.Equal(t, 1, backends, "one set-backend-service, however the ID reads")
}
