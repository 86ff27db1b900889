// Private endpoints and the data tier: zone groups, zones linked once, bring-your-own targets, and an
// Azure SQL database that is private, Entra-only, audited and reached with workload identity.

package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

const (
	privateEndpointType = "azure-native:network:PrivateEndpoint"
	zoneGroupType       = "azure-native:network:PrivateDnsZoneGroup"
	networkLinkType     = "azure-native:network:VirtualNetworkLink"
	sqlServerType       = "azure-native:sql:Server"
)

// TestEveryPrivateEndpointResolvesPrivately checks, in every stack variant, that each private endpoint
// has exactly one zone group pointing at the zone of its group ID, that every private DNS zone exists
// once and is linked to the virtual network exactly once.
func TestEveryPrivateEndpointResolvesPrivately(t *testing.T) {
	t.Parallel()
	variants := []struct {
		name      string
		stack     string
		edits     []harness.Edit
		endpoints int
	}{
		{"dev", "dev", nil, 2},
		{"prod", "prod", nil, 2},
		{"dev with SQL and bring-your-own stores", "dev", everyFeature, 5},
	}
	for _, variant := range variants {
		t.Run(variant.name, func(t *testing.T) {
			recording := runStack(t, variant.stack, variant.edits...)
			network := virtualNetwork(t, recording)
			zonesByName := map[string]*harness.Resource{}
			for _, zone := range recording.OfType(privateZoneType) {
				name := zone.InputString("privateZoneName")
				assert.NotContains(t, zonesByName, name, "zone %s is created once", name)
				zonesByName[name] = zone
			}
			links := map[string]int{}
			for _, link := range recording.OfType(networkLinkType) {
				assert.Equal(t, network.ID, link.InputString("virtualNetwork.id"))
				assert.Equal(t, false, link.Input("registrationEnabled"))
				links[link.InputString("privateZoneName")]++
			}
			for name := range zonesByName {
				assert.Equal(t, 1, links[name], "zone %s is linked to the network exactly once", name)
			}

			endpoints := recording.OfType(privateEndpointType)
			require.Len(t, endpoints, variant.endpoints)
			for _, endpoint := range endpoints {
				assert.True(t, strings.HasSuffix(endpoint.InputString("subnet.id"), "/subnets/private-endpoints"), "%s is in the endpoints subnet", endpoint.Name)
				groupID := endpoint.InputString("privateLinkServiceConnections[0].groupIds[0]")
				group, known := privatelink.Lookup(groupID)
				require.True(t, known, "%s's group %s is in the table", endpoint.Name, groupID)
				var zoneGroups []*harness.Resource
				for _, zoneGroup := range recording.OfType(zoneGroupType) {
					if zoneGroup.InputString("privateEndpointName") == endpoint.InputString("privateEndpointName") {
						zoneGroups = append(zoneGroups, zoneGroup)
					}
				}
				require.Len(t, zoneGroups, 1, "%s has one zone group", endpoint.Name)
				zone := zonesByName[group.Zone]
				require.NotNil(t, zone, "the %s zone exists for %s", group.Zone, endpoint.Name)
				assert.Equal(t, zone.ID, zoneGroups[0].InputString("privateDnsZoneConfigs[0].privateDnsZoneId"))
			}
		})
	}
}

// TestBringYourOwnStoresGetEndpointsAndZones checks bring-your-own targets from config: the endpoint
// connects to the given resource and sub-resource, and its zone is the table's.
func TestBringYourOwnStoresGetEndpointsAndZones(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", everyFeature...)
	for _, tc := range []struct {
		name, resourceID, groupID, zone string
	}{
		{"orders", cosmosAccountID, "Sql", "privatelink.documents.azure.com"},
		{"files", storageAccountID, "blob", "privatelink.blob.core.windows.net"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			endpoint := recording.Find(privateEndpointType, "apiplat-prod-pe-"+tc.name)
			require.NotNil(t, endpoint)
			assert.Equal(t, tc.resourceID, endpoint.InputString("privateLinkServiceConnections[0].privateLinkServiceId"))
			assert.Equal(t, []any{tc.groupID}, endpoint.Input("privateLinkServiceConnections[0].groupIds"))
			assert.NotNil(t, zoneNamed(t, recording, tc.zone))
			ids, _ := recording.Outputs["privateEndpointIds"].Value.(map[string]string)
			assert.Equal(t, endpoint.ID, ids[tc.name], "the endpoint's ID is a stack output")
			approvals, _ := recording.Outputs["privateEndpointApprovals"].Value.(map[string]string)
			action, err := privatelink.ApprovalAction(tc.resourceID)
			require.NoError(t, err)
			assert.Contains(t, approvals[tc.name], action, "the output names the permission automatic approval needs")
		})
	}
	cosmosAction, err := privatelink.ApprovalAction(cosmosAccountID)
	require.NoError(t, err)
	assert.Equal(t, "Microsoft.DocumentDB/databaseAccounts/privateEndpointConnectionsApproval/action", cosmosAction)
}

