// Stack policy and configuration tests: relations between resources, and the policy-config format.

package pack

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	gatewaySubnetID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/application-gateway"
	gatewayGroupID  = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-agw"
	nodesGroupID    = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-nodes"
	bastionGroupID  = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-bastion"
	vaultID         = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
)

// internetRule is an NSG rule admitting the Internet on ports to destination.
func internetRule(name, destination string, ports ...any) map[string]any {
	rule := map[string]any{"name": name, "direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "Internet",
		"destinationAddressPrefix": destination}
	if len(ports) == 1 {
		rule["destinationPortRange"] = ports[0]
	} else {
		rule["destinationPortRanges"] = ports
	}
	return rule
}

// network builds a gateway, a virtual network with three NSG-guarded subnets, and the groups.
func network(t *testing.T, gatewayRules, nodeRules, bastionRules []any, attached bool) []Resource {
	subnet := func(name, prefix, group string) map[string]any {
		entry := map[string]any{"name": name, "addressPrefix": prefix}
		if attached {
			entry["networkSecurityGroup"] = map[string]any{"id": group}
		}
		return entry
	}
	group := func(name, id string, rules []any) Resource {
		r := resource(t, securityGroupType, name, map[string]any{"securityRules": rules})
		r.ID = id
		return r
	}
	return []Resource{
		resource(t, applicationGatewayType, "agw", map[string]any{"gatewayIPConfigurations": []any{map[string]any{"subnet": map[string]any{"id": gatewaySubnetID}}}}),
		resource(t, virtualNetworkType, "vnet", map[string]any{"subnets": []any{
			subnet("application-gateway", "10.42.0.0/24", gatewayGroupID),
			subnet("kubernetes-nodes", "10.42.8.0/22", nodesGroupID),
			subnet(bastionSubnetName, "10.42.4.0/26", bastionGroupID),
		}}),
		group("nsg-agw", gatewayGroupID, gatewayRules),
		group("nsg-nodes", nodesGroupID, nodeRules),
		group("nsg-bastion", bastionGroupID, bastionRules),
	}
}

// stackCase is one set of resources and the violations one stack policy must report (with the
// policy's configuration, if any).
type stackCase struct {
	name      string
	policy    string
	resources func(t *testing.T) []Resource
	want      []string
	config    map[string]any
}

var stackCases = []stackCase{
	{"gateway 443/80 and Bastion 443", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("https", "10.42.0.0/24", "443"), internetRule("http", "10.42.0.0/24", "80")},
			nil, []any{internetRule("bastion", "*", "443")}, true)
	}, nil, nil},
	{"Internet to the nodes", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, []any{internetRule("ssh", "*", "22")}, nil, true)
	}, []string{`Rule "ssh" of nsg-nodes admits the Internet to subnet kubernetes-nodes`}, nil},
	{"gateway on a management port", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("mgmt", "10.42.0.0/24", "443", "8443")}, nil, nil, true)
	}, []string{"port(s) 8443-8443"}, nil},
	{"Bastion on every port", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, nil, []any{internetRule("bastion", "*", "*")}, true)
	}, []string{"port(s) 0-65535"}, nil},
	{"Bastion subnet open to SSH", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, nil, []any{internetRule("ssh", "*", "22")}, true)
	}, []string{"port(s) 22-22; only [443] are allowed there"}, nil},
	{"first preview: rule aimed at the nodes", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, []any{internetRule("web", "10.42.8.0/22", "443")}, nil, false)
	}, []string{"admits the Internet to 10.42.8.0/22, which is not the Application Gateway subnet"}, nil},
	{"rule added to a landing zone's group: SSH from the Internet", "network-internet-inbound", func(t *testing.T) []Resource {
		rule := internetRule("ssh", "*", "22")
		rule["securityRuleName"], rule["networkSecurityGroupName"] = "ssh", "nsg-landing-zone"
		return []Resource{resource(t, securityRuleType, "added-ssh", rule)}
	}, []string{`Rule "ssh" added to nsg-landing-zone admits the Internet on port(s) 22-22`}, nil},
	{"rule added to a landing zone's group: the gateway's HTTPS", "network-internet-inbound", func(t *testing.T) []Resource {
		rule := internetRule("https", "10.60.0.0/24", "443")
		rule["securityRuleName"], rule["networkSecurityGroupName"] = "https", "nsg-landing-zone"
		return []Resource{resource(t, securityRuleType, "added-https", rule)}
	}, nil, nil},
	{"first preview: gateway rules", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("https", "10.42.0.0/24", "443")}, nil, nil, false)
	}, nil, nil},

	{"vault with endpoint (by dependency)", "paas-private-endpoint", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		endpoint := resource(t, privateEndpointType, "pe-kv", map[string]any{"privateLinkServiceConnections": []any{map[string]any{"privateLinkServiceId": unknownValue{}}}})
		endpoint.PropertyDependencies["privateLinkServiceConnections"] = []string{vault.URN}
		return []Resource{vault, endpoint}
	}, nil, nil},
	{"vault with endpoint (by ID)", "paas-private-endpoint", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		vault.ID = vaultID
		return []Resource{vault, resource(t, privateEndpointType, "pe-kv", map[string]any{"privateLinkServiceConnections": []any{map[string]any{"privateLinkServiceId": vaultID}}})}
	}, nil, nil},
	{"registry without endpoint", "paas-private-endpoint", func(t *testing.T) []Resource {
		return []Resource{resource(t, registryType, "acr", goodRegistry)}
	}, []string{"containerregistry:Registry acr has no private endpoint"}, nil},

	{"vault with diagnostics", "diagnostics-everywhere", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		setting := resource(t, diagnosticSettingType, "kv-diagnostics", map[string]any{"resourceUri": unknownValue{}})
		setting.PropertyDependencies["resourceUri"] = []string{vault.URN}
		return []Resource{vault, setting}
	}, nil, nil},
	{"cluster without diagnostics", "diagnostics-everywhere", func(t *testing.T) []Resource {
		return []Resource{resource(t, "azure-native:containerservice/v20241001:ManagedCluster", "aks", goodCluster)}
	}, []string{"containerservice:ManagedCluster aks has no diagnostic setting"}, nil},
}

