// Judging an answer: which hop produced a failure status, and whether the echo proves the mTLS hop.

package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/apimpolicy"
)

// Runbook sections (anchors in docs/runbook.md) the diagnoses point at.
const (
	// SectionVerifyFails is the overview of every diagnosis.
	SectionVerifyFails = "make-verify-fails"
	// SectionGatewayUnreachable covers no answer from the gateway's public address.
	SectionGatewayUnreachable = "application-gateway-unreachable"
	// SectionListenerName covers the listener's certificate: name mismatch or untrusted issuer.
	SectionListenerName = "public-listener-certificate-name-mismatch"
	// SectionGatewayBackend covers a 502 from Application Gateway: API Management unhealthy.
	SectionGatewayBackend = "application-gateway-backend-unhealthy"
	// SectionUnauthorized covers a 401 from API Management's token validation.
	SectionUnauthorized = "401-from-api-management"
	// SectionSubscriptionKey covers API Management's 401 for a missing or invalid subscription key.
	SectionSubscriptionKey = "401-access-denied-due-to-missing-subscription-key"
	// SectionForbidden covers a 403 from API Management: its ip-filter, or the caller certificate check.
	SectionForbidden = "403-from-api-management"
	// SectionRateLimit covers a 429 from API Management.
	SectionRateLimit = "429-rate-limit-is-exceeded"
	// SectionCallerCertificate covers the edge refusing the caller's certificate, or its absence,
	// when applicationGateway.mutualTls is required.
	SectionCallerCertificate = "edge-400-no-required-ssl-certificate-was-sent"
	// SectionBackendCall covers a 500 from API Management: its mTLS call to the ingress failed.
	SectionBackendCall = "api-management-500-on-the-backend-call"
	// SectionIngressRefused covers a 400 from the ingress: the client certificate was refused.
	SectionIngressRefused = "ingress-400-no-required-ssl-certificate-was-sent"
	// SectionWorkload covers the ingress answering without an echo pod behind it.
	SectionWorkload = "the-ingress-has-no-ready-echo-pod"
	// SectionNoClientCertificate covers an echo that shows no verified client certificate.
	SectionNoClientCertificate = "no-client-certificate-reached-the-workload"
)

// Sections lists every section a diagnosis can point at, for the test that finds them in the runbook.
func Sections() []string {
	return []string{SectionVerifyFails, SectionGatewayUnreachable, SectionListenerName, SectionGatewayBackend, SectionUnauthorized,
		SectionSubscriptionKey, SectionForbidden, SectionRateLimit, SectionCallerCertificate,
		SectionBackendCall, SectionIngressRefused, SectionWorkload, SectionNoClientCertificate, SectionFrontDoor}
}

// managementError is API Management's own error body, e.g. {"statusCode": 500, "message": "Internal
// server error", "activityId": "..."}: a failure API Management produced rather than passed on.
type managementError struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
}

// gatewayPageMarker is in every error page Application Gateway v2 writes itself (e.g. its 502 page:
// "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>"), unlike the answers it passes on.
const gatewayPageMarker = "Microsoft-Azure-Application-Gateway"

// envoyAnswers are the bodies Envoy (the Istio gateway) writes itself when it cannot get an answer
// from a pod, and what each means.
var envoyAnswers = []struct{ text, meaning string }{
	{"no healthy upstream", "no echo pod is ready"},
	{"upstream connect error or disconnect/reset before headers", "it could not connect to an echo pod, or the pod reset the connection"},
	{"upstream request timeout", "an echo pod did not answer in time"},
}

// ingressRefusals are what an ingress answers when it refuses a client certificate after the
// handshake (nginx's 400 pages). The Istio gateway refuses during the handshake instead, which API
// Management reports as a 500. Application Gateway answers its callers the same way when it requires
// mutual TLS: every failed client certificate authentication is a 400 (application-gateway,
// mutual-authentication-troubleshooting), on its own error page.
var ingressRefusals = []string{"No required SSL certificate was sent", "The SSL certificate error", "SSL certificate error"}

