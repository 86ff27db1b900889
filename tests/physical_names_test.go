// Physical names: every Azure resource a stack records is named within its service's rule, for every
// shape of stack and for the longest name prefix validation accepts, so no name built outside package
// naming (or longer than validation foresees) reaches Azure.

package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// azureNativeTypePrefix starts the type token of every azure-native resource.
const azureNativeTypePrefix = "azure-native:"

// longPrefixSource supplies name prefixes of every length the search needs: lower-case letters only,
// so any cut obeys validation's character rule and only the length decides.
const longPrefixSource = "contosoplatformengineeringapigatewaysharedservicesnortheuropewesteuropeswedencentralfrance"

// nameCheck is the outcome of checking one recording's physical names.
type nameCheck struct {
	// checked counts the names checked against a rule; exempt counts resources of exempt types.
	checked, exempt int
	// problems are the names that break their rule, one line each, naming the resource.
	problems []string
}

// add records a problem of the named resource.
func (c *nameCheck) add(res *harness.Resource, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s (%s): %s", res.Name, res.Type, fmt.Sprintf(format, args...)))
}

// checkPhysicalNames runs every azure-native custom resource of the recording through its type's rule.
// A type with neither a rule nor an exemption is a problem, as is a resource whose name input is
// missing: nothing escapes the check by being unknown to it.
func checkPhysicalNames(recording *harness.Recording) nameCheck {
	var check nameCheck
	for _, res := range recording.Resources {
		if !res.Custom || !strings.HasPrefix(res.Type, azureNativeTypePrefix) {
			continue
		}
		if _, exempt := naming.ExemptResourceType(res.TypeKey()); exempt {
			check.exempt++
			continue
		}
		rule, ok := naming.RuleForResourceType(res.TypeKey())
		if !ok {
			check.add(res, "type %s has no naming rule and no exemption in package naming", naming.BaseResourceType(res.Type))
			continue
		}
		name, ok := harness.PhysicalName(res)
		if !ok {
			check.add(res, "no physical name among the inputs")
			continue
		}
		check.checked++
		if err := rule.Check(name); err != nil {
			check.add(res, "%v", err)
		}
	}
	checkInlineNames(recording, &check)
	return check
}

// checkInlineNames checks the names the platform chooses inside other resources' inputs: the virtual
// network's subnets, the gateway address's DNS label and the AKS node resource group.
func checkInlineNames(recording *harness.Recording, check *nameCheck) {
	subnetRule, ok := naming.RuleForResourceType(naming.SubnetResourceType)
	if !ok {
		check.problems = append(check.problems, "package naming has no rule for "+naming.SubnetResourceType)
		return
	}
	inline := func(res *harness.Resource, value string, checkName func(string) error) {
		check.checked++
		if err := checkName(value); err != nil {
			check.add(res, "%v", err)
		}
	}
	for _, res := range recording.OfType("azure-native:network:VirtualNetwork") {
		subnets, _ := res.Input("subnets").([]any)
		for _, item := range subnets {
			subnet, _ := item.(map[string]any)
			name, _ := subnet["name"].(string)
			inline(res, name, subnetRule.Check)
		}
	}
	for _, res := range recording.OfType("azure-native:network:PublicIPAddress") {
		if label := res.InputString("dnsSettings.domainNameLabel"); label != "" {
			inline(res, label, func(name string) error { return naming.Check(naming.RoleGatewayDNSLabel, name) })
		}
	}
	for _, res := range recording.OfType("azure-native:containerservice:ManagedCluster") {
		inline(res, res.InputString("nodeResourceGroup"), func(name string) error { return naming.Check(naming.RoleClusterNodes, name) })
	}
}

// longestAcceptedPrefix returns the longest namePrefix config validation accepts for prod with every
// feature, cut from longPrefixSource, and requires the next length to be refused for the prefix.
func longestAcceptedPrefix(t *testing.T) string {
	t.Helper()
	accepted := ""
	for length := 1; length <= len(longPrefixSource); length++ {
		prefix := longPrefixSource[:length]
		_, err := loadConfig(t, "prod", slices.Concat(everyFeature, []harness.Edit{harness.Set("namePrefix", prefix)})...)
		if err != nil {
			require.NotEmpty(t, accepted, "validation must accept a one-letter namePrefix")
			findProblem(t, problemsOf(t, err), key("namePrefix"), "shorten namePrefix")
			return accepted
		}
		accepted = prefix
	}
	require.Failf(t, "no namePrefix limit", "validation accepted a %d-character namePrefix", len(longPrefixSource))
	return ""
}