// API policy elements, as apimpolicy renders them (quotes in attributes escaped).
const (
	ipFilterElement      = `<ip-filter action="allow"><address-range from="10.42.0.0" to="10.42.0.255" /></ip-filter>`
	validateTokenElement = `<validate-azure-ad-token tenant-id="contoso.onmicrosoft.com" header-name="Authorization" failed-validation-httpcode="401" failed-validation-error-message="Unauthorized" output-token-variable-name="caller-token">` +
		`<client-application-ids><application-id>00000000-0000-0000-0000-000000000001</application-id></client-application-ids><audiences><audience>api://echo</audience></audiences></validate-azure-ad-token>`
	checkHeaderElement  = `<check-header name="X-Client-Certificate-Verification" failed-check-httpcode="403" failed-check-error-message="Forbidden" ignore-case="false"><value>SUCCESS</value></check-header>`
	addressLimitElement = `<rate-limit-by-key calls="600" renewal-period="60" counter-key="@(&quot;address:&quot; + context.Request.Headers.GetValueOrDefault(&quot;X-Forwarded-For&quot;, context.Request.IpAddress))" />`
	keyLimitElement     = `<rate-limit-by-key calls="600" renewal-period="60" counter-key="@(&quot;subscription:&quot; + context.Subscription.Id)" />`
	firstEntryElement   = `<rate-limit-by-key calls="600" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Forwarded-For&quot;, &quot;&quot;).Split(',')[0])" />`
	ipAddressLimit      = `<rate-limit-by-key calls="600" renewal-period="60" counter-key="@(context.Request.IpAddress)" />`
	stripKeyElement     = `<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />`
	backendElement      = `<set-backend-service backend-id="echo-backend" />`
)

// policyDocument is an API policy document with the inbound elements after <base />.
func policyDocument(inbound ...string) string {
	return "<policies>\n  <inbound>\n    <base />\n    " + strings.Join(inbound, "\n    ") + "\n  </inbound>\n" +
		"  <backend><base /></backend>\n  <outbound><base /><set-header name=\"Server\" exists-action=\"delete\" /></outbound>\n  <on-error><base /></on-error>\n</policies>"
}

// The inbound sections of the three credentials, in the order the spec records.
var (
	keyInbound   = []string{ipFilterElement, addressLimitElement, keyLimitElement, stripKeyElement, backendElement}
	tokenInbound = []string{ipFilterElement, validateTokenElement, checkHeaderElement, addressLimitElement,
		`<rate-limit-by-key calls="600" renewal-period="60" counter-key="@(&quot;client:&quot; + ((Jwt)context.Variables[&quot;caller-token&quot;]).Claims.GetValueOrDefault(&quot;azp&quot;, &quot;&quot;))" />`,
		stripKeyElement, backendElement}
	anonymousInbound = []string{ipFilterElement, addressLimitElement, stripKeyElement, backendElement}
)

