// Address-plan checks: well-formed IPv4 blocks, subnets inside the VNet, no overlaps, big enough per service.

package config

import (
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"

	"github.com/apiplatform/azure-api-platform/components/naming"
)

// AzureReservedAddresses is the number of addresses Azure keeps in every subnet: the network address,
// three for Azure services and the broadcast address
// (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets).
const AzureReservedAddresses = 5

// SmallestSubnetBits is the longest prefix Azure accepts for an IPv4 subnet (/29, eight addresses).
const SmallestSubnetBits = 29

// NodeUpgradeMaxSurgePercent is the AKS node surge used during upgrades, the value AKS recommends for
// production node pools (https://learn.microsoft.com/azure/aks/upgrade-aks-cluster#customize-node-surge-upgrade).
// Surge nodes take subnet addresses, so the node subnet is sized for them.
const NodeUpgradeMaxSurgePercent = 33

// unusableRanges are blocks Azure refuses in a virtual network's address space
// (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#what-address-ranges-can-i-use-in-my-virtual-networks).
var unusableRanges = []netip.Prefix{
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast
	netip.MustParsePrefix("255.255.255.255/32"), // broadcast
	netip.MustParsePrefix("127.0.0.0/8"),        // loopback
	netip.MustParsePrefix("169.254.0.0/16"),     // link-local
	netip.MustParsePrefix("168.63.129.16/32"),   // Azure internal DNS and health probes
}

// plannedSubnet is one subnet of the address plan with what the validation needs to know about it.
type plannedSubnet struct {
	role    naming.SubnetRole
	path    string // config path, e.g. network.subnets.apiManagement
	cidr    string
	created bool // the platform creates it (core subnet, or optional one switched on)
}

// subnetPlan lists every subnet setting with its role and whether it is created.
func (c *Config) subnetPlan() []plannedSubnet {
	return c.subnetPlanOf(c.Network.Subnets)
}

// subnetPlanOf lists the settings of s (CIDR blocks, or the brought subnets' IDs) with their roles.
func (c *Config) subnetPlanOf(s Subnets) []plannedSubnet {
	p := c.Perimeter
	return []plannedSubnet{
		{naming.SubnetApplicationGateway, "network.subnets.applicationGateway", s.ApplicationGateway, true},
		{naming.SubnetAPIManagement, "network.subnets.apiManagement", s.APIManagement, true},
		{naming.SubnetKubernetesNodes, "network.subnets.kubernetesNodes", s.KubernetesNodes, true},
		{naming.SubnetPrivateEndpoints, "network.subnets.privateEndpoints", s.PrivateEndpoints, true},
		{naming.SubnetBastion, "network.subnets.bastion", s.Bastion, p.BastionEnabled},
		{naming.SubnetFirewall, "network.subnets.firewall", s.Firewall, p.FirewallEnabled()},
		{naming.SubnetJumpbox, "network.subnets.jumpbox", s.Jumpbox, p.JumpboxEnabled},
	}
}

// addressNeed is how many addresses a subnet needs and why.
type addressNeed struct {
	addresses int
	reason    string
}