// TestEveryPhysicalNameObeysItsServiceRule checks the physical name of every azure-native resource of
// dev, prod, prod with every feature, and prod with every feature and the longest namePrefix
// validation accepts: what validation lets through must deploy.
func TestEveryPhysicalNameObeysItsServiceRule(t *testing.T) {
	t.Parallel()
	prefix := longestAcceptedPrefix(t)
	t.Logf("longest namePrefix validation accepts: %q (%d characters)", prefix, len(prefix))
	variants := append(slices.Clone(featureVariants), stackVariant{
		"prod with every feature and the longest name prefix", "prod",
		slices.Concat(everyFeature, []harness.Edit{harness.Set("namePrefix", prefix)}), nil,
	}, stackVariant{
		"prod with front door and cosmos db and the longest name prefix", "prod",
		slices.Concat(edgeAndData, []harness.Edit{harness.Set("namePrefix", prefix)}), nil,
	}, stackVariant{
		"prod in a landing zone with the longest name prefix", "prod",
		slices.Concat(intoSpoke("prod"), []harness.Edit{harness.Set("namePrefix", prefix)}), harness.SpokeLandingZone(),
	})
	for _, variant := range variants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runVariant(t, variant)
			check := checkPhysicalNames(recording)
			require.Empty(t, check.problems, "physical names that break their service's rule:\n%s", strings.Join(check.problems, "\n"))
			require.Greater(t, check.checked, 50, "the check must have seen the stack's names")
			require.Positive(t, check.exempt, "role assignments are recorded and exempt")
		})
	}
}

// TestPhysicalNameCheckRejectsBadNames proves the whole-stack check can fail: over-long and badly
// formed names, unknown types and missing name inputs are each reported, naming the resource.
func TestPhysicalNameCheckRejectsBadNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		token   string
		inputs  map[string]any
		problem string // "" when the resource must pass
	}{
		{"valid workspace", "azure-native:operationalinsights:Workspace", map[string]any{"workspaceName": "apiplat-dev-log"}, ""},
		{"100-character workspace", "azure-native:operationalinsights:Workspace", map[string]any{"workspaceName": strings.Repeat("l", 100)},
			"is 100 characters; Log Analytics workspace names must be 4-63 characters"},
		{"versioned type token", "azure-native:containerregistry/v20230701:Registry", map[string]any{"registryName": "apiplat-dev-acr"},
			"container registry names may contain letters and digits only"},
		{"key vault starting with a digit", "azure-native:keyvault:Vault", map[string]any{"vaultName": "1apiplat-kv"}, "is not allowed"},
		{"name with a slash", "azure-native:insights:DiagnosticSetting", map[string]any{"name": "apiplat/diagnostics"}, "is not allowed"},
		{"fixed name misspelt", "azure-native:containerservice:MaintenanceConfiguration",
			map[string]any{"resourceName": "apiplat-dev-aks", "configName": "weekly"}, "must be one of default"},
		{"missing name input", "azure-native:network:RouteTable", map[string]any{"resourceGroupName": "apiplat-dev-rg"},
			"no physical name among the inputs"},
		{"type without a rule", "azure-native:storage:StorageAccount", map[string]any{"accountName": "apiplatdev"},
			"type azure-native:storage:StorageAccount has no naming rule and no exemption"},
		{"exempt role assignment", "azure-native:authorization:RoleAssignment", map[string]any{"principalId": "00000000-0000-0000-0000-000000000000"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := &harness.Resource{Type: tc.token, Name: "logical-name", Custom: true, Inputs: resource.NewPropertyMapFromMap(tc.inputs)}
			check := checkPhysicalNames(&harness.Recording{Resources: []*harness.Resource{res}})
			if tc.problem == "" {
				require.Empty(t, check.problems)
				return
			}
			require.Len(t, check.problems, 1)
			require.Contains(t, check.problems[0], tc.problem)
			require.Contains(t, check.problems[0], "logical-name", "the problem names the resource")
		})
	}
}

// TestPhysicalNameCheckCoversInlineNames proves the subnet, DNS label and node resource group names are checked.
func TestPhysicalNameCheckCoversInlineNames(t *testing.T) {
	t.Parallel()
	network := &harness.Resource{Type: "azure-native:network:VirtualNetwork", Name: "vnet", Custom: true,
		Inputs: resource.NewPropertyMapFromMap(map[string]any{"virtualNetworkName": "apiplat-dev-vnet",
			"subnets": []any{map[string]any{"name": "AzureBastionSubnet"}, map[string]any{"name": "-jumpbox"}}})}
	address := &harness.Resource{Type: "azure-native:network:PublicIPAddress", Name: "pip", Custom: true,
		Inputs: resource.NewPropertyMapFromMap(map[string]any{"publicIpAddressName": "apiplat-dev-agw-pip",
			"dnsSettings": map[string]any{"domainNameLabel": "Apiplat-dev-agw-dns"}})}
	cluster := &harness.Resource{Type: "azure-native:containerservice:ManagedCluster", Name: "aks", Custom: true,
		Inputs: resource.NewPropertyMapFromMap(map[string]any{"resourceName": "apiplat-dev-aks", "nodeResourceGroup": strings.Repeat("n", 81)})}

	check := checkPhysicalNames(&harness.Recording{Resources: []*harness.Resource{network, address, cluster}})
	problems := strings.Join(check.problems, "\n")
	require.Len(t, check.problems, 3, problems)
	require.Contains(t, problems, `subnet name "-jumpbox" is not allowed`)
	require.Contains(t, problems, `public IP DNS label name "Apiplat-dev-agw-dns" is not allowed`)
	require.Contains(t, problems, "is 81 characters; resource group names must be 1-80 characters")
	require.Equal(t, 7, check.checked, "three resources, two subnets, one label, one node resource group")
}
