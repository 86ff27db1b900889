// What Azure reports about a brought network, and the checks it must pass before anything is created.

package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
)

// ObservedNetwork is what Azure reported about a landing zone's network when the program read it.
type ObservedNetwork struct {
	// AddressSpaces are the network's address prefixes.
	AddressSpaces []string
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
	route, found := defaultRoute(observed.Subnets[naming.SubnetKubernetesNodes].Routes)
	return found && route.NextHopType == "VirtualAppliance" && route.NextHopIPAddress == c.Perimeter.HubNextHopIP
}

// ObservedNetwork returns what AdoptNetwork recorded (nil for a created network).
func (c *Config) ObservedNetwork() *ObservedNetwork {
	return c.Network.Existing.observed
}

// AdoptNetwork takes the brought network as Azure reported it: the subnets' address blocks become the
// address plan every later derivation uses (the ingress address, security rules, firewall sources),
// and every requirement a service has of its subnet is checked, all problems at once, before anything
// is created.
func (c *Config) AdoptNetwork(observed *ObservedNetwork) error {
	problems := &problemList{project: c.Project}
	c.Network.Existing.observed = observed
	if observed.ReadError != "" {
		problems.add("network.existing.virtualNetworkId", c.Network.Existing.VirtualNetworkID, "could not be read: %s", observed.ReadError)
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
	for _, subnet := range c.existingSubnetPlan() {
		if read, ok := observed.Subnets[subnet.role]; ok && subnet.created && read.ReadError == "" && len(read.AddressPrefixes) > 0 {
			checkObservedSubnet(c, subnet, read, problems)
		}
	}
	checkEgressRoutes(c, observed, problems)
	checkCustomDNS(c, "network.existing.virtualNetworkId", c.Network.Existing.VirtualNetworkID, observed.DNSServers, problems)
	validateClusterRanges(c, problems)
	validateIngressAddress(c, problems)
	validateEgress(c, problems)
	if len(problems.list) > 0 {
		return &Problems{Stack: c.Stack, List: problems.list}
	}
	return nil
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

// allowedDelegations are the delegations a service accepts on its subnet: Application Gateway v2 may
// be delegated to itself (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#virtual-network-and-dedicated-subnet);
// API Management classic tiers, AKS nodes, private endpoints, Bastion and Firewall need a subnet
// delegated to nothing.
var allowedDelegations = map[naming.SubnetRole][]string{
	naming.SubnetApplicationGateway: {"Microsoft.Network/applicationGateways"},
}

// checkObservedSubnet checks one brought subnet against its service's requirements.
func checkObservedSubnet(c *Config, subnet plannedSubnet, read ObservedSubnet, problems *problemList) {
	path, id := existingSubnetPath(subnet), subnet.cidr
	block := firstIPv4Block(read.AddressPrefixes)
	need := c.subnetNeed(subnet.role)
	if size := 1 << (32 - block.Bits()); size < need.addresses {
		problems.add(path, id, "is %s, too small: %s, /%d has %d; use a /%d or larger subnet",
			block, need.reason, block.Bits(), size, min(bitsFor(need.addresses), SmallestSubnetBits))
	}
	for _, delegation := range read.Delegations {
		if !slices.ContainsFunc(allowedDelegations[subnet.role], func(allowed string) bool { return strings.EqualFold(allowed, delegation) }) {
			problems.add(path, id, "is delegated to %s; the %s subnet must not be delegated to another service: remove the delegation", delegation, subnet.role)
		}
	}
	switch {
	case naming.SubnetSupportsSecurityGroup(subnet.role) && read.SecurityGroupID == "":
		problems.add(path, id, "has no network security group; attach one (the program %s, README lists them)", rulesWho(c))
	case !naming.SubnetSupportsSecurityGroup(subnet.role) && read.SecurityGroupID != "":
		problems.add(path, id, "has the network security group %s, which Azure does not allow on %s; detach it", read.SecurityGroupID, naming.SubnetName(subnet.role))
	}
	if read.SecurityGroupID != "" {
		checkBroughtRules(c, subnet, read, problems)
	}
	switch subnet.role {
	case naming.SubnetPrivateEndpoints:
		// https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy
		if policy := read.PrivateEndpointNetworkPolicies; policy != "Enabled" && policy != "NetworkSecurityGroupEnabled" {
			problems.add(path, id, "has privateEndpointNetworkPolicies %q: security group rules do not apply to private endpoints unless it is Enabled or NetworkSecurityGroupEnabled; "+
				"run `az network vnet subnet update --ids %s --private-endpoint-network-policies Enabled`", policy, id)
		}
	case naming.SubnetAPIManagement:
		if !slices.ContainsFunc(read.ServiceEndpoints, func(service string) bool { return strings.EqualFold(service, "Microsoft.KeyVault") }) {
			problems.add(path, id, "has no Microsoft.KeyVault service endpoint, which API Management in a virtual network uses to reach Key Vault; "+
				"run `az network vnet subnet update --ids %s --service-endpoints Microsoft.KeyVault` (keep any others it has)", id)
		}
	case naming.SubnetApplicationGateway:
		// https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#supported-user-defined-routes
		if route, found := defaultRoute(read.Routes); found && route.NextHopType != "Internet" {
			problems.add(path, id, "has a route table sending 0.0.0.0/0 to %s %s; Application Gateway v2 needs 0.0.0.0/0 to the Internet: remove that route from its table",
				route.NextHopType, route.NextHopIPAddress)
		}
	}
}

// rulesWho says who writes the platform's security rules into brought groups.
func rulesWho(c *Config) string {
	if c.Network.Existing.SecurityRules == SecurityRulesAdded {
		return "adds its rules to it"
	}
	return "expects the platform's rules in it"
}

// checkBroughtRules checks a brought group's own rules: none may admit the Internet to a subnet that
// is not public (the platform's "only X" rules must hold), and, when the program adds its rules, none
// may share a name or a priority and direction with one of them (Azure refuses the second).
func checkBroughtRules(c *Config, subnet plannedSubnet, read ObservedSubnet, problems *problemList) {
	path, id := existingSubnetPath(subnet), subnet.cidr
	public := subnet.role == naming.SubnetApplicationGateway || subnet.role == naming.SubnetBastion
	var planned []netrules.Rule
	if c.Network.Existing.SecurityRules == SecurityRulesAdded {
		planned = netrules.For(subnet.role, c.SecurityRulePlan())
	}
	for _, rule := range read.SecurityRules {
		if !public && rule.Direction == "Inbound" && rule.Access == "Allow" && slices.ContainsFunc(rule.SourcePrefixes, admitsInternet) {
			problems.add(path, id, "has the rule %s (priority %d) in %s, which admits the Internet; nothing outside the network may reach the %s subnet: remove it",
				rule.Name, rule.Priority, read.SecurityGroupID, subnet.role)
		}
		for _, ours := range planned {
			if strings.EqualFold(ours.Name, rule.Name) {
				problems.add(path, id, "has the rule %s in %s, a name the program's rules use; rename it or set network.existing.securityRules brought", rule.Name, read.SecurityGroupID)
			} else if ours.Priority == rule.Priority && strings.EqualFold(string(ours.Direction), rule.Direction) {
				problems.add(path, id, "has the rule %s at %s priority %d in %s, where the program adds %s; Azure refuses two rules with one priority and direction: move it, or set network.existing.securityRules brought",
					rule.Name, strings.ToLower(rule.Direction), rule.Priority, read.SecurityGroupID, ours.Name)
			}
		}
	}
}

// admitsInternet reports whether a rule's source prefix includes the Internet.
func admitsInternet(prefix string) bool {
	switch strings.ToLower(prefix) {
	case "*", "internet", "any", "0.0.0.0/0":
		return true
	}
	return false
}

// defaultRoute returns the route for 0.0.0.0/0 among routes.
func defaultRoute(routes []ObservedRoute) (ObservedRoute, bool) {
	for _, route := range routes {
		if route.AddressPrefix == "0.0.0.0/0" {
			return route, true
		}
	}
	return ObservedRoute{}, false
}

// checkEgressRoutes checks the brought route tables against perimeter.egress: routed egress needs one
// route table on every egress subnet, for the program's default route (or the hub's, already there);
// without routed egress, a default route to an appliance would take the cluster's outbound traffic
// away from its load balancer.
func checkEgressRoutes(c *Config, observed *ObservedNetwork, problems *problemList) {
	egress := c.Perimeter.Egress
	var tableOf string
	for _, subnet := range c.existingSubnetPlan() {
		read, ok := observed.Subnets[subnet.role]
		if !subnet.created || !ok || read.ReadError != "" || (subnet.role != naming.SubnetKubernetesNodes && subnet.role != naming.SubnetJumpbox) {
			continue
		}
		path, id := existingSubnetPath(subnet), subnet.cidr
		route, routed := defaultRoute(read.Routes)
		switch {
		case !c.Perimeter.EgressRouted():
			if routed && route.NextHopType != "Internet" {
				problems.add(path, id, "has a route table sending 0.0.0.0/0 to %s %s but perimeter.egress is none: set perimeter.egress hub with perimeter.hubNextHopIp %s, or remove the route",
					route.NextHopType, route.NextHopIPAddress, route.NextHopIPAddress)
			}
		case read.RouteTableID == "":
			problems.add(path, id, "has no route table; with perimeter.egress %s the program adds its default route to the egress subnets' table, which AKS requires before the cluster is created: attach one", egress)
		case tableOf != "" && !strings.EqualFold(tableOf, read.RouteTableID):
			problems.add(path, id, "uses the route table %s, but kubernetesNodes uses %s; the egress subnets share one table: attach the same table", read.RouteTableID, tableOf)
		case routed && egress == EgressFirewall:
			problems.add(path, id, "has a route table already sending 0.0.0.0/0 (route %s) to %s %s; with perimeter.egress firewall the program adds its own: remove that route, or set perimeter.egress hub",
				route.Name, route.NextHopType, route.NextHopIPAddress)
		case routed && egress == EgressHub && (route.NextHopType != "VirtualAppliance" || route.NextHopIPAddress != c.Perimeter.HubNextHopIP):
			problems.add(path, id, "has a route table sending 0.0.0.0/0 (route %s) to %s %s, not to perimeter.hubNextHopIp %s: set perimeter.hubNextHopIp to the hub firewall it uses, or fix the route",
				route.Name, route.NextHopType, route.NextHopIPAddress, c.Perimeter.HubNextHopIP)
		}
		if tableOf == "" {
			tableOf = read.RouteTableID
		}
	}
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

// ClusterPrivateDNSZoneID is the landing zone's zone for the API server, when the network's DNS
// servers are custom: their resolvers cannot see the zone AKS would create and link to this network
// only, so the nodes could not find their API server (https://learn.microsoft.com/azure/aks/private-clusters#hub-and-spoke-with-custom-dns).
// Empty means AKS creates its own ("system").
func (c *Config) ClusterPrivateDNSZoneID() string {
	if len(c.CustomDNSServers()) == 0 {
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
