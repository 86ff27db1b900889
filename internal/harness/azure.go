// Azure-realistic mock outputs: ARM IDs, managed identity principal IDs, API Management private IPs.

package harness

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/apiplatform/azure-api-platform/policy/pack"
)

// armPaths gives, for azure-native types the generic rule (see armPathFor) gets wrong, the ARM path below
// the resource group (or scope) with {input} placeholders. Keys are `module:Type` without an API version.
var armPaths = map[string]string{
	"apimanagement:ApiManagementService":          "Microsoft.ApiManagement/service/{serviceName}",
	"apimanagement:Api":                           "Microsoft.ApiManagement/service/{serviceName}/apis/{apiId}",
	"apimanagement:ApiDiagnostic":                 "Microsoft.ApiManagement/service/{serviceName}/apis/{apiId}/diagnostics/{diagnosticId}",
	"apimanagement:ApiOperation":                  "Microsoft.ApiManagement/service/{serviceName}/apis/{apiId}/operations/{operationId}",
	"apimanagement:ApiPolicy":                     "Microsoft.ApiManagement/service/{serviceName}/apis/{apiId}/policies/{policyId}",
	"apimanagement:Backend":                       "Microsoft.ApiManagement/service/{serviceName}/backends/{backendId}",
	"apimanagement:Certificate":                   "Microsoft.ApiManagement/service/{serviceName}/certificates/{certificateId}",
	"apimanagement:Diagnostic":                    "Microsoft.ApiManagement/service/{serviceName}/diagnostics/{diagnosticId}",
	"compute:VirtualMachineExtension":             "Microsoft.Compute/virtualMachines/{vmName}/extensions/{vmExtensionName}",
	"insights:MetricAlert":                        "Microsoft.Insights/metricAlerts/{ruleName}",
	"managedidentity:FederatedIdentityCredential": "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
	"network:FirewallPolicy":                      "Microsoft.Network/firewallPolicies/{firewallPolicyName}",
	"network:FirewallPolicyRuleCollectionGroup":   "Microsoft.Network/firewallPolicies/{firewallPolicyName}/ruleCollectionGroups/{ruleCollectionGroupName}",
	"network:Route":                               "Microsoft.Network/routeTables/{routeTableName}/routes/{routeName}",
	"network:SecurityRule":                        "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}",
	"sql:Database":                                "Microsoft.Sql/servers/{serverName}/databases/{databaseName}",
	"sql:ServerAzureADOnlyAuthentication":         "Microsoft.Sql/servers/{serverName}/azureADOnlyAuthentications/{authenticationName}",
	"sql:ServerBlobAuditingPolicy":                "Microsoft.Sql/servers/{serverName}/auditingSettings/{blobAuditingPolicyName}",
	"sql:ServerSecurityAlertPolicy":               "Microsoft.Sql/servers/{serverName}/securityAlertPolicies/{securityAlertPolicyName}",
	"apimanagement:Logger":                        "Microsoft.ApiManagement/service/{serviceName}/loggers/{loggerId}",
	"apimanagement:Product":                       "Microsoft.ApiManagement/service/{serviceName}/products/{productId}",
	"apimanagement:ProductApi":                    "Microsoft.ApiManagement/service/{serviceName}/products/{productId}/apis/{apiId}",
	"apimanagement:Subscription":                  "Microsoft.ApiManagement/service/{serviceName}/subscriptions/{sid}",
	"network:PrivateRecordSet":                    "Microsoft.Network/privateDnsZones/{privateZoneName}/{recordType}/{relativeRecordSetName}",
	"network:VirtualNetworkPeering":               "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
	"compute:VirtualMachine":                      "Microsoft.Compute/virtualMachines/{vmName}",
	"containerregistry:Registry":                  "Microsoft.ContainerRegistry/registries/{registryName}",
	"containerservice:ManagedCluster":             "Microsoft.ContainerService/managedClusters/{resourceName}",
	"containerservice:MaintenanceConfiguration":   "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}",
	"insights:Component":                          "Microsoft.Insights/components/{resourceName}",
	"insights:DiagnosticSetting":                  "Microsoft.Insights/diagnosticSettings/{name}",
	"insights:DataCollectionRule":                 "Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}",
	"insights:DataCollectionRuleAssociation":      "Microsoft.Insights/dataCollectionRuleAssociations/{associationName}",
	"keyvault:Secret":                             "Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}",
	"keyvault:Vault":                              "Microsoft.KeyVault/vaults/{vaultName}",
	"managedidentity:UserAssignedIdentity":        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
	"network:PrivateDnsZoneGroup":                 "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
	"network:PrivateZone":                         "Microsoft.Network/privateDnsZones/{privateZoneName}",
	"network:PublicIPAddress":                     "Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
	"network:VirtualNetworkLink":                  "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
	"network:WebApplicationFirewallPolicy":        "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/{policyName}",
	"operationalinsights:Workspace":               "Microsoft.OperationalInsights/workspaces/{workspaceName}",
	"sql:Server":                                  "Microsoft.Sql/servers/{serverName}",
	"cdn:Profile":                                 "Microsoft.Cdn/profiles/{profileName}",
	"cdn:AFDEndpoint":                             "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}",
	"cdn:AFDOriginGroup":                          "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}",
	"cdn:AFDOrigin":                               "Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}/origins/{originName}",
	"cdn:AFDCustomDomain":                         "Microsoft.Cdn/profiles/{profileName}/customDomains/{customDomainName}",
	"cdn:Route":                                   "Microsoft.Cdn/profiles/{profileName}/afdEndpoints/{endpointName}/routes/{routeName}",
	"cdn:SecurityPolicy":                          "Microsoft.Cdn/profiles/{profileName}/securityPolicies/{securityPolicyName}",
	"network:Policy":                              "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/{policyName}",
	"insights:SubscriptionDiagnosticSetting":      "Microsoft.Insights/diagnosticSettings/{name}",
}

