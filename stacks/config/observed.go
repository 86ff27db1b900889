// What Azure reports about a brought network, and the checks it must pass before anything is created.

package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
)

// ObservedNetwork is what Azure reported about a landing zone's network when the program read it.
type ObservedNetwork struct {
	// AddressSpaces are the network's address prefixes.
	AddressSpaces []string
	// Location is the network's region.
	Location string
	// DNSServers are the network's custom DNS servers; empty means Azure-provided DNS.
	DNSServers []string
	// ReadError is why the network could not be read; empty when it was.
	ReadError string
	// Subnets are the brought subnets by role.
	Subnets map[naming.SubnetRole]ObservedSubnet
}

// ObservedSubnet is what Azure reported about one brought subnet.
type ObservedSubnet struct {
	// ID is the subnet's ARM ID as configured.
	ID string
	// ReadError is why the subnet could not be read; empty when it was.
	ReadError string
	// AddressPrefixes are the subnet's prefixes (Azure reports one in addressPrefix or several in
	// addressPrefixes).
	AddressPrefixes []string
	// Delegations are the services the subnet is delegated to, e.g. Microsoft.Web/serverFarms.
	Delegations []string
	// ServiceEndpoints are the subnet's service endpoints, e.g. Microsoft.KeyVault.
	ServiceEndpoints []string
	// PrivateEndpointNetworkPolicies is whether security groups and route tables apply to private
	// endpoints in the subnet (Disabled, Enabled, NetworkSecurityGroupEnabled, RouteTableEnabled).
	PrivateEndpointNetworkPolicies string
	// SecurityGroupID is the attached network security group; empty without one.
	SecurityGroupID string
	// SecurityRules are the group's own rules (not Azure's defaults).
	SecurityRules []ObservedSecurityRule
	// RouteTableID is the attached route table; empty without one.
	RouteTableID string
	// Routes are the route table's routes.
	Routes []ObservedRoute
	// IPConfigurations are the IDs of the network interfaces, load balancers and other resources'
	// IP configurations in the subnet (not Application Gateway's, which Azure lists apart).
	IPConfigurations []string
}

// ObservedSecurityRule is one rule of a brought security group.
type ObservedSecurityRule struct {
	// Name is the rule's name.
	Name string
	// Priority orders the rule (100-4096).
	Priority int
	// Direction is Inbound or Outbound.
	Direction string
	// Access is Allow or Deny.
	Access string
	// SourcePrefixes are the rule's source address prefixes and service tags.
	SourcePrefixes []string
	// DestinationPrefixes are its destination address prefixes and service tags.
	DestinationPrefixes []string
	// DestinationPorts are its destination ports and ranges ("443", "65200-65535", "*").
	DestinationPorts []string
}

// ObservedRoute is one route of a brought route table.
type ObservedRoute struct {
	// Name is the route's name.
	Name string
	// AddressPrefix is the destination, e.g. 0.0.0.0/0.
	AddressPrefix string
	// NextHopType is Internet, VirtualAppliance, VnetLocal, VirtualNetworkGateway or None.
	NextHopType string
	// NextHopIPAddress is the appliance's address with NextHopType VirtualAppliance.
	NextHopIPAddress string
}

// DefaultRouteBrought reports whether the egress subnets' route table already sends 0.0.0.0/0 to
// the hub's next hop: the program then adds no route of its own.
func (c *Config) DefaultRouteBrought() bool {
	observed := c.Network.Existing.observed
	if observed == nil || c.Perimeter.Egress != EgressHub {
		return false
	}
	route, found := landingZoneDefaultRoute(observed.Subnets[naming.SubnetKubernetesNodes].Routes)
	return found && route.NextHopType == "VirtualAppliance" && route.NextHopIPAddress == c.Perimeter.HubNextHopIP
}

// ProgramRouteNames are the names of the default routes the program adds (the firewall's and the
// hub's): a brought table that holds one holds it from an earlier run, not from the landing zone.
var ProgramRouteNames = []string{"default-to-firewall", "default-to-hub"}