// edgeGateway is the Application Gateway: its rewrite set overwrites X-Forwarded-For with
// {var_client_ip} when rewrite is set (otherwise it only removes certificate headers), and the HTTPS
// routing rule applies the set when applied is.
func edgeGateway(t *testing.T, rewrite, applied bool) Resource {
	clientAddress := "{var_client_ip}"
	if !rewrite {
		clientAddress = "{var_add_x_forwarded_for_proxy}"
	}
	forwarding := map[string]any{"name": "https", "httpListener": map[string]any{"id": "/agw/httpListeners/https"},
		"backendAddressPool": map[string]any{"id": "/agw/backendAddressPools/apim"}}
	if applied {
		forwarding["rewriteRuleSet"] = map[string]any{"id": "/agw/rewriteRuleSets/caller-headers"}
	}
	props := with(goodGateway, "rewriteRuleSets", []any{map[string]any{"name": "caller-headers", "rewriteRules": []any{
		map[string]any{"name": "edge-identity", "ruleSequence": 100, "actionSet": map[string]any{"requestHeaderConfigurations": []any{
			map[string]any{"headerName": "X-Forwarded-For", "headerValue": clientAddress},
			map[string]any{"headerName": "X-Client-Certificate-Verification", "headerValue": ""},
		}}},
	}}})
	props = with(props, "requestRoutingRules", []any{forwarding,
		map[string]any{"name": "redirect", "httpListener": map[string]any{"id": "/agw/httpListeners/http"}, "redirectConfiguration": map[string]any{"id": "/agw/redirectConfigurations/to-https"}}})
	return resource(t, applicationGatewayType, "agw", props)
}

// apiStack is the edge gateway (rewriting X-Forwarded-For), the echo API and its policy with the
// inbound elements; with a subscription key (subscriptionRequired true) also the echo-callers
// product, its ProductApi and a subscription in state.
func apiStack(t *testing.T, subscriptionKey bool, state string, inbound ...string) []Resource {
	api := resource(t, apiType, "echo-api", map[string]any{"apiId": "echo", "serviceName": "apim-dev", "resourceGroupName": "rg",
		"path": "echo", "protocols": []any{"https"}, "apiType": "http", "subscriptionRequired": subscriptionKey})
	policy := resource(t, apiPolicyType, "echo-api-policy", map[string]any{"policyId": "policy", "apiId": "echo", "serviceName": "apim-dev",
		"resourceGroupName": "rg", "format": "rawxml", "value": policyDocument(inbound...)})
	resources := []Resource{edgeGateway(t, true, true), api, policy}
	if subscriptionKey {
		resources = append(resources,
			resource(t, productType, "echo-callers", map[string]any{"productId": "echo-callers", "serviceName": "apim-dev",
				"subscriptionRequired": true, "state": "notPublished", "displayName": "Echo callers"}),
			resource(t, productAPIType, "echo-callers-echo", map[string]any{"productId": "echo-callers", "apiId": "echo", "serviceName": "apim-dev"}),
			resource(t, subscriptionType, "echo-sample-caller", map[string]any{"sid": "echo-sample-caller", "serviceName": "apim-dev",
				"scope": "/products/echo-callers", "state": state, "displayName": "Echo sample caller",
				"primaryKey": secretValue{"k1"}, "secondaryKey": secretValue{"k2"}}))
	}
	return resources
}

// without returns the resources but those of a type.
func without(resources []Resource, token string) []Resource {
	var kept []Resource
	for _, r := range resources {
		if !r.Is(token) {
			kept = append(kept, r)
		}
	}
	return kept
}

// withGateway replaces the stack's gateway.
func withGateway(resources []Resource, gateway Resource) []Resource {
	return append(without(resources, applicationGatewayType), gateway)
}

