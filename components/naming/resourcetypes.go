// The naming rule of every azure-native resource type the platform names, so a whole recorded stack can
// be checked name by name, not only the names validation builds from the prefix.

package naming

import (
	"maps"
	"regexp"
	"slices"
	"strings"
)

// ResourceNameRulesURL is Microsoft's table of naming rules, the source of every rule below unless its
// comment names another.
const ResourceNameRulesURL = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"

// SubnetResourceType is the type token of a subnet. The platform declares its subnets inside the
// virtual network, so no subnet resource is recorded; their names are checked with this type's rule.
const SubnetResourceType = "azure-native:network:Subnet"

var (
	// Microsoft allows 2 to 34 labels. Go's regexp cannot repeat a 63-character label 33 times (its
	// repetition limit is 1000), so the pattern requires two or more and only DNS's 253 characters
	// bound the count.
	privateZonePattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})+$`)
	recordSetPattern      = regexp.MustCompile(`^(@|(\*|[A-Za-z0-9_-]{1,63})(\.[A-Za-z0-9_-]{1,63})*)$`)
	secretPattern         = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	frontDoorChildPattern = regexp.MustCompile(`^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$`)
)

// apiManagementEntityRule is the rule of API Management's child entities (APIs, operations, backends,
// certificates, diagnostics, loggers): 1-80 letters, digits and hyphens, starting with a letter.
func apiManagementEntityRule(service string) Rule {
	return Rule{Service: service, MinLength: 1, MaxLength: 80, Pattern: apimPattern,
		Allowed: "letters, digits and hyphens; start with a letter; end with a letter or digit"}
}

// fixedRule is the rule of a resource whose name the service fixes to one of a few values.
func fixedRule(service string, values ...string) Rule {
	return Rule{Service: service, Values: values}
}

// The rules of resource types that no per-stack role names.
var (
	// 80 in general, 63 for the cluster's subnet with Azure CNI Overlay (see resourceGroupRule).
	subnetRule              = networkRule("subnet", 1, 63)
	privateEndpointRule     = networkRule("private endpoint", 2, 64)
	virtualNetworkLinkRule  = networkRule("virtual network link", 1, 80)
	routeRule               = networkRule("route", 1, 80)
	securityRuleRule        = networkRule("security rule", 1, 80)
	ruleCollectionGroupRule = networkRule("firewall policy rule collection group", 1, 80)
	privateDNSZoneGroupRule = networkRule("private DNS zone group", 1, 80)
	privateZoneRule         = Rule{Service: "private DNS zone", MinLength: 1, MaxLength: 253, Pattern: privateZonePattern,
		Allowed: "two or more labels of 1-63 letters, digits, underscores and hyphens, separated by periods"}
	recordSetRule = Rule{Service: "private DNS record set", MinLength: 1, MaxLength: 253, Pattern: recordSetPattern,
		Allowed: `"@" for the zone apex, or labels of letters, digits, underscores and hyphens separated by periods`}
	diagnosticSettingRule = Rule{Service: "diagnostic setting", MinLength: 1, MaxLength: 260, Pattern: excluding(`<>*%&:\?+/`),
		Allowed: `any characters but <>*%&:\?+/ and control characters; not ending in a space or period`}
	metricAlertRule = Rule{Service: "metric alert", MinLength: 1, MaxLength: 260, Pattern: excluding(`*#&+:<>?@%{}\/|`),
		Allowed: `any characters but *#&+:<>?@%{}\/| and control characters; not ending in a space or period`}
	dataCollectionRuleRule = Rule{Service: "data collection rule", MinLength: 1, MaxLength: ContainerInsightsRuleLimit, Pattern: identityPattern,
		Allowed: "letters, digits, hyphens and underscores; start with a letter or digit"}
	secretRule = Rule{Service: "key vault secret", MinLength: 1, MaxLength: 127, Pattern: secretPattern,
		Allowed: "letters, digits and hyphens"}
	sqlDatabaseRule = Rule{Service: "SQL database", MinLength: 1, MaxLength: 128, Pattern: excluding(`<>*%&:\/?`),
		Allowed: `any characters but <>*%&:\/? and control characters; not ending in a space or period`}
	// Cosmos DB database and container IDs refuse / \ # ? and a trailing space (Cosmos DB resource
	// model limits, 255 characters).
	cosmosResourceRule = Rule{Service: "Cosmos DB database or container", MinLength: 1, MaxLength: 255, Pattern: excluding(`/\#?`),
		Allowed: `any characters but /\#? and control characters; not ending in a space or period`}
	// Front Door's child resources share the REST API's name pattern ^[a-zA-Z0-9]+(-*[a-zA-Z0-9])*$
	// (afdx.json: customDomainName, originGroupName, originName, routeName, securityPolicyName).
	frontDoorChildRule = Rule{Service: "Front Door child resource", MinLength: 1, MaxLength: 260, Pattern: frontDoorChildPattern,
		Allowed: "letters, digits and hyphens; start and end with a letter or digit"}
	federatedCredentialRule = Rule{Service: "federated identity credential", MinLength: 3, MaxLength: 120, Pattern: identityPattern,
		Allowed: "letters, digits, hyphens and underscores; start with a letter or digit"}
)