// ObservedNetwork returns what AdoptNetwork recorded (nil for a created network).
func (c *Config) ObservedNetwork() *ObservedNetwork {
	return c.Network.Existing.observed
}

// AdoptNetwork takes the brought network as Azure reported it: the subnets' address blocks become the
// address plan every later derivation uses (the ingress address, security rules, firewall sources),
// and every requirement a service has of its subnet is checked, all problems at once, before anything
// is created.
//
// It returns what the user should know but need not fix (warnings), and the problems as *Problems.
func (c *Config) AdoptNetwork(observed *ObservedNetwork) ([]string, error) {
	problems := &problemList{project: c.Project}
	c.Network.Existing.observed = observed
	if observed.ReadError != "" {
		problems.add("network.existing.virtualNetworkId", c.Network.Existing.VirtualNetworkID, "could not be read: %s", observed.ReadError)
	}
	if observed.Location != "" && !strings.EqualFold(strings.ReplaceAll(observed.Location, " ", ""), c.Location) {
		// Every service of the platform is injected into the network, in the network's region.
		problems.add("network.existing.virtualNetworkId", c.Network.Existing.VirtualNetworkID, "is in %s, but location is %s: the platform's services join the network in its own region; set location to %s",
			observed.Location, c.Location, observed.Location)
	}
	for _, subnet := range c.existingSubnetPlan() {
		if !subnet.created {
			continue
		}
		read := observed.Subnets[subnet.role]
		path := existingSubnetPath(subnet)
		if read.ReadError != "" {
			problems.add(path, subnet.cidr, "could not be read: %s", read.ReadError)
			continue
		}
		block := firstIPv4Block(read.AddressPrefixes)
		if !block.IsValid() {
			problems.add(path, subnet.cidr, "has no IPv4 address prefix (Azure reports %v); the platform's subnets are IPv4", read.AddressPrefixes)
			continue
		}
		setSubnetBlock(&c.Network.Subnets, subnet.role, block.String())
	}
	var warnings []string
	for _, subnet := range c.existingSubnetPlan() {
		if read, ok := observed.Subnets[subnet.role]; ok && subnet.created && read.ReadError == "" && len(read.AddressPrefixes) > 0 {
			warnings = append(warnings, checkObservedSubnet(c, subnet, read, problems)...)
		}
	}
	checkEgressRoutes(c, observed, problems)
	checkCustomDNS(c, "network.existing.virtualNetworkId", c.Network.Existing.VirtualNetworkID, observed.DNSServers, problems)
	validateClusterRanges(c, problems)
	validateIngressAddress(c, problems)
	validateEgress(c, problems)
	if len(problems.list) > 0 {
		return warnings, &Problems{Stack: c.Stack, List: problems.list}
	}
	return warnings, nil
}

// firstIPv4Block returns the first IPv4 block of prefixes, or the zero Prefix.
func firstIPv4Block(prefixes []string) netip.Prefix {
	for _, prefix := range prefixes {
		if block, err := netip.ParsePrefix(prefix); err == nil && block.Addr().Is4() {
			return block.Masked()
		}
	}
	return netip.Prefix{}
}

// setSubnetBlock records a brought subnet's block in the address plan.
func setSubnetBlock(s *Subnets, role naming.SubnetRole, block string) {
	fields := map[naming.SubnetRole]*string{
		naming.SubnetApplicationGateway: &s.ApplicationGateway, naming.SubnetAPIManagement: &s.APIManagement,
		naming.SubnetKubernetesNodes: &s.KubernetesNodes, naming.SubnetPrivateEndpoints: &s.PrivateEndpoints,
		naming.SubnetBastion: &s.Bastion, naming.SubnetFirewall: &s.Firewall, naming.SubnetJumpbox: &s.Jumpbox,
	}
	*fields[role] = block
}

