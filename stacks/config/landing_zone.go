// Landing-zone checks: a brought network named by ARM IDs (offline), what Azure reports about it
// (at deploy time, before anything is created), and central private DNS zones.

package config

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/apiplatform/azure-api-platform/components/naming"
	"github.com/apiplatform/azure-api-platform/components/privatelink"
)

// subnetIDPattern is a subnet's ARM ID; the groups are the network's ID and the subnet's name.
var subnetIDPattern = regexp.MustCompile(`(?i)^(/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/virtualNetworks/[-\w._]+)/subnets/([-\w._]+)$`)

// privateZoneIDPattern is a private DNS zone's ARM ID; the group is the zone's name.
var privateZoneIDPattern = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]+/providers/Microsoft\.Network/privateDnsZones/([-\w.]+)$`)

// existingSubnetPath is the config path of a brought subnet's ID.
func existingSubnetPath(subnet plannedSubnet) string {
	return "network.existing.subnetIds." + strings.TrimPrefix(subnet.path, "network.subnets.")
}

// validateExistingNetwork checks, offline, what names the landing zone's network: the network's ID,
// one well-formed subnet ID per role the stack uses, all in that network, no subnet used twice, and
// the names Azure requires of the Bastion and Firewall subnets.
func validateExistingNetwork(c *Config, problems *problemList) {
	existing := c.Network.Existing
	if !oneOf(existing.SecurityRules, SecurityRulesSources) {
		problems.add("network.existing.securityRules", existing.SecurityRules, "must be %s", alternatives(SecurityRulesSources, " or "))
	}
	networkOK := hubNetworkIDPattern.MatchString(existing.VirtualNetworkID)
	if !networkOK {
		problems.add("network.existing.virtualNetworkId", existing.VirtualNetworkID,
			"must be the landing zone network's ARM ID with network.mode existing: /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>")
	}
	if c.Network.HubVirtualNetworkID != "" {
		problems.add("network.hubVirtualNetworkId", c.Network.HubVirtualNetworkID,
			"is set with network.mode existing: a landing zone's network is peered by whoever created it; the program peers only a network it creates")
	}
	if len(c.Network.DNSServers) > 0 {
		problems.add("network.dnsServers", c.Network.DNSServers,
			"is set with network.mode existing: the landing zone's network has its own DNS servers; remove it")
	}
	used := map[string]string{}
	for _, subnet := range c.existingSubnetPlan() {
		path := existingSubnetPath(subnet)
		if !subnet.created {
			if subnet.cidr != "" {
				problems.add(path, subnet.cidr, "is set but %s is not switched on; remove it", subnet.role)
			}
			continue
		}
		match := subnetIDPattern.FindStringSubmatch(subnet.cidr)
		switch {
		case subnet.cidr == "":
			problems.add(path, "", "is required with network.mode existing: %s; give the subnet's ARM ID (<network ID>/subnets/<name>)", requiredBecause(subnet.role))
			continue
		case match == nil:
			problems.add(path, subnet.cidr, "is not a subnet's ARM ID: /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<name>")
			continue
		case networkOK && !strings.EqualFold(match[1], existing.VirtualNetworkID):
			problems.add(path, subnet.cidr, "is not in network.existing.virtualNetworkId %s: every subnet of the platform is in that one network", existing.VirtualNetworkID)
		}
		if required := naming.SubnetName(subnet.role); (subnet.role == naming.SubnetBastion || subnet.role == naming.SubnetFirewall) && match[2] != required {
			problems.add(path, subnet.cidr, "is named %s, but Azure requires this subnet to be named %s", match[2], required)
		}
		key := strings.ToLower(subnet.cidr)
		if earlier, taken := used[key]; taken {
			problems.add(path, subnet.cidr, "is also %s: each service needs its own subnet", earlier)
		}
		used[key] = path
	}
}

// existingSubnetPlan is subnetPlan over the brought subnets' IDs (cidr holds the ID).
func (c *Config) existingSubnetPlan() []plannedSubnet {
	return c.subnetPlanOf(c.Network.Existing.SubnetIDs)
}

// validateNetworkMode checks the network mode and the settings that belong to the other mode.
func validateNetworkMode(c *Config, problems *problemList) {
	network := c.Network
	switch network.Mode {
	case NetworkCreate:
		if network.Existing.VirtualNetworkID != "" {
			problems.add("network.existing.virtualNetworkId", network.Existing.VirtualNetworkID, "is set but network.mode is create: set network.mode to existing to deploy into it, or remove it")
		}
		for _, subnet := range c.existingSubnetPlan() {
			if subnet.cidr != "" {
				problems.add(existingSubnetPath(subnet), subnet.cidr, "is set but network.mode is create: set network.mode to existing to deploy into it, or remove it")
			}
		}
		validateDNSServers(c, problems)
	case NetworkExisting:
		validateExistingNetwork(c, problems)
	default:
		problems.add("network.mode", network.Mode, "must be %s", alternatives(NetworkModes, " or "))
	}
}

// validateDNSServers checks the created network's custom DNS servers: IPv4 addresses, with central
// private DNS, because a hub's resolvers cannot see zones linked to this network only.
func validateDNSServers(c *Config, problems *problemList) {
	servers := c.Network.DNSServers
	for _, server := range servers {
		if address, err := netip.ParseAddr(server); err != nil || !address.Is4() {
			problems.add("network.dnsServers", servers, "lists %q, which is not an IPv4 address: give the hub DNS resolvers' private addresses, e.g. [\"10.100.0.4\"]", server)
		}
	}
	checkCustomDNS(c, "network.dnsServers", servers, servers, problems)
}

// validatePrivateDNS checks the private DNS mode and, with central zones, that every zone is a
// private DNS zone's ARM ID under its own name, that each privatelink zone the endpoints need is
// given (unless Azure Policy writes those records), and that a zone holds each internal host name.
func validatePrivateDNS(c *Config, problems *problemList) {
	dns := c.PrivateDNS
	switch dns.Mode {
	case PrivateDNSCreate:
		if len(dns.CentralZones) > 0 {
			problems.add("privateDns.centralZones", render(dns.CentralZones), "is set but privateDns.mode is create: set privateDns.mode to central to use them, or remove it")
		}
		if dns.PolicyCreatesRecords {
			problems.add("privateDns.policyCreatesRecords", true, "is set but privateDns.mode is create: the stack writes its own records; remove it")
		}
		if dns.VaultZoneLinked {
			problems.add("privateDns.vaultZoneLinked", true, "is set but privateDns.mode is create: the stack links its own zones; remove it")
		}
		return
	case PrivateDNSCentral:
	default:
		problems.add("privateDns.mode", dns.Mode, "must be %s", alternatives(PrivateDNSModes, " or "))
		return
	}
	if dns.VaultZoneLinked && c.Network.Mode == NetworkCreate {
		problems.add("privateDns.vaultZoneLinked", true, "is set but network.mode is create: the stack's network is new, so no zone is linked to it yet; remove it")
	}
	seen := map[string]bool{}
	for index, zone := range dns.CentralZones {
		path := "privateDns.centralZones[" + strconv.Itoa(index) + "]"
		match := privateZoneIDPattern.FindStringSubmatch(zone.ID)
		switch {
		case checkHostName(zone.Name) != nil:
			problems.add(path+".name", zone.Name, "is not a DNS zone name such as privatelink.vaultcore.azure.net")
		case match == nil:
			problems.add(path+".id", zone.ID, "is not a private DNS zone's ARM ID: /subscriptions/<subscription GUID>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/<zone name>")
		case !strings.EqualFold(match[1], zone.Name):
			problems.add(path+".id", zone.ID, "is the zone %s, not %s (its name)", match[1], zone.Name)
		case seen[strings.ToLower(zone.Name)]:
			problems.add(path+".name", zone.Name, "is listed twice")
		}
		seen[strings.ToLower(zone.Name)] = true
	}
	if vault := "privatelink.vaultcore.azure.net"; !seen[vault] {
		// Application Gateway resolves Key Vault through Azure's resolver, which answers only from zones
		// linked to its own network: the program links this zone (https://learn.microsoft.com/azure/application-gateway/key-vault-certs).
		problems.add("privateDns.centralZones", render(dns.CentralZones), "has no zone %s: Application Gateway reads its certificate from Key Vault through a zone linked to its own network, even with policy-written records; add {name: %s, id: <its ARM ID>}",
			vault, vault)
		seen[vault] = true
	}
	if dns.PolicyCreatesRecords && strings.TrimSpace(dns.PolicyZoneGroupName) == "" {
		problems.add("privateDns.policyZoneGroupName", dns.PolicyZoneGroupName, "is required with privateDns.policyCreatesRecords: the name the policy gives its zone groups (deployedByPolicy in the Azure landing zone policies)")
	}
	if !dns.PolicyCreatesRecords {
		for _, group := range c.privateEndpointGroups() {
			info, known := privatelink.Lookup(group)
			if known && !seen[info.Zone] {
				problems.add("privateDns.centralZones", render(dns.CentralZones), "has no zone %s, which the %s private endpoint registers in: add {name: %s, id: <its ARM ID>}, or set privateDns.policyCreatesRecords when Azure Policy writes these records",
					info.Zone, group, info.Zone)
				seen[info.Zone] = true
			}
		}
	}
	for _, host := range []struct{ path, name string }{{"hostNames.apiGateway", c.HostNames.APIGateway}, {"hostNames.backend", c.HostNames.Backend}} {
		if checkHostName(host.name) == nil && c.CentralZoneFor(host.name).Name == "" {
			problems.add(host.path, host.name, "is in none of privateDns.centralZones: with central private DNS its A record goes into the landing zone's zone that holds it; add that zone (e.g. %s)",
				parentDomain(host.name))
		}
	}
}

// CentralZoneFor returns the central zone that holds a host name: the longest zone name it ends
// with, the zone a resolver answers from. The zero CentralZone means none.
func (c *Config) CentralZoneFor(host string) CentralZone {
	var names []string
	for _, zone := range c.PrivateDNS.CentralZones {
		names = append(names, zone.Name)
	}
	name, _ := privatelink.ZoneHolding(host, names)
	for _, zone := range c.PrivateDNS.CentralZones {
		if zone.Name == name {
			return zone
		}
	}
	return CentralZone{}
}

// CentralZoneID returns the ID of the central zone named zoneName, or "".
func (c *Config) CentralZoneID(zoneName string) string {
	for _, zone := range c.PrivateDNS.CentralZones {
		if strings.EqualFold(zone.Name, zoneName) {
			return zone.ID
		}
	}
	return ""
}

// parentDomain is a host name without its first label.
func parentDomain(host string) string {
	if _, parent, found := strings.Cut(host, "."); found {
		return parent
	}
	return host
}

// ExistingSubnetIDs returns the brought subnets' IDs by role (existing mode).
func (c *Config) ExistingSubnetIDs() map[naming.SubnetRole]string {
	return createdByRole(c.existingSubnetPlan())
}
