// Edge policies: the WAF Application Gateway terminates public TLS, filters in Prevention mode and
// re-encrypts to a backend it verifies.

package pack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const (
	applicationGatewayType = "azure-native:network:ApplicationGateway"
	wafPolicyType          = "azure-native:network:WebApplicationFirewallPolicy"
)

// currentRuleSets are the managed rule sets Microsoft supports for new WAF policies; OWASP CRS 3.2 and
// older are on their way out (https://learn.microsoft.com/azure/web-application-firewall/ag/application-gateway-crs-rulegroups-rules).
var currentRuleSets = []string{"Microsoft_DefaultRuleSet/2.1", "Microsoft_DefaultRuleSet/2.2"}

// strongSSLPolicies are the predefined gateway TLS policies with TLS 1.2 as the minimum
// (https://learn.microsoft.com/azure/application-gateway/application-gateway-ssl-policy-overview).
var strongSSLPolicies = []string{"AppGwSslPolicy20220101", "AppGwSslPolicy20220101S"}

var edgeRules = []resourceRule{
	{
		name:        "agw-waf-attached",
		description: "Application Gateway runs the WAF_v2 tier with a WAF policy attached.",
		remediation: "use sku WAF_v2 and set firewallPolicy.id to the platform's WAF policy.",
		level:       Mandatory,
		types:       []string{applicationGatewayType},
		check: func(r Resource, _ map[string]any) []string {
			var problems []string
			if tier := r.String("sku.tier"); tier != "WAF_v2" && !r.Unknown("sku.tier") {
				problems = append(problems, fmt.Sprintf("The gateway's tier is %q, not WAF_v2.", tier))
			}
			if r.Path("firewallPolicy.id").IsNull() {
				problems = append(problems, "No WAF policy is attached (firewallPolicy.id is empty).")
			}
			return problems
		},
	},
	{
		name:        "agw-waf-prevention",
		description: "The WAF policy is enabled, in Prevention mode, with a current managed rule set.",
		remediation: "set policySettings.state Enabled, policySettings.mode Prevention (applicationGateway.wafMode) and managed rule set Microsoft_DefaultRuleSet 2.1 or newer.",
		level:       Mandatory,
		types:       []string{wafPolicyType},
		schema: &policyx.ConfigSchema{Properties: map[string]map[string]any{
			"allowedRuleSets": {"type": "array", "items": map[string]any{"type": "string"},
				"description": "Managed rule sets (type/version) that count as current; default Microsoft_DefaultRuleSet 2.1 and 2.2."},
		}},
		check: func(r Resource, config map[string]any) []string {
			var problems []string
			if state := r.String("policySettings.state"); state != "Enabled" {
				problems = append(problems, fmt.Sprintf("The policy's state is %q, not Enabled.", state))
			}
			if mode := r.String("policySettings.mode"); mode != "Prevention" {
				problems = append(problems, fmt.Sprintf("The policy's mode is %q: requests that match a rule are only logged, not blocked.", mode))
			}
			allowed := stringList(config, "allowedRuleSets", currentRuleSets)
			current := false
			for _, set := range r.Array("managedRules.managedRuleSets") {
				name := stringOf(at(set, "ruleSetType")) + "/" + stringOf(at(set, "ruleSetVersion"))
				current = current || slices.Contains(allowed, name)
			}
			if !current {
				problems = append(problems, fmt.Sprintf("No current managed rule set (one of %s).", strings.Join(allowed, ", ")))
			}
			return problems
		},
	},
	{
		name:        "agw-tls12",
		description: "Application Gateway listeners accept TLS 1.2 or newer only.",
		remediation: "use the predefined SSL policy AppGwSslPolicy20220101S (or 20220101), or a CustomV2 policy with minProtocolVersion TLSv1_2.",
		level:       Mandatory,
		types:       []string{applicationGatewayType},
		check: func(r Resource, _ map[string]any) []string {
			switch r.String("sslPolicy.policyType") {
			case "Predefined":
				if name := r.String("sslPolicy.policyName"); !slices.Contains(strongSSLPolicies, name) {
					return []string{fmt.Sprintf("The predefined SSL policy %q allows protocols older than TLS 1.2.", name)}
				}
			case "CustomV2", "Custom":
				if minimum := r.String("sslPolicy.minProtocolVersion"); minimum != "TLSv1_2" && minimum != "TLSv1_3" {
					return []string{fmt.Sprintf("The SSL policy's minimum protocol is %q.", minimum)}
				}
			default:
				return []string{"No SSL policy is set, so the gateway's default (which allows TLS 1.0 on older API versions) applies."}
			}
			return nil
		},
	},
	{
		name:        "agw-http-redirect-only",
		description: "A plain-HTTP listener only redirects to HTTPS; it never forwards to a backend.",
		remediation: "give HTTP listeners a routing rule with a redirectConfiguration and no backend pool.",
		level:       Mandatory,
		types:       []string{applicationGatewayType},
		check: func(r Resource, _ map[string]any) []string {
			httpListeners := map[string]bool{}
			for _, listener := range r.Array("httpListeners") {
				if stringOf(at(listener, "protocol")) == "Http" {
					httpListeners[stringOf(at(listener, "name"))] = true
				}
			}
			var problems []string
			for _, rule := range r.Array("requestRoutingRules") {
				listener := lastSegment(stringOf(at(rule, "httpListener", "id")))
				if !httpListeners[listener] {
					continue
				}
				if !at(rule, "backendAddressPool", "id").IsNull() || at(rule, "redirectConfiguration", "id").IsNull() {
					problems = append(problems, fmt.Sprintf("Routing rule %q forwards plain HTTP from listener %q to a backend.", stringOf(at(rule, "name")), listener))
				}
			}
			return problems
		},
	},
	{
		name:        "agw-backend-https-trusted-root",
		description: "Application Gateway re-encrypts to its backends over HTTPS and verifies them against a trusted root.",
		remediation: "set every backendHttpSettingsCollection entry to protocol Https with trustedRootCertificates naming the platform CA.",
		level:       Mandatory,
		types:       []string{applicationGatewayType},
		check: func(r Resource, _ map[string]any) []string {
			var problems []string
			for _, settings := range r.Array("backendHttpSettingsCollection") {
				name := stringOf(at(settings, "name"))
				if protocol := stringOf(at(settings, "protocol")); protocol != "Https" {
					problems = append(problems, fmt.Sprintf("Backend settings %q use %s to the backend.", name, protocol))
					continue
				}
				if roots := at(settings, "trustedRootCertificates"); !roots.IsArray() || roots.AsArray().Len() == 0 {
					problems = append(problems, fmt.Sprintf("Backend settings %q trust no root certificate, so the private CA's backend cannot be verified.", name))
				}
			}
			return problems
		},
	},
}

// stringList reads a string-array setting from a policy's configuration, or returns the default.
func stringList(config map[string]any, key string, fallback []string) []string {
	values, ok := config[key].([]any)
	if !ok {
		return fallback
	}
	list := make([]string, 0, len(values))
	for _, value := range values {
		if text, ok := value.(string); ok {
			list = append(list, text)
		}
	}
	return list
}