// statusDiagnosis names the hop behind a status other than 200 to the request the target describes.
func statusDiagnosis(status int, body string, target Target) *Diagnosis {
	apim, fromManagement := managementAnswer(status, body)
	refusal := firstMatch(body, ingressRefusals)
	switch {
	case fromManagement:
		return managementDiagnosis(status, apim.Message, target)
	// The edge's refusal is its own page.
	case status == http.StatusBadRequest && refusal != "" && strings.Contains(body, gatewayPageMarker):
		return callerCertificateDiagnosis(target, fmt.Sprintf("400 from Application Gateway (%q)", refusal))
	// Without the page, a request that carried no caller certificate to an edge that requires one cannot
	// have got further; with one, the edge is still the likelier (the Istio ingress refuses during the
	// handshake, which API Management reports as a 500), but the ingress answers so too.
	case status == http.StatusBadRequest && refusal != "" && target.CallerCertificateRequired:
		diagnosis := callerCertificateDiagnosis(target, fmt.Sprintf("400 (%q), not on Application Gateway's own page", refusal))
		if target.CallerCertificate != nil {
			diagnosis.Problem += "; if the caller certificate is right, the ingress refused API Management's client certificate (see " +
				RunbookPath + "#" + SectionIngressRefused + ")"
		}
		return diagnosis
	case status == http.StatusBadGateway && strings.Contains(body, gatewayPageMarker):
		return &Diagnosis{Hop: GatewayBackendHop, Section: SectionGatewayBackend, Transient: true, Problem: "502 from Application Gateway: " +
			"its backend, API Management, is unhealthy or unreachable (health probes settle a few minutes after a deployment)"}
	case status == http.StatusGatewayTimeout && strings.Contains(body, gatewayPageMarker):
		return &Diagnosis{Hop: GatewayBackendHop, Section: SectionGatewayBackend, Transient: true, Problem: "504 from Application Gateway: " +
			"API Management, or the ingress behind it, did not answer within the gateway's request timeout"}
	case envoyAnswer(body) != "":
		return &Diagnosis{Hop: WorkloadHop, Section: SectionWorkload, Transient: true, Problem: fmt.Sprintf("%d from the ingress: %s", status, envoyAnswer(body))}
	case status == http.StatusBadRequest && refusal != "":
		return &Diagnosis{Hop: IngressHop, Section: SectionIngressRefused, Problem: fmt.Sprintf(
			"400 from the ingress (%q): it refused API Management's client certificate, none was sent or another CA issued it", refusal)}
	case status == http.StatusForbidden:
		return &Diagnosis{Hop: EdgeHop, Section: SectionVerifyFails, Problem: "403 from Application Gateway: the WAF blocked the check's plain GET " +
			"(a managed rule, or the rate-limit rule ratelimitperclientaddress when this address sent too much in a minute), look for the matched rule in the firewall log"}
	case status == http.StatusNotFound && strings.TrimSpace(body) == "":
		return &Diagnosis{Hop: WorkloadHop, Section: SectionWorkload, Problem: "404 with an empty body from the ingress: its routes do not match the backend host (Gateway and VirtualService hosts)"}
	}
	return &Diagnosis{Hop: GatewayBackendHop, Section: SectionVerifyFails, Transient: status >= 500,
		Problem: fmt.Sprintf("unexpected %d (%q)", status, firstLine(body))}
}

// managementAnswer parses a body API Management wrote itself: its JSON error with the response's status.
func managementAnswer(status int, body string) (managementError, bool) {
	var apim managementError
	return apim, json.Unmarshal([]byte(body), &apim) == nil && apim.StatusCode == status
}

// envoyAnswer is the meaning of a body Envoy wrote itself, or "".
func envoyAnswer(body string) string {
	for _, answer := range envoyAnswers {
		if strings.Contains(body, answer.text) {
			return answer.text + ": " + answer.meaning
		}
	}
	return ""
}

// The messages of API Management's subscription key check, which runs before any policy.
const (
	missingKeyMessage = "missing subscription key"
	invalidKeyMessage = "invalid subscription key"
)

