// Diagnoses of Front Door's own answers, when the check goes through Front Door.

package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// frontDoorDebugHeader asks Front Door for its debug response headers.
const frontDoorDebugHeader = "X-Azure-DebugInfo"

// SectionFrontDoor covers Front Door answering instead of the API (runbook).
const SectionFrontDoor = "front-door-answers-instead-of-the-api"

// frontDoorDiagnosis explains an answer Front Door wrote itself (nil for one that came from behind
// it): before a deployment has reached Front Door's edge it answers 400 or 404, which waiting fixes
// (changes take up to about 20 minutes, several in a row about 40: frontdoor/front-door-faq); a 403
// is its WAF's; a 5xx without the gateway's or API Management's body means it could not reach or
// verify the origin.
func frontDoorDiagnosis(response *http.Response, body string, target Target) *Diagnosis {
	if !target.FrontDoor {
		return nil
	}
	if _, fromManagement := managementAnswer(response.StatusCode, body); fromManagement || strings.Contains(body, gatewayPageMarker) {
		return nil // from API Management or the gateway: the hops behind explain it
	}
	external := response.Header.Get("X-Azure-ExternalError")
	origin := response.Header.Get("X-Azure-OriginStatusCode")
	detail := fmt.Sprintf("%d from Front Door (X-Azure-ExternalError %q, X-Azure-OriginStatusCode %q)", response.StatusCode, external, origin)
	switch status := response.StatusCode; {
	case (status == http.StatusNotFound || status == http.StatusBadRequest) && origin == "":
		return &Diagnosis{Hop: FrontDoorHop, Section: SectionFrontDoor, Transient: true, Problem: detail +
			": the route has not reached Front Door's edge yet (up to about 20 minutes after a change, 40 after several)"}
	case status == http.StatusForbidden && origin == "":
		return &Diagnosis{Hop: FrontDoorHop, Section: SectionFrontDoor, Problem: detail +
			": Front Door's WAF blocked the check (a managed rule or ratelimitperclientaddress): find the rule in AzureDiagnostics, output frontDoorLogQuery"}
	case status >= http.StatusInternalServerError:
		return &Diagnosis{Hop: FrontDoorHop, Section: SectionFrontDoor, Transient: true, Problem: detail +
			": Front Door could not reach or verify the gateway: the CNAME of frontDoor.originHostName to applicationGatewayFqdn, the listener certificate " +
			"(a public CA's, for the origin name, with its intermediates) and the gateway subnet's rule for AzureFrontDoor.Backend"}
	}
	return nil
}

// frontDoorConnectionDiagnosis explains a failed TLS connection to Front Door's custom domain: its
// managed certificate is issued minutes to an hour after the TXT validation, so until then the host
// presents another certificate, which waiting fixes.
func frontDoorConnectionDiagnosis(err error, target Target) *Diagnosis {
	var hostname x509.HostnameError
	var authority x509.UnknownAuthorityError
	if !target.FrontDoor || !errors.As(err, &hostname) && !errors.As(err, &authority) {
		return nil
	}
	return &Diagnosis{Hop: FrontDoorHop, Section: SectionFrontDoor, Transient: true, Problem: fmt.Sprintf(
		"Front Door does not present a certificate for the host yet (%v): its managed certificate follows the TXT record _dnsauth.<host> with output frontDoorValidationToken", err)}
}
