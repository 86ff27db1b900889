// Stack policy and configuration tests: relations between resources, and the policy-config format.

package pack

import (
	"context"
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

// stackCase is one set of resources and the violations one stack policy must report.
type stackCase struct {
	name      string
	policy    string
	resources func(t *testing.T) []Resource
	want      []string
}

var stackCases = []stackCase{
	{"gateway 443/80 and Bastion 443", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("https", "10.42.0.0/24", "443"), internetRule("http", "10.42.0.0/24", "80")},
			nil, []any{internetRule("bastion", "*", "443")}, true)
	}, nil},
	{"Internet to the nodes", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, []any{internetRule("ssh", "*", "22")}, nil, true)
	}, []string{`Rule "ssh" of nsg-nodes admits the Internet to subnet kubernetes-nodes`}},
	{"gateway on a management port", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("mgmt", "10.42.0.0/24", "443", "8443")}, nil, nil, true)
	}, []string{"port(s) 8443-8443"}},
	{"Bastion on every port", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, nil, []any{internetRule("bastion", "*", "*")}, true)
	}, []string{"port(s) 0-65535"}},
	{"Bastion subnet open to SSH", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, nil, []any{internetRule("ssh", "*", "22")}, true)
	}, []string{"port(s) 22-22; only [443] are allowed there"}},
	{"first preview: rule aimed at the nodes", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, nil, []any{internetRule("web", "10.42.8.0/22", "443")}, nil, false)
	}, []string{"admits the Internet to 10.42.8.0/22, which is not the Application Gateway subnet"}},
	{"first preview: gateway rules", "network-internet-inbound", func(t *testing.T) []Resource {
		return network(t, []any{internetRule("https", "10.42.0.0/24", "443")}, nil, nil, false)
	}, nil},

	{"vault with endpoint (by dependency)", "paas-private-endpoint", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		endpoint := resource(t, privateEndpointType, "pe-kv", map[string]any{"privateLinkServiceConnections": []any{map[string]any{"privateLinkServiceId": unknownValue{}}}})
		endpoint.PropertyDependencies["privateLinkServiceConnections"] = []string{vault.URN}
		return []Resource{vault, endpoint}
	}, nil},
	{"vault with endpoint (by ID)", "paas-private-endpoint", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		vault.ID = vaultID
		return []Resource{vault, resource(t, privateEndpointType, "pe-kv", map[string]any{"privateLinkServiceConnections": []any{map[string]any{"privateLinkServiceId": vaultID}}})}
	}, nil},
	{"registry without endpoint", "paas-private-endpoint", func(t *testing.T) []Resource {
		return []Resource{resource(t, registryType, "acr", goodRegistry)}
	}, []string{"containerregistry:Registry acr has no private endpoint"}},

	{"vault with diagnostics", "diagnostics-everywhere", func(t *testing.T) []Resource {
		vault := resource(t, keyVaultType, "kv", goodVault)
		setting := resource(t, diagnosticSettingType, "kv-diagnostics", map[string]any{"resourceUri": unknownValue{}})
		setting.PropertyDependencies["resourceUri"] = []string{vault.URN}
		return []Resource{vault, setting}
	}, nil},
	{"cluster without diagnostics", "diagnostics-everywhere", func(t *testing.T) []Resource {
		return []Resource{resource(t, "azure-native:containerservice/v20241001:ManagedCluster", "aks", goodCluster)}
	}, []string{"containerservice:ManagedCluster aks has no diagnostic setting"}},
}

// TestStackPolicies runs each case through the pack's policyx stack policy.
func TestStackPolicies(t *testing.T) {
	policies := map[string]policyx.StackValidationPolicy{}
	for _, policy := range Policies() {
		if typed, ok := policy.(policyx.StackValidationPolicy); ok {
			policies[policy.Name()] = typed
		}
	}
	for _, tc := range stackCases {
		t.Run(tc.policy+"/"+tc.name, func(t *testing.T) {
			policy, ok := policies[tc.policy]
			require.True(t, ok)
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