// providerNamespaces maps azure-native modules to ARM provider namespaces.
var providerNamespaces = map[string]string{
	"apimanagement": "Microsoft.ApiManagement", "authorization": "Microsoft.Authorization",
	"compute": "Microsoft.Compute", "containerregistry": "Microsoft.ContainerRegistry",
	"containerservice": "Microsoft.ContainerService", "insights": "Microsoft.Insights",
	"keyvault": "Microsoft.KeyVault", "managedidentity": "Microsoft.ManagedIdentity",
	"network": "Microsoft.Network", "operationalinsights": "Microsoft.OperationalInsights",
	"resources": "Microsoft.Resources", "sql": "Microsoft.Sql", "cdn": "Microsoft.Cdn",
}

var placeholder = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// GenericResourceType is azure-native's generic resource: any ARM type, addressed by its provider
// namespace, parent path, type and name, with an explicit API version.
const GenericResourceType = "azure-native:resources:Resource"

// genericPath is the ARM path of a generic resource below its resource group, as the provider builds
// its request URL (providers/{namespace}/{parentResourcePath}/{resourceType}/{resourceName}); an
// empty parent path adds no segment.
func genericPath(res *Resource) string {
	segments := []string{res.InputString("resourceProviderNamespace")}
	if parent := strings.Trim(res.InputString("parentResourcePath"), "/"); parent != "" {
		segments = append(segments, parent)
	}
	name := res.InputString("resourceName")
	if name == "" {
		name = res.Name
	}
	return strings.Join(append(segments, res.InputString("resourceType"), name), "/")
}

// genericPathInputs are a generic resource's inputs that only address it.
var genericPathInputs = []string{"resourceProviderNamespace", "parentResourcePath", "resourceType", "resourceName", "apiVersion"}

// armPathFor returns the ARM path of an azure-native resource below its resource group or scope: the
// table above, or the generic rule Microsoft.<Module>/<lowerType>s/{<lowerType>Name}. Placeholders are
// filled from the inputs; a missing one falls back to the logical name.
func armPathFor(res *Resource) (path, name, module string) {
	if TypeMatches(res.Type, GenericResourceType) {
		path = genericPath(res)
		return path, path[strings.LastIndex(path, "/")+1:], "resources"
	}
	template, module := armTemplateFor(res)
	path = placeholder.ReplaceAllStringFunc(template, func(match string) string {
		if value := res.InputString(match[1 : len(match)-1]); value != "" {
			return value
		}
		return res.Name
	})
	return path, path[strings.LastIndex(path, "/")+1:], module
}

// armTemplateFor returns the ARM path template of an azure-native resource (see armPathFor) and its
// module.
func armTemplateFor(res *Resource) (template, module string) {
	parts := strings.Split(pack.BaseType(res.Type), ":")
	module = parts[1]
	template, ok := armPaths[module+":"+parts[2]]
	if !ok {
		lower := strings.ToLower(parts[2][:1]) + parts[2][1:]
		namespace, known := providerNamespaces[module]
		if !known {
			namespace = "Microsoft." + strings.ToUpper(module[:1]) + module[1:]
		}
		template = namespace + "/" + lower + "s/{" + lower + "Name}"
	}
	return template, module
}

