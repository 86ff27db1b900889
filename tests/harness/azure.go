// Azure-realistic mock outputs: ARM IDs, managed identity principal IDs, API Management private IPs.
package harness

import (
	"crypto/sha256"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// armType says how an azure-native resource type maps to its ARM ID.
type armType struct {
	// path is the provider namespace and type, e.g. Microsoft.Network/virtualNetworks.
	path string
	// nameProperty is the input holding the resource's name.
	nameProperty string
}

// armTypes lists the azure-native types whose ARM type or name property the generic rule (see
// armTypeFor) gets wrong. Keys are `module:Type` without an API version.
var armTypes = map[string]armType{
	"apimanagement:ApiManagementService":   {"Microsoft.ApiManagement/service", "serviceName"},
	"containerservice:ManagedCluster":      {"Microsoft.ContainerService/managedClusters", "resourceName"},
	"containerregistry:Registry":           {"Microsoft.ContainerRegistry/registries", "registryName"},
	"keyvault:Vault":                       {"Microsoft.KeyVault/vaults", "vaultName"},
	"insights:Component":                   {"Microsoft.Insights/components", "resourceName"},
	"managedidentity:UserAssignedIdentity": {"Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"},
	"network:PrivateZone":                  {"Microsoft.Network/privateDnsZones", "privateZoneName"},
	"network:WebApplicationFirewallPolicy": {"Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies", "policyName"},
	"network:PublicIPAddress":              {"Microsoft.Network/publicIPAddresses", "publicIpAddressName"},
	"operationalinsights:Workspace":        {"Microsoft.OperationalInsights/workspaces", "workspaceName"},
	"sql:Server":                           {"Microsoft.Sql/servers", "serverName"},
	"compute:VirtualMachine":               {"Microsoft.Compute/virtualMachines", "vmName"},
	"network:AzureFirewall":                {"Microsoft.Network/azureFirewalls", "azureFirewallName"},
	"network:FirewallPolicy":               {"Microsoft.Network/firewallPolicies", "firewallPolicyName"},
	"network:BastionHost":                  {"Microsoft.Network/bastionHosts", "bastionHostName"},
	"network:ApplicationGateway":           {"Microsoft.Network/applicationGateways", "applicationGatewayName"},
	"network:PrivateEndpoint":              {"Microsoft.Network/privateEndpoints", "privateEndpointName"},
	"network:RouteTable":                   {"Microsoft.Network/routeTables", "routeTableName"},
	"network:NetworkSecurityGroup":         {"Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"},
	"network:VirtualNetwork":               {"Microsoft.Network/virtualNetworks", "virtualNetworkName"},
}

// providerNamespaces maps azure-native modules to ARM provider namespaces.
var providerNamespaces = map[string]string{
	"apimanagement": "Microsoft.ApiManagement", "authorization": "Microsoft.Authorization",
	"compute": "Microsoft.Compute", "containerregistry": "Microsoft.ContainerRegistry",
	"containerservice": "Microsoft.ContainerService", "insights": "Microsoft.Insights",
	"keyvault": "Microsoft.KeyVault", "managedidentity": "Microsoft.ManagedIdentity",
	"network": "Microsoft.Network", "operationalinsights": "Microsoft.OperationalInsights",
	"resources": "Microsoft.Resources", "sql": "Microsoft.Sql",
}

// armTypeFor returns the ARM type of an azure-native token: the table above, or the generic rule
// (Microsoft.<Module>/<lowerType>s named by <lowerType>Name).
func armTypeFor(token string) (armType, string) {
	parts := strings.Split(token, ":")
	module := apiVersionSegment.ReplaceAllString(parts[1], "")
	key := module + ":" + parts[2]
	if known, ok := armTypes[key]; ok {
		return known, module
	}
	lower := strings.ToLower(parts[2][:1]) + parts[2][1:]
	namespace, ok := providerNamespaces[module]
	if !ok {
		namespace = "Microsoft." + strings.ToUpper(module[:1]) + module[1:]
	}
	return armType{path: namespace + "/" + lower + "s", nameProperty: lower + "Name"}, module
}

// azureResource answers an azure-native registration: an ARM ID from the subscription, resource group,
// type and name, the usual id/name/type outputs, and the outputs the platform consumes.
func (m *mocks) azureResource(res *Resource, outputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	kind, module := armTypeFor(res.Type)
	name := res.InputString(kind.nameProperty)
	if name == "" {
		name = res.Name
	}
	var id string
	switch {
	case module == "resources" && strings.HasSuffix(res.Type, ":ResourceGroup"):
		name = res.InputString("resourceGroupName")
		if name == "" {
			name = res.Name
		}
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", SubscriptionID, name)
	case res.InputString("scope") != "":
		id = fmt.Sprintf("%s/providers/%s/%s", res.InputString("scope"), kind.path, name)
	case res.InputString("resourceUri") != "":
		id = fmt.Sprintf("%s/providers/%s/%s", res.InputString("resourceUri"), kind.path, name)
	case res.InputString("resourceGroupName") != "":
		id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s",
			SubscriptionID, res.InputString("resourceGroupName"), kind.path, name)
	default:
		id = fmt.Sprintf("/subscriptions/%s/providers/%s/%s", SubscriptionID, kind.path, name)
	}
	outputs["id"] = resource.NewProperty(id)
	outputs["name"] = resource.NewProperty(name)
	outputs["type"] = resource.NewProperty(kind.path)
	outputs["provisioningState"] = resource.NewProperty("Succeeded")

	if identity := res.InputString("identity.type"); identity != "" {
		outputs["identity"] = mockIdentity(res, identity)
	}
	if strings.HasSuffix(res.Type, ":UserAssignedIdentity") {
		outputs["principalId"] = resource.NewProperty(guid(id + "/principal"))
		outputs["clientId"] = resource.NewProperty(guid(id + "/client"))
		outputs["tenantId"] = resource.NewProperty(TenantID)
	}
	if strings.HasSuffix(res.Type, ":ApiManagementService") {
		if address, ok := m.firstUsableAddress(res.InputString("virtualNetworkConfiguration.subnetResourceId")); ok {
			outputs["privateIPAddresses"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(address)})
		}
		outputs["gatewayUrl"] = resource.NewProperty("https://" + name + ".azure-api.net")
	}
	return id, outputs, nil
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

// firstUsableAddress finds the subnet with the given ARM ID among the recorded virtual networks and
// returns its first address Azure hands out (the fifth: four are reserved at the start).
func (m *mocks) firstUsableAddress(subnetID string) (string, bool) {
	virtualNetworkID, subnetName, ok := strings.Cut(subnetID, "/subnets/")
	if !ok {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, res := range m.recording.Resources {
		if !TypeMatches(res.Type, "azure-native:network:VirtualNetwork") || res.ID != virtualNetworkID {
			continue
		}
		subnets, _ := res.Input("subnets").([]any)
		for _, item := range subnets {
			subnet, _ := item.(map[string]any)
			if subnet["name"] != subnetName {
				continue
			}
			prefix, err := netip.ParsePrefix(fmt.Sprint(subnet["addressPrefix"]))
			if err != nil {
				return "", false
			}
			address := prefix.Addr()
			for range 4 {
				address = address.Next()
			}
			return address.String(), true
		}
	}
	return "", false
}

// guid derives a stable GUID-shaped string from a seed, so reruns produce the same IDs.
func guid(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
