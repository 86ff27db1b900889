// Unit tests of the naming scheme: how names are composed, and what each rule accepts and refuses.

package naming_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// TestComposedNames checks every way a name is built from its parts.
func TestComposedNames(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"base joins prefix and stack", naming.Base("apiplat", "dev"), "apiplat-dev"},
		{"child appends the role", naming.Child("apiplat-dev", naming.RoleLogAnalytics), "apiplat-dev-log"},
		{"child of a child", naming.Child(naming.Child("apiplat-dev", naming.RoleSQLServer), naming.RoleSQLDatabase), "apiplat-dev-sql-db"},
		{"subnet security group", naming.SubnetSecurityGroup("apiplat-dev", naming.SubnetJumpbox), "apiplat-dev-nsg-jumpbox"},
		{"global name keeps hyphens", naming.Global("apiplat-dev", naming.RoleKeyVault, "ab12cd"), "apiplat-dev-kvab12cd"},
		{"global name of an alphanumeric-only service", naming.Global("api-plat-dev", naming.RoleContainerRegistry, "ab12cd"), "apiplatdevacrab12cd"},
		{"global name with the DNS label role", naming.Global("apiplat-dev", naming.RoleGatewayDNSLabel, "ab12cd"), "apiplat-dev-agw-dnsab12cd"},
		{"name of a global role carries a placeholder suffix", naming.Name("apiplat-dev", naming.RoleSQLServer), "apiplat-dev-sql" + strings.Repeat("x", naming.SuffixLength)},
		{"name of a registry has the placeholder and no hyphens", naming.Name("apiplat-dev", naming.RoleContainerRegistry), "apiplatdevacrxxxxxx"},
		{"name of a per-resource-group role has no suffix", naming.Name("apiplat-dev", naming.RoleBastion), "apiplat-dev-bas"},
		{"member", naming.Member("apiplat-dev", "aks-node-not-ready"), "apiplat-dev-aks-node-not-ready"},
		{"private endpoint", naming.PrivateEndpoint("apiplat-dev", "kv"), "apiplat-dev-pe-kv"},
		{"private link zone in lower case", naming.PrivateLinkZone("apiplat-dev", "sqlServer"), "apiplat-dev-dns-sqlserver"},
		{"federated credential", naming.KubernetesFederatedCredential("echo", "sql-client"), "aks-echo-sql-client"},
		{"container insights rule", naming.ContainerInsightsRule("westeurope", "apiplat-dev-aks"), "MSCI-westeurope-apiplat-dev-aks"},
		{"container insights rule cut to its limit", naming.ContainerInsightsRule("australiasoutheast", strings.Repeat("c", 60)),
			("MSCI-australiasoutheast-" + strings.Repeat("c", 60))[:naming.ContainerInsightsRuleLimit]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.got)
		})
	}
}

