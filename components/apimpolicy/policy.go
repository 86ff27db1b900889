// Package apimpolicy builds API Management policy documents from typed Go values, so every value is
// XML-escaped by encoding/xml and the structure cannot be malformed by string concatenation.
package apimpolicy

import (
	"encoding/xml"
	"fmt"
)

// Document is a policy document: the four sections of <policies>, each starting with <base />.
type Document struct {
	// XMLName is the root element, <policies>.
	XMLName xml.Name `xml:"policies"`
	// Inbound runs on the request before it is forwarded.
	Inbound Inbound `xml:"inbound"`
	// Backend runs around the call to the backend.
	Backend Section `xml:"backend"`
	// Outbound runs on the response.
	Outbound Outbound `xml:"outbound"`
	// OnError runs when any section fails.
	OnError Section `xml:"on-error"`
}

// Base inherits the policies of the enclosing scope (product, global).
type Base struct{}

// Section is a section that only inherits.
type Section struct {
	// Base inherits the enclosing scope's policies.
	Base Base `xml:"base"`
}

// Inbound holds the request-side policies, applied in this order.
type Inbound struct {
	// Base inherits the enclosing scope's policies.
	Base Base `xml:"base"`
	// ValidateToken rejects requests without a valid Microsoft Entra token (nil: off).
	ValidateToken *ValidateAzureADToken `xml:"validate-azure-ad-token,omitempty"`
	// RateLimit throttles each caller.
	RateLimit *RateLimitByKey `xml:"rate-limit-by-key,omitempty"`
	// Headers deletes request headers the backend must never receive and sets the correlation header.
	Headers []SetHeader `xml:"set-header"`
	// SetBackend routes to a backend entity (which carries its TLS and client certificate settings).
	SetBackend *SetBackendService `xml:"set-backend-service,omitempty"`
}

// Outbound holds the response-side policies.
type Outbound struct {
	// Base inherits the enclosing scope's policies.
	Base Base `xml:"base"`
	// RemoveHeaders deletes response headers that reveal the backend's internals.
	RemoveHeaders []SetHeader `xml:"set-header"`
}

// ValidateAzureADToken is the validate-azure-ad-token policy
// (https://learn.microsoft.com/azure/api-management/validate-azure-ad-token-policy).
type ValidateAzureADToken struct {
	// TenantID is the tenant (GUID or verified domain) that must have issued the token.
	TenantID string `xml:"tenant-id,attr"`
	// HeaderName is where the bearer token is read from.
	HeaderName string `xml:"header-name,attr"`
	// FailedValidationHTTPCode is the status returned for a missing or invalid token.
	FailedValidationHTTPCode int `xml:"failed-validation-httpcode,attr"`
	// FailedValidationErrorMessage is the message returned with it.
	FailedValidationErrorMessage string `xml:"failed-validation-error-message,attr"`
	// ClientApplicationIDs are the client applications (azp or appid claim) whose tokens are accepted;
	// the policy requires at least one. Elements follow the policy statement's order.
	ClientApplicationIDs []string `xml:"client-application-ids>application-id"`
	// Audiences are the accepted aud claims.
	Audiences []string `xml:"audiences>audience"`
}

// RateLimitByKey is the rate-limit-by-key policy
// (https://learn.microsoft.com/azure/api-management/rate-limit-by-key-policy).
type RateLimitByKey struct {
	// Calls is the number of calls allowed per RenewalPeriod for one key.
	Calls int `xml:"calls,attr"`
	// RenewalPeriod is the window in seconds.
	RenewalPeriod int `xml:"renewal-period,attr"`
	// CounterKey is the policy expression that identifies the caller.
	CounterKey string `xml:"counter-key,attr"`
}

// SetHeader is the set-header policy; with ExistsAction "delete" it removes the header.
type SetHeader struct {
	// Name is the header name.
	Name string `xml:"name,attr"`
	// ExistsAction is override, skip, append or delete.
	ExistsAction string `xml:"exists-action,attr"`
	// Value is the header's value (a policy expression or literal); empty when deleting.
	Value string `xml:"value,omitempty"`
}

// SetBackendService is the set-backend-service policy pointing at a backend entity.
type SetBackendService struct {
	// BackendID is the backend entity's ID.
	BackendID string `xml:"backend-id,attr"`
}

// Render writes the document as the XML API Management accepts (format "rawxml").
func Render(document Document) (string, error) {
	encoded, err := xml.MarshalIndent(document, "", "  ")
	if err != nil {
		return "", fmt.Errorf("rendering policy document: %w", err)
	}
	return string(encoded), nil
}

