// The systems of issue 19 as the program records them: Cosmos DB created privately with Entra-only
// access, Microsoft Sentinel on the workspace, and Front Door in front of a gateway closed to everyone
// else.

package tests

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/components"
	"github.com/apiplatform/azure-api-platform/internal/harness"
)

// ofTypeKey returns the resources known by a type key (harness.Resource.TypeKey): typed resources by
// their token, generic ones by the typed resource they stand for.
func ofTypeKey(recording *harness.Recording, key string) []*harness.Resource {
	var found []*harness.Resource
	for _, res := range recording.Resources {
		if res.Custom && res.TypeKey() == key {
			found = append(found, res)
		}
	}
	return found
}

// only returns the one resource of a type key.
func only(t *testing.T, recording *harness.Recording, key string) *harness.Resource {
	t.Helper()
	found := ofTypeKey(recording, key)
	require.Len(t, found, 1, key)
	return found[0]
}

// TestCosmosDBIsCreatedPrivatelyWithEntraOnly checks the account in both profiles: keys and public
// access off, TLS 1.2, the profile's backup, zones and capacity mode, the database and container from
// config, the private endpoint with its zone, resource-specific diagnostics, and the data contributor
// role granted to the federated client identity at account scope.
func TestCosmosDBIsCreatedPrivatelyWithEntraOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stack, backup       string
		zoneRedundant       bool
		serverless          bool
		autoscaleMaxRUPerS  any
		containerName, path string
	}{
		{"dev", "Continuous7Days", false, true, nil, "items", "/id"},
		{"prod", "Continuous30Days", true, false, float64(4000), "orders", "/tenantId"},
	}
	for _, tc := range cases {
		t.Run(tc.stack, func(t *testing.T) {
			edits := append(slices.Clone(edgeAndData), harness.Set("cosmosDb.containerName", tc.containerName), harness.Set("cosmosDb.partitionKeyPath", tc.path))
			if tc.autoscaleMaxRUPerS != nil {
				edits = append(edits, harness.Set("cosmosDb.autoscaleMaxThroughput", 4000))
			}
			recording := runStack(t, tc.stack, edits...)
			account := only(t, recording, "azure-native:documentdb:DatabaseAccount")
			assert.Equal(t, components.CosmosDBAPIVersion, account.InputString("apiVersion"), "the API version is pinned")
			assert.Equal(t, "GlobalDocumentDB", account.InputString("kind"))
			assert.Equal(t, "westeurope", account.InputString("location"))
			for path, want := range map[string]any{
				"properties.publicNetworkAccess": "Disabled", "properties.disableLocalAuth": true, "properties.minimalTlsVersion": "Tls12",
				"properties.disableKeyBasedMetadataWriteAccess": true, "properties.networkAclBypass": "None",
				"properties.locations[0].locationName": "westeurope", "properties.locations[0].isZoneRedundant": tc.zoneRedundant,
				"properties.backupPolicy.type": "Continuous", "properties.backupPolicy.continuousModeProperties.tier": tc.backup,
				"properties.databaseAccountOfferType": "Standard",
			} {
				assert.Equal(t, want, account.Input(path), path)
			}
			capabilities, _ := account.Input("properties.capabilities").([]any)
			serverless := slices.ContainsFunc(capabilities, func(capability any) bool { return capability.(map[string]any)["name"] == "EnableServerless" })
			assert.Equal(t, tc.serverless, serverless, "serverless in dev only")

			database := only(t, recording, "azure-native:documentdb:SqlResourceSqlDatabase")
			assert.Equal(t, "app", database.InputString("properties.resource.id"))
			assert.Equal(t, "databaseAccounts/"+account.OutputString("name"), database.InputString("parentResourcePath"))
			container := only(t, recording, "azure-native:documentdb:SqlResourceSqlContainer")
			assert.Equal(t, tc.containerName, container.InputString("properties.resource.id"))
			assert.Equal(t, []any{tc.path}, container.Input("properties.resource.partitionKey.paths"))
			assert.Equal(t, float64(2), container.Input("properties.resource.partitionKey.version"))
			assert.Equal(t, tc.autoscaleMaxRUPerS, container.Input("properties.options.autoscaleSettings.maxThroughput"), "autoscale only when provisioned")

			endpoint := recording.Find("azure-native:network:PrivateEndpoint", "apiplat-"+tc.stack+"-pe-cosmos")
			require.NotNil(t, endpoint)
			assert.Equal(t, account.ID, endpoint.InputString("privateLinkServiceConnections[0].privateLinkServiceId"))
			assert.Equal(t, []any{"Sql"}, endpoint.Input("privateLinkServiceConnections[0].groupIds"))
			zone := recording.Find("azure-native:network:PrivateZone", "apiplat-"+tc.stack+"-dns-sql")
			require.NotNil(t, zone, "the Sql group's zone")
			assert.Equal(t, "privatelink.documents.azure.com", zone.InputString("privateZoneName"))
			zoneGroup := recording.Find("azure-native:network:PrivateDnsZoneGroup", "apiplat-"+tc.stack+"-pe-cosmos-dns")
			require.NotNil(t, zoneGroup)
			assert.Equal(t, zone.ID, zoneGroup.InputString("privateDnsZoneConfigs[0].privateDnsZoneId"))

			setting := single(t, recording.OfType(diagnosticSettingType), "account's setting", func(res *harness.Resource) bool { return res.InputString("resourceUri") == account.ID })
			assert.Equal(t, "Dedicated", setting.InputString("logAnalyticsDestinationType"))
			assert.Subset(t, enabledCategories(setting, "logs"), []string{"DataPlaneRequests", "ControlPlaneRequests", "QueryRuntimeStatistics"})

			identity := recording.Find("azure-native:managedidentity:UserAssignedIdentity", "apiplat-"+tc.stack+"-cosmos-client-id")
			require.NotNil(t, identity)
			federation := recording.Find("azure-native:managedidentity:FederatedIdentityCredential", "apiplat-"+tc.stack+"-cosmos-client-id-federation")
			require.NotNil(t, federation)
			assert.Equal(t, "system:serviceaccount:echo:cosmos-client", federation.InputString("subject"))
			assignment := only(t, recording, "azure-native:documentdb:SqlResourceSqlRoleAssignment")
			assert.Equal(t, account.ID+"/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002", assignment.InputString("properties.roleDefinitionId"))
			assert.Equal(t, identity.OutputString("principalId"), assignment.InputString("properties.principalId"), "the identity Azure created, by the principal ID it reported")
			assert.Equal(t, account.ID, assignment.InputString("properties.scope"), "at account scope")
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, assignment.InputString("resourceName"), "the name is a GUID")
			assert.True(t, recording.WaitsFor(assignment, account), "the assignment waits for the account, minutes after the identity exists in Entra ID")

			account2 := recording.Find("kubernetes:core/v1:ServiceAccount", "apiplat-"+tc.stack+"-echo-cosmos-client")
			require.NotNil(t, account2, "the in-cluster service account pods use")
			assert.Equal(t, identity.OutputString("clientId"), account2.InputString("metadata.annotations.azure\\.workload\\.identity/client-id"))
			assert.Equal(t, account.Output("properties").(map[string]any)["documentEndpoint"], recording.Outputs["cosmosDbEndpoint"].Value,
				"the endpoint is the one Azure reports")
		})
	}
}

