// Bad input: every validation case returns a clear problem naming the key, and nothing is registered.

package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/apiplatform/azure-api-platform/internal/harness"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// badInputCases are the invalid configurations and the problem each must produce.
var badInputCases = []struct {
	name  string
	stack string
	edits []harness.Edit
	key   string // setting path the problem must name
	text  string // what the message must say
}{
	// Address plan.
	{"address space is not a CIDR", "dev", []harness.Edit{harness.Set("network.addressSpace", "10.42.0.0")},
		"network.addressSpace", "is not an IPv4 CIDR block"},
	{"address space prefix out of range", "dev", []harness.Edit{harness.Set("network.addressSpace", "10.42.0.0/33")},
		"network.addressSpace", "is not an IPv4 CIDR block"},
	{"address space is IPv6", "dev", []harness.Edit{harness.Set("network.addressSpace", "fd00::/48")},
		"network.addressSpace", "is not IPv4"},
	{"address space has host bits", "dev", []harness.Edit{harness.Set("network.addressSpace", "10.42.7.0/16")},
		"network.addressSpace", "did you mean 10.42.0.0/16"},
	{"address space overlaps link-local", "dev", []harness.Edit{harness.Set("network.addressSpace", "169.254.0.0/16")},
		"network.addressSpace", "overlaps 169.254.0.0/16"},
	{"subnet is not a CIDR", "dev", []harness.Edit{harness.Set("network.subnets.apiManagement", "10.42.1.0-27")},
		"network.subnets.apiManagement", "is not an IPv4 CIDR block"},
	{"subnet has host bits", "dev", []harness.Edit{harness.Set("network.subnets.apiManagement", "10.42.1.5/27")},
		"network.subnets.apiManagement", "did you mean 10.42.1.0/27"},
	{"subnets overlap", "dev", []harness.Edit{harness.Set("network.subnets.apiManagement", "10.42.0.128/27")},
		"network.subnets.apiManagement", "overlaps network.subnets.applicationGateway"},
	{"subnet outside the address space", "dev", []harness.Edit{harness.Set("network.subnets.privateEndpoints", "10.99.2.0/27")},
		"network.subnets.privateEndpoints", "is outside network.addressSpace 10.42.0.0/16"},
	{"subnet smaller than /29", "dev", []harness.Edit{harness.Set("network.subnets.privateEndpoints", "10.42.2.0/30")},
		"network.subnets.privateEndpoints", "smaller than the smallest Azure subnet"},
	{"application gateway subnet too small for max capacity", "prod", []harness.Edit{harness.Set("network.subnets.applicationGateway", "10.43.0.0/29")},
		"network.subnets.applicationGateway", "applicationGateway.maxCapacity 10 needs 15 addresses"},
	{"API Management subnet too small for Premium units", "prod", []harness.Edit{harness.Set("network.subnets.apiManagement", "10.43.1.0/29")},
		"network.subnets.apiManagement", "Premium with 2 unit(s) in internal mode needs 10 addresses"},
	{"AKS node subnet too small for max node count", "dev", []harness.Edit{harness.Set("kubernetes.userPool.maxCount", 40), harness.Set("network.subnets.kubernetesNodes", "10.42.8.0/27")},
		"network.subnets.kubernetesNodes", "kubernetes.userPool.maxCount 40 needs 62 addresses (5 Azure-reserved + 56 nodes including 33% upgrade surge + 1 internal ingress IP), /27 has 32; use /26 or larger"},
	{"private endpoint subnet too small", "dev", []harness.Edit{harness.Set("network.subnets.privateEndpoints", "10.42.2.0/29")},
		"network.subnets.privateEndpoints", "/28 or larger"},
	{"bastion subnet smaller than /26", "prod", []harness.Edit{harness.Set("network.subnets.bastion", "10.43.4.0/27")},
		"network.subnets.bastion", "AzureBastionSubnet must be /26 or larger"},
	{"firewall subnet smaller than /26", "prod", []harness.Edit{harness.Set("network.subnets.firewall", "10.43.4.64/27")},
		"network.subnets.firewall", "AzureFirewallSubnet must be /26 or larger"},
	{"firewall enabled without its subnet", "dev", []harness.Edit{harness.Set("perimeter.egress", "firewall"), harness.Set("network.subnets.firewall", "")},
		"network.subnets.firewall", "is required: perimeter.egress is firewall"},

	// API Management.
	{"APIM tier without internal VNet mode", "dev", []harness.Edit{harness.Set("apiManagement.sku", "Standard")},
		"apiManagement.sku", "only Developer and Premium can"},
	{"APIM Premium v2, not supported yet", "prod", []harness.Edit{harness.Set("apiManagement.sku", "PremiumV2")},
		"apiManagement.sku", "is not supported yet: Premium v2 can be injected into a virtual network, but no API version this program can send documents the whole request"},
	{"APIM consumption tier", "dev", []harness.Edit{harness.Set("apiManagement.sku", "Consumption")},
		"apiManagement.sku", "cannot run in internal VNet mode"},
	{"zones with a tier that has none", "dev", []harness.Edit{harness.Set("apiManagement.zones", []any{"1", "2"})},
		"apiManagement.zones", "the Developer tier has no availability zones"},
	{"Premium units not a multiple of zones", "prod", []harness.Edit{harness.Set("apiManagement.zones", []any{"1", "2", "3"})},
		"apiManagement.capacity", "must be a multiple of the 3 zones"},
	{"Developer with two units", "dev", []harness.Edit{harness.Set("apiManagement.capacity", 2)},
		"apiManagement.capacity", "the Developer tier has exactly one unit"},
	{"zone that does not exist", "prod", []harness.Edit{harness.Set("kubernetes.zones", []any{"1", "4"})},
		"kubernetes.zones", "distinct zones from 1, 2 and 3"},
	{"publisher e-mail invalid", "dev", []harness.Edit{harness.Set("apiManagement.publisherEmail", "platform-team")},
		"apiManagement.publisherEmail", "is not a valid e-mail address"},
	{"publisher e-mail with display name", "dev", []harness.Edit{harness.Set("apiManagement.publisherEmail", "Team <team@contoso.example>")},
		"apiManagement.publisherEmail", "use a bare address"},
	{"publisher e-mail missing", "dev", []harness.Edit{harness.Remove("apiManagement.publisherEmail")},
		"apiManagement.publisherEmail", "is required"},

	// Host names.
	{"host name with upper case", "dev", []harness.Edit{harness.Set("hostNames.public", "API.contoso.example")},
		"hostNames.public", `did you mean "api.contoso.example"`},
	{"host name with one label", "dev", []harness.Edit{harness.Set("hostNames.backend", "echo")},
		"hostNames.backend", "at least two labels"},
	{"host name with underscore", "dev", []harness.Edit{harness.Set("hostNames.apiGateway", "api_gw.contoso.example")},
		"hostNames.apiGateway", `invalid label "api_gw"`},
	{"wildcard host name", "dev", []harness.Edit{harness.Set("hostNames.public", "*.contoso.example")},
		"hostNames.public", "no wildcards"},
	{"host name missing", "dev", []harness.Edit{harness.Remove("hostNames.public")},
		"hostNames.public", "is required"},
	{"host names not distinct", "dev", []harness.Edit{harness.Set("hostNames.backend", "gateway.dev.internal.contoso.example")},
		"hostNames.backend", "is the same as hostNames.apiGateway"},

	// Location, environment, names.
	{"location empty", "dev", []harness.Edit{harness.Set("location", "")},
		"location", "is required"},
	{"location display name", "dev", []harness.Edit{harness.Set("location", "West Europe")},
		"location", `"westeurope"`},
	{"environment unknown", "dev", []harness.Edit{harness.Set("environment", "staging")},
		"environment", "must be dev or prod"},
	{"prefix too long for Key Vault", "prod", []harness.Edit{harness.Set("namePrefix", "contosoplatform")},
		"namePrefix", "key vault name"},
	{"prefix with upper case", "dev", []harness.Edit{harness.Set("namePrefix", "ApiPlat")},
		"namePrefix", "lower-case letters, digits and single hyphens"},
	{"prefix with a word Azure reserves", "dev", []harness.Edit{harness.Set("namePrefix", "windowsapi")},
		"namePrefix", "contains WINDOWS, which Azure reserves in the names of resources with a public endpoint"},
	{"prefix starting with login", "dev", []harness.Edit{harness.Set("namePrefix", "login")},
		"namePrefix", "contains LOGIN, which Azure reserves"},

	// Typos and types.
	{"typo in a top-level key", "dev", []harness.Edit{harness.SetFlat("locaton", "westeurope")},
		"locaton", "did you mean location?"},
	{"typo in a nested key", "dev", []harness.Edit{harness.Set("apiManagement.skus", "Premium")},
		"apiManagement.skus", "did you mean apiManagement.sku?"},
	{"nested key set without --path", "dev", []harness.Edit{harness.SetFlat("apiManagement.sku", "Premium")},
		"apiManagement.sku", "pulumi config set --path apiManagement.sku"},
	{"whole number expected", "dev", []harness.Edit{harness.Set("apiManagement.capacity", "two")},
		"apiManagement.capacity", "must be a whole number"},
	{"boolean expected", "dev", []harness.Edit{harness.Set("perimeter.bastionEnabled", "yes")},
		"perimeter.bastionEnabled", "must be true or false"},

	// Sizes and counts.
	{"application gateway min above max", "prod", []harness.Edit{harness.Set("applicationGateway.minCapacity", 12)},
		"applicationGateway.minCapacity", "must not exceed applicationGateway.maxCapacity (10)"},
	{"application gateway max below two", "dev", []harness.Edit{harness.Set("applicationGateway.maxCapacity", 1)},
		"applicationGateway.maxCapacity", "must be 2-125 instances"},
	{"node pool min above max", "dev", []harness.Edit{harness.Set("kubernetes.userPool.minCount", 5)},
		"kubernetes.userPool.minCount", "must not exceed kubernetes.userPool.maxCount (3)"},
	{"system pool without nodes", "dev", []harness.Edit{harness.Set("kubernetes.systemPool.minCount", 0)},
		"kubernetes.systemPool.minCount", "must be at least 1"},
	{"VM size malformed", "dev", []harness.Edit{harness.Set("kubernetes.systemPool.vmSize", "D4ds_v5")},
		"kubernetes.systemPool.vmSize", "is not an Azure VM size"},
	{"tag value too long", "dev", []harness.Edit{harness.Set("tags.owner", strings.Repeat("o", 257))},
		"tags.owner", "at most 256"},

	// Edge and API policy.
	{"WAF mode unknown", "dev", []harness.Edit{harness.Set("applicationGateway.wafMode", "Block")},
		"applicationGateway.wafMode", "must be Prevention (blocks attacks) or Detection (only logs them)"},
	{"token validation without audience", "dev", []harness.Edit{harness.Set("apiManagement.entraTenantId", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")},
		"apiManagement.entraAudience", "is required because apiManagement.entraTenantId is set"},
	{"token validation without tenant", "dev", []harness.Edit{harness.Set("apiManagement.entraAudience", "api://echo")},
		"apiManagement.entraTenantId", "is required because apiManagement.entraAudience is set"},
	{"tenant neither GUID nor domain", "dev", []harness.Edit{harness.Set("apiManagement.entraTenantId", "Contoso Tenant"), harness.Set("apiManagement.entraAudience", "api://echo")},
		"apiManagement.entraTenantId", "must be a tenant ID (GUID) or a verified domain"},
	{"audience that is a policy expression", "dev", []harness.Edit{harness.Set("apiManagement.entraTenantId", "contoso.onmicrosoft.com"), harness.Set("apiManagement.entraAudience", "@(context.Request.Url)")},
		"apiManagement.entraAudience", "are policy expressions or named values"},
	{"token validation without client applications", "dev", []harness.Edit{harness.Set("apiManagement.entraTenantId", "contoso.onmicrosoft.com"),
		harness.Set("apiManagement.entraAudience", "api://"+entraAPIClientID)},
		"apiManagement.entraClientApplicationIds", "validate-azure-ad-token refuses a policy without them"},
	{"client application that is not an ID", "dev", append(slices.Clone(entraValidation), harness.Set("apiManagement.entraClientApplicationIds", []any{"echo-client"})),
		"apiManagement.entraClientApplicationIds", `"echo-client" is not an application (client) ID, a GUID`},
	{"client applications without token validation", "dev", []harness.Edit{harness.Set("apiManagement.entraClientApplicationIds", []any{entraClientID})},
		"apiManagement.entraClientApplicationIds", "is set but token validation is off"},
	{"custom audience without the API's client ID", "dev", append(slices.Clone(entraValidation), harness.Set("apiManagement.entraAudience", "https://api.contoso.example/echo")),
		"apiManagement.entraApiClientId", "v2 tokens carry the API's client ID as audience, not the URI"},
	{"API client ID not a GUID", "dev", append(slices.Clone(entraValidation), harness.Set("apiManagement.entraApiClientId", "echo-api")),
		"apiManagement.entraApiClientId", "must be the API registration's application (client) ID, a GUID"},
	{"public IP that is not an ARM ID", "dev", []harness.Edit{harness.Set("apiManagement.publicIpAddressId", "20.1.2.3")},
		"apiManagement.publicIpAddressId", "must be the ARM ID of a public IP"},
	{"rate limit period too long", "dev", []harness.Edit{harness.Set("apiManagement.rateLimitPeriodSeconds", 600)},
		"apiManagement.rateLimitPeriodSeconds", "must be 1-300 seconds"},

	// Cluster, ingress, workload, monitoring.
	{"unknown ingress controller", "dev", []harness.Edit{harness.Set("ingress.controller", "traefik")},
		"ingress.controller", "must be istio (the AKS Istio add-on's internal gateway)"},
	{"retired NGINX ingress", "dev", []harness.Edit{harness.Set("ingress.controller", "nginx")},
		"ingress.controller", "was retired: the community ingress-nginx project ended in March 2026"},
	{"Istio revision not in the AKS form", "dev", []harness.Edit{harness.Set("ingress.istioRevision", "1.30")},
		"ingress.istioRevision", "use the form asm-1-<minor>, e.g. asm-1-31"},
	{"three Istio revisions at once", "dev", []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-30", "asm-1-31", "asm-1-32"})},
		"ingress.istioRevisions", "holds at most two revisions"},
	{"canary revisions newest first", "dev", []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-32", "asm-1-31"})},
		"ingress.istioRevisions", `must be the running revision and a later one, older first, e.g. ["asm-1-31", "asm-1-32"]`},
	{"canary with the same revision twice", "dev", []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-31", "asm-1-31"})},
		"ingress.istioRevisions", "must be the running revision and a later one"},
	{"canary revision not in the AKS form", "dev", []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-31", "1.32"})},
		"ingress.istioRevisions", `"1.32" is not an AKS Istio add-on revision`},
	{"workloads on a revision that is not installed", "dev", []harness.Edit{harness.Set("ingress.istioRevisions", []any{"asm-1-31", "asm-1-32"}),
		harness.Set("ingress.istioRevision", "asm-1-30")},
		"ingress.istioRevision", `must be one of ingress.istioRevisions ["asm-1-31","asm-1-32"]`},
	{"zones in a region without zones", "prod", []harness.Edit{harness.Set("location", "westcentralus")},
		"kubernetes.zones", `location "westcentralus" has none`},
	{"no admin group while local accounts are disabled", "dev", []harness.Edit{harness.Set("kubernetes.adminGroupObjectIds", []any{})},
		"kubernetes.adminGroupObjectIds", "without an admin group nobody could log in"},
	{"admin group that is not an object ID", "dev", []harness.Edit{harness.Set("kubernetes.adminGroupObjectIds", []any{"platform-admins"})},
		"kubernetes.adminGroupObjectIds", `"platform-admins" is not a group object ID`},
	{"pod range overlapping the network", "dev", []harness.Edit{harness.Set("kubernetes.podCidr", "10.42.128.0/17")},
		"kubernetes.podCidr", "overlaps network.addressSpace 10.42.0.0/16"},
	{"service range overlapping the pods", "dev", []harness.Edit{harness.Set("kubernetes.serviceCidr", "10.244.0.0/20"), harness.Set("kubernetes.dnsServiceIp", "10.244.0.10")},
		"kubernetes.serviceCidr", "overlaps kubernetes.podCidr 10.244.0.0/16"},
	{"DNS address outside the service range", "dev", []harness.Edit{harness.Set("kubernetes.dnsServiceIp", "10.1.0.10")},
		"kubernetes.dnsServiceIp", "must be an address inside kubernetes.serviceCidr 10.0.0.0/16"},
	{"ingress address outside the node subnet", "dev", []harness.Edit{harness.Set("ingress.privateIp", "10.42.1.10")},
		"ingress.privateIp", "must be an IPv4 address in network.subnets.kubernetesNodes 10.42.8.0/22 between 10.42.8.4 and 10.42.11.254"},
	{"maintenance window too short", "dev", []harness.Edit{harness.Set("kubernetes.maintenanceWindow.durationHours", 2)},
		"kubernetes.maintenanceWindow.durationHours", "must be 4-24 hours"},
	{"maintenance start not a time", "dev", []harness.Edit{harness.Set("kubernetes.maintenanceWindow.startTime", "25:00")},
		"kubernetes.maintenanceWindow.startTime", "must be a time of day, HH:mm"},
	{"upgrade channel unknown", "dev", []harness.Edit{harness.Set("kubernetes.upgradeChannel", "fast")},
		"kubernetes.upgradeChannel", "must be none, patch, stable, rapid or node-image"},
	{"cluster tier unknown", "dev", []harness.Edit{harness.Set("kubernetes.tier", "Gold")},
		"kubernetes.tier", "must be Free, Standard or Premium"},
	{"kubelogin would wait for a device code", "dev", []harness.Edit{harness.Set("kubernetes.loginMethod", "devicecode")},
		"kubernetes.loginMethod", "must be one of azurecli, workloadidentity, spn, msi: kubelogin signs in without a person at the keyboard"},
	{"kubelogin would open a browser", "prod", []harness.Edit{harness.Set("kubernetes.loginMethod", "interactive")},
		"kubernetes.loginMethod", "(devicecode and interactive would wait for one, Azure/AKS#4990)"},
	{"workload image without a tag", "dev", []harness.Edit{harness.Set("workload.image", "mendhak/http-https-echo")},
		"workload.image", "is not an image reference pinned by digest"},
	{"workload image with a tag but no digest", "dev", []harness.Edit{harness.Set("workload.image", "ghcr.io/mendhak/http-https-echo:34")},
		"workload.image", "a tag can be moved to another image"},
	{"workload without replicas", "dev", []harness.Edit{harness.Set("workload.replicas", 0)},
		"workload.replicas", "must be 1-50"},
	{"log retention too short", "dev", []harness.Edit{harness.Set("monitoring.retentionDays", 7)},
		"monitoring.retentionDays", "must be 30-730 days"},
	{"log retention too long", "prod", []harness.Edit{harness.Set("monitoring.retentionDays", 1000)},
		"monitoring.retentionDays", "must be 30-730 days"},
	{"alert e-mail invalid", "dev", []harness.Edit{harness.Set("monitoring.alertEmail", "platform team")},
		"monitoring.alertEmail", "is not a valid e-mail address"},

	// Private endpoints and private DNS.
	{"bring-your-own resource ID not an ARM ID", "dev", []harness.Edit{
		harness.Set("privateEndpoints.orders.resourceId", "orders-cosmos"), harness.Set("privateEndpoints.orders.groupId", "Sql")},
		"privateEndpoints.orders.resourceId", "is not an Azure resource ID: expected /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/<Namespace>/<type>/<name>"},
	{"bring-your-own resource ID with a bad subscription", "dev", []harness.Edit{
		harness.Set("privateEndpoints.orders.resourceId", strings.Replace(cosmosAccountID, "00000000-0000", "contoso", 1)), harness.Set("privateEndpoints.orders.groupId", "Sql")},
		"privateEndpoints.orders.resourceId", "is not an Azure resource ID"},
	{"bring-your-own unknown group ID", "dev", []harness.Edit{
		harness.Set("privateEndpoints.orders.resourceId", cosmosAccountID), harness.Set("privateEndpoints.orders.groupId", "cosmos")},
		"privateEndpoints.orders.groupId", "is not a supported group ID; supported: MongoDB, Sql, blob,"},
	{"bring-your-own group ID in the wrong case", "dev", []harness.Edit{
		harness.Set("privateEndpoints.orders.resourceId", cosmosAccountID), harness.Set("privateEndpoints.orders.groupId", "sql")},
		"privateEndpoints.orders.groupId", "group IDs are case-sensitive: did you mean Sql?"},
	{"bring-your-own group ID the resource does not offer", "dev", []harness.Edit{
		harness.Set("privateEndpoints.files.resourceId", storageAccountID), harness.Set("privateEndpoints.files.groupId", "Sql")},
		"privateEndpoints.files.resourceId", "is a Microsoft.Storage/storageAccounts, which does not offer group ID Sql (offered by Microsoft.DocumentDB/databaseAccounts)"},
	{"bring-your-own endpoint named like a platform one", "dev", []harness.Edit{
		harness.Set("privateEndpoints.kv.resourceId", storageAccountID), harness.Set("privateEndpoints.kv.groupId", "blob")},
		"privateEndpoints.kv", "is a name the platform uses for its own endpoints (kv, acr, sql, cosmos)"},
	{"bring-your-own endpoint given as a scalar", "dev", []harness.Edit{harness.Set("privateEndpoints.orders", cosmosAccountID)},
		"privateEndpoints.orders", "must be an object with the keys groupId, manualApproval, resourceId"},
	{"bring-your-own endpoints overflow their subnet", "dev", blobEndpoints(10, "10.42.2.0/28"),
		"network.subnets.privateEndpoints", "12 private endpoint(s) need 18 addresses (5 Azure-reserved + 13 for the endpoints)"},
	{"host zone shadows a private link zone", "dev", []harness.Edit{harness.Set("hostNames.backend", "echo.privatelink.azurecr.io")},
		"hostNames.backend", "overlaps the private link DNS zone privatelink.azurecr.io"},
	{"host zone shadows an Azure service domain", "dev", []harness.Edit{harness.Set("hostNames.apiGateway", "blob.core.windows.net")},
		"hostNames.apiGateway", "overlaps the private link DNS zone privatelink.blob.core.windows.net"},
	{"host zones inside one another", "dev", []harness.Edit{harness.Set("hostNames.apiGateway", "internal.contoso.example"),
		harness.Set("hostNames.backend", "echo.internal.contoso.example")},
		"hostNames.backend", "overlaps the private DNS zone of hostNames.apiGateway (internal.contoso.example)"},

	// Azure SQL.
	{"SQL without an administrator group", "dev", []harness.Edit{harness.Set("sql.enabled", true), harness.Set("sql.administratorGroupObjectId", sqlAdministratorGroupID)},
		"sql.administratorGroupName", "is required when sql.enabled is true"},
	{"SQL administrator not a GUID", "dev", []harness.Edit{harness.Set("sql.enabled", true), harness.Set("sql.administratorGroupName", "sql-admins"),
		harness.Set("sql.administratorGroupObjectId", "sql-admins")},
		"sql.administratorGroupObjectId", "must be the object ID (a GUID)"},
	{"SQL database named like a system database", "dev", append(slices.Clone(everyFeature), harness.Set("sql.databaseName", "master")),
		"sql.databaseName", "is a system database name"},
	{"SQL service objective unknown", "dev", append(slices.Clone(everyFeature), harness.Set("sql.databaseSku", "Premium")),
		"sql.databaseSku", "is not a vCore service objective on standard-series hardware"},
	{"SQL serverless outside Gen5", "dev", append(slices.Clone(everyFeature), harness.Set("sql.databaseSku", "GP_S_Fsv2_2")),
		"sql.databaseSku", "use GP_S_Gen5_<vCores> (serverless)"},
	{"zone-redundant SQL in a region without zones", "prod", append(slices.Clone(everyFeature), harness.Set("location", "westus"),
		harness.Set("apiManagement.zones", []any{}), harness.Set("applicationGateway.zones", []any{}), harness.Set("kubernetes.zones", []any{})),
		"sql.zoneRedundant", `location "westus" has no availability zones`},

	// Cosmos DB.
	{"Cosmos DB partition key without a slash", "dev", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("cosmosDb.partitionKeyPath", "tenantId")},
		"cosmosDb.partitionKeyPath", "must be a property path starting with /"},
	{"Cosmos DB capacity mode unknown", "dev", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("cosmosDb.capacityMode", "autoscale")},
		"cosmosDb.capacityMode", "must be serverless or provisioned"},
	{"Cosmos DB autoscale off the 1000 RU/s steps", "prod", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("cosmosDb.autoscaleMaxThroughput", 1500)},
		"cosmosDb.autoscaleMaxThroughput", "must be 1000 RU/s or more, in steps of 1000"},
	{"Cosmos DB backup policy unknown", "dev", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("cosmosDb.backupPolicy", "Continuous")},
		"cosmosDb.backupPolicy", "must be Continuous7Days, Continuous30Days or Periodic"},
	{"Cosmos DB container named with a slash", "dev", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("cosmosDb.containerName", "orders/eu")},
		"cosmosDb.containerName", "must be 1-255 letters, digits, hyphens and underscores"},
	{"zone-redundant Cosmos DB in a region without zones", "prod", []harness.Edit{harness.Set("cosmosDb.enabled", true), harness.Set("location", "westus"),
		harness.Set("apiManagement.zones", []any{}), harness.Set("applicationGateway.zones", []any{}), harness.Set("kubernetes.zones", []any{})},
		"cosmosDb.zoneRedundant", `location "westus" has no availability zones`},

	// Front Door.
	{"Front Door in front of the generated listener certificate", "dev", []harness.Edit{harness.Set("frontDoor.enabled", true)},
		"certificates.listenerKeyVaultSecretId", "Front Door accepts only an origin certificate from a publicly trusted CA"},
	{"Front Door with caller mutual TLS at the gateway", "dev", []harness.Edit{harness.Set("frontDoor.enabled", true),
		harness.Set("certificates.listenerKeyVaultSecretId", publicListenerSecretID), harness.Set("applicationGateway.mutualTls", "required")},
		"applicationGateway.mutualTls", "Front Door terminates the caller's TLS"},
	{"Front Door without an origin name", "dev", []harness.Edit{harness.Set("frontDoor.enabled", true),
		harness.Set("certificates.listenerKeyVaultSecretId", publicListenerSecretID)},
		"frontDoor.originHostName", "is required when frontDoor.enabled is true: a name in your DNS zone"},
	{"Front Door origin named like the public host", "dev", append(slices.Clone(edgeAndData), harness.Set("frontDoor.originHostName", "api.dev.contoso.example")),
		"frontDoor.originHostName", "must differ from hostNames.public"},
	{"Front Door WAF mode unknown", "dev", append(slices.Clone(edgeAndData), harness.Set("frontDoor.wafMode", "Block")),
		"frontDoor.wafMode", "must be Prevention or Detection"},

	// Perimeter.
	{"hub network given as a name", "prod", []harness.Edit{harness.Set("network.hubVirtualNetworkId", "hub-vnet")},
		"network.hubVirtualNetworkId", "is not a virtual network's ARM ID"},
	{"hub side writable without a hub", "prod", []harness.Edit{harness.Set("network.hubPeeringWritable", true)},
		"network.hubPeeringWritable", "is set but network.hubVirtualNetworkId is empty"},
	{"network mode unknown", "dev", []harness.Edit{harness.Set("network.mode", "brought")},
		"network.mode", "must be create or existing"},
	{"existing network without its ID", "dev", []harness.Edit{harness.Set("network.mode", "existing")},
		"network.existing.virtualNetworkId", "must be the landing zone network's ARM ID"},
	{"existing network without the node subnet", "dev", withoutEdit(intoSpoke("dev"), 4),
		"network.existing.subnetIds.kubernetesNodes", "is required with network.mode existing"},
	{"existing subnet given as a name", "dev", append(intoSpoke("dev"), harness.Set("network.existing.subnetIds.apiManagement", "snet-apim")),
		"network.existing.subnetIds.apiManagement", "is not a subnet's ARM ID"},
	{"existing subnet in another network", "dev", append(intoSpoke("dev"), harness.Set("network.existing.subnetIds.privateEndpoints",
		"/subscriptions/"+harness.SubscriptionID+"/resourceGroups/rg-spoke-network/providers/Microsoft.Network/virtualNetworks/vnet-other/subnets/snet-pe")),
		"network.existing.subnetIds.privateEndpoints", "is not in network.existing.virtualNetworkId"},
	{"existing bastion subnet misnamed", "dev", append(intoSpoke("dev"), harness.Set("network.existing.subnetIds.bastion", harness.SpokeSubnetID("snet-bastion"))),
		"network.existing.subnetIds.bastion", "Azure requires this subnet to be named AzureBastionSubnet"},
	{"existing subnet used twice", "dev", append(intoSpoke("dev"), harness.Set("network.existing.subnetIds.apiManagement", harness.SpokeSubnetID("snet-appgw"))),
		"network.existing.subnetIds.apiManagement", "is also network.existing.subnetIds.applicationGateway"},
	{"existing subnet for a switched-off service", "dev", append(intoSpoke("dev"), harness.Set("network.existing.subnetIds.jumpbox", harness.SpokeSubnetID("snet-jumpbox"))),
		"network.existing.subnetIds.jumpbox", "is set but jumpbox is not switched on"},
	{"existing security rules choice unknown", "dev", append(intoSpoke("dev"), harness.Set("network.existing.securityRules", "merged")),
		"network.existing.securityRules", "must be added or brought"},
	{"existing network peered by the program", "dev", append(intoSpoke("dev"), harness.Set("network.hubVirtualNetworkId", hubNetworkID)),
		"network.hubVirtualNetworkId", "is set with network.mode existing"},
	{"existing subnet ID with a created network", "dev", []harness.Edit{harness.Set("network.existing.subnetIds.apiManagement", harness.SpokeSubnetID("snet-apim"))},
		"network.existing.subnetIds.apiManagement", "is set but network.mode is create"},
	{"DNS servers with the stack's own zones", "dev", []harness.Edit{harness.Set("network.dnsServers", []any{"10.100.0.4"})},
		"network.dnsServers", "set privateDns.mode central"},
	{"DNS server not an address", "dev", []harness.Edit{harness.Set("network.dnsServers", []any{"dns.contoso.com"})},
		"network.dnsServers", "which is not an IPv4 address"},
	{"private DNS mode unknown", "dev", []harness.Edit{harness.Set("privateDns.mode", "hub")},
		"privateDns.mode", "must be create or central"},
	{"central zones with the stack's own zones", "dev", []harness.Edit{harness.Set("privateDns.centralZones", spokeZones())},
		"privateDns.centralZones", "is set but privateDns.mode is create"},
	{"central zone ID of another zone", "dev", append(intoSpoke("dev"), harness.Set("privateDns.centralZones", append(spokeZones()[1:],
		map[string]any{"name": "privatelink.vaultcore.azure.net", "id": harness.CentralZoneID("privatelink.azurecr.io")}))),
		"privateDns.centralZones[3].id", "is the zone privatelink.azurecr.io, not privatelink.vaultcore.azure.net"},
	{"central zone ID not an ID", "dev", append(intoSpoke("dev"), harness.Set("privateDns.centralZones", append(spokeZones(),
		map[string]any{"name": "privatelink.database.windows.net", "id": "privatelink.database.windows.net"}))),
		"privateDns.centralZones[4].id", "is not a private DNS zone's ARM ID"},
	{"central zones without the registry's", "dev", append(intoSpoke("dev"), harness.Set("privateDns.centralZones", withoutItem(spokeZones(), 1))),
		"privateDns.centralZones", "has no zone privatelink.azurecr.io, which the registry private endpoint registers in"},
	{"central zones without the vault's, records by policy", "dev", append(intoSpoke("dev"), harness.Set("privateDns.policyCreatesRecords", true),
		harness.Set("privateDns.centralZones", withoutItem(spokeZones(), 0))),
		"privateDns.centralZones", "has no zone privatelink.vaultcore.azure.net: Application Gateway reads its certificate"},
	{"central zones without the API server's, with hub DNS", "dev", []harness.Edit{harness.Set("network.dnsServers", []any{"10.100.0.4"}),
		harness.Set("privateDns.mode", "central"), harness.Set("privateDns.centralZones", withoutItem(spokeZones(), 2)),
		harness.Set("hostNames.apiGateway", "gateway.internal.contoso.com"), harness.Set("hostNames.backend", "echo.internal.contoso.com")},
		"privateDns.centralZones", "has no zone privatelink.westeurope.azmk8s.io"},
	{"internal host outside the central zones", "dev", append(intoSpoke("dev"), harness.Set("hostNames.backend", "echo.internal.fabrikam.com")),
		"hostNames.backend", "is in none of privateDns.centralZones"},
	{"firewall switch of an earlier version", "prod", []harness.Edit{harness.Set("perimeter.firewallEnabled", true)},
		"perimeter.firewallEnabled", "was replaced by perimeter.egress"},
	{"egress mode unknown", "prod", []harness.Edit{harness.Set("perimeter.egress", "nva")},
		"perimeter.egress", "must be none, firewall or hub"},
	{"hub egress without a next hop", "prod", []harness.Edit{harness.Set("perimeter.egress", "hub")},
		"perimeter.hubNextHopIp", "is required when perimeter.egress is hub"},
	{"hub next hop inside the stack's network", "prod", []harness.Edit{harness.Set("perimeter.egress", "hub"), harness.Set("perimeter.hubNextHopIp", "10.43.4.68")},
		"perimeter.hubNextHopIp", "is inside network.addressSpace 10.43.0.0/16"},
	{"hub next hop not an address", "prod", []harness.Edit{harness.Set("perimeter.egress", "hub"), harness.Set("perimeter.hubNextHopIp", "hub-fw.contoso.example")},
		"perimeter.hubNextHopIp", "is not an IPv4 address"},
	{"hub next hop inside the cluster's service range", "prod", []harness.Edit{harness.Set("perimeter.egress", "hub"), harness.Set("perimeter.hubNextHopIp", "10.0.1.4")},
		"perimeter.hubNextHopIp", "is inside kubernetes.serviceCidr 10.0.0.0/16"},
	{"hub next hop without hub egress", "prod", []harness.Edit{harness.Set("perimeter.hubNextHopIp", "10.100.1.4")},
		"perimeter.hubNextHopIp", "is set but perimeter.egress is firewall"},
	{"firewall tier without DNS proxy", "prod", []harness.Edit{harness.Set("perimeter.firewallSku", "Basic")},
		"perimeter.firewallSku", "must be one of Standard, Premium (Basic lacks the DNS proxy"},
	{"egress allow list entry is a URL", "prod", []harness.Edit{harness.Set("perimeter.egressAllowList", []any{"ghcr.io", "https://pkg-containers.githubusercontent.com/"})},
		"perimeter.egressAllowList", "is not a host name or *.wildcard host name"},
	{"jumpbox size not a VM size", "prod", []harness.Edit{harness.Set("perimeter.jumpboxVmSize", "B2als")},
		"perimeter.jumpboxVmSize", "is not an Azure VM size"},

	// Certificates.
	{"unknown key algorithm", "dev", []harness.Edit{harness.Set("certificates.keys.ca", "DSA-1024")},
		"certificates.keys.ca", `unknown key algorithm "DSA"; valid: RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384`},
	{"RSA size outside the allowed set", "dev", []harness.Edit{harness.Set("certificates.keys.ingressServer", "RSA-1024")},
		"certificates.keys.ingressServer", "RSA keys must be 2048, 3072 or 4096 bits"},
	{"unsupported curve", "dev", []harness.Edit{harness.Set("certificates.keys.listener", "ECDSA-P521")},
		"certificates.keys.listener", "ECDSA keys must use P256 or P384"},
	{"ECDSA for a certificate API Management loads", "dev", []harness.Edit{harness.Set("certificates.keys.apimClient", "ECDSA-P256")},
		"certificates.keys.apimClient", "API Management loads the apim-client certificate, and EC keys break API Management redeployments"},
	{"ECDSA for the CA", "prod", []harness.Edit{harness.Set("certificates.keys.ca", "ECDSA-P384")},
		"certificates.keys.ca", "must be RSA"},
	{"validity shorter than early renewal", "dev", []harness.Edit{harness.Set("certificates.earlyRenewalHours", 9000)},
		"certificates.earlyRenewalHours", "shorter than certificates.validityHours (8760)"},
	{"CA outlived by its leaves", "dev", []harness.Edit{harness.Set("certificates.caValidityHours", 12000)},
		"certificates.caValidityHours", "a leaf must never outlive the CA that signed it"},
	{"client identity not a DNS name", "dev", []harness.Edit{harness.Set("certificates.clientIdentity", "APIM client")},
		"certificates.clientIdentity", "must be lower-case"},
	{"listener secret with a version", "prod", []harness.Edit{harness.Set("certificates.listenerKeyVaultSecretId", "https://contoso-kv.vault.azure.net/secrets/api/0123abcd")},
		"certificates.listenerKeyVaultSecretId", "use the versionless URI https://contoso-kv.vault.azure.net/secrets/api"},
	{"listener secret not a Key Vault URI", "prod", []harness.Edit{harness.Set("certificates.listenerKeyVaultSecretId", "api-contoso-example")},
		"certificates.listenerKeyVaultSecretId", "is not a versionless Key Vault secret URI"},
	{"prod listener signed by the private CA without opting in", "prod", []harness.Edit{harness.Set("certificates.privateListenerAccepted", false)},
		"certificates.listenerKeyVaultSecretId", "is required in the prod profile: without it the public listener presents a certificate of the platform's private CA"},
	{"unknown caller mutual TLS mode", "dev", []harness.Edit{harness.Set("applicationGateway.mutualTls", "optional")},
		"applicationGateway.mutualTls", "must be off or required"},
	{"caller mutual TLS in prod without the callers' CA", "prod", []harness.Edit{harness.Set("applicationGateway.mutualTls", "required")},
		"applicationGateway.callerCaCertificatePem", "is required in the prod profile when applicationGateway.mutualTls is required"},
	{"callers' CA without caller mutual TLS", "dev", []harness.Edit{harness.Set("applicationGateway.callerCaCertificatePem", "-----BEGIN CERTIFICATE-----")},
		"applicationGateway.callerCaCertificatePem", "is set but applicationGateway.mutualTls is off"},
	{"callers' CA not PEM", "dev", []harness.Edit{harness.Set("applicationGateway.mutualTls", "required"), harness.Set("applicationGateway.callerCaCertificatePem", "contoso partners CA")},
		"applicationGateway.callerCaCertificatePem", "is not a PEM bundle of CA certificates"},
	{"anonymous access with token validation", "dev", []harness.Edit{harness.Set("apiManagement.anonymousAccessAllowed", true),
		harness.Set("apiManagement.entraTenantId", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), harness.Set("apiManagement.entraAudience", "api://echo-platform"),
		harness.Set("apiManagement.entraClientApplicationIds", []any{"9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a"})},
		"apiManagement.anonymousAccessAllowed", "contradicts apiManagement.entraTenantId/entraAudience"},
	{"misspelled project namespace", "dev", []harness.Edit{harness.SetRaw("apiplatfrom:namePrefix", "contoso")},
		"apiplatfrom:namePrefix", "is in the namespace apiplatfrom, which is neither this project's nor a provider's: did you mean apiplatform:namePrefix?"},
	{"negative WAF rate limit", "dev", []harness.Edit{harness.Set("applicationGateway.rateLimitPerMinute", -1)},
		"applicationGateway.rateLimitPerMinute", "must be 0 (no WAF rate limit)"},
}