// CallerAddressKey identifies the caller by the client address Application Gateway puts first in
// X-Forwarded-For (as "address:port"); without the header, the connection's address.
const CallerAddressKey = `@(context.Request.Headers.GetValueOrDefault("X-Forwarded-For", context.Request.IpAddress).Split(',')[0].Split(':')[0].Trim())`

// ClientCertificateHeaders carry a caller's client certificate when a proxy forwards one; the backend
// must only ever see API Management's own client certificate, on the TLS connection.
var ClientCertificateHeaders = []string{"X-ARR-ClientCert", "X-Client-Cert", "X-SSL-Client-Cert", "X-Forwarded-Client-Cert", "Ssl-Client-Cert"}

// InternalRequestHeaders are API Management's own headers that mean nothing to the backend.
var InternalRequestHeaders = []string{"Ocp-Apim-Subscription-Key", "Ocp-Apim-Trace"}

// InternalResponseHeaders reveal the backend's software to callers.
var InternalResponseHeaders = []string{"X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "Server"}

// TraceHeader is the header Application Gateway adds to every request it forwards: its transaction ID
// (TransactionId in AGWAccessLogs), 32 hex digits
// (https://learn.microsoft.com/azure/application-gateway/how-application-gateway-works#modifications-to-the-request).
const TraceHeader = "x-appgw-trace-id"

// RequestIDHeader carries the trace ID to the backend: Envoy (the Istio gateway) keeps an X-Request-ID
// from an internal caller and writes it in its access log, so one ID follows a request through every
// hop's logs.
const RequestIDHeader = "X-Request-ID"

// RequestIDExpression is Application Gateway's trace ID, or API Management's own request ID (the
// CorrelationId of its gateway log, without dashes) when the request did not come through it.
const RequestIDExpression = `@(context.Request.Headers.GetValueOrDefault("` + TraceHeader + `", context.RequestId.ToString("N")))`

// BackendAPIOptions are the choices behind a backend API's policy.
type BackendAPIOptions struct {
	// BackendID is the backend entity the API routes to.
	BackendID string
	// TenantID turns on token validation when set, with the Audiences a token may carry and the
	// ClientApplicationIDs it may be issued to.
	TenantID string
	// Audiences are the accepted aud claims (v1: the application ID URI; v2: the API's client ID).
	Audiences []string
	// ClientApplicationIDs are the accepted client applications.
	ClientApplicationIDs []string
	// RateLimitCalls per RateLimitPeriodSeconds per caller.
	RateLimitCalls, RateLimitPeriodSeconds int
}

// BackendAPI returns the API-level policy of an API served by one backend: validate the caller's token
// (when configured), limit each caller's rate, strip forwarded client certificates and internal
// headers, pass the trace ID on as X-Request-ID, route to the backend entity, and hide the backend's
// identity in responses.
func BackendAPI(options BackendAPIOptions) Document {
	document := Document{}
	if options.TenantID != "" && len(options.Audiences) > 0 {
		document.Inbound.ValidateToken = &ValidateAzureADToken{
			TenantID:                     options.TenantID,
			HeaderName:                   "Authorization",
			FailedValidationHTTPCode:     401,
			FailedValidationErrorMessage: "Unauthorized: a valid Microsoft Entra access token is required.",
			ClientApplicationIDs:         options.ClientApplicationIDs,
			Audiences:                    options.Audiences,
		}
	}
	document.Inbound.RateLimit = &RateLimitByKey{
		Calls:         options.RateLimitCalls,
		RenewalPeriod: options.RateLimitPeriodSeconds,
		CounterKey:    CallerAddressKey,
	}
	for _, name := range append(append([]string{}, ClientCertificateHeaders...), InternalRequestHeaders...) {
		document.Inbound.Headers = append(document.Inbound.Headers, SetHeader{Name: name, ExistsAction: "delete"})
	}
	document.Inbound.Headers = append(document.Inbound.Headers, SetHeader{Name: RequestIDHeader, ExistsAction: "override", Value: RequestIDExpression})
	document.Inbound.SetBackend = &SetBackendService{BackendID: options.BackendID}
	for _, name := range InternalResponseHeaders {
		document.Outbound.RemoveHeaders = append(document.Outbound.RemoveHeaders, SetHeader{Name: name, ExistsAction: "delete"})
	}
	return document
}
