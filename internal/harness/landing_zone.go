// A landing zone the stack deploys into: what exists in Azure before the first pulumi up, answered
// the way Azure answers reads of it.

package harness

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/stacks/config"
)

// ConnectivitySubscriptionID is the landing zone's connectivity subscription, which holds the central
// private DNS zones.
const ConnectivitySubscriptionID = "12121212-3434-5656-7878-909090909090"

// LandingZone is what exists before the stack: a spoke network with its subnets, security groups and
// route tables, and the Azure Policy that gives private endpoints their DNS zone groups. Reads of it
// are answered as Azure's GET is, flattened the way azure-native returns function results.
type LandingZone struct {
	// VirtualNetworks are the networks by ARM ID.
	VirtualNetworks map[string]LandingZoneNetwork
	// SecurityGroups are the network security groups by ARM ID, with their own rules.
	SecurityGroups map[string][]LandingZoneRule
	// RouteTables are the route tables by ARM ID, with their routes.
	RouteTables map[string][]LandingZoneRoute
	// PolicyZoneGroupName, when set, is the name under which Azure Policy gives each private endpoint
	// a zone group; a read finds it only from the PolicyActsAfterReads-th read of that endpoint's group
	// on (deployIfNotExists acts minutes after the endpoint is created).
	PolicyZoneGroupName string
	// PolicyActsAfterReads is how many reads of a zone group find nothing before the policy's exists.
	PolicyActsAfterReads int
}

// LandingZoneNetwork is one brought virtual network.
type LandingZoneNetwork struct {
	// Location is its region.
	Location string
	// AddressPrefixes are its address space.
	AddressPrefixes []string
	// DNSServers are its custom DNS servers.
	DNSServers []string
	// Subnets are its subnets by name.
	Subnets map[string]LandingZoneSubnet
}

// LandingZoneSubnet is one brought subnet.
type LandingZoneSubnet struct {
	// AddressPrefix is its block.
	AddressPrefix string
	// AddressPrefixes is set instead of AddressPrefix for a subnet Azure reports that way.
	AddressPrefixes []string
	// Delegations are the service names it is delegated to.
	Delegations []string
	// ServiceEndpoints are its service endpoints.
	ServiceEndpoints []string
	// PrivateEndpointNetworkPolicies is Disabled (Azure's default), Enabled, NetworkSecurityGroupEnabled
	// or RouteTableEnabled.
	PrivateEndpointNetworkPolicies string
	// SecurityGroupID is its network security group (empty for none).
	SecurityGroupID string
	// RouteTableID is its route table (empty for none).
	RouteTableID string
	// IPConfigurations are the IP configurations of other resources in it (network interfaces, ...).
	IPConfigurations []string
}

// LandingZoneRule is one rule of a brought security group.
type LandingZoneRule struct {
	// Name is the rule's name.
	Name string
	// Direction is Inbound or Outbound.
	Direction string
	// Access is Allow or Deny.
	Access string
	// Source is its source address prefix or service tag.
	Source string
	// Destination is its destination prefix or tag ("*" when empty).
	Destination string
	// Ports are its destination ports ("*" when empty).
	Ports []string
	// Priority orders it.
	Priority int
}

// LandingZoneRoute is one route of a brought route table.
type LandingZoneRoute struct {
	// Name is the route's name.
	Name string
	// AddressPrefix is its destination.
	AddressPrefix string
	// NextHopType is Internet, VirtualAppliance, ...
	NextHopType string
	// NextHopIPAddress is the appliance's address.
	NextHopIPAddress string
}

// Spoke IDs of SpokeLandingZone.
const (
	// SpokeGroupID is the spoke's network resource group.
	SpokeGroupID = "/subscriptions/" + SubscriptionID + "/resourceGroups/rg-spoke-network"
	// SpokeNetworkID is the spoke network.
	SpokeNetworkID = SpokeGroupID + "/providers/Microsoft.Network/virtualNetworks/vnet-spoke-api"
	// SpokeRouteTableID is the route table the landing zone attaches to the spoke's workload subnets.
	SpokeRouteTableID = SpokeGroupID + "/providers/Microsoft.Network/routeTables/rt-spoke-to-hub"
	// HubFirewallAddress is the hub firewall the landing zone's route table sends 0.0.0.0/0 to.
	HubFirewallAddress = "10.100.1.4"
	// HubResolverAddress is the hub's DNS resolver.
	HubResolverAddress = "10.100.0.4"
	// CentralDNSGroupID is the connectivity subscription's DNS resource group.
	CentralDNSGroupID = "/subscriptions/" + ConnectivitySubscriptionID + "/resourceGroups/rg-private-dns"
)