// subnetNeed returns the addresses a subnet role needs for the configured sizes.
func (c *Config) subnetNeed(role naming.SubnetRole) addressNeed {
	switch role {
	case naming.SubnetApplicationGateway:
		// One address per instance (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#size-of-the-subnet).
		n := c.ApplicationGateway.MaxCapacity
		return addressNeed{AzureReservedAddresses + n, fmt.Sprintf(
			"Application Gateway v2 with applicationGateway.maxCapacity %d needs %d addresses (5 Azure-reserved + 1 per instance)",
			n, AzureReservedAddresses+n)}
	case naming.SubnetAPIManagement:
		// Developer uses one address, Premium two per unit, plus one for the internal load balancer
		// (https://learn.microsoft.com/azure/api-management/virtual-network-injection-resources#subnet-size).
		perUnit := 2
		if c.APIManagement.SKU == APIManagementDeveloper {
			perUnit = 1
		}
		n := AzureReservedAddresses + perUnit*c.APIManagement.Capacity + 1
		return addressNeed{n, fmt.Sprintf(
			"API Management %s with %d unit(s) in internal mode needs %d addresses (5 Azure-reserved + %d per unit + 1 internal load balancer)",
			c.APIManagement.SKU, c.APIManagement.Capacity, n, perUnit)}
	case naming.SubnetKubernetesNodes:
		// Azure CNI Overlay: only nodes take subnet addresses; add upgrade surge nodes and the pinned
		// internal ingress IP (https://learn.microsoft.com/azure/aks/azure-cni-overlay).
		system, user := c.Kubernetes.SystemPool.MaxCount, c.Kubernetes.UserPool.MaxCount
		nodes := system + surge(system) + user + surge(user)
		n := AzureReservedAddresses + nodes + 1
		return addressNeed{n, fmt.Sprintf(
			"AKS with kubernetes.systemPool.maxCount %d and kubernetes.userPool.maxCount %d needs %d addresses (5 Azure-reserved + %d nodes including %d%% upgrade surge + 1 internal ingress IP)",
			system, user, n, nodes, NodeUpgradeMaxSurgePercent)}
	case naming.SubnetPrivateEndpoints:
		// A private endpoint takes one address per DNS name it serves: a registry's endpoint also
		// serves its regional data endpoint, a Cosmos DB account's its regional endpoint
		// (https://learn.microsoft.com/azure/private-link/private-endpoint-overview#private-endpoint-properties).
		addresses := 0
		for _, group := range c.privateEndpointGroups() {
			addresses += privateEndpointAddresses(group)
		}
		n := max(16, AzureReservedAddresses+addresses)
		return addressNeed{n, fmt.Sprintf(
			"%d private endpoint(s) need %d addresses (5 Azure-reserved + %d for the endpoints), and a private endpoint subnet is /28 or larger",
			len(c.privateEndpointGroups()), n, addresses)}
	case naming.SubnetBastion:
		// https://learn.microsoft.com/azure/bastion/configuration-settings#subnet
		return addressNeed{64, "AzureBastionSubnet must be /26 or larger"}
	case naming.SubnetFirewall:
		// https://learn.microsoft.com/azure/firewall/firewall-faq#why-does-azure-firewall-need-a--26-subnet-size
		return addressNeed{64, "AzureFirewallSubnet must be /26 or larger"}
	default:
		return addressNeed{8, "a subnet must be /29 or larger"}
	}
}

// privateEndpointGroups lists the group ID of every private endpoint the stack creates, one per endpoint.
func (c *Config) privateEndpointGroups() []string {
	groups := []string{"vault", "registry"}
	if c.SQL.Enabled {
		groups = append(groups, "sqlServer")
	}
	if c.CosmosDB.Enabled {
		groups = append(groups, "Sql")
	}
	for _, endpoint := range c.PrivateEndpoints {
		groups = append(groups, endpoint.GroupID)
	}
	return groups
}

// privateEndpointAddresses is how many subnet addresses an endpoint of a group takes (single region).
func privateEndpointAddresses(group string) int {
	switch group {
	case "registry", "Sql", "MongoDB":
		return 2
	default:
		return 1
	}
}

// surge is the number of extra nodes an upgrade adds to a pool of maxCount nodes (at least one).
func surge(maxCount int) int {
	return max(1, (maxCount*NodeUpgradeMaxSurgePercent+99)/100)
}