// addressSpaces are the network's address prefixes: the configured one for a created network, what
// Azure reported for a brought one (none before it is read).
func (c *Config) addressSpaces() []netip.Prefix {
	var texts []string
	if c.Network.Mode == NetworkExisting {
		if c.Network.Existing.observed != nil {
			texts = c.Network.Existing.observed.AddressSpaces
		}
	} else {
		texts = []string{c.Network.AddressSpace}
	}
	var spaces []netip.Prefix
	for _, text := range texts {
		if space, err := netip.ParsePrefix(text); err == nil && space.Masked() == space {
			spaces = append(spaces, space)
		}
	}
	return spaces
}

// addressSpaceName is how messages name the network's address space.
func (c *Config) addressSpaceName(space netip.Prefix) string {
	if c.Network.Mode == NetworkExisting {
		return fmt.Sprintf("the address space %s of network.existing.virtualNetworkId", space)
	}
	return fmt.Sprintf("network.addressSpace %s", space)
}

// SecurityRulePlan is what the platform's security rules are built from: the subnets' blocks, the pod
// range and who may call the gateway.
func (c *Config) SecurityRulePlan() netrules.Plan {
	sources := netrules.EdgeSourcesInternet
	if c.FrontDoor.Enabled {
		sources = netrules.EdgeSourcesFrontDoor
	}
	return netrules.Plan{Subnets: c.Subnets(), ClusterPodCIDR: c.Kubernetes.PodCIDR, EdgeSources: sources}
}

// CustomDNSServers are the network's DNS servers when they are not Azure's: configured for a created
// network, as Azure reported for a brought one.
func (c *Config) CustomDNSServers() []string {
	if observed := c.Network.Existing.observed; observed != nil {
		return observed.DNSServers
	}
	return c.Network.DNSServers
}

// ClusterPrivateDNSZone is the name of the private zone of the cluster's API server in the region.
func (c *Config) ClusterPrivateDNSZone() string {
	return "privatelink." + c.Location + ".azmk8s.io"
}

// ClusterPrivateDNSZoneID is the landing zone's zone for the API server with central private DNS: with
// custom DNS servers it is required, as their resolvers cannot see the zone AKS would create and link
// to this network only, so the nodes could not find their API server (https://learn.microsoft.com/azure/aks/private-clusters#hub-and-spoke-with-custom-dns-for-private-aks-clusters).
// Empty means AKS creates its own ("system").
//
// With central private DNS the given zone is used whatever the DNS servers: once the cluster exists its
// zone can only be switched to none (https://learn.microsoft.com/azure/aks/private-clusters#configuration-options-for-private-dns),
// and landing zones commonly deny private DNS zones outside the connectivity subscription.
func (c *Config) ClusterPrivateDNSZoneID() string {
	if c.PrivateDNS.Mode != PrivateDNSCentral {
		return ""
	}
	return c.CentralZoneID(c.ClusterPrivateDNSZone())
}

// checkCustomDNS checks what custom DNS servers need: central private DNS, with the zone of the
// cluster's API server among the central zones.
func checkCustomDNS(c *Config, path string, value any, servers []string, problems *problemList) {
	if len(servers) == 0 {
		return
	}
	switch {
	case c.PrivateDNS.Mode != PrivateDNSCentral:
		problems.add(path, value, "uses the DNS servers %v, which cannot answer from zones the stack would link to this network only (Key Vault, the registry, the internal host names): "+
			"set privateDns.mode central with the landing zone's zones (README, Central private DNS)", servers)
	case c.CentralZoneID(c.ClusterPrivateDNSZone()) == "":
		problems.add("privateDns.centralZones", render(c.PrivateDNS.CentralZones), "has no zone %s: with the DNS servers %v the private cluster's API server must be registered in the landing zone's zone, "+
			"which those servers answer from; add {name: %s, id: <its ARM ID>}", c.ClusterPrivateDNSZone(), servers, c.ClusterPrivateDNSZone())
	}
}