// SpokeSubnetID is the ID of the spoke subnet with the given name.
func SpokeSubnetID(name string) string {
	return SpokeNetworkID + "/subnets/" + name
}

// SpokeSecurityGroupID is the ID of the spoke's group for the subnet with the given name.
func SpokeSecurityGroupID(subnet string) string {
	return SpokeGroupID + "/providers/Microsoft.Network/networkSecurityGroups/nsg-" + subnet
}

// CentralZoneID is the ID of the connectivity subscription's private DNS zone with the given name.
func CentralZoneID(zone string) string {
	return CentralDNSGroupID + "/providers/Microsoft.Network/privateDnsZones/" + zone
}

// SpokeLandingZone is a typical Azure landing zone spoke, as subscription vending creates it: the
// network 10.60.0.0/16 using the hub's DNS resolver, one subnet per service with a group each (the
// landing zone's policy denies subnets without one) holding one rule of the landing zone's own, the
// workload subnets routed to the hub firewall, and no private endpoint policy.
func SpokeLandingZone() *LandingZone {
	zone := &LandingZone{SecurityGroups: map[string][]LandingZoneRule{}, RouteTables: map[string][]LandingZoneRoute{
		SpokeRouteTableID: {{Name: "to-hub-firewall", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: HubFirewallAddress}},
	}}
	subnets := map[string]LandingZoneSubnet{
		"snet-appgw":   {AddressPrefix: "10.60.0.0/24"},
		"snet-apim":    {AddressPrefix: "10.60.1.0/27", ServiceEndpoints: []string{"Microsoft.KeyVault"}},
		"snet-aks":     {AddressPrefix: "10.60.4.0/22", RouteTableID: SpokeRouteTableID},
		"snet-pe":      {AddressPrefix: "10.60.2.0/26", PrivateEndpointNetworkPolicies: "Enabled"},
		"snet-jumpbox": {AddressPrefix: "10.60.3.0/28", RouteTableID: SpokeRouteTableID},
		// Bastion takes no route table (https://learn.microsoft.com/azure/bastion/bastion-faq).
		"AzureBastionSubnet": {AddressPrefix: "10.60.3.64/26"},
	}
	for name, subnet := range subnets {
		subnet.SecurityGroupID = SpokeSecurityGroupID(name)
		if subnet.PrivateEndpointNetworkPolicies == "" {
			subnet.PrivateEndpointNetworkPolicies = "Disabled"
		}
		subnets[name] = subnet
		zone.SecurityGroups[subnet.SecurityGroupID] = []LandingZoneRule{
			{Name: "allow-platform-monitoring-inbound", Priority: 3000, Direction: "Inbound", Access: "Allow", Source: "10.100.2.0/24"},
		}
	}
	zone.VirtualNetworks = map[string]LandingZoneNetwork{SpokeNetworkID: {
		Location: "westeurope", AddressPrefixes: []string{"10.60.0.0/16"}, DNSServers: []string{HubResolverAddress}, Subnets: subnets,
	}}
	return zone
}

// Clone returns a deep copy, for a test to change one thing.
func (z *LandingZone) Clone() *LandingZone {
	clone := *z
	clone.VirtualNetworks = map[string]LandingZoneNetwork{}
	for id, network := range z.VirtualNetworks {
		network.Subnets = maps.Clone(network.Subnets)
		clone.VirtualNetworks[id] = network
	}
	clone.SecurityGroups = maps.Clone(z.SecurityGroups)
	clone.RouteTables = maps.Clone(z.RouteTables)
	return &clone
}

// notFound is Azure's answer for a resource that does not exist.
func notFound(kind, name, group string) error {
	return fmt.Errorf("ResourceNotFound: The Resource 'Microsoft.Network/%s/%s' under resource group '%s' was not found", kind, name, group)
}

// groupID is the ARM ID of a resource group in the deployment's subscription.
func groupID(group string) string {
	return "/subscriptions/" + SubscriptionID + "/resourceGroups/" + group
}

// lookup finds id in byID case-insensitively, as ARM does.
func lookup[V any](byID map[string]V, id string) (V, bool) {
	for key, value := range byID {
		if strings.EqualFold(key, id) {
			return value, true
		}
	}
	var zero V
	return zero, false
}