// TestBringYourOwnEndpointWithManualApproval checks a target the deployer may not approve for: the
// connection is requested for its owner (manualPrivateLinkServiceConnections, a message of at most 140
// characters), which the endpoint keeps as Pending instead of failing with LinkedAuthorizationFailed,
// and the stack output gives the owner's approval command.
func TestBringYourOwnEndpointWithManualApproval(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev", harness.Set("privateEndpoints.orders.resourceId", cosmosAccountID), harness.Set("privateEndpoints.orders.groupId", "Sql"),
		harness.Set("privateEndpoints.orders.manualApproval", true))
	endpoint := recording.Find(privateEndpointType, "apiplat-dev-pe-orders")
	require.NotNil(t, endpoint)
	assert.Nil(t, endpoint.Input("privateLinkServiceConnections"), "not auto-approved")
	assert.Equal(t, cosmosAccountID, endpoint.InputString("manualPrivateLinkServiceConnections[0].privateLinkServiceId"))
	assert.Equal(t, []any{"Sql"}, endpoint.Input("manualPrivateLinkServiceConnections[0].groupIds"))
	message := endpoint.InputString("manualPrivateLinkServiceConnections[0].requestMessage")
	assert.Equal(t, components.ApprovalRequest, message, "the same message whatever the endpoint's name")
	assert.LessOrEqual(t, len(message), 128, "the network API allows 140 characters, PostgreSQL only 128")
	approvals, _ := recording.Outputs["privateEndpointApprovals"].Value.(map[string]string)
	assert.Contains(t, approvals["orders"], "az network private-endpoint-connection approve")
	assert.Contains(t, approvals["orders"], "apiplat-dev-pe-orders")
	for _, own := range []string{"apiplat-dev-pe-kv", "apiplat-dev-pe-acr"} {
		assert.NotNil(t, recording.Find(privateEndpointType, own).Input("privateLinkServiceConnections"), "the platform's own endpoints approve themselves")
	}
}

