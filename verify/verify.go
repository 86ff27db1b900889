// Package verify is the post-deploy smoke check behind `make verify`: one request to the public
// endpoint that must cross every hop (Application Gateway, API Management, the mTLS ingress, an echo
// pod) and come back showing that the ingress verified API Management's client certificate, issued by
// the stack's CA. It carries the credential the API requires (a subscription key or a token) and, when
// the edge requires caller mutual TLS, a caller certificate. When it does not pass, it names the hop
// that failed and the runbook section to read.
package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
)

// Hop is a link of the request path, as the runbook names it.
type Hop string

// The hops a diagnosis can point at.
const (
	// EdgeHop is the client's connection to Application Gateway's listener.
	EdgeHop Hop = "Internet -> Application Gateway"
	// FrontDoorHop is the client's connection to Front Door, and Front Door's to the gateway, when
	// Front Door is in front (frontDoor.enabled).
	FrontDoorHop Hop = "Internet -> Front Door -> Application Gateway"
	// GatewayBackendHop is Application Gateway's call to API Management.
	GatewayBackendHop Hop = "Application Gateway -> API Management"
	// ManagementHop is API Management's own processing (token, route, rate limit).
	ManagementHop Hop = "API Management"
	// IngressHop is API Management's mTLS call to the cluster's ingress.
	IngressHop Hop = "API Management -> AKS ingress (mTLS)"
	// WorkloadHop is the ingress's call to the echo pods, over the mesh.
	WorkloadHop Hop = "AKS ingress -> echo pods"
)

// RunbookPath is the runbook every diagnosis points into.
const RunbookPath = "docs/runbook.md"

// Diagnosis says which hop failed, why, and where the runbook covers it.
type Diagnosis struct {
	// Hop is the link that failed.
	Hop Hop
	// Problem says what was seen and what it means.
	Problem string
	// Section is the runbook section's anchor (without '#').
	Section string
	// Transient means the hop may still be settling after a deployment (backend health, pods
	// starting): the check tries again until its deadline.
	Transient bool
}

// String renders the diagnosis for a terminal.
func (d Diagnosis) String() string {
	return fmt.Sprintf("hop %q: %s (see %s#%s)", d.Hop, d.Problem, RunbookPath, d.Section)
}

// Target is what the check calls and what it expects back.
type Target struct {
	// URL is the public URL of the sample API, e.g. https://api.contoso.example/echo/.
	URL string
	// Address, when set, is host:port to connect to instead of resolving the URL's host (curl's
	// --resolve): the gateway's public IP before public DNS points at it.
	Address string
	// Roots are the trusted CAs for the listener; nil means the system roots.
	Roots *x509.CertPool
	// CA is the stack's private CA, which must have issued the client certificate.
	CA *x509.Certificate
	// ClientCertificate is API Management's client certificate, which the ingress must have verified.
	ClientCertificate *x509.Certificate
	// AccessToken, when set, is sent as a bearer token (token validation on).
	AccessToken string
	// Credential is the caller credential the API requires (stack output apiCredential):
	// "subscription-key", "entra-token" or "none"; "" for a stack from before the output.
	Credential string
	// SubscriptionKey, when set, is sent in SubscriptionKeyHeader. A secret: never printed.
	SubscriptionKey string
	// SubscriptionKeyHeader is the header the key goes in ("" means Ocp-Apim-Subscription-Key).
	SubscriptionKeyHeader string
	// CallerCertificateRequired says the edge requires a caller certificate
	// (applicationGateway.mutualTls required: the stack outputs callerCaCertificatePem).
	CallerCertificateRequired bool
	// CallerCertificate, when set, is presented to the edge when it asks for a client certificate.
	CallerCertificate *tls.Certificate
	// FrontDoor says the check goes through Front Door (the stack outputs frontDoorEndpointHostName):
	// it asks Front Door for its debug headers and reads Front Door's own answers.
	FrontDoor bool
}