// answerLandingZone answers the network reads the program makes of the landing zone; handled says
// whether the token is one of them.
func (m *mocks) answerLandingZone(args pulumi.MockCallArgs) (result resource.PropertyMap, handled bool, err error) {
	zone := m.landingZone
	if zone == nil {
		zone = &LandingZone{}
	}
	text := func(key resource.PropertyKey) string {
		if value, ok := args.Args[key]; ok && value.IsString() {
			return value.StringValue()
		}
		return ""
	}
	group := text("resourceGroupName")
	switch {
	case TypeMatches(args.Token, "azure-native:network:getVirtualNetwork"):
		name := text("virtualNetworkName")
		id := groupID(group) + "/providers/Microsoft.Network/virtualNetworks/" + name
		network, found := lookup(zone.VirtualNetworks, id)
		if !found {
			return nil, true, notFound("virtualNetworks", name, group)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": id, "name": name, "location": network.Location, "addressSpace": map[string]any{"addressPrefixes": toAny(network.AddressPrefixes)},
			"dhcpOptions": map[string]any{"dnsServers": toAny(network.DNSServers)},
		}), true, nil
	case TypeMatches(args.Token, "azure-native:network:getSubnet"):
		networkName, name := text("virtualNetworkName"), text("subnetName")
		networkID := groupID(group) + "/providers/Microsoft.Network/virtualNetworks/" + networkName
		network, found := lookup(zone.VirtualNetworks, networkID)
		subnet, subnetFound := network.Subnets[name]
		if !found || !subnetFound {
			return nil, true, notFound("virtualNetworks", networkName+"/subnets/"+name, group)
		}
		return resource.NewPropertyMapFromMap(subnetAnswer(networkID+"/subnets/"+name, name, subnet)), true, nil
	case TypeMatches(args.Token, "azure-native:network:getNetworkSecurityGroup"):
		name := text("networkSecurityGroupName")
		rules, found := lookup(zone.SecurityGroups, groupID(group)+"/providers/Microsoft.Network/networkSecurityGroups/"+name)
		if !found {
			return nil, true, notFound("networkSecurityGroups", name, group)
		}
		return resource.NewPropertyMapFromMap(securityGroupAnswer(name, rules)), true, nil
	case TypeMatches(args.Token, "azure-native:network:getRouteTable"):
		name := text("routeTableName")
		routes, found := lookup(zone.RouteTables, groupID(group)+"/providers/Microsoft.Network/routeTables/"+name)
		if !found {
			return nil, true, notFound("routeTables", name, group)
		}
		var answered []any
		for _, route := range routes {
			answered = append(answered, map[string]any{"name": route.Name, "addressPrefix": route.AddressPrefix, "nextHopType": route.NextHopType,
				"nextHopIpAddress": route.NextHopIPAddress, "provisioningState": "Succeeded"})
		}
		return resource.NewPropertyMapFromMap(map[string]any{"name": name, "routes": answered}), true, nil
	case TypeMatches(args.Token, "azure-native:network:getPrivateDnsZoneGroup"):
		result, err := m.policyZoneGroup(zone, group, text("privateEndpointName"), text("privateDnsZoneGroupName"))
		return result, true, err
	}
	return nil, false, nil
}

// subnetAnswer is a subnet as Azure's GET returns it (azure-native flattens properties).
func subnetAnswer(id, name string, subnet LandingZoneSubnet) map[string]any {
	answer := map[string]any{"id": id, "name": name, "provisioningState": "Succeeded",
		"privateEndpointNetworkPolicies": subnet.PrivateEndpointNetworkPolicies, "privateLinkServiceNetworkPolicies": "Enabled"}
	if subnet.AddressPrefix != "" {
		answer["addressPrefix"] = subnet.AddressPrefix
	}
	if len(subnet.AddressPrefixes) > 0 {
		answer["addressPrefixes"] = toAny(subnet.AddressPrefixes)
	}
	var delegations, endpoints []any
	for _, service := range subnet.Delegations {
		delegations = append(delegations, map[string]any{"name": "delegation", "serviceName": service})
	}
	for _, service := range subnet.ServiceEndpoints {
		endpoints = append(endpoints, map[string]any{"service": service, "locations": []any{"*"}, "provisioningState": "Succeeded"})
	}
	var configurations []any
	for _, configuration := range subnet.IPConfigurations {
		configurations = append(configurations, map[string]any{"id": configuration})
	}
	answer["delegations"], answer["serviceEndpoints"], answer["ipConfigurations"] = delegations, endpoints, configurations
	if subnet.SecurityGroupID != "" {
		answer["networkSecurityGroup"] = map[string]any{"id": subnet.SecurityGroupID}
	}
	if subnet.RouteTableID != "" {
		answer["routeTable"] = map[string]any{"id": subnet.RouteTableID}
	}
	return answer
}

