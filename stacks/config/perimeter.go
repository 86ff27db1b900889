// Perimeter and alerting checks: firewall tier and egress allow list, jumpbox size, alert e-mail.

package config

import (
	"net/netip"
	"regexp"
)

// egressHostPattern is a host name with an optional leading `*.` wildcard, as Azure Firewall
// application rules accept it.
var egressHostPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// validatePerimeter checks the perimeter options that are switched on, and the alert recipient.
func validatePerimeter(c *Config, problems *problemList) {
	p := c.Perimeter
	validateEgress(c, problems)
	if p.FirewallEnabled() {
		if !oneOf(p.FirewallSKU, FirewallSKUs) {
			problems.add("perimeter.firewallSku", p.FirewallSKU, "must be one of %s (Basic lacks the DNS proxy the egress design relies on)", alternatives(FirewallSKUs, ", "))
		}
		for _, host := range p.EgressAllowList {
			if !egressHostPattern.MatchString(host) {
				problems.add("perimeter.egressAllowList", host, "is not a host name or *.wildcard host name such as ghcr.io or *.blob.core.windows.net (lower-case, no scheme, port or path)")
			}
		}
	}
	if p.JumpboxEnabled && !vmSizePattern.MatchString(p.JumpboxVMSize) {
		problems.add("perimeter.jumpboxVmSize", p.JumpboxVMSize, "is not an Azure VM size such as Standard_B2als_v2")
	}
	if c.Monitoring.AlertEmail != "" {
		if err := checkEmail(c.Monitoring.AlertEmail); err != nil {
			problems.add("monitoring.alertEmail", c.Monitoring.AlertEmail, "%v (empty means apiManagement.publisherEmail)", err)
		}
	}
}

// validateEgress checks the egress mode and the hub's next hop: an IPv4 address outside the stack's
// own network (the hub's firewall lives in the hub), given exactly when the mode is hub.
func validateEgress(c *Config, problems *problemList) {
	p := c.Perimeter
	if !oneOf(p.Egress, EgressModes) {
		problems.add("perimeter.egress", p.Egress, "must be %s", alternatives(EgressModes, " or "))
		return
	}
	if p.Egress != EgressHub {
		if p.HubNextHopIP != "" {
			problems.add("perimeter.hubNextHopIp", p.HubNextHopIP, "is set but perimeter.egress is %s: set perimeter.egress to hub to route through it, or remove it", p.Egress)
		}
		return
	}
	address, err := netip.ParseAddr(p.HubNextHopIP)
	switch {
	case p.HubNextHopIP == "":
		problems.add("perimeter.hubNextHopIp", "", "is required when perimeter.egress is hub: the hub firewall's private IPv4 address, e.g. 10.100.1.4")
	case err != nil || !address.Is4():
		problems.add("perimeter.hubNextHopIp", p.HubNextHopIP, "is not an IPv4 address: give the hub firewall's private address, e.g. 10.100.1.4")
	default:
		for _, space := range c.addressSpaces() {
			if space.Contains(address) {
				problems.add("perimeter.hubNextHopIp", p.HubNextHopIP, "is inside %s: the hub firewall is in the hub's network, which the stack's network is peered with", c.addressSpaceName(space))
			}
		}
		// The cluster's own ranges must not overlap peered networks: an address in them is never
		// routed to the hub (https://learn.microsoft.com/azure/aks/azure-cni-overlay).
		for _, cluster := range []struct{ key, cidr string }{{"kubernetes.serviceCidr", c.Kubernetes.ServiceCIDR}, {"kubernetes.podCidr", c.Kubernetes.PodCIDR}} {
			if prefix, err := netip.ParsePrefix(cluster.cidr); err == nil && prefix.Contains(address) {
				problems.add("perimeter.hubNextHopIp", p.HubNextHopIP, "is inside %s %s: the cluster's ranges must not overlap the hub's network; move %s off the hub's address plan",
					cluster.key, cluster.cidr, cluster.key)
			}
		}
	}
}