// TestSQLIsPrivateEntraOnlyAndFederated checks the optional database: public access disabled, TLS 1.2,
// Entra-only with the configured group as the only administrator, a private endpoint, and a client
// identity federated with the cluster's service account, so pods connect without passwords.
func TestSQLIsPrivateEntraOnlyAndFederated(t *testing.T) {
	t.Parallel()
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			assert.Empty(t, runStack(t, stack).OfType(sqlServerType), "SQL is opt-in")

			recording := runStack(t, stack, everyFeature...)
			cfg := mustLoadConfig(t, stack, everyFeature...)
			server := single(t, recording.OfType(sqlServerType), "SQL server", func(*harness.Resource) bool { return true })
			for path, want := range map[string]any{
				"publicNetworkAccess":                      "Disabled",
				"minimalTlsVersion":                        "1.2",
				"restrictOutboundNetworkAccess":            "Enabled",
				"administrators.administratorType":         "ActiveDirectory",
				"administrators.azureADOnlyAuthentication": true,
				"administrators.principalType":             "Group",
				"administrators.login":                     "sql-admins",
				"administrators.sid":                       sqlAdministratorGroupID,
				"administrators.tenantId":                  harness.TenantID,
			} {
				assert.Equal(t, want, server.Input(path), path)
			}
			assert.Nil(t, server.Input("administratorLogin"), "no SQL login")
			assert.Nil(t, server.Input("administratorLoginPassword"), "no password")
			assert.Equal(t, cfg.Protection.StatefulResourcesProtected, server.Protect)
			entraOnly := single(t, recording.OfType("azure-native:sql:ServerAzureADOnlyAuthentication"), "Entra-only setting", func(*harness.Resource) bool { return true })
			assert.Equal(t, true, entraOnly.Input("azureADOnlyAuthentication"))
			alerts := single(t, recording.OfType("azure-native:sql:ServerSecurityAlertPolicy"), "threat alert policy", func(*harness.Resource) bool { return true })
			assert.Equal(t, server.OutputString("name"), alerts.InputString("serverName"))
			assert.Equal(t, "Default", alerts.InputString("securityAlertPolicyName"))
			assert.Equal(t, "Enabled", alerts.InputString("state"))
			assert.Equal(t, []any{cfg.AlertRecipient()}, alerts.Input("emailAddresses"), "Defender for SQL mails the platform's alert address")
			assert.Empty(t, alerts.Input("disabledAlerts"), "every alert type is on")

			database := single(t, recording.OfType("azure-native:sql:Database"), "database", func(*harness.Resource) bool { return true })
			assert.Equal(t, "app", database.InputString("databaseName"))
			assert.Equal(t, map[string]any{"name": "GP_S_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": float64(1)}, database.Input("sku"),
				"the SKU as ARM returns it, so a refresh shows no difference")
			assert.Equal(t, 0.5, database.Input("minCapacity"))
			assert.Equal(t, float64(60), database.Input("autoPauseDelay"))
			assert.Equal(t, cfg.SQL.ZoneRedundant, database.Input("zoneRedundant"))
			assert.Equal(t, stack == "prod", cfg.SQL.ZoneRedundant, "zone-redundant in prod only")

			endpoint := recording.Find(privateEndpointType, "apiplat-"+stack+"-pe-sql")
			require.NotNil(t, endpoint)
			assert.Equal(t, server.ID, endpoint.InputString("privateLinkServiceConnections[0].privateLinkServiceId"))
			assert.Equal(t, []any{"sqlServer"}, endpoint.Input("privateLinkServiceConnections[0].groupIds"))

			cluster := single(t, recording.OfType(clusterType), "cluster", func(*harness.Resource) bool { return true })
			credential := single(t, recording.OfType("azure-native:managedidentity:FederatedIdentityCredential"), "federated credential", func(*harness.Resource) bool { return true })
			assert.Equal(t, cluster.OutputString("oidcIssuerProfile.issuerURL"), credential.InputString("issuer"))
			assert.Equal(t, "system:serviceaccount:echo:sql-client", credential.InputString("subject"))
			assert.Equal(t, []any{components.WorkloadIdentityAudience}, credential.Input("audiences"))

			connection, _ := recording.Outputs["sqlConnectionString"].Value.(string)
			assert.Contains(t, connection, "Authentication=Active Directory Workload Identity")
			assert.Contains(t, connection, server.OutputString("fullyQualifiedDomainName"))
			assert.NotContains(t, strings.ToLower(connection), "password")
			script, _ := recording.Outputs["sqlGrantScript"].Value.(string)
			assert.Contains(t, script, "CREATE USER [apiplat-"+stack+"-sql-client-id] FROM EXTERNAL PROVIDER;")
		})
	}
}

// TestSQLClientServiceAccount checks the in-cluster half of workload identity: the service account
// carries the client identity's client ID.
func TestSQLClientServiceAccount(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "dev", append(slices.Clone(everyFeature), harness.Set("kubernetes.deployInCluster", true))...)
	account := recording.Find("kubernetes:core/v1:ServiceAccount", "apiplat-dev-echo-sql-client")
	require.NotNil(t, account)
	assert.Equal(t, "echo", account.InputString("metadata.namespace"))
	assert.Equal(t, recording.Outputs["sqlClientId"].Value, account.InputString(`metadata.annotations.azure\.workload\.identity/client-id`))

	// The pods must use the account and opt in to the webhook, or they get no token: the Azure Workload
	// Identity webhook mutates only pods labelled azure.workload.identity/use=true, and projects the
	// token of the pod's own service account (azure-workload-identity, pkg/webhook/webhook.go).
	deployment := kubernetesObject(t, recording, "kubernetes:apps/v1:Deployment", "echo")
	assert.Equal(t, "sql-client", deployment.InputString("spec.template.spec.serviceAccountName"))
	assert.Equal(t, "true", deployment.InputString(`spec.template.metadata.labels.azure\.workload\.identity/use`))

	cfg := mustLoadConfig(t, "dev", everyFeature...)
	egress, _ := kubernetesObject(t, recording, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "allow-egress").Input("spec.egress").([]any)
	assert.Contains(t, egress, map[string]any{
		"to":    []any{map[string]any{"ipBlock": map[string]any{"cidr": cfg.Network.Subnets.PrivateEndpoints}}},
		"ports": []any{map[string]any{"port": float64(components.SQLPort), "protocol": "TCP"}},
	}, "the pods may reach the database's private endpoint")
	assert.Contains(t, egress, map[string]any{"to": []any{map[string]any{"ipBlock": map[string]any{"cidr": "0.0.0.0/0"}}},
		"ports": []any{map[string]any{"port": float64(443), "protocol": "TCP"}}}, "and Microsoft Entra ID for their tokens, not in-cluster pods")

	without := kubernetesObject(t, runStack(t, "dev", harness.Set("kubernetes.deployInCluster", true)), "kubernetes:apps/v1:Deployment", "echo")
	assert.Nil(t, without.Input("spec.template.spec.serviceAccountName"), "without SQL the pods keep no identity")
	assert.Nil(t, without.Input(`spec.template.metadata.labels.azure\.workload\.identity/use`))
}

