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

// TestStatementOrder checks each section's statements in the order API Management runs them.
func TestStatementOrder(t *testing.T) {
	all := statements(t, render(t, withTokenValidation))
	require.Equal(t, statement{"policies", ""}, all[0], "the root is <policies>")

	var inbound []string
	for _, found := range children(all, "policies/inbound") {
		inbound = append(inbound, found.path)
	}
	deleted := len(apimpolicy.ClientCertificateHeaders) + len(apimpolicy.InternalRequestHeaders)
	want := slices.Concat([]string{"base", "validate-azure-ad-token", "rate-limit-by-key"},
		slices.Repeat([]string{"set-header"}, deleted+1), []string{"set-backend-service"})
	require.Equal(t, want, inbound, "inherit, authenticate, throttle, clean headers, then route")

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
	deleted := slices.Concat(apimpolicy.ClientCertificateHeaders, apimpolicy.InternalRequestHeaders)
	require.Len(t, headers, len(deleted)+1)
	for i, name := range deleted {
		require.Equal(t, apimpolicy.SetHeader{Name: name, ExistsAction: "delete"}, headers[i])
	}
	last := headers[len(headers)-1]
	require.Equal(t, apimpolicy.SetHeader{Name: apimpolicy.RequestIDHeader, ExistsAction: "override", Value: apimpolicy.RequestIDExpression}, last)
	require.Contains(t, last.Value, apimpolicy.TraceHeader, "the trace ID is Application Gateway's header")
}

// TestTokenValidation checks the token validation statement, and its absence without a tenant or audience.
func TestTokenValidation(t *testing.T) {
	cases := []struct {
		name    string
		options func(apimpolicy.BackendAPIOptions) apimpolicy.BackendAPIOptions
		present bool
	}{
		{"tenant and audience", func(options apimpolicy.BackendAPIOptions) apimpolicy.BackendAPIOptions { return options }, true},
		{"no tenant", func(options apimpolicy.BackendAPIOptions) apimpolicy.BackendAPIOptions {
			options.TenantID = ""
			return options
		}, false},
		{"no audience", func(options apimpolicy.BackendAPIOptions) apimpolicy.BackendAPIOptions {
			options.Audiences = nil
			return options
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := render(t, tc.options(withTokenValidation))
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
				ClientApplicationIDs:         withTokenValidation.ClientApplicationIDs, Audiences: withTokenValidation.Audiences,
			}
			require.Equal(t, want, document.Inbound.ValidateToken)
			all := statements(t, text)
			require.Contains(t, all, statement{"policies/inbound/validate-azure-ad-token/client-application-ids/application-id", ""})
			require.Contains(t, all, statement{"policies/inbound/validate-azure-ad-token/audiences/audience", ""})
		})
	}
}

// TestRateLimitAndBackend checks the throttle's attributes and the routed backend.
func TestRateLimitAndBackend(t *testing.T) {
	var document apimpolicy.Document
	require.NoError(t, xml.Unmarshal([]byte(render(t, withTokenValidation)), &document))
	require.Equal(t, &apimpolicy.RateLimitByKey{Calls: 100, RenewalPeriod: 60, CounterKey: apimpolicy.CallerAddressKey}, document.Inbound.RateLimit)
	require.Equal(t, &apimpolicy.SetBackendService{BackendID: "echo-backend"}, document.Inbound.SetBackend)
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
