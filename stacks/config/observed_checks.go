// The requirements each service has of a brought subnet, checked against what Azure reports.

package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/netrules"
)

// allowedDelegations are the delegations a service accepts on its subnet: Application Gateway v2 may
// be delegated to itself (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#virtual-network-and-dedicated-subnet);
// API Management classic tiers, AKS nodes, private endpoints, Bastion and Firewall need a subnet
// delegated to nothing (https://learn.microsoft.com/azure/api-management/virtual-network-injection-resources).
var allowedDelegations = map[naming.SubnetRole][]string{
	naming.SubnetApplicationGateway: {"Microsoft.Network/applicationGateways"},
}

// securityGroupRequired reports whether the program needs a brought subnet to have a security group:
// every subnet that takes one, but Bastion's, where a group is optional
// (https://learn.microsoft.com/azure/bastion/bastion-nsg).
func securityGroupRequired(role naming.SubnetRole) bool {
	return naming.SubnetSupportsSecurityGroup(role) && role != naming.SubnetBastion
}

// requiredInbound are the inbound flows a service's platform needs its group to allow, from a service
// tag to a port: Application Gateway v2's infrastructure ports
// (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#network-security-groups)
// and API Management's management endpoint and load balancer
// (https://learn.microsoft.com/azure/api-management/virtual-network-reference).
var requiredInbound = map[naming.SubnetRole][]struct {
	source string
	port   int
}{
	naming.SubnetApplicationGateway: {{"GatewayManager", 65200}, {"GatewayManager", 65535}, {"AzureLoadBalancer", 443}},
	naming.SubnetAPIManagement:      {{"ApiManagement", 3443}, {"AzureLoadBalancer", 6390}},
}

// checkObservedSubnet checks one brought subnet against its service's requirements and returns what the
// user should know but need not fix.
func checkObservedSubnet(c *Config, subnet plannedSubnet, read ObservedSubnet, problems *problemList) []string {
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
	case securityGroupRequired(subnet.role) && read.SecurityGroupID == "":
		problems.add(path, id, "has no network security group; attach one (the program %s, README lists them)", rulesWho(c))
	case !naming.SubnetSupportsSecurityGroup(subnet.role) && read.SecurityGroupID != "":
		problems.add(path, id, "has the network security group %s, which Azure does not allow on %s; detach it", read.SecurityGroupID, naming.SubnetName(subnet.role))
	}
	if read.SecurityGroupID != "" {
		checkBroughtRules(c, subnet, read, problems)
	}
	return checkServiceSpecifics(subnet, read, problems)
}