// TestGrantScriptQuotesTheUser checks the T-SQL names the identity safely.
func TestGrantScriptQuotesTheUser(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "CREATE USER [odd]]name] FROM EXTERNAL PROVIDER;\nALTER ROLE db_datareader ADD MEMBER [odd]]name];\nALTER ROLE db_datawriter ADD MEMBER [odd]]name];\n",
		components.GrantScript("odd]name"))
}

// TestPrivateLinkTable checks the group table's invariants: every zone is a privatelink zone, every
// resource type is Namespace/type, and overlap detection works both ways.
func TestPrivateLinkTable(t *testing.T) {
	t.Parallel()
	for _, groupID := range privatelink.SupportedGroups() {
		group, _ := privatelink.Lookup(groupID)
		assert.True(t, strings.HasPrefix(group.Zone, "privatelink."), "%s's zone %s", groupID, group.Zone)
		for _, resourceType := range group.ResourceTypes {
			assert.Regexp(t, `^Microsoft\.[A-Za-z]+/[A-Za-z]+$`, resourceType)
		}
	}
	cases := []struct {
		a, b     string
		overlaps bool
	}{
		{"contoso.example", "contoso.example", true},
		{"echo.internal.contoso.example", "internal.contoso.example", true},
		{"internal.contoso.example", "echo.internal.contoso.example", true},
		{"gateway.internal.contoso.example", "echo.internal.contoso.example", false},
		{"notcontoso.example", "contoso.example", false},
		{"Blob.Core.Windows.Net.", "core.windows.net", true},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.overlaps, privatelink.Overlaps(tc.a, tc.b), "%s vs %s", tc.a, tc.b)
	}
}

// TestDatabaseSKUs checks service objectives are split the way ARM returns them, with the smallest
// serverless minimum each size allows.
func TestDatabaseSKUs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		objective   string
		want        components.DatabaseSKU
		minCapacity float64
	}{
		{"GP_S_Gen5_1", components.DatabaseSKU{Name: "GP_S_Gen5", Tier: "GeneralPurpose", Family: "Gen5", Capacity: 1, Serverless: true}, 0.5},
		{"GP_S_Gen5_6", components.DatabaseSKU{Name: "GP_S_Gen5", Tier: "GeneralPurpose", Family: "Gen5", Capacity: 6, Serverless: true}, 0.75},
		{"GP_S_Gen5_10", components.DatabaseSKU{Name: "GP_S_Gen5", Tier: "GeneralPurpose", Family: "Gen5", Capacity: 10, Serverless: true}, 1.25},
		{"GP_Gen5_2", components.DatabaseSKU{Name: "GP_Gen5", Tier: "GeneralPurpose", Family: "Gen5", Capacity: 2}, 0.5},
		{"BC_Gen5_4", components.DatabaseSKU{Name: "BC_Gen5", Tier: "BusinessCritical", Family: "Gen5", Capacity: 4}, 0.5},
		{"HS_Gen5_8", components.DatabaseSKU{Name: "HS_Gen5", Tier: "Hyperscale", Family: "Gen5", Capacity: 8}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.objective, func(t *testing.T) {
			sku, err := components.ParseDatabaseSKU(tc.objective)
			require.NoError(t, err)
			assert.Equal(t, tc.want, sku)
			assert.Equal(t, tc.minCapacity, sku.MinCapacity())
		})
	}
	for _, bad := range []string{"S0", "GP_Gen5", "XX_Gen5_2", "GP_Gen5_x"} {
		_, err := components.ParseDatabaseSKU(bad)
		assert.Error(t, err, bad)
	}
}