// managementDiagnosis explains an error API Management produced for the request the target describes.
func managementDiagnosis(status int, message string, target Target) *Diagnosis {
	switch {
	case status == http.StatusUnauthorized && strings.Contains(message, missingKeyMessage):
		problem := "the API requires a subscription key (apiCredential subscription-key) and the check sent none: the output apiSubscriptionKey is empty, " +
			"or was read without --show-secrets"
		if target.SubscriptionKey != "" {
			problem = fmt.Sprintf("the check sent a key in %s, which API Management did not take for its key header: the output apiSubscriptionKeyHeader "+
				"names the header the API expects", target.keyHeader())
		}
		return &Diagnosis{Hop: ManagementHop, Section: SectionSubscriptionKey, Problem: fmt.Sprintf("401 from API Management (%q): %s", message, problem)}
	case status == http.StatusUnauthorized && strings.Contains(message, invalidKeyMessage):
		return &Diagnosis{Hop: ManagementHop, Section: SectionSubscriptionKey, Problem: fmt.Sprintf(
			"401 from API Management (%q): the key the check sent is not a key of an active subscription to the API's product: the outputs are another stack's, "+
				"or the subscription echo-sample-caller was suspended or its keys regenerated outside Pulumi (pulumi up restores them)", message)}
	case status == http.StatusUnauthorized:
		return &Diagnosis{Hop: ManagementHop, Section: SectionUnauthorized, Problem: fmt.Sprintf(
			"401 from API Management (%q): token validation is on and the request's token is missing or not for the API's audience and client applications", message)}
	case status == http.StatusNotFound:
		return &Diagnosis{Hop: ManagementHop, Section: SectionVerifyFails, Problem: fmt.Sprintf("404 from API Management (%q): no API at the checked path", message)}
	case status == http.StatusForbidden && (message == "Forbidden" || message == ""):
		return &Diagnosis{Hop: ManagementHop, Section: SectionForbidden, Problem: fmt.Sprintf(
			"403 from API Management (%q): its ip-filter admits only Application Gateway's subnet, and this request came from elsewhere: "+
				"it did not come through the gateway (-connect-to), or the policy's address range is not the gateway subnet's (pulumi up restores it)", message)}
	case status == http.StatusForbidden && target.CallerCertificateRequired:
		return &Diagnosis{Hop: ManagementHop, Section: SectionForbidden, Problem: fmt.Sprintf(
			"403 from API Management (%q): the request did not carry the edge's %s: %s: the gateway's rewrite set caller-headers does not forward "+
				"its verdict on the caller's certificate (pulumi up restores it)", message, apimpolicy.CertificateVerificationHeader, apimpolicy.CertificateVerified)}
	case status == http.StatusForbidden:
		return &Diagnosis{Hop: ManagementHop, Section: SectionForbidden, Problem: fmt.Sprintf("403 from API Management (%q): a policy refused the request", message)}
	case status == http.StatusTooManyRequests:
		return &Diagnosis{Hop: ManagementHop, Section: SectionRateLimit, Transient: true, Problem: fmt.Sprintf(
			"429 from API Management (%q): the rate limit of this caller (its address as Application Gateway saw it, or its subscription key or client application) is used up", message)}
	case status >= 500:
		return &Diagnosis{Hop: IngressHop, Section: SectionBackendCall, Transient: true, Problem: fmt.Sprintf(
			"%d from API Management (%q): its mTLS call to the ingress failed (BackendConnectionFailure): the ingress refused API Management's client certificate, "+
				"or API Management refused the ingress certificate's chain or name, or the ingress is not up yet; its gateway log (output apiManagementErrorsQuery) says which", status, message)}
	}
	return &Diagnosis{Hop: ManagementHop, Section: SectionVerifyFails, Problem: fmt.Sprintf("%d from API Management (%q)", status, message)}
}

// callerCertificateDiagnosis explains the edge refusing a request for its caller certificate.
func callerCertificateDiagnosis(target Target, seen string) *Diagnosis {
	problem := seen + ": the edge requires a caller certificate (applicationGateway.mutualTls required) "
	switch {
	case target.CallerCertificate == nil && target.CallerCertificateRequired:
		problem += "and the check presented none: the outputs have no sampleCallerCertificatePem and sampleCallerPrivateKeyPem (the caller CA is your own), pass -caller-certificate and -caller-key"
	case target.CallerCertificate == nil:
		problem += "but the outputs say it does not (no callerCaCertificatePem): the gateway's SSL profile is not the stack's, pulumi up restores it"
	default:
		problem += "and refused the one the check presented: not issued by the CA of callerCaCertificatePem, expired, or not for client authentication"
	}
	return &Diagnosis{Hop: EdgeHop, Section: SectionCallerCertificate, Problem: problem}
}

// echo is the part of the echo server's answer the check reads: the request headers it received,
// names lower-cased (mendhak/http-https-echo's JSON).
type echo struct {
	Headers map[string]any `json:"headers"`
}

// ClientCertificateHeader is the header the Istio gateway sets on the request it forwards: the
// verified client certificate (x-forwarded-client-cert, SANITIZE_SET at gateways).
const ClientCertificateHeader = "x-forwarded-client-cert"

// judgeEcho passes only when the echo shows the ingress verified API Management's certificate, issued
// by the stack's CA.
func judgeEcho(body []byte, target Target) (string, *Diagnosis) {
	var answer echo
	if err := json.Unmarshal(body, &answer); err != nil || answer.Headers == nil {
		return "", &Diagnosis{Hop: WorkloadHop, Section: SectionWorkload, Problem: fmt.Sprintf("200, but not the echo server's JSON (%q)", firstLine(string(body)))}
	}
	header, _ := answer.Headers[ClientCertificateHeader].(string)
	if header == "" {
		return "", &Diagnosis{Hop: WorkloadHop, Section: SectionNoClientCertificate, Problem: "the echo pod received no " + ClientCertificateHeader +
			": the ingress verified no client certificate (is the Gateway's tls.mode MUTUAL?), or the hop to the pod is not mesh mTLS"}
	}
	element, err := FirstClientCertificate(header)
	if err != nil {
		return "", &Diagnosis{Hop: WorkloadHop, Section: SectionNoClientCertificate, Problem: err.Error()}
	}
	return judgeCertificate(element, target)
}

