// Key Vault: private and RBAC-only, the secrets it serves, who may read them, how it is reached.

package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	vaultType          = "azure-native:keyvault:Vault"
	roleAssignmentType = "azure-native:authorization:RoleAssignment"
	identityType       = "azure-native:managedidentity:UserAssignedIdentity"
	privateZoneType    = "azure-native:network:PrivateZone"
)

// stackVault returns the stack's one vault.
func stackVault(t *testing.T, recording *harness.Recording) *harness.Resource {
	t.Helper()
	vaults := recording.OfType(vaultType)
	require.Len(t, vaults, 1)
	return vaults[0]
}

// TestKeyVaultIsPrivateAndRBACOnly checks the vault's posture in both stacks.
func TestKeyVaultIsPrivateAndRBACOnly(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg := mustLoadConfig(t, stack)
			vault := stackVault(t, runStack(t, stack))
			for path, want := range map[string]any{
				"properties.enableRbacAuthorization":         true,
				"properties.enableSoftDelete":                true,
				"properties.softDeleteRetentionInDays":       float64(90),
				"properties.enablePurgeProtection":           true,
				"properties.publicNetworkAccess":             "Disabled",
				"properties.networkAcls.defaultAction":       "Deny",
				"properties.networkAcls.bypass":              "AzureServices",
				"properties.networkAcls.ipRules":             []any{},
				"properties.networkAcls.virtualNetworkRules": []any{},
				"properties.tenantId":                        harness.TenantID,
				"properties.enabledForTemplateDeployment":    false,
			} {
				assert.Equal(t, want, vault.Input(path), path)
			}
			assert.Nil(t, vault.Input("properties.accessPolicies"), "RBAC only: no access policies")
			assert.Regexp(t, "^apiplat-"+stack+"-kv[a-z0-9]{6}$", vault.InputString("vaultName"))
			assert.Equal(t, cfg.Protection.StatefulResourcesProtected, vault.Protect, "protected in prod only")
		})
	}
}