// The caller credentials of the stack output apiCredential.
const (
	// CredentialSubscriptionKey is an API Management subscription key.
	CredentialSubscriptionKey = string(apimpolicy.CredentialSubscriptionKey)
	// CredentialEntraToken is a Microsoft Entra access token.
	CredentialEntraToken = string(apimpolicy.CredentialEntraToken)
	// CredentialNone is no credential at all (apiManagement.anonymousAccessAllowed).
	CredentialNone = string(apimpolicy.CredentialNone)
)

// DefaultSubscriptionKeyHeader is API Management's header for a subscription key.
const DefaultSubscriptionKeyHeader = apimpolicy.SubscriptionKeyHeader

// keyHeader is the header the target's subscription key goes in.
func (t Target) keyHeader() string {
	if t.SubscriptionKeyHeader != "" {
		return t.SubscriptionKeyHeader
	}
	return DefaultSubscriptionKeyHeader
}

// String describes the target without its secrets (the key, the token, the caller's private key).
func (t Target) String() string {
	var sends []string
	if t.SubscriptionKey != "" {
		sends = append(sends, "a subscription key in "+t.keyHeader())
	}
	if t.AccessToken != "" {
		sends = append(sends, "a bearer token")
	}
	if t.CallerCertificate != nil {
		sends = append(sends, "a caller certificate")
	}
	if len(sends) == 0 {
		sends = append(sends, "no credential")
	}
	return fmt.Sprintf("%s (sending %s)", t.URL, strings.Join(sends, ", "))
}

// GoString is String: %#v must not print the secrets either.
func (t Target) GoString() string { return t.String() }

// Options bound the check.
type Options struct {
	// Timeout is how long the check keeps trying while a hop is settling.
	Timeout time.Duration
	// Interval is the pause between attempts.
	Interval time.Duration
	// Log receives one line per attempt; nil discards them.
	Log io.Writer
}

// Result is the outcome of the check.
type Result struct {
	// Passed is true when the echo proved every hop.
	Passed bool
	// Attempts is how many requests were made.
	Attempts int
	// Proof describes the verified client certificate when Passed.
	Proof string
	// Diagnosis is the last failure when not Passed.
	Diagnosis *Diagnosis
}

// Run calls the target until the echo proves every hop, a failure that waiting cannot fix, or the
// timeout.
func Run(ctx context.Context, target Target, options Options) Result {
	log := options.Log
	if log == nil {
		log = io.Discard
	}
	deadline := time.Now().Add(options.Timeout)
	client := newClient(target)
	var result Result
	for {
		result.Attempts++
		proof, diagnosis := attempt(ctx, client, target)
		if diagnosis == nil {
			result.Passed, result.Proof, result.Diagnosis = true, proof, nil
			fmt.Fprintf(log, "verify: attempt %d: %s\n", result.Attempts, proof)
			return result
		}
		result.Diagnosis = diagnosis
		remaining := time.Until(deadline)
		if !diagnosis.Transient || remaining < options.Interval {
			fmt.Fprintf(log, "verify: attempt %d: %s\n", result.Attempts, diagnosis)
			return result
		}
		fmt.Fprintf(log, "verify: attempt %d: %s; trying again for %s\n", result.Attempts, diagnosis, remaining.Round(time.Second))
		select {
		case <-ctx.Done():
			return result
		case <-time.After(options.Interval):
		}
	}
}