// TestBadInputIsReportedWithKeyValueAndRemedy checks every bad-input case: the problem names the full
// config key and the value, says what is valid, and the program registers no resource at all.
func TestBadInputIsReportedWithKeyValueAndRemedy(t *testing.T) {
	t.Parallel()
	for _, tc := range badInputCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(t, tc.stack, tc.edits...)
			require.Error(t, err)
			problem := findProblem(t, problemsOf(t, err), key(tc.key), tc.text)
			assert.Contains(t, err.Error(), problem.String(), "the error text lists the problem")

			recording, err := harness.RunStack(projectDir, tc.stack, tc.edits...)
			require.Error(t, err, "the program must refuse the configuration")
			assert.Contains(t, err.Error(), key(tc.key))
			assert.Empty(t, recording.Resources, "nothing may be registered when the configuration is invalid")
		})
	}
}

// TestRunnerProblemsAreReportedWithTheStacks checks what the program refuses about where it runs: a
// tunnel port that is not one, and the tunnel without the Bastion it goes through. They are reported
// with the stack's own problems, before anything is registered.
func TestRunnerProblemsAreReportedWithTheStacks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, port string
		edits      []harness.Edit
		key, text  string
	}{
		{"port is not a number", "bastion", nil, "environment variable " + config.APIServerTunnelPortVariable, "must be a TCP port from 1024 to 65535"},
		{"privileged port", "443", nil, "environment variable " + config.APIServerTunnelPortVariable, "must be a TCP port from 1024 to 65535"},
		{"tunnel without a Bastion", harness.DeployTunnelPort, []harness.Edit{harness.Set("perimeter.bastionEnabled", false)},
			key("perimeter.bastionEnabled"), "or deploy from inside the virtual network (a Pulumi Deployments agent) without it, or set kubernetes.deployInCluster false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			surroundings := harness.DeploySurroundings()
			surroundings.Runner.APIServerTunnelPort = tc.port
			edits := append([]harness.Edit{harness.Set("apiManagement.sku", "Basic")}, tc.edits...)
			recording, err := harness.RunStackIn(projectDir, "dev", surroundings, edits...)
			problems := problemsOf(t, err)
			findProblem(t, problems, tc.key, tc.text)
			findProblem(t, problems, key("apiManagement.sku"), "internal VNet mode")
			assert.Empty(t, recording.Resources, "nothing may be registered")
		})
	}
	t.Run("an agent inside the network needs no Bastion", func(t *testing.T) {
		_, err := harness.RunStackIn(projectDir, "dev", harness.AgentSurroundings(), harness.Set("perimeter.bastionEnabled", false))
		require.NoError(t, err)
	})
}