// ARMAddress is where an azure-native resource lives in ARM: its resource type (namespace and the type
// segments of its path), its name (the name segments, joined by slashes as ARM templates write child
// resources), and the inputs that only address it (path parameters), which are not properties.
type ARMAddress struct {
	// Type is e.g. Microsoft.ApiManagement/service/apis.
	Type string
	// Name is e.g. apiplat-dev-apim1a2b3c/echo.
	Name string
	// PathInputs are the inputs the path is built from, e.g. serviceName and apiId.
	PathInputs []string
	// Scope is the ARM ID an extension resource is created on, when its path says so rather than an
	// input (a generic resource whose parent path enters another provider); "" otherwise.
	Scope string
}

// ARMAddressOf returns an azure-native resource's address in ARM.
func ARMAddressOf(res *Resource) ARMAddress {
	path, _, _ := armPathFor(res)
	address := ARMAddress{}
	if TypeMatches(res.Type, GenericResourceType) {
		address.PathInputs = genericPathInputs
		// An extension resource (a parent path that enters another provider) is the resource of its
		// last provider, at the scope before it.
		if cut := strings.LastIndex(path, "/providers/"); cut >= 0 {
			address.Scope = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s", SubscriptionID, res.InputString("resourceGroupName"), path[:cut])
			path = path[cut+len("/providers/"):]
		}
	} else {
		template, _ := armTemplateFor(res)
		for _, match := range placeholder.FindAllStringSubmatch(template, -1) {
			address.PathInputs = append(address.PathInputs, match[1])
		}
	}
	segments := strings.Split(path, "/")
	types, names := []string{segments[0]}, []string{}
	for i := 1; i+1 < len(segments); i += 2 {
		types, names = append(types, segments[i]), append(names, segments[i+1])
	}
	address.Type, address.Name = strings.Join(types, "/"), strings.Join(names, "/")
	return address
}