// securityGroupAnswer is a group as Azure's GET returns it: its own rules in securityRules and Azure's
// six defaults in defaultSecurityRules (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
func securityGroupAnswer(name string, rules []LandingZoneRule) map[string]any {
	var own []any
	for _, rule := range rules {
		answer := map[string]any{"name": rule.Name, "priority": rule.Priority, "direction": rule.Direction, "access": rule.Access,
			"protocol": "*", "sourceAddressPrefix": rule.Source, "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "*"}
		if rule.Destination != "" {
			answer["destinationAddressPrefix"] = rule.Destination
		}
		// Azure answers one port in destinationPortRange and several in destinationPortRanges.
		if len(rule.Ports) == 1 {
			answer["destinationPortRange"] = rule.Ports[0]
		} else if len(rule.Ports) > 1 {
			answer["destinationPortRange"], answer["destinationPortRanges"] = "", toAny(rule.Ports)
		}
		own = append(own, answer)
	}
	defaults := []any{
		map[string]any{"name": "AllowVnetInBound", "priority": 65000, "direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "VirtualNetwork"},
		map[string]any{"name": "AllowAzureLoadBalancerInBound", "priority": 65001, "direction": "Inbound", "access": "Allow", "sourceAddressPrefix": "AzureLoadBalancer"},
		map[string]any{"name": "DenyAllInBound", "priority": 65500, "direction": "Inbound", "access": "Deny", "sourceAddressPrefix": "*"},
		map[string]any{"name": "AllowVnetOutBound", "priority": 65000, "direction": "Outbound", "access": "Allow", "sourceAddressPrefix": "VirtualNetwork"},
		map[string]any{"name": "AllowInternetOutBound", "priority": 65001, "direction": "Outbound", "access": "Allow", "sourceAddressPrefix": "*"},
		map[string]any{"name": "DenyAllOutBound", "priority": 65500, "direction": "Outbound", "access": "Deny", "sourceAddressPrefix": "*"},
	}
	return map[string]any{"name": name, "securityRules": own, "defaultSecurityRules": defaults}
}

// policyZoneGroup answers a read of a private endpoint's zone group: Azure Policy's exists once the
// endpoint has been created and the policy has had its delay; nothing else exists.
func (m *mocks) policyZoneGroup(zone *LandingZone, group, endpoint, name string) (resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	created := false
	for _, res := range m.recording.Resources {
		if TypeMatches(res.Type, "azure-native:network:PrivateEndpoint") && res.InputString("privateEndpointName") == endpoint {
			created = true
		}
	}
	key := group + "/" + endpoint
	m.zoneGroupReads[key]++
	if !created || zone.PolicyZoneGroupName == "" || name != zone.PolicyZoneGroupName || m.zoneGroupReads[key] <= zone.PolicyActsAfterReads {
		return nil, notFound("privateEndpoints", endpoint+"/privateDnsZoneGroups/"+name, group)
	}
	return resource.NewPropertyMapFromMap(map[string]any{
		"id":   groupID(group) + "/providers/Microsoft.Network/privateEndpoints/" + endpoint + "/privateDnsZoneGroups/" + name,
		"name": name, "provisioningState": "Succeeded",
	}), nil
}

// toAny converts a string list for a property map.
func toAny(values []string) []any {
	converted := make([]any, len(values))
	for index, value := range values {
		converted[index] = value
	}
	return converted
}

// AssumedLandingZone is a landing zone that meets every check of cfg's brought network, for offline
// tools that cannot read Azure (the review): each named subnet a /24 of 10.250.0.0/16 with a security
// group, the Key Vault service endpoint and private endpoint policies where they are needed, one route
// table on the egress subnets (to the hub's next hop with hub egress), the hub's resolver as DNS
// server when the central zones hold the cluster's, and Azure Policy giving zone groups at once when
// the stack says it does. It is what the stack's configuration implies, not what Azure holds: pulumi
// preview reads the real network.
func AssumedLandingZone(cfg *config.Config) *LandingZone {
	ids := cfg.ExistingSubnetIDs()
	zone := &LandingZone{SecurityGroups: map[string][]LandingZoneRule{}, RouteTables: map[string][]LandingZoneRoute{}}
	network := LandingZoneNetwork{Location: cfg.Location, AddressPrefixes: []string{"10.250.0.0/16"}, Subnets: map[string]LandingZoneSubnet{}}
	if cfg.CentralZoneID(cfg.ClusterPrivateDNSZone()) != "" {
		network.DNSServers = []string{"10.250.255.4"}
	}
	routeTable := ""
	if cfg.Perimeter.EgressRouted() {
		routeTable = groupID("rg-landing-zone") + "/providers/Microsoft.Network/routeTables/rt-assumed"
		zone.RouteTables[routeTable] = nil
		if cfg.Perimeter.Egress == config.EgressHub {
			zone.RouteTables[routeTable] = []LandingZoneRoute{{Name: "to-hub-firewall", AddressPrefix: "0.0.0.0/0", NextHopType: "VirtualAppliance", NextHopIPAddress: cfg.Perimeter.HubNextHopIP}}
		}
	}
	for index, role := range naming.SubnetRoles() {
		id, used := ids[role]
		if !used {
			continue
		}
		name := id[strings.LastIndex(id, "/")+1:]
		subnet := LandingZoneSubnet{AddressPrefix: fmt.Sprintf("10.250.%d.0/24", index), PrivateEndpointNetworkPolicies: "Enabled"}
		if role == naming.SubnetAPIManagement {
			subnet.ServiceEndpoints = []string{"Microsoft.KeyVault"}
		}
		if naming.SubnetSupportsSecurityGroup(role) {
			subnet.SecurityGroupID = groupID("rg-landing-zone") + "/providers/Microsoft.Network/networkSecurityGroups/nsg-" + name
			zone.SecurityGroups[subnet.SecurityGroupID] = nil
		}
		if role == naming.SubnetKubernetesNodes || role == naming.SubnetJumpbox {
			subnet.RouteTableID = routeTable
		}
		network.Subnets[name] = subnet
	}
	zone.VirtualNetworks = map[string]LandingZoneNetwork{cfg.Network.Existing.VirtualNetworkID: network}
	if cfg.PrivateDNS.PolicyCreatesRecords {
		zone.PolicyZoneGroupName = cfg.PrivateDNS.PolicyZoneGroupName
	}
	return zone
}

// AfterDeploy is the landing zone as Azure holds it once recording's deployment has run: the rules and
// routes the stack added are in the landing zone's groups and tables, where the next run reads them.
func (z *LandingZone) AfterDeploy(recording *Recording) *LandingZone {
	after := z.Clone()
	for _, rule := range recording.OfType("azure-native:network:SecurityRule") {
		id := groupID(rule.InputString("resourceGroupName")) + "/providers/Microsoft.Network/networkSecurityGroups/" + rule.InputString("networkSecurityGroupName")
		ports := []string{rule.InputString("destinationPortRange")}
		if ranges, ok := rule.Input("destinationPortRanges").([]any); ok {
			ports = nil
			for _, port := range ranges {
				ports = append(ports, fmt.Sprint(port))
			}
		}
		priority, _ := rule.Input("priority").(float64)
		after.SecurityGroups[id] = append(slices.Clone(after.SecurityGroups[id]), LandingZoneRule{Name: rule.InputString("securityRuleName"), Direction: rule.InputString("direction"),
			Access: rule.InputString("access"), Source: rule.InputString("sourceAddressPrefix"), Destination: rule.InputString("destinationAddressPrefix"), Ports: ports, Priority: int(priority)})
	}
	for _, route := range recording.OfType("azure-native:network:Route") {
		id := groupID(route.InputString("resourceGroupName")) + "/providers/Microsoft.Network/routeTables/" + route.InputString("routeTableName")
		after.RouteTables[id] = append(slices.Clone(after.RouteTables[id]), LandingZoneRoute{Name: route.InputString("routeName"), AddressPrefix: route.InputString("addressPrefix"),
			NextHopType: route.InputString("nextHopType"), NextHopIPAddress: route.InputString("nextHopIpAddress")})
	}
	return after
}