// TestSentinelOnboardsTheWorkspaceInProd checks Sentinel in prod (on by the profile) and its absence in
// dev: the current onboarding API on the workspace, the activity log through a subscription diagnostic
// setting, and the Defender for Cloud connector created after the onboarding.
func TestSentinelOnboardsTheWorkspaceInProd(t *testing.T) {
	t.Parallel()
	assert.Empty(t, ofTypeKey(runStack(t, "dev"), "azure-native:securityinsights:SentinelOnboardingState"), "off in dev")
	recording := runStack(t, "prod")
	workspace := single(t, recording.OfType(workspaceType), "workspace", func(*harness.Resource) bool { return true })
	onboarding := only(t, recording, "azure-native:securityinsights:SentinelOnboardingState")
	assert.Equal(t, components.SentinelAPIVersion, onboarding.InputString("apiVersion"))
	assert.Equal(t, "default", onboarding.InputString("resourceName"))
	assert.Equal(t, workspace.ID+"/providers/Microsoft.SecurityInsights/onboardingStates/default", onboarding.ID, "an extension of the workspace")
	assert.Nil(t, onboarding.Input("location"), "an extension resource has no location")

	connector := only(t, recording, "azure-native:securityinsights:ASCDataConnector")
	assert.Equal(t, "AzureSecurityCenter", connector.InputString("kind"))
	assert.Equal(t, harness.SubscriptionID, connector.InputString("properties.subscriptionId"), "the deployment's subscription, as Azure reports it")
	assert.Equal(t, "Enabled", connector.InputString("properties.dataTypes.alerts.state"))
	assert.True(t, recording.WaitsFor(connector, onboarding), "a connector needs an onboarded workspace")

	activity := single(t, recording.OfType("azure-native:insights:SubscriptionDiagnosticSetting"), "activity log setting", func(*harness.Resource) bool { return true })
	assert.Equal(t, workspace.ID, activity.InputString("workspaceId"))
	assert.ElementsMatch(t, components.ActivityLogCategories, enabledCategories(activity, "logs"))
	assert.Len(t, components.ActivityLogCategories, 8, "every activity log category")
	assert.Equal(t, onboarding.ID, recording.Outputs["sentinelOnboardingId"].Value)
}