// TestCheck checks role names against their rules and the messages that say why one is refused.
func TestCheck(t *testing.T) {
	cases := []struct {
		name    string
		role    naming.Role
		value   string
		problem string // "" for a valid name
	}{
		{"key vault at the limit", naming.RoleKeyVault, "apiplat-staging-kvab12cd", ""},
		{"key vault too long", naming.RoleKeyVault, "apiplat-staging1-kvab12cd",
			`key vault name "apiplat-staging1-kvab12cd" is 25 characters; key vault names must be 3-24 characters`},
		{"key vault with two hyphens in a row", naming.RoleKeyVault, "apiplat--kv",
			`key vault name "apiplat--kv" is not allowed; key vault names may contain letters, digits and single hyphens`},
		{"workspace too short", naming.RoleLogAnalytics, "log", "is 3 characters; Log Analytics workspace names must be 4-63 characters"},
		{"registry with a hyphen", naming.RoleContainerRegistry, "apiplat-acr", "container registry names may contain letters and digits only"},
		{"SQL server in upper case", naming.RoleSQLServer, "Apiplat-sql", "SQL logical server names may contain lower-case letters"},
		{"resource group ending in a period", naming.RoleResourceGroup, "apiplat-rg.", "is not allowed"},
		{"node resource group over 80", naming.RoleClusterNodes, strings.Repeat("n", 81), "must be 1-80 characters"},
		{"action group with a pipe", naming.RoleActionGroup, "apiplat|alerts", "is not allowed"},
		{"action group with spaces inside", naming.RoleActionGroup, "platform alerts", ""},
		{"Application Insights with a percent sign", naming.RoleApplicationInsights, "apiplat%appi", "is not allowed"},
		{"Application Insights ending in a period", naming.RoleApplicationInsights, "apiplat-appi.", "is not allowed"},
		{"virtual network ending in an underscore", naming.RoleVirtualNetwork, "apiplat-vnet_", ""},
		{"key vault with a reserved word", naming.RoleKeyVault, "microsoft-dev-kvab12cd", "contains MICROSOFT, which Azure reserves"},
		{"API Management starting with login", naming.RoleAPIManagement, "Login-dev-apimab12cd", "contains LOGIN, which Azure reserves"},
		{"login inside a name", naming.RoleAPIManagement, "api-login-apimab12cd", ""},
		{"a reserved word without a public endpoint", naming.RoleLogAnalytics, "windows-dev-log", ""},
		{"resource group over the overlay limit", naming.RoleResourceGroup, strings.Repeat("g", 64), "must be 1-63 characters"},
		{"firewall over the API's 56", naming.RoleFirewall, strings.Repeat("f", 57), "must be 1-56 characters"},
		{"role without a rule", naming.RoleDiagnosticSetting, "apiplat-diagnostics", `no naming rule for role "diagnostics"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := naming.Check(tc.role, tc.value)
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.problem)
		})
	}
}

// TestRoles checks the roles validation iterates: sorted, each with a rule, the security group and
// the composed roles left out.
func TestRoles(t *testing.T) {
	roles := naming.Roles()
	require.True(t, slices.IsSorted(roles), "sorted, so validation reports in a stable order")
	require.NotContains(t, roles, naming.RoleNetworkSecurityGroup, "checked per subnet instead")
	for _, role := range []naming.Role{naming.RoleKeyVault, naming.RoleResourceGroup, naming.RoleGatewayDNSLabel, naming.RoleSQLIdentity} {
		require.Contains(t, roles, role)
	}
	for _, role := range roles {
		rule, ok := naming.RuleFor(role)
		require.True(t, ok, "role %s has a rule", role)
		require.NotEmpty(t, rule.Service)
		require.NotNil(t, rule.Pattern, "role %s has a pattern", role)
		require.LessOrEqual(t, rule.MinLength, rule.MaxLength)
	}
	composed := []naming.Role{naming.RoleDiagnosticSetting, naming.RoleVirtualNetworkLink, naming.RolePrivateDNS, naming.RolePrivateEndpoint,
		naming.RoleFirewallEgressRules, naming.RoleAPIBackend, naming.RoleAPILogger, naming.RoleSQLDatabase, naming.RoleSQLAudit,
		naming.RoleGatewayPrivateZone, naming.RoleBackendPrivateZone}
	for _, role := range composed {
		_, ok := naming.RuleFor(role)
		require.False(t, ok, "composed role %s is checked by its resource type's rule", role)
		require.NotContains(t, roles, role)
	}
}

// TestSubnetNames checks every subnet name against the subnet rule and where a security group is allowed.
func TestSubnetNames(t *testing.T) {
	rule, ok := naming.RuleForResourceType(naming.SubnetResourceType)
	require.True(t, ok)
	for _, role := range naming.SubnetRoles() {
		t.Run(string(role), func(t *testing.T) {
			require.NoError(t, rule.Check(naming.SubnetName(role)))
			require.Equal(t, role != naming.SubnetFirewall, naming.SubnetSupportsSecurityGroup(role))
		})
	}
	require.Equal(t, "AzureBastionSubnet", naming.SubnetName(naming.SubnetBastion))
	require.Equal(t, "AzureFirewallSubnet", naming.SubnetName(naming.SubnetFirewall))
}
