// What the Application Gateway does to a caller before API Management sees it, read from the
// recording: the rewrite rule set of the HTTPS rule, the SSL profile of the HTTPS listener, and the
// subnet its requests come from.

package rehearsal

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// HeaderRewrite is one request header the edge sets (or removes) on the request it forwards.
type HeaderRewrite struct {
	// Name is the header.
	Name string
	// Value is Application Gateway's value, with {var_...} server variables; "" removes the header.
	Value string
	// Nginx is the same value in nginx variables ("" removes the header).
	Nginx string
}

// serverVariables maps Application Gateway's server variables to the nginx variables that hold the same
// thing (https://learn.microsoft.com/azure/application-gateway/rewrite-http-headers-url#server-variables).
var serverVariables = map[string]string{
	"client_ip":                       "$remote_addr",
	"client_port":                     "$remote_port",
	"host":                            "$host",
	"client_certificate_verification": "$ssl_client_verify",
	"client_certificate_subject":      "$ssl_client_s_dn",
	"client_certificate_issuer":       "$ssl_client_i_dn",
	"client_certificate_fingerprint":  "$ssl_client_fingerprint",
	"client_certificate_serial":       "$ssl_client_serial",
	// The caller's X-Forwarded-For with the client's address appended (Application Gateway appends
	// address:port, nginx the address alone).
	"add_x_forwarded_for_proxy": "$proxy_add_x_forwarded_for",
}

// serverVariable finds {var_name} in a rewrite value.
var serverVariable = regexp.MustCompile(`\{var_([a-z_]+)\}`)

// requestHeaderVariable finds {http_req_Name}, a request header's value, in a rewrite value.
var requestHeaderVariable = regexp.MustCompile(`\{http_req_([A-Za-z0-9-]+)\}`)