// checkServiceSpecifics checks what one service alone needs of its subnet.
func checkServiceSpecifics(subnet plannedSubnet, read ObservedSubnet, problems *problemList) []string {
	path, id := existingSubnetPath(subnet), subnet.cidr
	route, routed := landingZoneDefaultRoute(read.Routes)
	var warnings []string
	switch subnet.role {
	case naming.SubnetPrivateEndpoints:
		// https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy
		if policy := read.PrivateEndpointNetworkPolicies; policy != "Enabled" && policy != "NetworkSecurityGroupEnabled" {
			warnings = append(warnings, fmt.Sprintf("%s %s has privateEndpointNetworkPolicies %q: the security group's rules do not apply to the private endpoints in it "+
				"(they are reachable from the whole network and its peers); to apply them run `az network vnet subnet update --ids %s --private-endpoint-network-policies Enabled`",
				path, id, policy, id))
		}
	case naming.SubnetAPIManagement:
		if !slices.ContainsFunc(read.ServiceEndpoints, func(service string) bool { return strings.EqualFold(service, "Microsoft.KeyVault") }) {
			// https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet (includes/api-management-key-vault-network.md)
			warnings = append(warnings, fmt.Sprintf("%s %s has no Microsoft.KeyVault service endpoint, which Microsoft lists for API Management in a virtual network: "+
				"its platform then reaches Azure Key Vault over the subnet's default route (the AzureKeyVault outbound rule allows it), through the hub's firewall if that route is forced; "+
				"`az network vnet subnet update --ids %s --service-endpoints Microsoft.KeyVault` adds it (keep the others it has)",
				path, id, id))
		}
		// Forced tunnelling needs the control plane's own route to the Internet
		// (https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet#force-tunnel-traffic-to-on-premises-firewall-using-expressroute-or-network-virtual-appliance).
		if routed && route.NextHopType != "Internet" && !slices.ContainsFunc(read.Routes, func(r ObservedRoute) bool {
			// The global tag or a regional one (ApiManagement.WestEurope).
			tag := strings.ToLower(r.AddressPrefix)
			return (tag == "apimanagement" || strings.HasPrefix(tag, "apimanagement.")) && r.NextHopType == "Internet"
		}) {
			problems.add(path, id, "has a route table sending 0.0.0.0/0 to %s %s without a route for the ApiManagement service tag to the Internet, which API Management's control plane needs: "+
				"add `az network route-table route create --address-prefix ApiManagement --next-hop-type Internet` to the table", route.NextHopType, route.NextHopIPAddress)
		}
	case naming.SubnetApplicationGateway:
		// Only application gateways may share the subnet
		// (https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#virtual-network-and-dedicated-subnet).
		if len(read.IPConfigurations) > 0 {
			problems.add(path, id, "holds %d other resources' IP configurations (%s): Application Gateway needs a subnet of its own; give it an empty one",
				len(read.IPConfigurations), read.IPConfigurations[0])
		}
		// https://learn.microsoft.com/azure/application-gateway/configuration-infrastructure#supported-user-defined-routes
		if routed && route.NextHopType != "Internet" {
			problems.add(path, id, "has a route table sending 0.0.0.0/0 to %s %s; Application Gateway v2 needs 0.0.0.0/0 to the Internet: remove that route from its table",
				route.NextHopType, route.NextHopIPAddress)
		}
	case naming.SubnetBastion:
		// https://learn.microsoft.com/azure/bastion/bastion-faq ("user-defined routes are not supported on an Azure Bastion subnet")
		if read.RouteTableID != "" {
			problems.add(path, id, "has the route table %s; Azure Bastion does not support one on AzureBastionSubnet: detach it", read.RouteTableID)
		}
	case naming.SubnetKubernetesNodes, naming.SubnetJumpbox:
		// Their routes are egress's (checkEgressRoutes); the rest is common to every subnet.
	case naming.SubnetFirewall:
		// Azure itself refuses a route table there without 0.0.0.0/0 to the Internet.
	}
	return warnings
}

// rulesWho says who writes the platform's security rules into brought groups.
func rulesWho(c *Config) string {
	if c.Network.Existing.SecurityRules == SecurityRulesAdded {
		return "adds its rules to it"
	}
	return "expects the platform's rules in it"
}