// TestKeyVaultServesTheChain checks the vault holds exactly the chain's secrets, PFX or PEM.
func TestKeyVaultServesTheChain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack string
		edits []harness.Edit
		want  map[string]string
	}{
		{"dev", nil, map[string]string{"ca-certificate": "application/x-pem-file", "apim-gateway": "application/x-pkcs12",
			"apim-client": "application/x-pkcs12", "ingress-server": "application/x-pkcs12", "listener": "application/x-pkcs12"}},
		{"prod", []harness.Edit{harness.Set("certificates.listenerKeyVaultSecretId", "https://contoso-kv.vault.azure.net/secrets/api")},
			map[string]string{"ca-certificate": "application/x-pem-file", "apim-gateway": "application/x-pkcs12",
				"apim-client": "application/x-pkcs12", "ingress-server": "application/x-pkcs12"}},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			recording := runStack(t, tc.stack, tc.edits...)
			vault := stackVault(t, recording)
			got := map[string]string{}
			for _, secret := range recording.OfType(secretType) {
				assert.Equal(t, vault.OutputString("name"), secret.InputString("vaultName"))
				assert.True(t, secret.DependsOn(vault))
				got[secret.InputString("secretName")] = secret.InputString("properties.contentType")
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestSecretReadersAreScopedToTheVault checks the role assignments: Key Vault Secrets User, scoped to
// the vault, for exactly the Application Gateway identity.
func TestSecretReadersAreScopedToTheVault(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod")
	vault := stackVault(t, recording)
	identity := recording.Find(identityType, "apiplat-prod-agw-id")
	require.NotNil(t, identity)
	var principals []string
	for _, assignment := range recording.OfType(roleAssignmentType) {
		if assignment.InputString("roleDefinitionId") != "/subscriptions/"+harness.SubscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/"+components.KeyVaultSecretsUserRole {
			continue
		}
		assert.Equal(t, vault.ID, assignment.InputString("scope"), "scoped to the vault, not the group or subscription")
		assert.Equal(t, "/subscriptions/"+harness.SubscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/"+components.KeyVaultSecretsUserRole,
			assignment.InputString("roleDefinitionId"))
		assert.Equal(t, "ServicePrincipal", assignment.InputString("principalType"))
		principals = append(principals, assignment.InputString("principalId"))
	}
	assert.ElementsMatch(t, []string{identity.OutputString("principalId")}, principals, "only Application Gateway reads the vault")
}

// TestKeyVaultIsReachedPrivately checks the vault's private endpoint and its DNS.
func TestKeyVaultIsReachedPrivately(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev")
	vault := stackVault(t, recording)
	network := virtualNetwork(t, recording)
	endpoint := endpointFor(t, recording, "vault")
	assert.Equal(t, network.ID+"/subnets/"+string(naming.SubnetPrivateEndpoints), endpoint.InputString("subnet.id"))
	assert.Equal(t, vault.ID, endpoint.InputString("privateLinkServiceConnections[0].privateLinkServiceId"))
	assert.Equal(t, []any{"vault"}, endpoint.Input("privateLinkServiceConnections[0].groupIds"))

	zone := zoneNamed(t, recording, "privatelink.vaultcore.azure.net")
	assert.Equal(t, "global", zone.InputString("location"))
	links := linksOf(recording, zone)
	require.Len(t, links, 1, "the zone is linked once")
	assert.Equal(t, network.ID, links[0].InputString("virtualNetwork.id"))
	assert.Equal(t, false, links[0].Input("registrationEnabled"))
	group := zoneGroupOf(t, recording, endpoint)
	assert.Equal(t, zone.ID, group.InputString("privateDnsZoneConfigs[0].privateDnsZoneId"))
}

// TestKeyVaultComponentOutputs runs the component with a workspace: versionless secret URIs, the vault
// URI, and a diagnostic setting sending AuditEvent to the workspace.
func TestKeyVaultComponentOutputs(t *testing.T) {
	t.Parallel()
	var secretURIs map[string]string
	var vaultURI string
	recording, err := harness.Run(func(ctx *pulumi.Context) error {
		vault, err := components.NewKeyVault(ctx, "unit", &components.KeyVaultArgs{
			ResourceGroupName:       pulumi.String("unit-rg"),
			Location:                "westeurope",
			VaultName:               pulumi.String("unit-kvabc123"),
			TenantID:                pulumi.String(harness.TenantID),
			Secrets:                 map[string]components.KeyVaultSecret{"one": {Value: pulumi.String("1"), ContentType: "text/plain"}},
			Readers:                 map[string]pulumi.StringInput{"reader": pulumi.String("principal")},
			LogAnalyticsWorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"),
		})
		if err != nil {
			return err
		}
		if secretURIs, err = harness.Await[map[string]string](vault.SecretURIs); err != nil {
			return err
		}
		vaultURI, err = harness.Await[string](vault.VaultURI)
		return err
	}, "unit", "test", map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"one": "https://unit-kvabc123.vault.azure.net/secrets/one"}, secretURIs, "versionless")
	assert.Equal(t, "https://unit-kvabc123.vault.azure.net/", vaultURI)
	settings := recording.OfType("azure-native:insights:DiagnosticSetting")
	require.Len(t, settings, 1)
	vault := stackVault(t, recording)
	assert.Equal(t, vault.ID, settings[0].InputString("resourceUri"))
	assert.Equal(t, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log", settings[0].InputString("workspaceId"))
	assert.Equal(t, "AuditEvent", settings[0].InputString("logs[0].category"))
	assert.Equal(t, true, settings[0].Input("logs[0].enabled"))
	assert.False(t, vault.Protect, "unprotected unless asked")
}

// TestPrivateEndpointsShareZonesAndRejectUnknownGroups checks zones are created once per name and an
// unknown group ID is refused with the supported ones listed.
func TestPrivateEndpointsShareZonesAndRejectUnknownGroups(t *testing.T) {
	t.Parallel()
	targets := []components.PrivateEndpointTarget{
		{Name: "kv-one", ResourceID: pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/one"), GroupID: "vault"},
		{Name: "kv-two", ResourceID: pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/two"), GroupID: "vault"},
		{Name: "acr", ResourceID: pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr"), GroupID: "registry"},
	}
	run := func(targets []components.PrivateEndpointTarget) (*harness.Recording, error) {
		return harness.Run(func(ctx *pulumi.Context) error {
			_, err := components.NewPrivateEndpoints(ctx, "unit", &components.PrivateEndpointsArgs{
				ResourceGroupName: pulumi.String("rg"), Location: "westeurope",
				SubnetID: pulumi.String("/subnet"), VirtualNetworkID: pulumi.String("/vnet"), Targets: targets,
			})
			return err
		}, "unit", "test", map[string]string{})
	}
	recording, err := run(targets)
	require.NoError(t, err)
	var zones []string
	for _, zone := range recording.OfType(privateZoneType) {
		zones = append(zones, zone.InputString("privateZoneName"))
	}
	slices.Sort(zones)
	assert.Equal(t, []string{"privatelink.azurecr.io", "privatelink.vaultcore.azure.net"}, zones)
	assert.Len(t, recording.OfType("azure-native:network:VirtualNetworkLink"), 2)
	assert.Len(t, recording.OfType("azure-native:network:PrivateEndpoint"), 3)

	_, err = run([]components.PrivateEndpointTarget{{Name: "odd", ResourceID: pulumi.String("/x"), GroupID: "nosuch"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `group ID "nosuch" is not a supported group ID; supported: `+strings.Join(privatelink.SupportedGroups(), ", "))
	assert.Contains(t, privatelink.SupportedGroups(), "Sql", "Cosmos DB (NoSQL) is supported as bring-your-own")
}

// zoneNamed returns the private DNS zone with the given name.
func zoneNamed(t *testing.T, recording *harness.Recording, name string) *harness.Resource {
	t.Helper()
	return single(t, recording.OfType(privateZoneType), "zone "+name, func(zone *harness.Resource) bool {
		return zone.InputString("privateZoneName") == name
	})
}

// linksOf returns the virtual network links of a zone.
func linksOf(recording *harness.Recording, zone *harness.Resource) []*harness.Resource {
	var links []*harness.Resource
	for _, link := range recording.OfType("azure-native:network:VirtualNetworkLink") {
		if link.InputString("privateZoneName") == zone.OutputString("name") {
			links = append(links, link)
		}
	}
	return links
}

// endpointFor returns the one private endpoint for a private link group ID.
func endpointFor(t *testing.T, recording *harness.Recording, groupID string) *harness.Resource {
	t.Helper()
	return single(t, recording.OfType("azure-native:network:PrivateEndpoint"), "private endpoint for "+groupID, func(endpoint *harness.Resource) bool {
		groups, _ := endpoint.Input("privateLinkServiceConnections[0].groupIds").([]any)
		return len(groups) == 1 && groups[0] == groupID
	})
}

// zoneGroupOf returns the one DNS zone group of a private endpoint.
func zoneGroupOf(t *testing.T, recording *harness.Recording, endpoint *harness.Resource) *harness.Resource {
	t.Helper()
	return single(t, recording.OfType("azure-native:network:PrivateDnsZoneGroup"), "zone group of "+endpoint.Name, func(group *harness.Resource) bool {
		return group.InputString("privateEndpointName") == endpoint.OutputString("name")
	})
}