// TestAllProblemsAreReportedAtOnce checks that one run reports every problem, not just the first.
func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(t, "dev",
		harness.Set("apiManagement.sku", "Basic"),
		harness.Set("network.subnets.apiManagement", "10.42.1.0/33"),
		harness.Set("hostNames.public", "Public.Example"),
		harness.Set("location", ""),
		harness.SetFlat("namePrefixx", "x"),
	)
	problems := problemsOf(t, err)
	for _, want := range []struct{ key, text string }{
		{"apiManagement.sku", "internal VNet mode"},
		{"network.subnets.apiManagement", "IPv4 CIDR block"},
		{"hostNames.public", "lower-case"},
		{"location", "is required"},
		{"namePrefixx", "did you mean namePrefix?"},
	} {
		findProblem(t, problems, key(want.key), want.text)
	}
	assert.Len(t, problems, 5, "exactly the five problems, no duplicates")
	assert.Contains(t, err.Error(), `stack "dev": 5 configuration problems (nothing was deployed):`)
	assert.Equal(t, 6, len(strings.Split(err.Error(), "\n")), "one line per problem after the summary")
}

// TestUnnamedStackNeedsAnEnvironment checks that only stacks named dev or prod imply a profile.
func TestUnnamedStackNeedsAnEnvironment(t *testing.T) {
	t.Parallel()
	project, raw, err := harness.LoadStackConfig(projectDir, "dev", harness.Set("environment", ""))
	require.NoError(t, err)
	recording, err := harness.RunConfig(project, "staging", raw, harness.DeploySurroundings())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `apiplatform:environment = "": is required for stack "staging"`)
	assert.Empty(t, recording.Resources)
}