// NginxValue translates a rewrite header value to nginx: server variables ({var_client_ip}) and
// request headers ({http_req_X-Azure-SocketIP}); an unknown server variable, or literal text nginx would
// read as syntax, is an error rather than a silently different header.
func NginxValue(value string) (string, error) {
	literal := requestHeaderVariable.ReplaceAllString(serverVariable.ReplaceAllString(value, ""), "")
	if strings.ContainsAny(literal, "\"'$\\;{} ") {
		return "", fmt.Errorf("rehearsal: rewrite value %q has characters the rehearsal cannot carry", value)
	}
	original := value
	value = requestHeaderVariable.ReplaceAllStringFunc(value, func(match string) string {
		return "$http_" + headerVariable(requestHeaderVariable.FindStringSubmatch(match)[1])
	})
	var unknown []string
	translated := serverVariable.ReplaceAllStringFunc(value, func(match string) string {
		name := serverVariable.FindStringSubmatch(match)[1]
		nginx, ok := serverVariables[name]
		if !ok {
			unknown = append(unknown, name)
		}
		return nginx
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("rehearsal: rewrite value %q uses server variables the rehearsal does not know: %v", original, unknown)
	}
	return translated, nil
}

// lastSegment returns the name at the end of an ARM ID (or sub-resource ID).
func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// named returns the element of a recorded list whose name is name.
func named(list any, name string) map[string]any {
	for _, item := range asList(list) {
		if object, ok := item.(map[string]any); ok && object["name"] == name {
			return object
		}
	}
	return nil
}

// readRewrites reads the rewrite rule set the HTTPS routing rule applies.
func (p *Plan) readRewrites(gateway *harness.Resource) error {
	id := gateway.InputString("requestRoutingRules[0].rewriteRuleSet.id")
	if id == "" {
		return nil
	}
	set := named(gateway.Input("rewriteRuleSets"), lastSegment(id))
	if set == nil {
		return fmt.Errorf("rehearsal: the HTTPS rule names rewrite rule set %q, which the gateway does not define", lastSegment(id))
	}
	rules := slices.Clone(asList(set["rewriteRules"]))
	// Application Gateway applies a set's rules by ruleSequence, so a later rule wins on one header.
	slices.SortStableFunc(rules, func(a, b any) int {
		first, _ := asObject(a)["ruleSequence"].(float64)
		second, _ := asObject(b)["ruleSequence"].(float64)
		return cmp.Compare(first, second)
	})
	for _, item := range rules {
		rule := asObject(item)
		if len(asList(rule["conditions"])) > 0 {
			return fmt.Errorf("rehearsal: rewrite rule %v has conditions, which the rehearsal does not evaluate", rule["name"])
		}
		actions, _ := rule["actionSet"].(map[string]any)
		if len(asList(actions["responseHeaderConfigurations"])) > 0 || actions["urlConfiguration"] != nil {
			return fmt.Errorf("rehearsal: rewrite rule %v rewrites more than request headers", rule["name"])
		}
		for _, header := range asList(actions["requestHeaderConfigurations"]) {
			configuration, _ := header.(map[string]any)
			name, _ := configuration["headerName"].(string)
			value, _ := configuration["headerValue"].(string)
			nginx, err := NginxValue(value)
			if err != nil {
				return err
			}
			p.EdgeHeaders = append(p.EdgeHeaders, HeaderRewrite{Name: name, Value: value, Nginx: nginx})
		}
	}
	return nil
}

// readSSLProfile reads the SSL profile of the HTTPS listener: the callers' CA the edge verifies client
// certificates against, and the profile's own TLS policy, which replaces the gateway's.
func (p *Plan) readSSLProfile(gateway *harness.Resource) error {
	listener := named(gateway.Input("httpListeners"), lastSegment(gateway.InputString("requestRoutingRules[0].httpListener.id")))
	reference, _ := listener["sslProfile"].(map[string]any)
	id, _ := reference["id"].(string)
	if id == "" {
		return nil
	}
	profile := named(gateway.Input("sslProfiles"), lastSegment(id))
	if profile == nil {
		return fmt.Errorf("rehearsal: the HTTPS listener names SSL profile %q, which the gateway does not define", lastSegment(id))
	}
	authentication, _ := profile["clientAuthConfiguration"].(map[string]any)
	if revocation, _ := authentication["verifyClientRevocation"].(string); revocation != "" && revocation != "None" {
		return fmt.Errorf("rehearsal: client revocation checks (%s) are not rehearsed", revocation)
	}
	// nginx always checks the chain; with depth 1 the issuer of the caller's certificate is the trusted
	// CA itself, which is what verifyClientCertIssuerDN adds in Application Gateway.
	p.EdgeVerifyIssuerDN = authentication["verifyClientCertIssuerDN"] == true
	for _, item := range asList(profile["trustedClientCertificates"]) {
		ref, _ := item.(map[string]any)
		refID, _ := ref["id"].(string)
		trusted := named(gateway.Input("trustedClientCertificates"), lastSegment(refID))
		data, _ := trusted["data"].(string)
		decoded, err := base64.StdEncoding.DecodeString(data)
		if err != nil || !strings.Contains(string(decoded), "-----BEGIN CERTIFICATE-----") {
			return fmt.Errorf("rehearsal: trusted client certificate %q is not base64 of a PEM file", lastSegment(refID))
		}
		p.EdgeClientCAPEM += string(decoded)
	}
	if p.EdgeClientCAPEM == "" {
		return fmt.Errorf("rehearsal: SSL profile %q trusts no client CA", lastSegment(id))
	}
	if policy, ok := profile["sslPolicy"].(map[string]any); ok {
		protocols, err := sslPolicyOf(policy)
		if err != nil {
			return err
		}
		p.EdgeProtocols = protocols
	}
	return nil
}

// sslPolicyOf returns the nginx protocols of an Application Gateway SSL policy.
func sslPolicyOf(policy map[string]any) ([]string, error) {
	var protocols []string
	switch policy["policyType"] {
	case "Predefined":
		name, _ := policy["policyName"].(string)
		protocols = sslPolicyProtocols[name]
	case "CustomV2":
		minimum, _ := policy["minProtocolVersion"].(string)
		protocols = customMinimums[minimum]
	}
	if len(protocols) == 0 {
		return nil, fmt.Errorf("rehearsal: no protocols known for the gateway's SSL policy %v", policy)
	}
	return protocols, nil
}

// readGatewaySubnet reads the address prefix of the subnet the Application Gateway runs in: the source
// of every request API Management gets from it.
func (p *Plan) readGatewaySubnet(recording *harness.Recording, gateway *harness.Resource) error {
	id := gateway.InputString("gatewayIPConfigurations[0].subnet.id")
	_, rest, found := strings.Cut(id, "/virtualNetworks/")
	network, subnet, ok := strings.Cut(rest, "/subnets/")
	if !found || !ok {
		return fmt.Errorf("rehearsal: the gateway's subnet ID %q names no virtual network subnet", id)
	}
	for _, vnet := range recording.OfType("azure-native:network:VirtualNetwork") {
		if vnet.InputString("virtualNetworkName") != network {
			continue
		}
		if found := named(vnet.Input("subnets"), subnet); found != nil {
			p.GatewaySubnet, _ = found["addressPrefix"].(string)
		}
	}
	for _, res := range recording.OfType("azure-native:network:Subnet") {
		if res.InputString("virtualNetworkName") == network && (res.InputString("subnetName") == subnet || res.InputString("name") == subnet) {
			p.GatewaySubnet = res.InputString("addressPrefix")
		}
	}
	if prefixes, ok := recording.Outputs["subnetAddressPrefixes"].Value.(map[string]string); ok && p.GatewaySubnet == "" {
		// A landing zone's subnet: the block Azure reported when the program read it.
		p.GatewaySubnet = prefixes["application-gateway"]
	}
	if _, err := netip.ParsePrefix(p.GatewaySubnet); err != nil {
		return fmt.Errorf("rehearsal: no address prefix recorded for the gateway's subnet %s/%s", network, subnet)
	}
	return nil
}

// SubnetRange returns a prefix's first and last address.
func SubnetRange(prefix netip.Prefix) AddressRange {
	prefix = prefix.Masked()
	first := prefix.Addr()
	bytes := first.AsSlice()
	hostBits := first.BitLen() - prefix.Bits()
	for i := len(bytes) - 1; i >= 0 && hostBits > 0; i-- {
		take := min(hostBits, 8)
		bytes[i] |= byte(1<<take - 1)
		hostBits -= take
	}
	last, _ := netip.AddrFromSlice(bytes)
	return AddressRange{From: first, To: last}
}