// TestFrontDoorClosesThePathAroundIt checks Front Door and what closes the gateway: Premium with its WAF
// in Prevention, the public host on a managed certificate, the gateway (by the DNS name Azure gave its
// address) as the only origin over HTTPS, the gateway's WAF admitting only this profile's ID, and its
// subnet admitting only Front Door's service tag on 443.
func TestFrontDoorClosesThePathAroundIt(t *testing.T) {
	t.Parallel()
	recording := runStack(t, "prod", edgeAndData...)
	profile := single(t, recording.OfType("azure-native:cdn:Profile"), "profile", func(*harness.Resource) bool { return true })
	assert.Equal(t, components.FrontDoorSKU, profile.InputString("sku.name"))
	waf := single(t, recording.OfType("azure-native:network:Policy"), "Front Door WAF", func(*harness.Resource) bool { return true })
	assert.Equal(t, "Premium_AzureFrontDoor", waf.InputString("sku.name"))
	assert.Equal(t, "Prevention", waf.InputString("policySettings.mode"))
	assert.Equal(t, map[string]any{"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Block"}, waf.Input("managedRules.managedRuleSets[0]"))
	assert.Equal(t, map[string]any{"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"}, waf.Input("managedRules.managedRuleSets[1]"))
	assert.Equal(t, "RateLimitRule", waf.InputString("customRules.rules[0].ruleType"))
	assert.Equal(t, float64(600), waf.Input("customRules.rules[0].rateLimitThreshold"), "applicationGateway.rateLimitPerMinute moves to Front Door")
	policy := single(t, recording.OfType("azure-native:cdn:SecurityPolicy"), "security policy", func(*harness.Resource) bool { return true })
	assert.Equal(t, waf.ID, policy.InputString("parameters.wafPolicy.id"))
	endpoint := single(t, recording.OfType("azure-native:cdn:AFDEndpoint"), "endpoint", func(*harness.Resource) bool { return true })
	domain := single(t, recording.OfType("azure-native:cdn:AFDCustomDomain"), "domain", func(*harness.Resource) bool { return true })
	assert.ElementsMatch(t, []any{map[string]any{"id": endpoint.ID}, map[string]any{"id": domain.ID}}, policy.Input("parameters.associations[0].domains"))
	assert.Equal(t, "api.contoso.example", domain.InputString("hostName"))
	assert.Equal(t, "ManagedCertificate", domain.InputString("tlsSettings.certificateType"))
	assert.Equal(t, "TLS12", domain.InputString("tlsSettings.minimumTlsVersion"))

	origin := single(t, recording.OfType("azure-native:cdn:AFDOrigin"), "origin", func(*harness.Resource) bool { return true })
	assert.Equal(t, frontDoorOrigin, origin.InputString("hostName"), "Front Door's TLS name and certificate check: a name of the user's, not the gateway's Azure name")
	assert.Equal(t, frontDoorOrigin, origin.InputString("originHostHeader"), "the Host header selects the listener")
	assert.Equal(t, frontDoorOrigin, applicationGateway(t, recording).InputString("httpListeners[0].hostName"), "the gateway's listener serves the origin host")
	assert.Equal(t, true, origin.Input("enforceCertificateNameCheck"))
	group := single(t, recording.OfType("azure-native:cdn:AFDOriginGroup"), "origin group", func(*harness.Resource) bool { return true })
	assert.Equal(t, components.APIManagementStatusPath, group.InputString("healthProbeSettings.probePath"))
	assert.Equal(t, "Https", group.InputString("healthProbeSettings.probeProtocol"))
	route := single(t, recording.OfType("azure-native:cdn:Route"), "route", func(*harness.Resource) bool { return true })
	assert.Equal(t, "HttpsOnly", route.InputString("forwardingProtocol"))
	assert.Equal(t, "Enabled", route.InputString("httpsRedirect"))
	assert.Nil(t, route.Input("cacheConfiguration"), "an API is never cached")
	assert.True(t, recording.WaitsFor(route, origin), "a route needs its group's origin")

	gatewayWAF := single(t, recording.OfType("azure-native:network:WebApplicationFirewallPolicy"), "gateway WAF", func(*harness.Resource) bool { return true })
	rules, _ := gatewayWAF.Input("customRules").([]any)
	require.Len(t, rules, 1, "the Front Door rule only: the per-address limit is Front Door's")
	assert.Equal(t, map[string]any{
		"matchVariables": []any{map[string]any{"variableName": "RequestHeaders", "selector": "X-Azure-FDID"}},
		"operator":       "Equal", "negationConditon": true, "matchValues": []any{strings.ToLower(profile.OutputString("frontDoorId"))}, "transforms": []any{"Lowercase"},
	}, rules[0].(map[string]any)["matchConditions"].([]any)[0], "the ID Azure gave the profile, in lower case")
	assert.Equal(t, "Block", rules[0].(map[string]any)["action"])

	group443 := recording.Find("azure-native:network:NetworkSecurityGroup", "apiplat-prod-nsg-application-gateway")
	require.NotNil(t, group443)
	for name, rule := range securityRulesOf(group443) {
		if rule["direction"] == "Inbound" && rule["access"] == "Allow" {
			assert.NotContains(t, []string{"Internet", "*", "0.0.0.0/0"}, rule["sourceAddressPrefix"], "rule %s admits the Internet around Front Door", name)
		}
	}
	frontDoor := securityRulesOf(group443)["allow-front-door-https-inbound"]
	require.NotNil(t, frontDoor)
	assert.Equal(t, "AzureFrontDoor.Backend", frontDoor["sourceAddressPrefix"])
	assert.Equal(t, []string{"443"}, ports(frontDoor))
	assert.Equal(t, "Deny", securityRulesOf(group443)["deny-internet-inbound"]["access"], "and everyone else is denied before Azure's defaults")

	assert.Equal(t, endpoint.OutputString("hostName"), recording.Outputs["frontDoorEndpointHostName"].Value)
	assert.Equal(t, domain.Output("validationProperties").(map[string]any)["validationToken"], recording.Outputs["frontDoorValidationToken"].Value)
}