// TestInvalidStackNameIsReported checks that a stack name unusable in Azure names is a problem.
func TestInvalidStackNameIsReported(t *testing.T) {
	t.Parallel()
	project, raw, err := harness.LoadStackConfig(projectDir, "dev")
	require.NoError(t, err)
	_, err = harness.RunConfig(project, "Dev_Stack", raw, harness.DeploySurroundings())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `stack name = "Dev_Stack": must be lower-case letters, digits and single hyphens`)
}

// TestObjectSettingGivenAScalar checks the program's own type check for a group set to a plain value.
// The CLI rejects this for keys Pulumi.yaml declares as objects; `--skip-config-validation` skips that
// check, so the program must still explain it.
func TestObjectSettingGivenAScalar(t *testing.T) {
	t.Parallel()
	project, raw, err := harness.LoadStackConfig(projectDir, "dev")
	require.NoError(t, err)
	raw[key("perimeter")] = "on"
	_, err = config.Load(project, "dev", raw)
	findProblem(t, problemsOf(t, err), key("perimeter"), "must be an object with the keys bastionEnabled, egress, egressAllowList, firewallSku, hubNextHopIp, jumpboxEnabled, jumpboxVmSize")
}

// blobEndpoints configures count bring-your-own blob endpoints and the private endpoint subnet.
func blobEndpoints(count int, subnet string) []harness.Edit {
	edits := []harness.Edit{harness.Set("network.subnets.privateEndpoints", subnet)}
	for i := range count {
		name := fmt.Sprintf("files%d", i)
		edits = append(edits, harness.Set("privateEndpoints."+name+".resourceId", storageAccountID+fmt.Sprint(i)),
			harness.Set("privateEndpoints."+name+".groupId", "blob"))
	}
	return edits
}