// newClient is an HTTPS client that trusts the target's roots and, like curl --resolve, connects to
// the pinned address while sending the URL's host name (SNI, Host, certificate check).
func newClient(target Target) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	config := &tls.Config{RootCAs: target.Roots, MinVersion: tls.VersionTLS12}
	if caller := target.CallerCertificate; caller != nil {
		// Always the caller certificate, even when the edge's list of acceptable CAs does not name its
		// issuer: the edge's refusal then says what is wrong, where an empty certificate would not.
		config.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return caller, nil }
	}
	transport := &http.Transport{
		TLSClientConfig:     config,
		TLSHandshakeTimeout: 10 * time.Second,
		DisableKeepAlives:   true,
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			if target.Address != "" {
				address = target.Address
			}
			return dialer.DialContext(ctx, network, address)
		},
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// attempt makes one request and judges the answer.
func attempt(ctx context.Context, client *http.Client, target Target) (string, *Diagnosis) {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, target.URL, nil)
	if err != nil {
		return "", &Diagnosis{Hop: EdgeHop, Problem: fmt.Sprintf("the URL %q is not valid: %v", target.URL, err), Section: SectionVerifyFails}
	}
	if target.AccessToken != "" {
		request.Header.Set("Authorization", "Bearer "+target.AccessToken)
	}
	if target.SubscriptionKey != "" {
		request.Header.Set(target.keyHeader(), target.SubscriptionKey)
	}
	if target.FrontDoor {
		// Front Door then answers with X-Azure-ExternalError and X-Azure-OriginStatusCode
		// (frontdoor/front-door-http-headers-protocol.md).
		request.Header.Set(frontDoorDebugHeader, "1")
	}
	response, err := client.Do(request)
	if err != nil {
		if diagnosis := frontDoorConnectionDiagnosis(err, target); diagnosis != nil {
			return "", diagnosis
		}
		return "", connectionDiagnosis(err, target)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(io.LimitReader(response.Body, 1<<20))
	if err != nil {
		return "", &Diagnosis{Hop: EdgeHop, Problem: "the response broke off: " + err.Error(), Section: SectionVerifyFails, Transient: true}
	}
	if response.StatusCode != http.StatusOK {
		if diagnosis := frontDoorDiagnosis(response, string(body), target); diagnosis != nil {
			return "", diagnosis
		}
		return "", statusDiagnosis(response.StatusCode, string(body), target)
	}
	return judgeEcho(body, target)
}

// callerCertificateAlerts are the TLS alerts a server sends when it refuses a client certificate, or
// the lack of one (Go reports them as "remote error: tls: <alert>").
var callerCertificateAlerts = []string{"certificate required", "bad certificate", "unknown certificate authority",
	"certificate expired", "certificate revoked", "unsupported certificate", "access denied"}

// connectionDiagnosis explains a request that got no HTTP answer: the listener's certificate, the
// edge refusing the caller's certificate, or nothing listening.
func connectionDiagnosis(err error, target Target) *Diagnosis {
	var hostname x509.HostnameError
	var authority x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &hostname):
		return &Diagnosis{Hop: EdgeHop, Section: SectionListenerName, Problem: fmt.Sprintf(
			"certificate name mismatch: the listener's certificate is for %s, not the host called (%v)", strings.Join(hostname.Certificate.DNSNames, ", "), err)}
	case errors.As(err, &authority):
		return &Diagnosis{Hop: EdgeHop, Section: SectionListenerName, Problem: fmt.Sprintf(
			"the listener's certificate is not issued by a trusted CA (%v): in dev it is issued by the stack's CA, which the check trusts from the output caCertificatePem", err)}
	case errors.As(err, &invalid):
		return &Diagnosis{Hop: EdgeHop, Section: SectionListenerName, Problem: fmt.Sprintf("the listener's certificate is not valid: %v", err)}
	case strings.Contains(err.Error(), "remote error: tls:") && (target.CallerCertificateRequired || firstMatch(err.Error(), callerCertificateAlerts) != ""):
		return callerCertificateDiagnosis(target, fmt.Sprintf("the edge ended the TLS handshake (%v)", err))
	}
	return &Diagnosis{Hop: EdgeHop, Section: SectionGatewayUnreachable, Transient: true,
		Problem: fmt.Sprintf("no HTTPS answer from Application Gateway: %v", err)}
}
