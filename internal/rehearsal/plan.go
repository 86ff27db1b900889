// Package rehearsal pushes real requests through real TLS servers (Debian's nginx with ModSecurity and
// the OWASP Core Rule Set, OpenSSL) configured from what the stack program records: its certificates,
// host names and TLS rules. No Azure product is emulated; the point is that the certificates and TLS
// settings the program writes work under independent, OpenSSL-based implementations.
package rehearsal

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/pki"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// KeyPair is a certificate and its private key, PEM-encoded.
type KeyPair struct {
	// CertificatePEM is the leaf certificate.
	CertificatePEM string
	// KeyPEM is its private key.
	KeyPEM string
}

// Plan is everything the rehearsal configures, read from a stack's recording.
type Plan struct {
	// PublicHost is the Application Gateway listener's host name (behind Front Door, the origin host
	// Front Door calls it by).
	PublicHost string
	// GatewayHost is the API Management gateway host the Application Gateway backend pool names.
	GatewayHost string
	// BackendHost is the host of API Management's backend URL: the cluster ingress.
	BackendHost string
	// APIPath is the API's path in API Management; the gateway strips it before calling the backend,
	// as API Management does.
	APIPath string
	// StatusPath is the path of Application Gateway's health probe; the gateway answers it with 200, as
	// API Management's built-in status endpoint does.
	StatusPath string
	// CAPEM is the private CA certificate.
	CAPEM string
	// CAKeyPEM is the CA's private key (the rehearsal issues test certificates with it).
	CAKeyPEM string
	// Leaves are the issued certificates by name (apim-gateway, apim-client, ingress-server, listener).
	Leaves map[pki.Certificate]KeyPair
	// EdgeProtocols are the nginx ssl_protocols of the Application Gateway's SSL policy.
	EdgeProtocols []string
	// WAFMode is the WAF policy's mode, Prevention or Detection.
	WAFMode string
	// VerifyBackendCertificate is API Management's backend TLS validation: chain and name.
	VerifyBackendCertificate bool
	// PresentClientCertificate says API Management's backend presents a client certificate.
	PresentClientCertificate bool
	// IngressVerifyClient is nginx's ssl_verify_client for the ingress: "on" for Istio MUTUAL.
	IngressVerifyClient string
	// IngressVerifyDepth is the ingress's client certificate verify depth.
	IngressVerifyDepth string

	// SubscriptionKeys are the keys API Management accepts for the API (primary and secondary of every
	// active subscription covering it); empty when the API requires no subscription.
	SubscriptionKeys []string
	// KeySubscriptions name the subscription each key belongs to: a subscription's two keys are one
	// caller to a per-subscription rate limit.
	KeySubscriptions map[string]string
	// SubscriptionKeyHeader is the header callers send a key in ("" when no key is required).
	SubscriptionKeyHeader string
	// Policy is what the API's inbound policy enforces.
	Policy *GatewayPolicy
	// GatewaySubnet is the Application Gateway subnet's address prefix: where API Management sees the
	// edge's requests come from.
	GatewaySubnet string
	// EdgeHeaders are the request headers the edge's rewrite rule set sets or removes, in order.
	EdgeHeaders []HeaderRewrite
	// EdgeClientCAPEM is the callers' CA the HTTPS listener's SSL profile trusts ("" without mutual TLS).
	EdgeClientCAPEM string
	// EdgeVerifyIssuerDN is the SSL profile's verifyClientCertIssuerDN.
	EdgeVerifyIssuerDN bool
	// SampleCaller is the sample caller certificate the program issued (nil when it issued none).
	SampleCaller *KeyPair
	// EdgeRequiredHeaders are the edge WAF's custom rules that block a request without a header value
	// (behind Front Door: X-Azure-FDID).
	EdgeRequiredHeaders []RequiredHeader
	// FrontDoor is the Front Door in front of the edge (nil without one).
	FrontDoor *FrontDoorPlan
	// ListenerBrought says the listener certificate is the user's, in Key Vault, so not in the
	// recording: the rehearsal stands in for it with one a stand-in public CA issues for the host.
	ListenerBrought bool
}