// resourceTypeRules maps every azure-native type token (without API version) the platform names to its
// rule, from ResourceNameRulesURL unless noted. Rules shared with a role are the role's own values.
var resourceTypeRules = map[string]Rule{
	"azure-native:resources:ResourceGroup":              resourceGroupRule,
	"azure-native:network:VirtualNetwork":               virtualNetworkRule,
	SubnetResourceType:                                  subnetRule,
	"azure-native:network:NetworkSecurityGroup":         networkSecurityGroupRule,
	"azure-native:network:RouteTable":                   routeTableRule,
	"azure-native:network:Route":                        routeRule,
	"azure-native:network:SecurityRule":                 securityRuleRule,
	"azure-native:network:ApplicationGateway":           applicationGatewayRule,
	"azure-native:network:WebApplicationFirewallPolicy": wafPolicyRule,
	"azure-native:network:PublicIPAddress":              publicIPAddressRule,
	"azure-native:network:AzureFirewall":                firewallRule,
	"azure-native:network:FirewallPolicy":               firewallPolicyRule,
	"azure-native:network:BastionHost":                  bastionRule,
	"azure-native:network:NetworkInterface":             networkInterfaceRule,
	"azure-native:network:PrivateEndpoint":              privateEndpointRule,
	"azure-native:network:PrivateZone":                  privateZoneRule,
	"azure-native:network:VirtualNetworkLink":           virtualNetworkLinkRule,
	"azure-native:network:PrivateRecordSet":             recordSetRule,
	"azure-native:compute:VirtualMachine":               linuxVMRule,
	"azure-native:managedidentity:UserAssignedIdentity": identityRule,
	"azure-native:apimanagement:ApiManagementService":   apiManagementRule,
	"azure-native:keyvault:Vault":                       keyVaultRule,
	"azure-native:keyvault:Secret":                      secretRule,
	"azure-native:containerregistry:Registry":           containerRegistryRule,
	"azure-native:containerservice:ManagedCluster":      kubernetesClusterRule,
	"azure-native:operationalinsights:Workspace":        logAnalyticsRule,
	"azure-native:insights:Component":                   applicationInsightsRule,
	"azure-native:insights:ActionGroup":                 actionGroupRule,
	"azure-native:insights:MetricAlert":                 metricAlertRule,
	"azure-native:sql:Server":                           sqlServerRule,
	"azure-native:sql:Database":                         sqlDatabaseRule,
	"azure-native:apimanagement:Api":                    apiManagementEntityRule("API"),
	"azure-native:apimanagement:ApiOperation":           apiManagementEntityRule("API operation"),
	"azure-native:apimanagement:Backend":                apiManagementEntityRule("API Management backend"),
	"azure-native:apimanagement:Certificate":            apiManagementEntityRule("API Management certificate"),
	"azure-native:apimanagement:Diagnostic":             apiManagementEntityRule("API Management diagnostic"),
	"azure-native:apimanagement:Logger":                 apiManagementEntityRule("API Management logger"),
	"azure-native:apimanagement:Product":                apiManagementEntityRule("API Management product"),
	"azure-native:apimanagement:Subscription":           apiManagementEntityRule("API Management subscription"),
	// Not in Microsoft's table: a product's API link is named by the API's ID, so the API's rule.
	"azure-native:apimanagement:ProductApi": apiManagementEntityRule("API of a product"),
	// Not in Microsoft's table: the table's service/diagnostics rule, for the same entity on one API.
	"azure-native:apimanagement:ApiDiagnostic": apiManagementEntityRule("API diagnostic"),
	// The REST API accepts only "policy" as an API's policyId
	// (https://learn.microsoft.com/rest/api/apimanagement/api-policy/create-or-update).
	"azure-native:apimanagement:ApiPolicy": fixedRule("API policy", "policy"),
	// Not in Microsoft's table: the table's firewallPolicies/ruleGroups rule, which rule collection
	// groups replaced.
	"azure-native:network:FirewallPolicyRuleCollectionGroup": ruleCollectionGroupRule,
	// Not in Microsoft's table: the Microsoft.Network rule of a private endpoint's other children.
	"azure-native:network:PrivateDnsZoneGroup": privateDNSZoneGroupRule,
	// Not in Microsoft's table: what the Azure portal accepts for a setting's name, at most 260
	// characters (hashicorp/terraform-provider-azurerm#10014); not ending in a space or period is ours.
	"azure-native:insights:DiagnosticSetting": diagnosticSettingRule,
	// Not in Microsoft's table, and the REST API documents no pattern: the length Container insights'
	// onboarding cuts its names to, and the characters of the names it writes (MSCI-<region>-<cluster>).
	"azure-native:insights:DataCollectionRule": dataCollectionRuleRule,
	// Not in Microsoft's table: the REST API's pattern for federatedIdentityCredentialResourceName,
	// ^[a-zA-Z0-9]{1}[a-zA-Z0-9-_]{2,119}$
	// (https://learn.microsoft.com/rest/api/managedidentity/federated-identity-credentials/create-or-update).
	"azure-native:managedidentity:FederatedIdentityCredential": federatedCredentialRule,
	// AKS accepts only these three configuration names (https://learn.microsoft.com/azure/aks/planned-maintenance).
	"azure-native:containerservice:MaintenanceConfiguration": fixedRule("AKS maintenance configuration",
		"default", "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"),
	// Each SQL server has exactly one of these settings, under a name the REST API fixes
	// (https://learn.microsoft.com/rest/api/sql/server-azure-ad-only-authentications,
	// https://learn.microsoft.com/rest/api/sql/server-blob-auditing-policies,
	// https://learn.microsoft.com/rest/api/sql/server-security-alert-policies).
	"azure-native:sql:ServerAzureADOnlyAuthentication":    fixedRule("SQL Entra-only authentication", "Default"),
	"azure-native:sql:ServerBlobAuditingPolicy":           fixedRule("SQL auditing policy", "default"),
	"azure-native:sql:ServerSecurityAlertPolicy":          fixedRule("SQL security alert policy", "Default"),
	"azure-native:insights:SubscriptionDiagnosticSetting": diagnosticSettingRule,
	"azure-native:network:VirtualNetworkPeering":          networkRule("virtual network peering", 1, 80),

	"azure-native:network:Policy":      frontDoorWAFPolicyRule,
	"azure-native:cdn:Profile":         frontDoorRule,
	"azure-native:cdn:AFDEndpoint":     frontDoorEndpointRule,
	"azure-native:cdn:AFDCustomDomain": frontDoorChildRule,
	"azure-native:cdn:AFDOriginGroup":  frontDoorChildRule,
	"azure-native:cdn:AFDOrigin":       frontDoorChildRule,
	"azure-native:cdn:Route":           frontDoorChildRule,
	"azure-native:cdn:SecurityPolicy":  frontDoorChildRule,

	// Generic resources, by the typed resource they stand for (pack.TypeKey).
	"azure-native:documentdb:DatabaseAccount":               cosmosAccountRule,
	"azure-native:documentdb:SqlResourceSqlDatabase":        cosmosResourceRule,
	"azure-native:documentdb:SqlResourceSqlContainer":       cosmosResourceRule,
	"azure-native:securityinsights:SentinelOnboardingState": fixedRule("Sentinel onboarding state", "default"),
}

