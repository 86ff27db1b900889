// Naming: each service's rules, global names with the random suffix, and the longest usable stack name.

package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// TestNamingRules checks names against the Azure rules they must obey.
func TestNamingRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		role  naming.Role
		value string
		valid bool
	}{
		{"key vault at 24 characters", naming.RoleKeyVault, "apiplat-staging-kvab12cd", true},
		{"key vault at 25 characters", naming.RoleKeyVault, "apiplat-staging1-kvab12cd", false},
		{"key vault with double hyphen", naming.RoleKeyVault, "apiplat--dev-kvab12cd", false},
		{"key vault starting with a digit", naming.RoleKeyVault, "1apiplat-dev-kv", false},
		{"registry with a hyphen", naming.RoleContainerRegistry, "apiplat-devacr", false},
		{"registry alphanumeric", naming.RoleContainerRegistry, "apiplatdevacrab12cd", true},
		{"API Management ending in a hyphen", naming.RoleAPIManagement, "apiplat-dev-apim-", false},
		{"DNS label with upper case", naming.RoleGatewayDNSLabel, "Apiplat-dev-agw-dns", false},
		{"SQL server with upper case", naming.RoleSQLServer, "Apiplat-dev-sql", false},
		{"resource group ending in a period", naming.RoleResourceGroup, "apiplat-dev-rg.", false},
		{"virtual network ending in an underscore", naming.RoleVirtualNetwork, "apiplat-dev-vnet_", true},
		{"log analytics too short", naming.RoleLogAnalytics, "log", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := naming.Check(tc.role, tc.value)
			if tc.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// TestGlobalNames checks the suffix placement and the registry's hyphen-free form.
func TestGlobalNames(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "apiplat-dev-kvab12cd", naming.Global("apiplat-dev", naming.RoleKeyVault, "ab12cd"))
	assert.Equal(t, "apiplatdevacrab12cd", naming.Global("apiplat-dev", naming.RoleContainerRegistry, "ab12cd"))
	assert.Equal(t, "apiplat-dev-apimxxxxxx", naming.Name("apiplat-dev", naming.RoleAPIManagement), "placeholder suffix for validation")
	assert.Equal(t, "apiplat-dev-vnet", naming.Name("apiplat-dev", naming.RoleVirtualNetwork), "no suffix for names unique per resource group")
}

// TestEveryRoleNameIsValidForTheShippedStacks checks every name the platform will create for both
// stacks, including per-subnet security groups.
func TestEveryRoleNameIsValidForTheShippedStacks(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		base := naming.Base("apiplat", stack)
		for _, role := range naming.Roles() {
			assert.NoError(t, naming.Check(role, naming.Name(base, role)), "%s %s", stack, role)
		}
		for _, subnet := range naming.SubnetRoles() {
			assert.NoError(t, naming.Check(naming.RoleNetworkSecurityGroup, naming.SubnetSecurityGroup(base, subnet)))
		}
	}
}

// TestLongestStackNameWithTheDefaultPrefix pins the budget Key Vault's 24 characters leave: with the
// default prefix a stack name of up to seven characters (e.g. "staging") works, eight do not, and the
// error names namePrefix.
func TestLongestStackNameWithTheDefaultPrefix(t *testing.T) {
	t.Parallel()
	for length := 1; length <= 7; length++ {
		assert.NoError(t, naming.Check(naming.RoleKeyVault, naming.Name(naming.Base("apiplat", strings.Repeat("s", length)), naming.RoleKeyVault)))
	}
	assert.Error(t, naming.Check(naming.RoleKeyVault, naming.Name(naming.Base("apiplat", "preprod1"), naming.RoleKeyVault)))

	project, raw, err := harness.LoadStackConfig(projectDir, "prod")
	require.NoError(t, err)
	_, err = config.Load(project, "preprod1", raw)
	findProblem(t, problemsOf(t, err), key("namePrefix"), `key vault name "apiplat-preprod1-kvxxxxxx" is 25 characters`)
}