// sslPolicyProtocols maps Application Gateway's predefined SSL policies to the protocols they allow
// (https://learn.microsoft.com/azure/application-gateway/application-gateway-ssl-policy-overview).
var sslPolicyProtocols = map[string][]string{
	"AppGwSslPolicy20220101":  {"TLSv1.2", "TLSv1.3"},
	"AppGwSslPolicy20220101S": {"TLSv1.2", "TLSv1.3"},
	"AppGwSslPolicy20170401S": {"TLSv1.1", "TLSv1.2"},
	"AppGwSslPolicy20170401":  {"TLSv1.1", "TLSv1.2"},
	"AppGwSslPolicy20150501":  {"TLSv1", "TLSv1.1", "TLSv1.2"},
}

// customMinimums maps a CustomV2 policy's minimum protocol to nginx protocols.
var customMinimums = map[string][]string{"TLSv1_2": {"TLSv1.2", "TLSv1.3"}, "TLSv1_3": {"TLSv1.3"}}

// PlanFrom reads the plan from a recording of the program with the in-cluster layer on (the ingress
// objects are in-cluster resources).
func PlanFrom(recording *harness.Recording) (*Plan, error) {
	find := func(token string) (*harness.Resource, error) {
		found := recording.OfType(token)
		if len(found) != 1 {
			return nil, fmt.Errorf("rehearsal: want one %s in the recording, found %d", token, len(found))
		}
		return found[0], nil
	}
	gateway, err := find("azure-native:network:ApplicationGateway")
	if err != nil {
		return nil, err
	}
	waf, err := find("azure-native:network:WebApplicationFirewallPolicy")
	if err != nil {
		return nil, err
	}
	backend, err := find("azure-native:apimanagement:Backend")
	if err != nil {
		return nil, err
	}
	api, err := find("azure-native:apimanagement:Api")
	if err != nil {
		return nil, err
	}
	backendURL, err := url.Parse(backend.InputString("url"))
	if err != nil {
		return nil, fmt.Errorf("rehearsal: API Management backend URL: %w", err)
	}
	plan := &Plan{
		PublicHost:               gateway.InputString("httpListeners[0].hostName"),
		GatewayHost:              gateway.InputString("backendAddressPools[0].backendAddresses[0].fqdn"),
		BackendHost:              backendURL.Hostname(),
		APIPath:                  api.InputString("path"),
		StatusPath:               gateway.InputString("probes[0].path"),
		WAFMode:                  waf.InputString("policySettings.mode"),
		VerifyBackendCertificate: backend.Input("tls.validateCertificateChain") == true && backend.Input("tls.validateCertificateName") == true,
		PresentClientCertificate: len(asList(backend.Input("credentials.certificateIds"))) > 0,
		Leaves:                   map[pki.Certificate]KeyPair{},
	}
	if plan.EdgeProtocols, err = sslPolicyOf(asObject(gateway.Input("sslPolicy"))); err != nil {
		return nil, err
	}
	if err := plan.readCallers(recording, gateway, api); err != nil {
		return nil, err
	}
	if err := plan.readWAFRules(waf); err != nil {
		return nil, err
	}
	if err := plan.readFrontDoor(recording); err != nil {
		return nil, err
	}
	if err := plan.readIngress(recording); err != nil {
		return nil, err
	}
	if err := plan.readCertificates(recording); err != nil {
		return nil, err
	}
	return plan, nil
}

// readCallers reads what stands between a caller and the API: the edge's rewrites and client
// certificate verification, the API's policy and subscription keys, and the gateway subnet the
// policy's ip-filter must name.
func (p *Plan) readCallers(recording *harness.Recording, gateway, api *harness.Resource) error {
	policies := recording.OfType("azure-native:apimanagement:ApiPolicy")
	if len(policies) != 1 {
		return fmt.Errorf("rehearsal: want one API policy in the recording, found %d", len(policies))
	}
	var err error
	if p.Policy, err = ParsePolicy(policies[0].InputString("value")); err != nil {
		return err
	}
	for _, read := range []func() error{
		func() error { return p.readRewrites(gateway) },
		func() error { return p.readSSLProfile(gateway) },
		func() error { return p.readGatewaySubnet(recording, gateway) },
		func() error { return p.readSubscriptions(recording, api) },
	} {
		if err := read(); err != nil {
			return err
		}
	}
	if allowed := p.Policy.AllowedRange; allowed != nil {
		if p.GatewaySubnet == "" {
			return fmt.Errorf("rehearsal: the policy has an ip-filter, but the gateway's subnet is not recorded")
		}
		// The rehearsal can only stand the edge's one loopback address in for the subnet if the filter
		// names exactly the subnet: a wider or narrower range would be a different rule.
		if subnet := SubnetRange(netip.MustParsePrefix(p.GatewaySubnet)); *allowed != subnet {
			return fmt.Errorf("rehearsal: the policy's ip-filter allows %s-%s, not the gateway subnet %s (%s-%s)",
				allowed.From, allowed.To, p.GatewaySubnet, subnet.From, subnet.To)
		}
	}
	_, err = GatewayRulesFrom(p) // what nginx cannot express fails the plan, not the start
	return err
}