// apiStackCases are the API credential and API policy order cases.
var apiStackCases = []stackCase{
	{"passing key API", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, true, "active", keyInbound...)
	}, nil, nil},
	{"passing token API", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", tokenInbound...)
	}, nil, nil},
	{"passing validate-jwt API", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", ipFilterElement, `<validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/contoso/v2.0/.well-known/openid-configuration" /></validate-jwt>`, backendElement)
	}, nil, nil},
	{"failing anonymous API", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", anonymousInbound...)
	}, []string{`API "echo" (echo-api) takes no credential: subscriptionRequired is false and the inbound section of its API policy echo-api-policy validates no token`}, nil},
	{"opt-out honoured", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", anonymousInbound...)
	}, nil, map[string]any{"anonymousApisAllowed": []any{"echo"}}},
	{"opt-out for another API", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", anonymousInbound...)
	}, []string{`API "echo" (echo-api) takes no credential`}, map[string]any{"anonymousApisAllowed": []any{"sample"}}},
	{"anonymous API without a policy", "api-requires-credential", func(t *testing.T) []Resource {
		return without(apiStack(t, false, "", anonymousInbound...), apiPolicyType)
	}, []string{"it has no API policy"}, nil},
	{"token validated in one branch only", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, false, "", ipFilterElement, `<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;Authorization&quot;))">`+validateTokenElement+`</when></choose>`, backendElement)
	}, []string{"validates no token"}, nil},
	{"policy that is not XML", "api-requires-credential", func(t *testing.T) []Resource {
		resources := apiStack(t, false, "", tokenInbound...)
		resources[2] = resource(t, apiPolicyType, "echo-api-policy", map[string]any{"apiId": "echo", "format": "rawxml",
			"value": `<policies><inbound><validate-azure-ad-token tenant-id="@(context.Variables["tenant"])" /></inbound></policies>`})
		return resources
	}, []string{"is not well-formed XML"}, nil},
	{"key API without a subscription", "api-requires-credential", func(t *testing.T) []Resource {
		return without(apiStack(t, true, "active", keyInbound...), subscriptionType)
	}, []string{`API "echo" (echo-api) requires a subscription key, but no subscription with state "active" is scoped to its product "echo-callers"`}, nil},
	{"key API with a suspended subscription", "api-requires-credential", func(t *testing.T) []Resource {
		return apiStack(t, true, "suspended", keyInbound...)
	}, []string{`no subscription with state "active"`}, nil},
	{"key API in no product", "api-requires-credential", func(t *testing.T) []Resource {
		return without(apiStack(t, true, "active", keyInbound...), productAPIType)
	}, []string{`no product that requires subscriptions contains it (no apimanagement:ProductApi with apiId "echo")`}, nil},
	{"first preview: key API linked by dependencies", "api-requires-credential", func(t *testing.T) []Resource {
		resources := apiStack(t, true, "active", keyInbound...)
		api, product := resources[1], resources[3]
		link := resource(t, productAPIType, "echo-callers-echo", map[string]any{"productId": unknownValue{}, "apiId": unknownValue{}})
		link.PropertyDependencies = map[string][]string{"productId": {product.URN}, "apiId": {api.URN}}
		subscription := resource(t, subscriptionType, "echo-sample-caller", map[string]any{"scope": unknownValue{}, "state": "active"})
		subscription.PropertyDependencies = map[string][]string{"scope": {product.URN}}
		return append(without(without(resources, productAPIType), subscriptionType), link, subscription)
	}, nil, nil},
	{"internal API (no gateway)", "api-requires-credential", func(t *testing.T) []Resource {
		return without(apiStack(t, false, "", anonymousInbound...), applicationGatewayType)
	}, nil, nil},

	{"spec order, key", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, true, "active", keyInbound...)
	}, nil, nil},
	{"spec order, token and caller certificate", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, false, "", tokenInbound...)
	}, nil, nil},
	{"rate limit before token validation", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, false, "", ipFilterElement, addressLimitElement, validateTokenElement, backendElement)
	}, []string{"API policy echo-api-policy (API \"echo\"): validate-azure-ad-token comes after rate-limit-by-key"}, nil},
	{"rate limit before the certificate check", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, true, "active", ipFilterElement, addressLimitElement, checkHeaderElement, keyLimitElement, backendElement)
	}, []string{"check-header comes after rate-limit-by-key"}, nil},
	{"rate limit after routing", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, true, "active", ipFilterElement, backendElement, addressLimitElement)
	}, []string{"rate-limit-by-key comes after set-backend-service"}, nil},
	{"first X-Forwarded-For entry", "api-policy-order", func(t *testing.T) []Resource {
		return withGateway(apiStack(t, true, "active", ipFilterElement, firstEntryElement, backendElement), edgeGateway(t, false, true))
	}, []string{"takes the first X-Forwarded-For entry, which is whatever the caller sent"}, nil},
	{"X-Forwarded-For kept by the gateway", "api-policy-order", func(t *testing.T) []Resource {
		return withGateway(apiStack(t, true, "active", keyInbound...), edgeGateway(t, false, true))
	}, []string{"reads X-Forwarded-For, but no Application Gateway in the stack rewrites it to {var_client_ip}"}, nil},
	{"rewrite set not applied", "api-policy-order", func(t *testing.T) []Resource {
		return withGateway(apiStack(t, true, "active", keyInbound...), edgeGateway(t, true, false))
	}, []string{"no Application Gateway in the stack rewrites it"}, nil},
	{"no gateway: X-Forwarded-For is the caller's", "api-policy-order", func(t *testing.T) []Resource {
		return without(apiStack(t, true, "active", keyInbound...), applicationGatewayType)
	}, []string{"reads X-Forwarded-For"}, nil},
	{"no gateway: connection address", "api-policy-order", func(t *testing.T) []Resource {
		return without(apiStack(t, true, "active", ipFilterElement, ipAddressLimit, keyLimitElement, backendElement), applicationGatewayType)
	}, nil, nil},
	{"first entry, edge rewrites the header", "api-policy-order", func(t *testing.T) []Resource {
		return apiStack(t, true, "active", ipFilterElement, firstEntryElement, backendElement)
	}, nil, nil},
}