// exemptResourceTypes are the azure-native types whose names are not checked, each with the reason.
var exemptResourceTypes = map[string]string{
	"azure-native:authorization:RoleAssignment": "the name is a GUID that azure-native generates (role assignment names must be GUIDs)",
	"azure-native:insights:DataCollectionRuleAssociation": "Container insights requires its association to be named ContainerInsightsExtension; " +
		"the name is not ours to choose",
	"azure-native:compute:VirtualMachineExtension": "an extension is named after the extension it installs (AADSSHLoginForLinux); " +
		"the name is not ours to choose",
	"azure-native:documentdb:SqlResourceSqlRoleAssignment": "a Cosmos DB data-plane role assignment's name must be a GUID (components.NameGUID derives it)",
	"azure-native:securityinsights:ASCDataConnector":       "a Sentinel data connector is named with a GUID (components.NameGUID derives it)",
}

// BaseResourceType returns a type token without its API version:
// azure-native:apimanagement/v20240501:Api becomes azure-native:apimanagement:Api.
func BaseResourceType(token string) string {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return token
	}
	module, _, _ := strings.Cut(parts[1], "/")
	return parts[0] + ":" + module + ":" + parts[2]
}

// RuleForResourceType returns the naming rule of an azure-native resource type token, with or without
// an API version, and whether one is known. The rules follow ResourceNameRulesURL
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), except
// where the type is missing there and another source is named beside its entry.
func RuleForResourceType(token string) (Rule, bool) {
	rule, ok := resourceTypeRules[BaseResourceType(token)]
	return rule, ok
}

// ExemptResourceType returns why names of an azure-native resource type are not checked, and whether
// the type is exempt: its names are GUIDs or fixed by the service, not chosen by the platform.
func ExemptResourceType(token string) (string, bool) {
	reason, ok := exemptResourceTypes[BaseResourceType(token)]
	return reason, ok
}

// ResourceTypes lists every azure-native type token with a rule or an exemption, sorted.
func ResourceTypes() []string {
	tokens := slices.Collect(maps.Keys(resourceTypeRules))
	tokens = append(tokens, slices.Collect(maps.Keys(exemptResourceTypes))...)
	slices.Sort(tokens)
	return slices.Compact(tokens)
}