// TestTypeErrorsAreReportedWithTheOthers writes values of the wrong type into the stack file, as a
// typo in YAML would, beside another mistake: Pulumi.yaml declares no types, so the CLI lets them
// through and the program reports every one in its list, with key, value and fix, once each.
func TestTypeErrorsAreReportedWithTheOthers(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(t, "dev",
		harness.Set("apiManagement.rateLimitCalls", "lots"),
		harness.Set("applicationGateway.zones", "1"),
		harness.Set("certificates.privateListenerAccepted", "sometimes"),
		harness.Set("namePrefix", "Bad_Prefix"))
	require.Error(t, err)
	problems := problemsOf(t, err)
	findProblem(t, problems, key("apiManagement.rateLimitCalls"), "must be a whole number")
	findProblem(t, problems, key("applicationGateway.zones"), "must be a list")
	findProblem(t, problems, key("certificates.privateListenerAccepted"), "must be true or false")
	findProblem(t, problems, key("namePrefix"), "must be lower-case letters")
	count := 0
	for _, problem := range problems {
		if problem.Key == key("apiManagement.rateLimitCalls") {
			count++
		}
	}
	assert.Equal(t, 1, count, "a value that could not be read is reported once, not again with the default it fell back to")
	assert.NotContains(t, err.Error(), "must be of type", "not the CLI's own message")
}
