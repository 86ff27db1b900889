// Unit tests of the resource type rules: the lookup by type token and what each rule accepts.

package naming_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// TestBaseResourceType checks that API versions are dropped and other tokens kept.
func TestBaseResourceType(t *testing.T) {
	cases := []struct {
		name, token, want string
	}{
		{"versioned", "azure-native:apimanagement/v20240501:Api", "azure-native:apimanagement:Api"},
		{"unversioned", "azure-native:keyvault:Vault", "azure-native:keyvault:Vault"},
		{"not a type token", "pulumi:providers", "pulumi:providers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, naming.BaseResourceType(tc.token))
		})
	}
}

// TestResourceTypeLookup checks the lookup: every listed type has a rule or an exemption, never both,
// and unknown types have neither.
func TestResourceTypeLookup(t *testing.T) {
	tokens := naming.ResourceTypes()
	require.True(t, slices.IsSorted(tokens))
	require.Equal(t, len(tokens), len(slices.Compact(slices.Clone(tokens))), "listed once each")
	for _, token := range tokens {
		t.Run(token, func(t *testing.T) {
			require.True(t, strings.HasPrefix(token, "azure-native:"), "an azure-native token")
			require.Equal(t, token, naming.BaseResourceType(token), "listed without an API version")
			rule, hasRule := naming.RuleForResourceType(token)
			reason, exempt := naming.ExemptResourceType(token)
			require.NotEqual(t, hasRule, exempt, "a rule or an exemption, not both")
			if exempt {
				require.NotEmpty(t, reason)
				return
			}
			require.NotEmpty(t, rule.Service)
			if len(rule.Values) == 0 {
				require.NotNil(t, rule.Pattern)
				require.Positive(t, rule.MinLength)
				require.LessOrEqual(t, rule.MinLength, rule.MaxLength)
			}
		})
	}
	_, known := naming.RuleForResourceType("azure-native:storage:StorageAccount")
	require.False(t, known, "a type the platform does not create has no rule")
	_, exempt := naming.ExemptResourceType("azure-native:storage:StorageAccount")
	require.False(t, exempt)
	rule, ok := naming.RuleForResourceType("azure-native:operationalinsights/v20230901:Workspace")
	require.True(t, ok, "found with an API version")
	role, _ := naming.RuleFor(naming.RoleLogAnalytics)
	require.Equal(t, role.Service, rule.Service, "the type and the role share one rule")
}

// TestResourceTypeRules checks names against the rules of the types no role covers.
func TestResourceTypeRules(t *testing.T) {
	cases := []struct {
		name    string
		token   string
		value   string
		problem string // "" for a valid name
	}{
		{"private endpoint", "azure-native:network:PrivateEndpoint", "apiplat-dev-pe-kv", ""},
		{"private endpoint of one character", "azure-native:network:PrivateEndpoint", "p", "private endpoint names must be 2-64 characters"},
		{"private endpoint over 64", "azure-native:network:PrivateEndpoint", strings.Repeat("p", 65), "is 65 characters"},
		{"privatelink zone", "azure-native:network:PrivateZone", "privatelink.vaultcore.azure.net", ""},
		{"zone of one label", "azure-native:network:PrivateZone", "localhost", "two or more labels"},
		{"zone with an empty label", "azure-native:network:PrivateZone", "echo..contoso.example", "is not allowed"},
		{"zone label over 63", "azure-native:network:PrivateZone", strings.Repeat("l", 64) + ".example", "is not allowed"},
		{"apex record", "azure-native:network:PrivateRecordSet", "@", ""},
		{"record with a space", "azure-native:network:PrivateRecordSet", "echo api", "is not allowed"},
		{"virtual network link", "azure-native:network:VirtualNetworkLink", "apiplat-dev-dns-registry-link", ""},
		{"link ending in a hyphen", "azure-native:network:VirtualNetworkLink", "apiplat-dev-link-", "is not allowed"},
		{"zone group", "azure-native:network:PrivateDnsZoneGroup", "apiplat-dev-pe-kv-dns", ""},
		{"route", "azure-native:network:Route", "default-to-firewall", ""},
		{"rule collection group over 80", "azure-native:network:FirewallPolicyRuleCollectionGroup", strings.Repeat("r", 81), "must be 1-80 characters"},
		{"diagnostic setting", "azure-native:insights:DiagnosticSetting", "apiplat-dev-sql-audit-diagnostics", ""},
		{"diagnostic setting with a colon", "azure-native:insights:DiagnosticSetting", "apiplat:diagnostics", "is not allowed"},
		{"diagnostic setting with a control character", "azure-native:insights:DiagnosticSetting", "apiplat\tdiagnostics", "is not allowed"},
		{"metric alert with a number sign", "azure-native:insights:MetricAlert", "apiplat#capacity", "is not allowed"},
		{"metric alert ending in a space", "azure-native:insights:MetricAlert", "apiplat capacity ", "is not allowed"},
		{"data collection rule over 64", "azure-native:insights:DataCollectionRule", strings.Repeat("d", 65), "must be 1-64 characters"},
		{"secret with an underscore", "azure-native:keyvault:Secret", "ca_certificate", "key vault secret names may contain letters, digits and hyphens"},
		{"SQL database", "azure-native:sql:Database", "app", ""},
		{"SQL database ending in a period", "azure-native:sql:Database", "app.", "is not allowed"},
		{"federated credential of two characters", "azure-native:managedidentity:FederatedIdentityCredential", "ab", "must be 3-120 characters"},
		{"federated credential starting with a hyphen", "azure-native:managedidentity:FederatedIdentityCredential", "-aks-echo", "is not allowed"},
		{"API identifier", "azure-native:apimanagement:Api", "echo", ""},
		{"API identifier starting with a digit", "azure-native:apimanagement:Api", "1echo", "is not allowed"},
		{"backend over 80", "azure-native:apimanagement:Backend", strings.Repeat("b", 81), "must be 1-80 characters"},
		{"API policy", "azure-native:apimanagement:ApiPolicy", "policy", ""},
		{"API policy by another name", "azure-native:apimanagement:ApiPolicy", "Policy", `API policy names must be one of policy`},
		{"maintenance configuration", "azure-native:containerservice:MaintenanceConfiguration", "aksManagedNodeOSUpgradeSchedule", ""},
		{"maintenance configuration of our own", "azure-native:containerservice:MaintenanceConfiguration", "weekly",
			"must be one of default, aksManagedAutoUpgradeSchedule, aksManagedNodeOSUpgradeSchedule"},
		{"auditing policy in the wrong case", "azure-native:sql:ServerBlobAuditingPolicy", "Default", "must be one of default"},
		{"subnet Azure requires", naming.SubnetResourceType, "AzureFirewallSubnet", ""},
		{"subnet starting with a period", naming.SubnetResourceType, ".jumpbox", "is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rule, ok := naming.RuleForResourceType(tc.token)
			require.True(t, ok, "a rule for %s", tc.token)
			err := rule.Check(tc.value)
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestRuleWithoutPatternRefusesEverything checks that a rule missing its pattern fails closed.
func TestRuleWithoutPatternRefusesEverything(t *testing.T) {
	rule := naming.Rule{Service: "incomplete", MinLength: 1, MaxLength: 10}
	require.ErrorContains(t, rule.Check("name"), `incomplete name "name" is not allowed`)
}