// azureResource answers an azure-native registration: an ARM ID from the subscription, resource group,
// type and name, the usual id/name/type outputs, and the outputs the platform consumes.
func (m *mocks) azureResource(res *Resource, outputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	path, name, module := armPathFor(res)
	var id string
	switch {
	case module == "resources" && strings.HasSuffix(res.Type, ":ResourceGroup"):
		name = res.InputString("resourceGroupName")
		if name == "" {
			name = res.Name
		}
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", SubscriptionID, name)
	case res.InputString("scope") != "" && module != "apimanagement": // an API Management subscription's scope is a product, not an ARM scope
		id = res.InputString("scope") + "/providers/" + path
	case res.InputString("resourceUri") != "":
		id = res.InputString("resourceUri") + "/providers/" + path
	case res.InputString("resourceGroupName") != "":
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s", m.subscriptionOf(res), res.InputString("resourceGroupName"), path)
	default:
		id = fmt.Sprintf("/subscriptions/%s/providers/%s", SubscriptionID, path)
	}
	outputs["id"] = resource.NewProperty(id)
	outputs["name"] = resource.NewProperty(name)
	outputs["type"] = resource.NewProperty(path[:strings.LastIndex(path, "/")])
	outputs["provisioningState"] = resource.NewProperty("Succeeded")

	if identity := res.InputString("identity.type"); identity != "" {
		outputs["identity"] = mockIdentity(res, identity)
	}
	switch {
	case strings.HasSuffix(res.Type, ":UserAssignedIdentity"):
		outputs["principalId"] = resource.NewProperty(guid(id + "/principal"))
		outputs["clientId"] = resource.NewProperty(guid(id + "/client"))
		outputs["tenantId"] = resource.NewProperty(TenantID)
	case strings.HasSuffix(res.Type, ":ApiManagementService"):
		if address, ok := m.assignedAddress(res.InputString("virtualNetworkConfiguration.subnetResourceId"), id); ok {
			outputs["privateIPAddresses"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(address)})
		}
		outputs["gatewayUrl"] = resource.NewProperty("https://" + name + ".azure-api.net")
	case strings.HasSuffix(res.Type, ":AzureFirewall"):
		if configurations, ok := res.Input("ipConfigurations").([]any); ok && len(configurations) > 0 {
			subnetID := res.InputString("ipConfigurations[0].subnet.id")
			if address, ok := m.assignedAddress(subnetID, id); ok {
				configuration := map[string]any{"name": res.InputString("ipConfigurations[0].name"), "privateIPAddress": address,
					"subnet": map[string]any{"id": subnetID}}
				outputs["ipConfigurations"] = resource.NewProperty([]resource.PropertyValue{
					resource.NewProperty(resource.NewPropertyMapFromMap(configuration))})
			}
		}
	case module == "sql" && strings.HasSuffix(res.Type, ":Server"):
		outputs["fullyQualifiedDomainName"] = resource.NewProperty(name + ".database.windows.net")
	case strings.HasSuffix(res.Type, ":PublicIPAddress"):
		sum := sha256.Sum256([]byte(id))
		outputs["ipAddress"] = resource.NewProperty(fmt.Sprintf("20.%d.%d.%d", sum[0], sum[1], sum[2]%254+1))
		if label := res.InputString("dnsSettings.domainNameLabel"); label != "" {
			setOutput(outputs, "dnsSettings", "fqdn", label+"."+res.InputString("location")+".cloudapp.azure.com")
		}
	case strings.HasSuffix(res.Type, ":ManagedCluster"):
		kubelet := map[string]any{"objectId": guid(id + "/kubelet"), "clientId": guid(id + "/kubelet-client"),
			"resourceId": "/subscriptions/" + SubscriptionID + "/resourceGroups/" + res.InputString("nodeResourceGroup") +
				"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + name + "-agentpool"}
		outputs["identityProfile"] = resource.NewProperty(resource.NewPropertyMapFromMap(map[string]any{"kubeletidentity": kubelet}))
		setOutput(outputs, "oidcIssuerProfile", "issuerURL", "https://"+res.InputString("location")+".oic.prod-aks.azure.com/"+TenantID+"/"+guid(id)+"/")
		// A private cluster's API server name: <dnsPrefix>-<8 hex>.<GUID>.privatelink.<region>.azmk8s.io.
		outputs["privateFQDN"] = resource.NewProperty(res.InputString("dnsPrefix") + "-" + guid(id)[:8] + "." + guid(id+"/private-zone") +
			".privatelink." + res.InputString("location") + ".azmk8s.io")
	case module == "containerregistry" && strings.HasSuffix(res.Type, ":Registry"):
		outputs["loginServer"] = resource.NewProperty(name + ".azurecr.io")
	case module == "insights" && strings.HasSuffix(res.Type, ":Component"):
		key := guid(id + "/instrumentation-key")
		outputs["instrumentationKey"] = resource.NewProperty(key)
		outputs["connectionString"] = resource.NewProperty("InstrumentationKey=" + key + ";IngestionEndpoint=https://" +
			res.InputString("location") + ".in.applicationinsights.azure.com/")
	case module == "cdn" && strings.HasSuffix(res.Type, ":Profile"):
		outputs["frontDoorId"] = resource.NewProperty(guid(id + "/front-door-id"))
	case module == "cdn" && strings.HasSuffix(res.Type, ":AFDEndpoint"):
		// Azure appends a hash it chooses to the endpoint's name (autoGeneratedDomainNameLabelScope).
		outputs["hostName"] = resource.NewProperty(name + "-" + strings.ReplaceAll(guid(id), "-", "")[:16] + ".z01.azurefd.net")
	case module == "cdn" && strings.HasSuffix(res.Type, ":AFDCustomDomain"):
		// The domain stays Pending until the owner publishes the token as _dnsauth.<host> TXT.
		outputs["domainValidationState"] = resource.NewProperty("Pending")
		outputs["validationProperties"] = resource.NewProperty(resource.NewPropertyMapFromMap(map[string]any{
			"validationToken": strings.ReplaceAll(guid(id+"/validation"), "-", "")[:32], "expirationDate": "2026-12-08T00:00:00Z"}))
	case module == "resources" && TypeMatches(res.Type, GenericResourceType):
		genericOutputs(res, name, outputs)
	case module == "operationalinsights" && strings.HasSuffix(res.Type, ":Workspace"):
		outputs["customerId"] = resource.NewProperty(guid(id + "/customer"))
	case module == "keyvault" && strings.HasSuffix(res.Type, ":Vault"):
		setOutput(outputs, "properties", "vaultUri", "https://"+name+".vault.azure.net/")
	case module == "keyvault" && strings.HasSuffix(res.Type, ":Secret"):
		uri := "https://" + res.InputString("vaultName") + ".vault.azure.net/secrets/" + name
		setOutput(outputs, "properties", "secretUri", uri)
		setOutput(outputs, "properties", "secretUriWithVersion", uri+"/"+strings.ReplaceAll(guid(res.URN), "-", ""))
	}
	return id, outputs, nil
}

