// Package apimpolicy builds API Management policy documents from typed Go values, so every value is
// XML-escaped by encoding/xml and the structure cannot be malformed by string concatenation.
package apimpolicy

import (
	"encoding/xml"
	"fmt"
	"net/netip"
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

// Inbound holds the request-side policies, applied in this order: who may connect, who is calling,
// how often, what the backend may see, and where it goes.
type Inbound struct {
	// Base inherits the enclosing scope's policies.
	Base Base `xml:"base"`
	// IPFilter admits only the edge's addresses (nil: any address).
	IPFilter *IPFilter `xml:"ip-filter,omitempty"`
	// ValidateToken rejects requests without a valid Microsoft Entra token (nil: off).
	ValidateToken *ValidateAzureADToken `xml:"validate-azure-ad-token,omitempty"`
	// CheckHeaders reject requests whose edge-forwarded identity is missing or not allowed.
	CheckHeaders []CheckHeader `xml:"check-header"`
	// RateLimits throttle each caller: by the address the edge saw, and by the caller's credential.
	RateLimits []RateLimitByKey `xml:"rate-limit-by-key"`
	// Headers deletes request headers the backend must never receive and sets the correlation header.
	Headers []SetHeader `xml:"set-header"`
	// SetBackend routes to a backend entity (which carries its TLS and client certificate settings).
	SetBackend *SetBackendService `xml:"set-backend-service,omitempty"`
}

// IPFilter is the ip-filter policy with action "allow"
// (https://learn.microsoft.com/azure/api-management/ip-filter-policy).
type IPFilter struct {
	// Action is "allow": only the listed ranges pass, every other caller gets 403.
	Action string `xml:"action,attr"`
	// Ranges are the admitted address ranges.
	Ranges []AddressRange `xml:"address-range"`
}

// AddressRange is an inclusive range of IPv4 addresses.
type AddressRange struct {
	// From is the first address.
	From string `xml:"from,attr"`
	// To is the last address.
	To string `xml:"to,attr"`
}

// CheckHeader is the check-header policy
// (https://learn.microsoft.com/azure/api-management/check-header-policy).
type CheckHeader struct {
	// Name is the header that must be present.
	Name string `xml:"name,attr"`
	// FailedCheckHTTPCode is the status returned when it is missing or has another value.
	FailedCheckHTTPCode int `xml:"failed-check-httpcode,attr"`
	// FailedCheckErrorMessage is the message returned with it.
	FailedCheckErrorMessage string `xml:"failed-check-error-message,attr"`
	// IgnoreCase compares the values case-insensitively when true.
	IgnoreCase bool `xml:"ignore-case,attr"`
	// Values are the accepted values.
	Values []string `xml:"value"`
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
	// OutputTokenVariableName keeps the validated token in a context variable, for the caller's rate
	// limit.
	OutputTokenVariableName string `xml:"output-token-variable-name,attr,omitempty"`
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

// Render writes the document as standard XML, every value and policy expression XML-escaped: API
// Management's format "xml" (format "rawxml" would take the expressions verbatim, so an escaped quote
// in one would reach the C# compiler as "&#34;": hashicorp/terraform-provider-azurerm#5426,
// Azure/azure-api-management-policy-toolkit#267).
func Render(document Document) (string, error) {
	encoded, err := xml.MarshalIndent(document, "", "  ")
	if err != nil {
		return "", fmt.Errorf("rendering policy document: %w", err)
	}
	return string(encoded), nil
}

// ClientAddressHeader carries the address Application Gateway saw the caller connect from: the
// gateway's rewrite set overwrites it with {var_client_ip}, so no value a caller wrote survives. By
// default Application Gateway keeps a caller's X-Forwarded-For and only appends its own entry
// (application-gateway/how-application-gateway-works.md, "Modifications to the request"), which is why
// the first entry must never identify a caller.
const ClientAddressHeader = "X-Forwarded-For"

// ClientAddressKey is the rate-limit counter of one client address, as the edge saw it. Only the edge
// can call the API (the ip-filter), so the header is always the edge's.
const ClientAddressKey = `@("address:" + context.Request.Headers.GetValueOrDefault("` + ClientAddressHeader + `", context.Request.IpAddress))`

// SubscriptionKey is the rate-limit counter of one subscription (one key holder).
const SubscriptionKey = `@("subscription:" + context.Subscription.Id)`

// TokenVariable is the context variable validate-azure-ad-token leaves the validated token in.
const TokenVariable = "caller-token"

// ClientApplicationKey is the rate-limit counter of one Microsoft Entra client application: the azp
// claim of v2 tokens, appid of v1 tokens.
const ClientApplicationKey = `@("client:" + ((Jwt)context.Variables["` + TokenVariable + `"]).Claims.GetValueOrDefault("azp", ((Jwt)context.Variables["` + TokenVariable + `"]).Claims.GetValueOrDefault("appid", "")))`

// SubscriptionKeyHeader is the header a caller sends its API Management subscription key in.
const SubscriptionKeyHeader = "Ocp-Apim-Subscription-Key"

// CertificateVerificationHeader carries the edge's verdict on the caller's certificate: "SUCCESS" when
// Application Gateway verified one against the trusted client CAs
// (application-gateway/rewrite-http-headers-url.md, mutual authentication server variables).
const CertificateVerificationHeader = "X-Client-Certificate-Verification"

// CertificateVerified is the verification header's value for a verified certificate.
const CertificateVerified = "SUCCESS"

// ForwardedCertificate pairs a header the edge sets with the server variable it takes its value from.
type ForwardedCertificate struct {
	// Header is the request header's name.
	Header string
	// Variable is the Application Gateway server variable, without braces and the var_ prefix.
	Variable string
}

// ForwardedCertificateHeaders are the caller certificate details the edge forwards when it requires
// mutual TLS, and removes otherwise.
var ForwardedCertificateHeaders = []ForwardedCertificate{
	{CertificateVerificationHeader, "client_certificate_verification"},
	{"X-Client-Certificate-Subject", "client_certificate_subject"},
	{"X-Client-Certificate-Issuer", "client_certificate_issuer"},
	{"X-Client-Certificate-Fingerprint", "client_certificate_fingerprint"},
	{"X-Client-Certificate-Serial", "client_certificate_serial"},
}

// ClientCertificateHeaders carry a caller's client certificate when a proxy forwards one; the backend
// must only ever see API Management's own client certificate, on the TLS connection.
var ClientCertificateHeaders = []string{"X-ARR-ClientCert", "X-Client-Cert", "X-SSL-Client-Cert", "X-Forwarded-Client-Cert", "Ssl-Client-Cert"}

// InternalRequestHeaders are API Management's own headers that mean nothing to the backend.
var InternalRequestHeaders = []string{SubscriptionKeyHeader, "Ocp-Apim-Trace"}

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

// Credential is what a caller of an API must present.
type Credential string

// The credentials an API can require.
const (
	// CredentialSubscriptionKey is an API Management subscription key (checked by the service before
	// any policy runs).
	CredentialSubscriptionKey Credential = "subscription-key"
	// CredentialEntraToken is a Microsoft Entra access token for the API.
	CredentialEntraToken Credential = "entra-token"
	// CredentialNone admits anonymous callers: a public sample only.
	CredentialNone Credential = "none"
)

// BackendAPIOptions are the choices behind a backend API's policy.
type BackendAPIOptions struct {
	// BackendID is the backend entity the API routes to.
	BackendID string
	// Credential is what callers present; CredentialEntraToken needs TenantID and Audiences.
	Credential Credential
	// TenantID is the tenant whose tokens are accepted, with the Audiences a token may carry and the
	// ClientApplicationIDs it may be issued to.
	TenantID string
	// Audiences are the accepted aud claims (v1: the application ID URI; v2: the API's client ID).
	Audiences []string
	// ClientApplicationIDs are the accepted client applications.
	ClientApplicationIDs []string
	// EdgeRanges are the addresses of the edge (the Application Gateway subnet); only they may call.
	EdgeRanges []AddressRange
	// CallerCertificateRequired makes the API require the edge's verdict on a caller certificate.
	CallerCertificateRequired bool
	// RateLimitCalls per RateLimitPeriodSeconds per client address and per caller.
	RateLimitCalls, RateLimitPeriodSeconds int
}

// BackendAPI returns the API-level policy of an API served by one backend, in this order: admit only
// the edge, check the caller's token and certificate (a subscription key is checked by the service
// before any policy), limit the rate per client address and per caller, strip every header a caller
// could use to pose as someone (forwarded certificates, the key) and internal headers, pass the trace
// ID on as X-Request-ID, route to the backend entity, and hide the backend's identity in responses.
func BackendAPI(options BackendAPIOptions) Document {
	document := Document{}
	inbound := &document.Inbound
	if len(options.EdgeRanges) > 0 {
		inbound.IPFilter = &IPFilter{Action: "allow", Ranges: options.EdgeRanges}
	}
	if options.Credential == CredentialEntraToken {
		inbound.ValidateToken = &ValidateAzureADToken{
			TenantID:                     options.TenantID,
			HeaderName:                   "Authorization",
			FailedValidationHTTPCode:     401,
			FailedValidationErrorMessage: "Unauthorized: a valid Microsoft Entra access token is required.",
			OutputTokenVariableName:      TokenVariable,
			ClientApplicationIDs:         options.ClientApplicationIDs,
			Audiences:                    options.Audiences,
		}
	}
	if options.CallerCertificateRequired {
		inbound.CheckHeaders = append(inbound.CheckHeaders, CheckHeader{
			Name: CertificateVerificationHeader, FailedCheckHTTPCode: 403, IgnoreCase: false, Values: []string{CertificateVerified},
			FailedCheckErrorMessage: "Forbidden: the edge verified no client certificate for this request.",
		})
	}
	limit := func(key string) RateLimitByKey {
		return RateLimitByKey{Calls: options.RateLimitCalls, RenewalPeriod: options.RateLimitPeriodSeconds, CounterKey: key}
	}
	inbound.RateLimits = append(inbound.RateLimits, limit(ClientAddressKey))
	switch options.Credential {
	case CredentialSubscriptionKey:
		inbound.RateLimits = append(inbound.RateLimits, limit(SubscriptionKey))
	case CredentialEntraToken:
		inbound.RateLimits = append(inbound.RateLimits, limit(ClientApplicationKey))
	case CredentialNone:
	}
	for _, name := range StrippedRequestHeaders() {
		inbound.Headers = append(inbound.Headers, SetHeader{Name: name, ExistsAction: "delete"})
	}
	inbound.Headers = append(inbound.Headers, SetHeader{Name: RequestIDHeader, ExistsAction: "override", Value: RequestIDExpression})
	inbound.SetBackend = &SetBackendService{BackendID: options.BackendID}
	for _, name := range InternalResponseHeaders {
		document.Outbound.RemoveHeaders = append(document.Outbound.RemoveHeaders, SetHeader{Name: name, ExistsAction: "delete"})
	}
	return document
}

// StrippedRequestHeaders are the request headers no backend receives: forwarded client certificates of
// any proxy's convention, the edge's certificate details (used, then dropped), and API Management's own.
func StrippedRequestHeaders() []string {
	names := append([]string{}, ClientCertificateHeaders...)
	for _, forwarded := range ForwardedCertificateHeaders {
		names = append(names, forwarded.Header)
	}
	return append(names, InternalRequestHeaders...)
}

// RangeOf is the first and last address of an IPv4 CIDR block, as ip-filter takes a subnet.
func RangeOf(cidr string) (AddressRange, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() {
		return AddressRange{}, fmt.Errorf("address range of %q: not an IPv4 CIDR block", cidr)
	}
	prefix = prefix.Masked()
	first := prefix.Addr().As4()
	hostBits := 32 - prefix.Bits()
	value := uint32(first[0])<<24 | uint32(first[1])<<16 | uint32(first[2])<<8 | uint32(first[3])
	value |= uint32(uint64(1)<<hostBits - 1) // every host bit set: the last address
	last := [4]byte{byte(value >> 24), byte(value >> 16), byte(value >> 8), byte(value)}
	return AddressRange{From: netip.AddrFrom4(first).String(), To: netip.AddrFrom4(last).String()}, nil
}