// TestStackPolicies runs each case through the pack's policyx stack policy.
func TestStackPolicies(t *testing.T) {
	policies := map[string]policyx.StackValidationPolicy{}
	for _, policy := range Policies() {
		if typed, ok := policy.(policyx.StackValidationPolicy); ok {
			policies[policy.Name()] = typed
		}
	}
	for _, tc := range slices.Concat(stackCases, apiStackCases) {
		t.Run(tc.policy+"/"+tc.name, func(t *testing.T) {
			policy, ok := policies[tc.policy]
			require.True(t, ok)
			if configurable, ok := policy.(policyx.ResourceRemediationPolicy); ok {
				// The engine's order: remediation calls (which hand over the configuration), then the stack.
				changed, err := configurable.Remediate(context.Background(), policyx.ResourceRemediationArgs{Config: tc.config})
				require.NoError(t, err)
				require.Nil(t, changed, "configured stack policies never change a resource")
			} else {
				require.Nil(t, tc.config, "%s takes no configuration", tc.policy)
			}
			var analyzed []policyx.AnalyzerResource
			for _, res := range tc.resources(t) {
				analyzed = append(analyzed, toAnalyzer(res))
			}
			var messages []string
			manager := collector{func(message, urn string) {
				assert.NotEmpty(t, urn, "stack violations name their resource")
				messages = append(messages, message)
			}}
			require.NoError(t, policy.Validate(context.Background(), policyx.StackValidationArgs{Manager: manager, Resources: analyzed}))
			require.Len(t, messages, len(tc.want), "violations: %v", messages)
			for i, want := range tc.want {
				assert.Contains(t, messages[i], want)
			}
		})
	}
}

// TestEvaluateAppliesConfiguration checks the offline evaluation honours enforcement levels and
// properties the way the engine does.
func TestEvaluateAppliesConfiguration(t *testing.T) {
	resources := []Resource{resource(t, wafPolicyType, "waf", with(goodWAFPolicy, "policySettings.mode", "Detection"))}
	violations, err := Evaluate(context.Background(), resources, nil)
	require.NoError(t, err)
	require.Len(t, violations, 1, describe(violations))
	assert.Equal(t, "agw-waf-prevention", violations[0].Policy)
	assert.Equal(t, Mandatory, violations[0].Level)
	assert.Equal(t, resources[0].URN, violations[0].URN)

	config, err := ParseConfig([]byte(`{"agw-waf-prevention": "advisory"}`))
	require.NoError(t, err)
	violations, err = Evaluate(context.Background(), resources, config)
	require.NoError(t, err)
	require.Len(t, violations, 1)
	assert.Equal(t, Advisory, violations[0].Level)

	config, err = ParseConfig([]byte(`{"all": "disabled"}`))
	require.NoError(t, err)
	violations, err = Evaluate(context.Background(), resources, config)
	require.NoError(t, err)
	assert.Empty(t, violations)
}