// judgeCertificate compares the forwarded certificate with API Management's and checks its issuer.
func judgeCertificate(element ForwardedCertificate, target Target) (string, *Diagnosis) {
	refused := func(format string, args ...any) (string, *Diagnosis) {
		return "", &Diagnosis{Hop: IngressHop, Section: SectionNoClientCertificate, Problem: fmt.Sprintf(format, args...)}
	}
	certificate := element.Certificate
	if !bytes.Equal(certificate.Raw, target.ClientCertificate.Raw) {
		return refused(`the ingress admitted a client certificate that is not API Management's: subject "%s", issuer "%s"`, certificate.Subject, certificate.Issuer)
	}
	roots := x509.NewCertPool()
	roots.AddCert(target.CA)
	if _, err := certificate.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return refused("API Management's client certificate does not verify against the stack's CA for client authentication: %v", err)
	}
	if element.Subject != "" && !strings.Contains(element.Subject, "CN="+certificate.Subject.CommonName) {
		return refused(`the ingress reported the subject "%s" for a certificate whose subject is "%s"`, element.Subject, certificate.Subject)
	}
	digest := sha256.Sum256(certificate.Raw)
	if element.Hash != "" && !strings.EqualFold(element.Hash, hex.EncodeToString(digest[:])) {
		return refused("the ingress reported the SHA-256 %s for a certificate whose SHA-256 is %x", element.Hash, digest)
	}
	return fmt.Sprintf(`the ingress verified API Management's client certificate: subject "%s", issued by "%s" (the stack's CA), SHA-256 %x`,
		certificate.Subject, certificate.Issuer, digest), nil
}

// ForwardedCertificate is the first element of an x-forwarded-client-cert header: the certificate the
// ingress gateway verified (sidecars append their own elements after it).
type ForwardedCertificate struct {
	// Certificate is the Cert field, decoded.
	Certificate *x509.Certificate
	// Subject and Hash are the Subject and Hash fields ("" when absent).
	Subject, Hash string
}

// FirstClientCertificate reads the first element of an x-forwarded-client-cert header (Envoy's
// format: elements separated by commas, key=value pairs by semicolons, values with those characters
// double-quoted, Cert URL-encoded PEM).
func FirstClientCertificate(header string) (ForwardedCertificate, error) {
	elements := splitOutsideQuotes(header, ',')
	fields := map[string]string{}
	for _, pair := range splitOutsideQuotes(elements[0], ';') {
		key, value, _ := strings.Cut(pair, "=")
		fields[strings.TrimSpace(key)] = strings.Trim(strings.TrimSpace(value), `"`)
	}
	encoded := fields["Cert"]
	if encoded == "" {
		return ForwardedCertificate{}, fmt.Errorf("%s has no Cert field (%q): the ingress forwarded no certificate", ClientCertificateHeader, elements[0])
	}
	// Path unescaping keeps '+' (base64) as it is; query unescaping would turn it into a space.
	text, err := url.PathUnescape(encoded)
	if err != nil {
		return ForwardedCertificate{}, fmt.Errorf("%s Cert is not URL-encoded: %w", ClientCertificateHeader, err)
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return ForwardedCertificate{}, fmt.Errorf("%s Cert is not a PEM certificate", ClientCertificateHeader)
	}
	certificate, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return ForwardedCertificate{}, fmt.Errorf("%s Cert does not parse: %w", ClientCertificateHeader, err)
	}
	return ForwardedCertificate{Certificate: certificate, Subject: fields["Subject"], Hash: fields["Hash"]}, nil
}

// splitOutsideQuotes splits text at separator where it is not inside double quotes.
func splitOutsideQuotes(text string, separator rune) []string {
	var parts []string
	var current strings.Builder
	quoted := false
	for _, character := range text {
		switch {
		case character == '"':
			quoted = !quoted
			current.WriteRune(character)
		case character == separator && !quoted:
			parts = append(parts, current.String())
			current.Reset()
		default:
			current.WriteRune(character)
		}
	}
	return append(parts, current.String())
}

// firstMatch returns the first of the needles that text contains, or "".
func firstMatch(text string, needles []string) string {
	for _, needle := range needles {
		if strings.Contains(text, needle) {
			return needle
		}
	}
	return ""
}

// firstLine is the first non-empty line of a body, shortened, for messages.
func firstLine(body string) string {
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 120 {
				line = line[:120] + "..."
			}
			return line
		}
	}
	return ""
}