// checkBroughtRules checks a brought group's own rules: none may admit the Internet to a subnet that
// is not public (the platform's "only X" rules must hold); on the gateway's subnet none may deny what
// Application Gateway v2 needs; when the program adds its rules, none may share a name or a priority
// and direction with one of them (Azure refuses the second), and when the landing zone holds them,
// the flows its service needs must be allowed.
func checkBroughtRules(c *Config, subnet plannedSubnet, read ObservedSubnet, problems *problemList) {
	path, id := existingSubnetPath(subnet), subnet.cidr
	// Behind Front Door the gateway admits Front Door alone (https://learn.microsoft.com/azure/frontdoor/origin-security).
	public := (subnet.role == naming.SubnetApplicationGateway && !c.FrontDoor.Enabled) || subnet.role == naming.SubnetBastion
	var planned []netrules.Rule
	if c.Network.Existing.SecurityRules == SecurityRulesAdded {
		planned = netrules.For(subnet.role, c.SecurityRulePlan())
	}
	own := landingZoneRules(read.SecurityRules, planned)
	for _, rule := range own {
		if !public && rule.Direction == "Inbound" && rule.Access == "Allow" && slices.ContainsFunc(rule.SourcePrefixes, admitsInternet) {
			problems.add(path, id, "has the rule %s (priority %d) in %s, which admits the Internet; nothing outside the network may reach the %s subnet: remove it",
				rule.Name, rule.Priority, read.SecurityGroupID, subnet.role)
		}
		if subnet.role == naming.SubnetApplicationGateway && rule.Direction == "Outbound" && rule.Access == "Deny" && slices.ContainsFunc(rule.DestinationPrefixes, admitsInternet) {
			problems.add(path, id, "has the rule %s (priority %d) in %s, which denies outbound Internet traffic; Application Gateway v2 must reach the Internet: remove it",
				rule.Name, rule.Priority, read.SecurityGroupID)
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
	if c.Network.Existing.SecurityRules != SecurityRulesBrought {
		return
	}
	for _, flow := range requiredInbound[subnet.role] {
		if !allowedFirst(own, flow.source, flow.port) {
			problems.add(path, id, "has no rule in %s allowing %s inbound on port %d ahead of any deny, which %s needs: add the rules README lists (Deploying into a landing zone, Security rules)",
				read.SecurityGroupID, flow.source, flow.port, subnet.role)
		}
	}
}

// landingZoneRules are a group's rules without the program's own from an earlier run: a rule with the
// name, priority and direction of a planned rule is the program's.
func landingZoneRules(rules []ObservedSecurityRule, planned []netrules.Rule) []ObservedSecurityRule {
	return slices.DeleteFunc(slices.Clone(rules), func(rule ObservedSecurityRule) bool {
		return slices.ContainsFunc(planned, func(ours netrules.Rule) bool {
			return strings.EqualFold(ours.Name, rule.Name) && ours.Priority == rule.Priority && strings.EqualFold(string(ours.Direction), rule.Direction)
		})
	})
}

// allowedFirst reports whether inbound traffic from source to port meets an Allow rule before any Deny
// rule, or no rule at all: Azure's defaults then allow the virtual network and the load balancer, and
// deny the rest (https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules).
func allowedFirst(rules []ObservedSecurityRule, source string, port int) bool {
	inbound := slices.DeleteFunc(slices.Clone(rules), func(rule ObservedSecurityRule) bool { return rule.Direction != "Inbound" })
	slices.SortFunc(inbound, func(a, b ObservedSecurityRule) int { return a.Priority - b.Priority })
	for _, rule := range inbound {
		matchesSource := slices.ContainsFunc(rule.SourcePrefixes, func(prefix string) bool {
			return strings.EqualFold(prefix, source) || prefix == "*" || strings.EqualFold(prefix, "Any")
		})
		if matchesSource && slices.ContainsFunc(rule.DestinationPorts, func(ports string) bool { return portsCover(ports, port) }) {
			return rule.Access == "Allow"
		}
	}
	return source == "AzureLoadBalancer"
}

// portsCover reports whether a port specification ("*", "443", "65200-65535") includes port.
func portsCover(spec string, port int) bool {
	if spec == "*" {
		return true
	}
	from, to, isRange := strings.Cut(spec, "-")
	if !isRange {
		to = from
	}
	low, errLow := strconv.Atoi(strings.TrimSpace(from))
	high, errHigh := strconv.Atoi(strings.TrimSpace(to))
	return errLow == nil && errHigh == nil && low <= port && port <= high
}

// admitsInternet reports whether a rule's prefix includes the Internet.
func admitsInternet(prefix string) bool {
	switch strings.ToLower(prefix) {
	case "*", "internet", "any", "0.0.0.0/0":
		return true
	}
	return false
}

// landingZoneDefaultRoute returns the landing zone's route for 0.0.0.0/0 among routes: not one the
// program added in an earlier run (ProgramRouteNames).
func landingZoneDefaultRoute(routes []ObservedRoute) (ObservedRoute, bool) {
	for _, route := range routes {
		if route.AddressPrefix == "0.0.0.0/0" && !slices.Contains(ProgramRouteNames, route.Name) {
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
		route, routed := landingZoneDefaultRoute(read.Routes)
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