// validateNetwork checks the network mode and, for a created network, the address space and every
// subnet; a brought network's address plan is Azure's, checked once it is read (AdoptNetwork).
func validateNetwork(c *Config, problems *problemList) {
	validateNetworkMode(c, problems)
	if c.Network.Mode != NetworkCreate {
		return
	}
	space, spaceOK := parseBlock(c.Network.AddressSpace, "network.addressSpace", problems)
	if spaceOK {
		if space.Bits() > SmallestSubnetBits {
			problems.add("network.addressSpace", c.Network.AddressSpace, "is smaller than the smallest Azure subnet (/%d); use a larger block such as /16", SmallestSubnetBits)
		}
		for _, unusable := range unusableRanges {
			if space.Overlaps(unusable) {
				problems.add("network.addressSpace", c.Network.AddressSpace, "overlaps %s, which Azure does not allow in a virtual network; use a private range such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", unusable)
			}
		}
	}

	type checked struct {
		path   string
		prefix netip.Prefix
	}
	var valid []checked
	for _, subnet := range c.subnetPlan() {
		if !subnet.created {
			continue
		}
		if subnet.cidr == "" {
			problems.add(subnet.path, "", "is required: %s", requiredBecause(subnet.role))
			continue
		}
		prefix, ok := parseBlock(subnet.cidr, subnet.path, problems)
		if !ok {
			continue
		}
		if prefix.Bits() > SmallestSubnetBits {
			problems.add(subnet.path, subnet.cidr, "is smaller than the smallest Azure subnet; use /%d or larger", SmallestSubnetBits)
			continue
		}
		if spaceOK && (space.Bits() > prefix.Bits() || !space.Contains(prefix.Addr())) {
			problems.add(subnet.path, subnet.cidr, "is outside network.addressSpace %s; choose a block inside it", space)
		}
		need := c.subnetNeed(subnet.role)
		if size := 1 << (32 - prefix.Bits()); size < need.addresses {
			problems.add(subnet.path, subnet.cidr, "is too small: %s, /%d has %d; use /%d or larger",
				need.reason, prefix.Bits(), size, min(bitsFor(need.addresses), SmallestSubnetBits))
		}
		for _, earlier := range valid {
			if earlier.prefix.Overlaps(prefix) {
				problems.add(subnet.path, subnet.cidr, "overlaps %s (%s); subnets must not share addresses", earlier.path, earlier.prefix)
			}
		}
		valid = append(valid, checked{subnet.path, prefix})
	}
}

// requiredBecause says why a subnet is required.
func requiredBecause(role naming.SubnetRole) string {
	switch role {
	case naming.SubnetBastion:
		return "perimeter.bastionEnabled is true"
	case naming.SubnetFirewall:
		return "perimeter.egress is firewall"
	case naming.SubnetJumpbox:
		return "perimeter.jumpboxEnabled is true"
	default:
		return "every deployment has this subnet"
	}
}

// parseBlock parses an IPv4 CIDR block that must be written as its network address.
func parseBlock(value, path string, problems *problemList) (netip.Prefix, bool) {
	prefix, err := netip.ParsePrefix(value)
	if err != nil {
		problems.add(path, value, "is not an IPv4 CIDR block such as 10.42.0.0/16")
		return netip.Prefix{}, false
	}
	if !prefix.Addr().Is4() {
		problems.add(path, value, "is not IPv4; the platform's subnets are IPv4 CIDR blocks such as 10.42.0.0/16")
		return netip.Prefix{}, false
	}
	if masked := prefix.Masked(); masked != prefix {
		problems.add(path, value, "has host bits set; Azure expects the network address: did you mean %s?", masked)
		return netip.Prefix{}, false
	}
	return prefix, true
}

// bitsFor returns the longest prefix length whose block holds at least n addresses.
func bitsFor(n int) int {
	if n <= 1 {
		return 32
	}
	return 32 - bits.Len(uint(n-1))
}

// hubNetworkIDPattern is a virtual network's ARM ID.
var hubNetworkIDPattern = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/virtualNetworks/[-\w._]+$`)

// validateHubPeering checks the hub network's ID; whether the two address spaces overlap cannot be
// known offline (Azure refuses the peering if they do).
func validateHubPeering(c *Config, problems *problemList) {
	network := c.Network
	switch {
	case network.HubVirtualNetworkID != "" && !hubNetworkIDPattern.MatchString(network.HubVirtualNetworkID):
		problems.add("network.hubVirtualNetworkId", network.HubVirtualNetworkID,
			"is not a virtual network's ARM ID: /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>")
	case network.HubVirtualNetworkID == "" && network.HubPeeringWritable:
		problems.add("network.hubPeeringWritable", true, "is set but network.hubVirtualNetworkId is empty: name the hub network to peer with, or remove it")
	}
}