// TestEvaluateHandsStackPoliciesTheirConfiguration checks the offline evaluation passes a stack
// policy's properties the way the engine does (through the remediation call): the opt-out lets the
// named API through, and only it.
func TestEvaluateHandsStackPoliciesTheirConfiguration(t *testing.T) {
	resources := apiStack(t, false, "", anonymousInbound...)
	credentialViolations := func(config Config) []Violation {
		violations, err := Evaluate(context.Background(), resources, config)
		require.NoError(t, err)
		var matching []Violation
		for _, violation := range violations {
			if violation.Policy == "api-requires-credential" {
				matching = append(matching, violation)
			}
		}
		return matching
	}
	violations := credentialViolations(nil)
	require.Len(t, violations, 1, describe(violations))
	assert.Equal(t, Mandatory, violations[0].Level)
	assert.Equal(t, resources[1].URN, violations[0].URN, "the violation is about the API")

	config, err := ParseConfig([]byte(`{"api-requires-credential": {"anonymousApisAllowed": ["echo"]}}`))
	require.NoError(t, err)
	assert.Empty(t, credentialViolations(config), "the opt-out is honoured")
	config, err = ParseConfig([]byte(`{"api-requires-credential": {"anonymousApisAllowed": ["sample"]}}`))
	require.NoError(t, err)
	assert.Len(t, credentialViolations(config), 1, "the opt-out names APIs")
	assert.Len(t, credentialViolations(nil), 1, "a later evaluation without configuration has no opt-out")
}

// TestParseConfigReportsEveryProblem checks bad policy configuration: each problem named, all at once.
func TestParseConfigReportsEveryProblem(t *testing.T) {
	cases := []struct {
		name, config string
		want         []string
	}{
		{"not JSON", `{"agw-waf-prevention":`, []string{"not a JSON object"}},
		{"unknown policy", `{"waf-prevention": "mandatory"}`, []string{"waf-prevention: no such policy (known: acr-admin-user-off"}},
		{"unknown level", `{"agw-tls12": "strict"}`, []string{"agw-tls12: enforcement level strict is not advisory, mandatory or disabled"}},
		{"property of the wrong type", `{"apim-backend-client-certificate": {"exemptHosts": "api.contoso.com"}}`, []string{"apim-backend-client-certificate.exemptHosts: must be an array of strings"}},
		{"unknown property", `{"agw-waf-prevention": {"ruleSets": []}}`, []string{"agw-waf-prevention.ruleSets: not a property of the policy (known: allowedRuleSets)"}},
		{"property on a policy without schema", `{"agw-tls12": {"minimum": "TLSv1_3"}}`, []string{"agw-tls12.minimum: the policy takes no configuration"}},
		{"opt-out that is not a list", `{"api-requires-credential": {"anonymousApisAllowed": "echo"}}`, []string{"api-requires-credential.anonymousApisAllowed: must be an array of strings"}},
		{"property on a stack policy without schema", `{"paas-private-endpoint": {"exempt": ["kv"]}}`, []string{"paas-private-endpoint.exempt: the policy takes no configuration"}},
		{"two problems", `{"agw-tls12": "strict", "nosuch": "advisory"}`, []string{"agw-tls12: enforcement level strict", "nosuch: no such policy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.config))
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
	config, err := ParseConfig([]byte(`{"all": "advisory", "agw-waf-prevention": {"enforcementLevel": "mandatory", "allowedRuleSets": ["Microsoft_DefaultRuleSet/2.2"]}}`))
	require.NoError(t, err)
	assert.Equal(t, Advisory, config["agw-tls12"].EnforcementLevel)
	assert.Equal(t, Mandatory, config["agw-waf-prevention"].EnforcementLevel)
	assert.Equal(t, []any{"Microsoft_DefaultRuleSet/2.2"}, config["agw-waf-prevention"].Properties["allowedRuleSets"])
}

// TestNotEvaluatedNamesWhatTheStackBrings checks that the policies needing a network's properties say
// they were not evaluated for a landing zone's network, and nothing is said of a network the stack
// creates.
func TestNotEvaluatedNamesWhatTheStackBrings(t *testing.T) {
	t.Parallel()
	brought := []Resource{resource(t, applicationGatewayType, "agw", map[string]any{"gatewayIPConfigurations": []any{map[string]any{"subnet": map[string]any{"id": gatewaySubnetID}}}}),
		resource(t, privateEndpointType, "pe-kv", map[string]any{"subnet": map[string]any{"id": gatewaySubnetID}})}
	var names []string
	for _, unevaluated := range NotEvaluated(brought) {
		names = append(names, unevaluated.Policy)
		assert.NotEmpty(t, unevaluated.Reason)
	}
	assert.Equal(t, []string{"network-internet-inbound", "diagnostics-everywhere"}, names)
	assert.Empty(t, NotEvaluated(network(t, nil, nil, nil, true)), "the stack's own network is evaluated")
}