// genericOutputs adds what Azure returns beside a generic resource's inputs: a Cosmos DB account's
// endpoint, which the account's name determines but Azure reports.
func genericOutputs(res *Resource, name string, outputs resource.PropertyMap) {
	if res.InputString("resourceProviderNamespace") == "Microsoft.DocumentDB" && res.InputString("resourceType") == "databaseAccounts" {
		setOutput(outputs, "properties", "documentEndpoint", "https://"+name+".documents.azure.com:443/")
	}
	setOutput(outputs, "properties", "provisioningState", "Succeeded")
}

// subscriptionOf is the subscription a resource is created in: its provider's subscriptionId when the
// provider names one (the hub's, for the hub's side of a peering), the deployment's otherwise.
func (m *mocks) subscriptionOf(res *Resource) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, provider := range m.recording.Resources {
		if provider.URN == res.ProviderURN() {
			if subscription := provider.InputString("subscriptionId"); subscription != "" {
				return subscription
			}
		}
	}
	return SubscriptionID
}

// setOutput sets object.key in outputs, keeping the object's other properties and its secrecy.
func setOutput(outputs resource.PropertyMap, object, key, value string) {
	current := outputs[resource.PropertyKey(object)]
	secret := current.IsSecret()
	properties := resource.PropertyMap{}
	if inner := unwrapSecret(current); inner.IsObject() {
		properties = inner.ObjectValue().Copy()
	}
	properties[resource.PropertyKey(key)] = resource.NewProperty(value)
	result := resource.NewProperty(properties)
	if secret {
		result = resource.MakeSecret(result)
	}
	outputs[resource.PropertyKey(object)] = result
}

// mockIdentity returns the identity block Azure returns: a principal ID for a system-assigned identity
// and principal and client IDs for every user-assigned one.
func mockIdentity(res *Resource, identityType string) resource.PropertyValue {
	identity := map[string]any{"type": identityType}
	if strings.Contains(identityType, "SystemAssigned") {
		identity["principalId"] = guid(res.URN + "/system-identity")
		identity["tenantId"] = TenantID
	}
	if assigned, ok := res.Input("identity.userAssignedIdentities").(map[string]any); ok {
		details := map[string]any{}
		for identityID := range assigned {
			details[identityID] = map[string]any{"principalId": guid(identityID + "/principal"), "clientId": guid(identityID + "/client")}
		}
		identity["userAssignedIdentities"] = details
	}
	if list, ok := res.Input("identity.userAssignedIdentities").([]any); ok {
		details := map[string]any{}
		for _, item := range list {
			identityID := fmt.Sprint(item)
			details[identityID] = map[string]any{"principalId": guid(identityID + "/principal"), "clientId": guid(identityID + "/client")}
		}
		identity["userAssignedIdentities"] = details
	}
	return resource.NewProperty(resource.NewPropertyMapFromMap(identity))
}

// assignedAddress finds the subnet with the given ARM ID among the recorded virtual networks and returns
// the address Azure gives a resource there. Azure chooses it and documents no rule (the firewall's and
// API Management's private addresses are read-only outputs), so the mocks pick one of the subnet's
// usable addresses from the resource's ID: stable across runs, rarely the first, and never one the
// program could compute in advance.
func (m *mocks) assignedAddress(subnetID, seed string) (string, bool) {
	virtualNetworkID, subnetName, ok := strings.Cut(subnetID, "/subnets/")
	if !ok {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	block := ""
	for _, res := range m.recording.Resources {
		if !TypeMatches(res.Type, "azure-native:network:VirtualNetwork") || res.ID != virtualNetworkID {
			continue
		}
		subnets, _ := res.Input("subnets").([]any)
		for _, item := range subnets {
			if subnet, _ := item.(map[string]any); subnet["name"] == subnetName {
				block = fmt.Sprint(subnet["addressPrefix"])
			}
		}
	}
	if m.landingZone != nil {
		if network, found := lookup(m.landingZone.VirtualNetworks, virtualNetworkID); found {
			if subnet, found := network.Subnets[subnetName]; found {
				block = subnet.AddressPrefix
				if block == "" && len(subnet.AddressPrefixes) > 0 {
					block = subnet.AddressPrefixes[0]
				}
			}
		}
	}
	prefix, err := netip.ParsePrefix(block)
	if err != nil {
		return "", false
	}
	// Azure keeps the first four addresses and the last one of every subnet.
	usable := (1 << (32 - prefix.Bits())) - 5
	sum := sha256.Sum256([]byte(seed))
	address := prefix.Addr()
	for range 4 + int(binary.BigEndian.Uint32(sum[:4])%uint32(usable)) {
		address = address.Next()
	}
	return address.String(), true
}

// guid derives a stable GUID-shaped string from a seed, so reruns produce the same IDs.
func guid(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