// readIngress reads client-certificate verification from the Istio Gateway.
func (p *Plan) readIngress(recording *harness.Recording) error {
	if gateways := recording.OfType("kubernetes:networking.istio.io/v1:Gateway"); len(gateways) == 1 {
		if gateways[0].InputString("spec.servers[0].tls.mode") == "MUTUAL" {
			p.IngressVerifyClient = "on"
		} else {
			p.IngressVerifyClient = "off"
		}
		p.IngressVerifyDepth = "1" // the platform's client certificates are signed by the root directly
		return nil
	}
	return fmt.Errorf("rehearsal: the recording has no ingress (run the program with kubernetes.deployInCluster)")
}

// readCertificates reads every leaf the program issued, with their keys, and the CA that signed them
// (the CA the leaves name, not any self-signed certificate: the callers' CA is one too).
func (p *Plan) readCertificates(recording *harness.Recording) error {
	for _, leaf := range pki.Leaves() {
		for _, res := range recording.OfType("tls:index/locallySignedCert:LocallySignedCert") {
			if !strings.HasSuffix(res.Name, "-"+string(leaf)) {
				continue
			}
			pair, err := issuedPair(recording, res)
			if err != nil {
				return err
			}
			p.Leaves[leaf] = pair
			if p.CAPEM != "" && p.CAPEM != res.InputString("caCertPem") {
				return fmt.Errorf("rehearsal: the platform's leaves are signed by more than one CA (%s)", res.Name)
			}
			p.CAPEM, p.CAKeyPEM = res.InputString("caCertPem"), res.InputString("caPrivateKeyPem")
		}
	}
	_, issued := p.Leaves[pki.Listener]
	p.ListenerBrought = !issued
	if p.CAPEM == "" || p.CAKeyPEM == "" || len(p.Leaves)+boolCount(p.ListenerBrought) != len(pki.Leaves()) {
		return fmt.Errorf("rehearsal: the recording lacks the CA or a leaf certificate (found %d of %d leaves)", len(p.Leaves), len(pki.Leaves()))
	}
	for _, res := range recording.OfType("tls:index/locallySignedCert:LocallySignedCert") {
		if strings.HasSuffix(res.Name, "-"+SampleCallerSuffix) {
			pair, err := issuedPair(recording, res)
			if err != nil {
				return err
			}
			p.SampleCaller = &pair
		}
	}
	return nil
}

// boolCount is 1 for true and 0 for false.
func boolCount(value bool) int {
	if value {
		return 1
	}
	return 0
}

// SampleCallerSuffix ends the name of the sample caller certificate the program issues in dev.
const SampleCallerSuffix = "sample-caller"

// issuedPair returns a LocallySignedCert's certificate and the key recorded as "<name>-key".
func issuedPair(recording *harness.Recording, certificate *harness.Resource) (KeyPair, error) {
	key := recording.Find("tls:index/privateKey:PrivateKey", certificate.Name+"-key")
	if key == nil {
		return KeyPair{}, fmt.Errorf("rehearsal: no private key recorded for %s", certificate.Name)
	}
	return KeyPair{CertificatePEM: certificate.OutputString("certPem"), KeyPEM: key.OutputString("privateKeyPem")}, nil
}

// asObject returns a recorded object value, or nil.
func asObject(value any) map[string]any {
	object, _ := value.(map[string]any)
	return object
}

// asList returns a recorded list value, or nil.
func asList(value any) []any {
	list, _ := value.([]any)
	return list
}
